//! Scoped requirements at the gate: global permissions, or a role held in the scope the path
//! names; malformed ids refused before any store is asked; a store failure fails closed.

use actix_web::{App, HttpResponse, get, post, test, web};
use authz_actix::{Grants, ResolveActor, require_permission};
use authz_tests::{CATALOG, MemoryGrants, resolve};

/// List a team's projects.
#[require_permission("project:read", scope = team(path = "team_id"), deny = not_found)]
#[get("/teams/{team_id}/projects")]
async fn list_team(team_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().body(format!("team {team_id}"))
}

/// Create a project in a team.
#[require_permission("project:write", scope = team(path = "team_id", outsiders = not_found))]
#[post("/teams/{team_id}/projects")]
async fn create_in_team(team_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Created().body(format!("team {team_id}"))
}

// Actor 8: editor in team 1, viewer in team 2. Actor 9: member (no permission) in team 1.
const ROWS: &[(i64, i64, &str)] = &[(8, 1, "editor"), (8, 2, "support"), (9, 1, "member")];

async fn app(
    store: &MemoryGrants,
    with_grants: bool,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse,
    Error = actix_web::Error,
> {
    let mut app = App::new().wrap(ResolveActor::new(resolve));
    if with_grants {
        app = app.app_data(Grants::new(store.clone(), &CATALOG));
    }
    test::init_service(app.configure(authz_actix::mount(|r| {
        r.service(list_team).service(create_in_team);
    })))
    .await
}

async fn call(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    method: &str,
    uri: &str,
    token: &str,
) -> (u16, Vec<u8>) {
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(uri)
        .insert_header(("authorization", format!("Bearer {token}")));
    let res = test::call_service(app, req.to_request()).await;
    (res.status().as_u16(), test::read_body(res).await.to_vec())
}

#[actix_rt::test]
async fn a_role_grants_inside_its_team_only() {
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    let cases = [
        // (method, uri, token, status)
        ("GET", "/teams/1/projects", "member-8", 200),
        ("POST", "/teams/1/projects", "member-8", 201),
        ("GET", "/teams/2/projects", "member-8", 200),
        // A member of team 2 without project:write: 403; team 3, no role at all: hidden.
        ("POST", "/teams/2/projects", "member-8", 403),
        ("GET", "/teams/3/projects", "member-8", 404),
        ("POST", "/teams/3/projects", "member-8", 404),
        // Member role in team 1: no permission. Reads hide (deny = not_found); writes say 403.
        ("GET", "/teams/1/projects", "member-9", 404),
        ("POST", "/teams/1/projects", "member-9", 403),
        // Global roles hold in every team, existing or not.
        ("GET", "/teams/77/projects", "support-5", 200),
        ("POST", "/teams/77/projects", "support-5", 404),
        ("POST", "/teams/77/projects", "editor-4", 201),
    ];
    for (method, uri, token, status) in cases {
        assert_eq!(call(&app, method, uri, token).await.0, status, "{method} {uri} as {token}");
    }
}

/// The usual actix habit, `app_data(web::Data::new(grants))`, works as `app_data(grants)` does.
#[actix_rt::test]
async fn grants_given_as_web_data_are_found() {
    let store = MemoryGrants::new(ROWS);
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .app_data(actix_web::web::Data::new(Grants::new(store.clone(), &CATALOG)))
            .configure(authz_actix::mount(|r| {
                r.service(list_team).service(create_in_team);
            })),
    )
    .await;
    assert_eq!(call(&app, "POST", "/teams/1/projects", "member-8").await.0, 201);
    assert_eq!(call(&app, "POST", "/teams/2/projects", "member-8").await.0, 403);
    assert_eq!(call(&app, "GET", "/teams/3/projects", "member-8").await.0, 404);
}

#[actix_rt::test]
async fn global_permissions_never_ask_the_store_and_answers_are_cached() {
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    for _ in 0..3 {
        assert_eq!(call(&app, "POST", "/teams/5/projects", "editor-4").await.0, 201);
    }
    assert_eq!(store.queries(), 0, "a global editor needs no store");
    for _ in 0..3 {
        assert_eq!(call(&app, "POST", "/teams/1/projects", "member-8").await.0, 201);
    }
    assert_eq!(store.queries(), 1, "one query, then the worker's cache");
    // Revoked and announced: the next request is refused.
    store.revoke(8);
    assert_eq!(call(&app, "POST", "/teams/1/projects", "member-8").await.0, 404);
}

