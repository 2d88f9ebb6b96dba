//! The shapes an axum handler takes under a declaration: no arguments, head extractors, a body
//! last, state, the actor, results; a policy marked through the actix front end serves an axum
//! route, and the app builds with state.

use authz_axum::{require_permission, public, App, CurrentActor, Denied, Routes};
use axum::extract::{Path, State};
use http::request::Parts;

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

pub struct Doc {
    owner: i64,
}

/// The owner edits.
#[authz_actix::policy(rule = "owner")]
pub fn can_edit_doc(actor: &authz_actix::Actor, doc: &Doc) -> bool {
    authz_actix::is_owner(actor, doc.owner)
}

/// Health check.
#[public("probes")]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// Greet.
#[public("a greeting")]
#[get("/greet/{name}")]
async fn greet(State(state): State<AppState>, Path(name): Path<String>) -> String {
    format!("{} {name}", state.greeting)
}

/// Edit a document.
#[require_permission(authenticated, policy = can_edit_doc)]
#[route("/docs/{id}", method = "PUT", method = "PATCH")]
async fn edit(actor: CurrentActor, Path(id): Path<i64>, body: String) -> Result<String, Denied> {
    let _ = can_edit_doc(&actor, &Doc { owner: id });
    Ok(body)
}

/// List a team's documents.
#[require_permission("project:read", scope = team(path = "team_id"), deny = not_found)]
#[get("/{team_id}/docs")]
async fn team_docs(_actor: CurrentActor) {}

/// Everything.
#[public("a catch-all")]
#[get("/files/{*rest}")]
async fn files(Path(rest): Path<String>) -> String {
    rest
}

fn routes(r: &mut Routes<'_, AppState>) {
    r.service(health).service(greet).service(edit).service(files);
    r.scope("/teams", |r| {
        r.service(team_docs);
    });
}

async fn nobody(_: &Parts) -> Result<Option<authz_axum::Actor>, std::convert::Infallible> {
    Ok(None)
}

fn main() {
    let app: App = App::new(routes, nobody).with_state(AppState { greeting: "hello" });
    let _ = app.into_make_service();
    let matrix = authz_axum::routes::matrix(routes, None);
    assert_eq!(matrix.endpoints().len(), 6);
}
