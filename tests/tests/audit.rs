//! Every decision on a gated route emits exactly one `authz` event, with the route pattern, and no
//! event ever carries the caller's token.

use actix_web::{App, HttpResponse, get, test, web};
use authz_actix::{ResolveActor, require_permission};
use authz_tests::resolve;

/// Read a project.
#[require_permission("project:read", deny = not_found)]
#[get("/projects/{id}")]
async fn read_project(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

/// Hidden by the service: the gate lets any reader in, the service refuses.
#[require_permission("project:read")]
#[get("/documents/{id}")]
async fn read_document(id: web::Path<u32>) -> Result<HttpResponse, authz_actix::Denied> {
    authz_actix::Authorizer::require(*id == 1, authz_actix::Deny::NotFound)?;
    Ok(HttpResponse::Ok().finish())
}

#[actix_rt::test]
async fn one_event_per_decision_with_route_pattern_and_no_token() {
    let (logs, _guard) = authz_tests::capture_logs();

    let app = test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(
        authz_actix::mount(|r| {
            r.service(read_project).service(read_document);
        }),
    ))
    .await;
    let cases = [
        (Some("editor-7"), 200, "allow", "actor=7", "DEBUG"),
        (Some("member-8"), 404, "deny", "actor=8", "INFO"),
        (None, 401, "deny", "actor=anonymous", "INFO"),
        (Some("down"), 500, "deny", "actor=anonymous", "ERROR"),
    ];
    for (token, status, decision, actor, level) in cases {
        let mut req = test::TestRequest::get().uri("/projects/42");
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status().as_u16(), status, "{token:?}");
        let lines = logs.take();
        let decisions: Vec<_> =
            lines.iter().filter(|l| l.contains("authorization decision")).collect();
        assert_eq!(decisions.len(), 1, "exactly one decision event for {token:?}: {lines:#?}");
        let event = decisions[0];
        for needle in [
            level,
            " authz:",
            "route=/projects/{id}",
            "method=GET",
            "requirement=project:read",
            actor,
        ] {
            assert!(event.contains(needle), "{needle:?} missing from {event}");
        }
        assert!(event.contains(&format!("decision=\"{decision}\"")), "{event}");
        for line in &lines {
            assert!(!line.contains("Bearer"), "a token leaked into the logs: {line}");
            if let Some(t) = token {
                assert!(
                    !line.contains(&format!("{t} ")) && !line.contains(&format!("={t}")),
                    "token text in {line}"
                );
            }
        }
    }
}

#[actix_rt::test]
async fn a_service_level_refusal_is_the_one_decision_event() {
    let (logs, _guard) = authz_tests::capture_logs();
    let app = test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(
        authz_actix::mount(|r| {
            r.service(read_project).service(read_document);
        }),
    ))
    .await;
    for (id, status, decision) in [(1, 200, "allow"), (2, 404, "deny")] {
        let req = test::TestRequest::get()
            .uri(&format!("/documents/{id}"))
            .insert_header(("authorization", "Bearer editor-7"));
        assert_eq!(test::call_service(&app, req.to_request()).await.status().as_u16(), status);
        let lines = logs.take();
        let decisions: Vec<_> =
            lines.iter().filter(|l| l.contains("authorization decision")).collect();
        assert_eq!(decisions.len(), 1, "{lines:#?}");
        assert!(
            decisions[0].contains("route=/documents/{id}")
                && decisions[0].contains(&format!("decision=\"{decision}\"")),
            "{}",
            decisions[0]
        );
        assert!(decisions[0].contains(&format!("status={status}")), "{}", decisions[0]);
    }
}

/// Every event names its decision (`decision_id=`, 16 hex digits, never repeated) and the matrix
/// the app serves (`matrix=`, the digest `mount` computed from the same routes); when the app
/// explains refusals, the answer carries the id in `authz-decision-id` — but never a 404, which
/// must stay byte-identical to a missing resource's.
#[actix_rt::test]
async fn events_name_their_decision_and_the_matrix_in_force() {
    let (logs, _guard) = authz_tests::capture_logs();
    let routes = |r: &mut authz_actix::Routes<'_>| {
        r.service(read_project).service(read_document);
    };
    let digest = authz_actix::routes::matrix(routes, None).digest();
    assert_eq!(digest.len(), 16);
    for explain in [false, true] {
        let mut app = App::new().wrap(ResolveActor::new(resolve));
        if explain {
            app = app.app_data(authz_actix::problem::Explain);
        }
        let app = test::init_service(app.configure(authz_actix::mount(routes))).await;
        let mut ids = Vec::new();
        for (uri, token, status) in [
            ("/projects/1", Some("editor-7"), 200),
            ("/projects/1", Some("member-8"), 404),
            ("/projects/1", None, 401),
            ("/documents/1", Some("member-8"), 403),
            ("/documents/2", Some("editor-7"), 404),
        ] {
            let mut req = test::TestRequest::get().uri(uri);
            if let Some(t) = token {
                req = req.insert_header(("authorization", format!("Bearer {t}")));
            }
            let res = test::call_service(&app, req.to_request()).await;
            assert_eq!(res.status().as_u16(), status, "{uri} {token:?}");
            let header = res
                .headers()
                .get(authz_actix::problem::DECISION_ID)
                .map(|v| v.to_str().expect("ascii").to_owned());
            let lines = logs.take();
            let event = lines
                .iter()
                .find(|l| l.contains("authorization decision"))
                .unwrap_or_else(|| panic!("no event: {lines:#?}"));
            assert!(event.contains(&format!("matrix={digest}")), "{event}");
            let id = event
                .split("decision_id=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("no decision_id in {event}"));
            assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            match (explain, status) {
                (true, 404) | (false, _) => {
                    assert_eq!(header, None, "{uri} {token:?} explain={explain}")
                }
                (true, _) => assert_eq!(header.as_deref(), Some(id), "{uri} {token:?}"),
            }
            ids.push(id.to_owned());
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "ids repeat: {ids:?}");
        // Consecutive decisions' ids say nothing of how many decisions lie between them.
        let numbers: Vec<u64> =
            ids.iter().map(|id| u64::from_str_radix(id, 16).expect("hex")).collect();
        assert!(
            numbers.windows(2).all(|w| w[1].wrapping_sub(w[0]) > 1_000_000),
            "ids count up: {ids:?}"
        );
    }
}