#[actix_rt::test]
async fn an_id_in_any_other_spelling_names_no_team_and_reveals_nothing() {
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    let (status, hidden) = call(&app, "GET", "/teams/3/projects", "member-8").await;
    assert_eq!(status, 404);
    let queries = store.queries();
    for id in
        ["+1", "01", "-1", "1.0", "0x1", "%2B1", "1%20", "abc", "99999999999999999999", "%EF%BC%91"]
    {
        for method in ["GET", "POST"] {
            let (status, body) =
                call(&app, method, &format!("/teams/{id}/projects"), "member-8").await;
            assert_eq!(status, 404, "{method} {id}");
            assert_eq!(body, hidden, "{method} {id}: the body of a missing team");
        }
    }
    assert_eq!(store.queries(), queries, "malformed ids never reach the store");
    // actix decodes `%31` to `1` before routing: the gate decides on what the handler receives.
    assert_eq!(
        call(&app, "GET", "/teams/%31/projects", "member-8").await,
        (200, b"team 1".to_vec())
    );
}

#[actix_rt::test]
async fn a_store_failure_or_a_missing_store_fails_closed() {
    let (logs, _guard) = authz_tests::capture_logs();
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    store.set_down(true);
    assert_eq!(call(&app, "GET", "/teams/1/projects", "member-8").await.0, 500);
    assert!(logs.take().iter().any(|l| l.contains("ERROR")
        && l.contains("grant store failed")
        && l.contains("resource=team_id=1")));
    // Not cached: the store is back, so is access.
    store.set_down(false);
    assert_eq!(call(&app, "GET", "/teams/1/projects", "member-8").await.0, 200);

    let without = app_without_grants(&store).await;
    assert_eq!(call(&without, "GET", "/teams/1/projects", "member-8").await.0, 500);
    assert!(logs.take().iter().any(|l| l.contains("no `Grants` in the app data")));
    // Global permissions still decide without a store.
    assert_eq!(call(&without, "GET", "/teams/1/projects", "support-5").await.0, 200);
}

async fn app_without_grants(
    store: &MemoryGrants,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse,
    Error = actix_web::Error,
> {
    app(store, false).await
}

#[actix_rt::test]
async fn denials_are_audited_with_the_team() {
    let (logs, _guard) = authz_tests::capture_logs();
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    assert_eq!(call(&app, "POST", "/teams/3/projects", "member-8").await.0, 404);
    assert_eq!(call(&app, "POST", "/teams/2/projects", "member-8").await.0, 403);
    let lines = logs.take();
    let decisions: Vec<&String> =
        lines.iter().filter(|l| l.contains("authorization decision")).collect();
    assert_eq!(decisions.len(), 2, "{lines:#?}");
    assert!(
        decisions[0].contains("resource=team_id=3")
            && decisions[0].contains("no role in the scope")
            && decisions[0].contains("status=404")
    );
    assert!(
        decisions[1].contains("resource=team_id=2")
            && decisions[1].contains("requirement not met in the scope")
            && decisions[1].contains("status=403")
    );
}

#[::core::prelude::v1::test]
fn the_matrix_says_where_the_permission_holds() {
    let matrix = authz_actix::routes::matrix(
        |r| {
            r.service(list_team).service(create_in_team);
        },
        Some(&CATALOG),
    );
    let md = matrix.to_markdown("regen");
    assert!(md.contains("| `/teams/{team_id}/projects` | POST | Create a project in a team | project:write in team {team_id} | — | 404 without a role in the team (hides it), else 403 |"), "{md}");
    assert!(md.contains("| `/teams/{team_id}/projects` | GET | List a team's projects | project:read in team {team_id} | — | 404 (hides existence) |"), "{md}");
    assert!(md.contains("allowed in the team where the role is held"), "{md}");
    assert!(md.contains("denied (403 in the team where the role is held, 404 elsewhere)"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&matrix.to_json()).expect("json");
    let post = json["endpoints"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|e| e["method"] == "POST")
        .expect("POST")
        .clone();
    assert_eq!(
        post["scope"],
        serde_json::json!({ "kind": "team", "param": "team_id", "outsiders_status": 404 })
    );
    assert_eq!(post["requirement"], "project:write in team {team_id}");
    assert_eq!(post["roles"]["editor"], "scoped");
}

/// A refusal in a scope names it: the team the path named, as actix decoded the id.
#[actix_rt::test]
async fn a_refusal_in_a_scope_names_the_scope() {
    let (logs, _guard) = authz_tests::capture_logs();
    let store = MemoryGrants::new(ROWS);
    let app = app(&store, true).await;
    // Actor 9 is a member of team 1 without project:write; no role at all in team 3.
    for (uri, reason, scope) in [
        ("/teams/1/projects", "requirement not met in the scope", "scope=\"team 1\""),
        ("/teams/3/projects", "no role in the scope", "scope=\"team 3\""),
    ] {
        call(&app, "POST", uri, "member-9").await;
        let lines = logs.take();
        assert!(
            lines.iter().any(|l| l.contains(&format!("reason=\"{reason}\"")) && l.contains(scope)),
            "{uri}: {lines:#?}"
        );
    }
}
