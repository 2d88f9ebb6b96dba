//! Every denial produces exactly one `authz` decision event carrying the route pattern — whether
//! the gate or a service-level policy refused — and no event carries token text.

use actix_web::test;
use projects::db::Db;
use projects::model::NewProject;
use projects::perms::{CATALOG, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::users::{Users, demo};

/// Who (token), method, URI, body, expected status, route pattern.
type Case = (Option<String>, &'static str, String, Option<serde_json::Value>, u16, &'static str);

#[actix_rt::test]
async fn one_event_per_denial_with_the_route_and_no_token() {
    let (logs, _guard) = authz_tests::capture_logs();

    let db = Db::connect("sqlite::memory:").await.expect("database");
    let issued = demo(&Users::new(db.clone())).await.expect("demo");
    let token = |name: &str| {
        issued.iter().find(|(u, _)| u.name == name).map(|(_, t)| t.clone()).expect("user")
    };
    let bob_id = issued.iter().find(|(u, _)| u.name == "bob").map(|(u, _)| u.id).expect("bob");
    let seed = CATALOG.system_actor("audit-seed", &[PROJECT_WRITE]);
    let p = ProjectService::new(db.clone())
        .create(
            &seed,
            NewProject {
                name: "p".into(),
                owner_id: Some(bob_id),
                allow_owner_edits: true,
                ..Default::default()
            },
        )
        .await
        .expect("project");
    let app = test::init_service(projects::http::app(db)).await;
    logs.take();

    let private = format!("/projects/{}", p.id);
    let cases: Vec<Case> = vec![
        (None, "GET", "/projects".into(), None, 401, "/projects"),
        (Some(token("dave")), "GET", "/admin/users".into(), None, 403, "/admin/users"),
        (Some(token("dave")), "GET", private.clone(), None, 404, "/projects/{id}"),
        (
            Some(token("bob")),
            "PATCH",
            private.clone(),
            Some(serde_json::json!({"is_locked": true})),
            403,
            "/projects/{id}",
        ),
        (
            Some(token("dave")),
            "PATCH",
            private.clone(),
            Some(serde_json::json!({"name": "x"})),
            404,
            "/projects/{id}",
        ),
        (Some(token("erin")), "DELETE", private.clone(), None, 403, "/projects/{id}"),
        (
            Some(token("dave")),
            "POST",
            "/projects".into(),
            Some(serde_json::json!({"name": "x"})),
            403,
            "/projects",
        ),
    ];
    let mut denials = 0;
    for (who, method, uri, body, status, route) in &cases {
        let mut req = test::TestRequest::default().method(method.parse().expect("method")).uri(uri);
        if let Some(t) = who {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        assert_eq!(
            test::call_service(&app, req.to_request()).await.status().as_u16(),
            *status,
            "{method} {uri}"
        );
        let lines = logs.take();
        let decisions: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains(" authz:") && l.contains("authorization decision"))
            .collect();
        assert_eq!(decisions.len(), 1, "{method} {uri}: {lines:#?}");
        let event = decisions[0];
        assert!(
            event.contains("decision=\"deny\"") && event.contains(&format!("route={route}")),
            "{event}"
        );
        assert!(
            event.contains(&format!("status={status}"))
                && event.contains(&format!("method={method}")),
            "{event}"
        );
        denials += 1;
        for line in &lines {
            for (_, t) in &issued {
                assert!(!line.contains(&t[4..]), "token text in a log line: {line}");
            }
        }
    }
    println!("denials audited: {denials}, one event each, no token text");

    // A hidden project and a missing one: the same bytes to the client, told apart in the log,
    // each naming the project.
    let hidden = test::call_service(&app, get_as(&private, &token("dave"))).await;
    let hidden_log = logs.take();
    let missing_uri = format!("/projects/{}", p.id + 1000);
    let missing = test::call_service(&app, get_as(&missing_uri, &token("dave"))).await;
    let missing_log = logs.take();
    assert_eq!(
        (hidden.status(), missing.status()),
        (actix_web::http::StatusCode::NOT_FOUND, actix_web::http::StatusCode::NOT_FOUND)
    );
    assert_eq!(test::read_body(hidden).await, test::read_body(missing).await);
    let event = |lines: &[String]| {
        lines.iter().find(|l| l.contains("authorization decision")).cloned().unwrap_or_default()
    };
    let (hidden_event, missing_event) = (event(&hidden_log), event(&missing_log));
    assert!(
        hidden_event.contains("decision=\"deny\"")
            && hidden_event.contains("hidden by a service-level policy"),
        "{hidden_event}"
    );
    assert!(hidden_event.contains(&format!("resource=id={}", p.id)), "{hidden_event}");
    assert!(
        missing_event.contains("decision=\"not_found\"")
            && missing_event.contains("no such resource"),
        "{missing_event}"
    );
    assert!(missing_event.contains(&format!("resource=id={}", p.id + 1000)), "{missing_event}");

    // A crafted id cannot break the log line: decoded, escaped, cut.
    let crafted = format!("/projects/1%0Adecision=allow{}", "9".repeat(100));
    let _ = test::call_service(&app, get_as(&crafted, &token("dave"))).await;
    let lines = logs.take();
    for line in &lines {
        assert!(!line.starts_with("decision=allow"), "a forged log line: {line}");
    }
    // Not a number: no such project, and logged as such.
    assert!(
        lines.iter().any(|l| l.contains("decision=\"not_found\"")
            && l.contains("resource=id=1\\ndecision=allow")),
        "{lines:#?}"
    );
}

fn get_as(uri: &str, token: &str) -> actix_http::Request {
    test::TestRequest::get()
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")))
        .to_request()
}
