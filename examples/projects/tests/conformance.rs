//! The projects service against its own matrix, with `authz_actix::conformance` (and, on the
//! axum front end, `authz_axum::conformance`): every route ×
//! method × actor on a fresh database, compared with the matrix — and, for policy rows, with an
//! oracle written from the DESIGN table. Team routes run three times: on a team where some actors
//! hold roles (apollo), on one where others do (zephyr), and on a team that does not exist.
//! Prints the figures.

use actix_web::test;
use authz_actix::conformance::{Caller, Credentials, Expected, Run, Suite};
use projects::db::Db;
use projects::model::NewProject;
use projects::perms::{CATALOG, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::teams::Teams;
use projects::users::{Users, demo};

/// Team memberships of the fixture, beyond the demo's (erin, editor in apollo): dave holds
/// `member` (no permission) in apollo, bob `editor` in zephyr.
const APOLLO: i64 = 1;
const ZEPHYR: i64 = 2;
const NO_TEAM: i64 = 99;
/// The user `PUT`/`DELETE /teams/{team_id}/members/{user_id}` act on (ids are assigned in order on
/// a fresh database: five demo users, the revoked one, then ivy).
const IVY: i64 = 7;

/// A fresh database: the demo users and teams, a revoked user, and project 1 — private, owned by
/// bob, owner edits allowed.
async fn seed() -> (Db, Credentials) {
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
    let teams = Teams::new(db.clone());
    let made = projects::teams::demo(&teams).await.expect("demo teams");
    assert_eq!(made.iter().map(|t| t.id).collect::<Vec<_>>(), [APOLLO, ZEPHYR]);
    teams.set_member("apollo", "dave", "member").await.expect("member");
    teams.set_member("zephyr", "bob", "editor").await.expect("member");
    // ivy is the user the membership routes act on: a member of both teams, not a caller.
    let (ivy, _) = users.add("ivy", "member").await.expect("user");
    assert_eq!(ivy.id, IVY);
    teams.set_member("apollo", "ivy", "member").await.expect("member");
    teams.set_member("zephyr", "ivy", "member").await.expect("member");
    let seed = CATALOG.system_actor("conformance-seed", &[PROJECT_WRITE]);
    ProjectService::new(db.clone())
        .create(
            &seed,
            NewProject {
                name: "Apollo".into(),
                owner_id: Some(bob),
                allow_owner_edits: true,
                ..Default::default()
            },
        )
        .await
        .expect("project");
    (db, credentials)
}

/// The actix app over a fresh [`seed`].
async fn fixture() -> (
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
    Credentials,
) {
    let (db, credentials) = seed().await;
    (test::init_service(projects::http::app(db)).await, credentials)
}

/// The axum app over a fresh [`seed`].
async fn axum_fixture() -> (authz_axum::App, Credentials) {
    let (db, credentials) = seed().await;
    (projects::http_axum::app(db, false), credentials)
}

/// The team-route answer for `actor` on team `team`, from the DESIGN table: reads need
/// project:read globally or in the team, writes project:write; a missing team, or one where the
/// actor holds no role, is hidden (404); a member without the permission gets 403 on writes.
fn team_route(method: &str, actor: &str, team: i64) -> Expected {
    let global_read = ["alice", "erin", "carol"].iter().any(|a| actor.starts_with(a));
    let global_write = ["alice", "erin"].iter().any(|a| actor.starts_with(a));
    // Roles in the team: erin editor and dave member in apollo; bob editor in zephyr.
    let role = match (team, actor.split(' ').next().unwrap_or("")) {
        (APOLLO, "erin") => Some("editor"),
        (APOLLO, "dave") => Some("member"),
        (ZEPHYR, "bob") => Some("editor"),
        _ => None,
    };
    let exists = team == APOLLO || team == ZEPHYR;
    let (global, in_team) = match method {
        "GET" => (global_read, role == Some("editor")),
        _ => (global_write, role == Some("editor")),
    };
    match (global || in_team, exists) {
        (true, true) => Expected::Success,
        (true, false) => Expected::Status(404),
        (false, _) if method == "POST" && role.is_some() => Expected::Status(403),
        (false, _) => Expected::Status(404),
    }
}

/// The membership routes: user:admin, globally (alice, carol) or in the team (nobody here holds
/// it there); members without it get 403, outsiders and a missing team 404. And no escalation:
/// `PUT` makes ivy (a member, whose role carries nothing) an editor, which needs project:read and
/// project:write — carol (support) holds user:admin but not project:write, so 403; `DELETE` takes
/// away a role that carries nothing.
fn member_route(method: &str, actor: &str, team: i64) -> Expected {
    let global_admin = ["alice", "carol"].iter().any(|a| actor.starts_with(a));
    let member = matches!(
        (team, actor.split(' ').next().unwrap_or("")),
        (APOLLO, "erin" | "dave") | (ZEPHYR, "bob")
    );
    let exists = team == APOLLO || team == ZEPHYR;
    match (global_admin, exists, member) {
        (true, true, _) if method == "PUT" && actor.starts_with("carol") => Expected::Status(403),
        (true, true, _) => Expected::Success,
        (false, _, true) => Expected::Status(403),
        _ => Expected::Status(404),
    }
}

/// Which front end serves the suite.
#[derive(Clone, Copy)]
enum Front {
    Actix,
    Axum,
}

async fn run(team: i64) -> authz_actix::conformance::Report {
    run_on(Front::Actix, team).await
}

async fn run_on(front: Front, team: i64) -> authz_actix::conformance::Report {
    let matrix = match front {
        Front::Actix => authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG)),
        Front::Axum => authz_axum::routes::matrix(projects::http_axum::routes, Some(&CATALOG)),
    };
    let suite = Suite::new(matrix)
        .actor(Caller::anonymous("anonymous"))
        .actor(Caller::invalid("malformed token"))
        .actor(Caller::invalid("revoked admin token"))
        .actor(Caller::with_roles("alice (admin)", &["admin"]))
        .actor(Caller::with_roles("erin (editor)", &["editor"]))
        .actor(Caller::with_roles("carol (support)", &["support"]))
        .actor(Caller::with_roles("bob (member, owner)", &["member"]))
        .actor(Caller::with_roles("dave (member, non-owner)", &["member"]))
        .param("id", "1")
        .param("team_id", &team.to_string())
        .param("user_id", &IVY.to_string())
        .body(
            "PUT",
            "/teams/{team_id}/members/{user_id}",
            "application/json",
            r#"{"role":"editor"}"#,
        )
        .body("POST", "/projects", "application/json", r#"{"name":"Gemini"}"#)
        .body("POST", "/teams/{team_id}/projects", "application/json", r#"{"name":"Gemini"}"#)
        .body("PATCH", "/projects/{id}", "application/json", r#"{"name":"Apollo 2"}"#)
        // Project 1 is private, owned by bob, owner edits allowed, not archived or locked.
        .oracle(move |cell| {
            let reader = !cell.actor().starts_with("bob") && !cell.actor().starts_with("dave");
            let owner = cell.actor().starts_with("bob");
            let writer = cell.actor().starts_with("alice") || cell.actor().starts_with("erin");
            match (cell.method(), cell.path()) {
                (method, "/teams/{team_id}/projects") => team_route(method, cell.actor(), team),
                (method, "/teams/{team_id}/members/{user_id}") => {
                    member_route(method, cell.actor(), team)
                }
                ("GET", "/projects") => Expected::Success,
                ("GET", "/projects/{id}") if reader || owner => Expected::Success,
                ("GET", "/projects/{id}") => Expected::Status(404),
                ("PATCH", _) if !(reader || owner) => Expected::Status(404),
                ("PATCH", _) if writer || owner => Expected::Success,
                ("PATCH", _) => Expected::Status(403),
                ("DELETE", _) => Expected::Success,
                _ => Expected::Skip,
            }
        });
    match front {
        Front::Actix => Run::run(&suite, fixture).await,
        Front::Axum => authz_axum::conformance::Run::run(&suite, axum_fixture).await,
    }
}

#[actix_rt::test]
async fn every_route_method_and_actor_matches_the_matrix() {
    for team in [APOLLO, ZEPHYR] {
        let report = run(team).await;
        println!("projects conformance (team {team}): {report}");
        report.assert_clean();
        assert_eq!(report.unchecked, 0, "the oracle covers every policy row");
    }
}

#[actix_rt::test]
async fn on_axum_every_route_method_and_actor_matches_the_matrix() {
    for team in [APOLLO, ZEPHYR, NO_TEAM] {
        let (actix, axum) = (run(team).await, run_on(Front::Axum, team).await);
        println!("projects conformance on axum (team {team}): {axum}");
        assert!(axum.mismatches.is_empty() && axum.unchecked == 0, "{axum}");
        assert_eq!(
            (axum.cells, axum.checked, axum.refused, &axum.without_positive_control),
            (actix.cells, actix.checked, actix.refused, &actix.without_positive_control),
            "the same cells, checked and refused alike on both front ends"
        );
    }
}

#[actix_rt::test]
async fn a_team_that_does_not_exist_is_hidden_from_everyone() {
    let report = run(NO_TEAM).await;
    println!("projects conformance (no team): {report}");
    assert!(report.mismatches.is_empty() && report.unchecked == 0, "{report}");
    // Nobody is served there: the team routes are the only ones without a positive control.
    assert_eq!(
        report.without_positive_control,
        [
            "DELETE /teams/{team_id}/members/{user_id}",
            "PUT /teams/{team_id}/members/{user_id}",
            "GET /teams/{team_id}/projects",
            "POST /teams/{team_id}/projects",
        ],
        "{report}"
    );
}
