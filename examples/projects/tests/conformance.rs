//! The projects service against its own matrix, with `authz_actix::conformance`: every route ×
//! method × actor on a fresh database, compared with the matrix — and, for policy rows, with an
//! oracle written from the DESIGN table. Prints the figures.

use actix_web::test;
use authz_actix::conformance::{Caller, Credentials, Expected, Suite};
use projects::db::Db;
use projects::model::NewProject;
use projects::perms::{CATALOG, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::users::{demo, Users};

/// A fresh database: the demo users, a revoked user, and project 1 — private, owned by bob,
/// owner edits allowed.
async fn fixture() -> (impl actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, Error = actix_web::Error>, Credentials) {
    let db = Db::connect("sqlite::memory:").await.expect("database");
    let users = Users::new(db.clone());
    let mut credentials = Credentials::new();
    let bearer = |token: &str| vec![("authorization".to_owned(), format!("Bearer {token}"))];
    let mut bob = 0;
    for (user, token) in demo(&users).await.expect("demo users") {
        let label = match user.name.as_str() {
            "alice" => "alice (admin)",
            "erin" => "erin (editor)",
            "carol" => "carol (support)",
            "bob" => {
                bob = user.id;
                "bob (member, owner)"
            }
            _ => "dave (member, non-owner)",
        };
        credentials.insert(label.to_owned(), bearer(&token));
    }
    let (_, revoked) = users.add("rita", "admin").await.expect("user");
    users.revoke_tokens("rita").await.expect("revoke");
    credentials.insert("revoked admin token".to_owned(), bearer(&revoked));
    credentials.insert("malformed token".to_owned(), bearer("pat_not-a-token"));
    let seed = CATALOG.system_actor("conformance-seed", &[PROJECT_WRITE]);
    ProjectService::new(db.clone())
        .create(&seed, NewProject { name: "Apollo".into(), owner_id: Some(bob), allow_owner_edits: true, ..Default::default() })
        .await
        .expect("project");
    (test::init_service(projects::http::app(db)).await, credentials)
}

#[actix_rt::test]
async fn every_route_method_and_actor_matches_the_matrix() {
    let report = Suite::new(authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG)))
        .actor(Caller::anonymous("anonymous"))
        .actor(Caller::invalid("malformed token"))
        .actor(Caller::invalid("revoked admin token"))
        .actor(Caller::with_roles("alice (admin)", &["admin"]))
        .actor(Caller::with_roles("erin (editor)", &["editor"]))
        .actor(Caller::with_roles("carol (support)", &["support"]))
        .actor(Caller::with_roles("bob (member, owner)", &["member"]))
        .actor(Caller::with_roles("dave (member, non-owner)", &["member"]))
        .param("id", "1")
        .body("POST", "/projects", "application/json", r#"{"name":"Gemini"}"#)
        .body("PATCH", "/projects/{id}", "application/json", r#"{"name":"Apollo 2"}"#)
        // Project 1 is private, owned by bob, owner edits allowed, not archived or locked.
        .oracle(|cell| {
            let reader = !cell.actor().starts_with("bob") && !cell.actor().starts_with("dave");
            let owner = cell.actor().starts_with("bob");
            let writer = cell.actor().starts_with("alice") || cell.actor().starts_with("erin");
            match (cell.method(), cell.path()) {
                ("GET", "/projects") => Expected::Success,
                ("GET", "/projects/{id}") if reader || owner => Expected::Success,
                ("GET", "/projects/{id}") => Expected::Status(404),
                ("PATCH", _) if !(reader || owner) => Expected::Status(404),
                ("PATCH", _) if writer || owner => Expected::Success,
                ("PATCH", _) => Expected::Status(403),
                ("DELETE", _) => Expected::Success,
                _ => Expected::Skip,
            }
        })
        .run(fixture)
        .await;
    println!("projects conformance: {report}");
    report.assert_clean();
    assert_eq!(report.unchecked, 0, "the oracle covers every policy row");
}
