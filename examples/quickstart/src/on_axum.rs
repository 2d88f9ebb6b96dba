//! The same app on axum: the same declarations and catalog (`cargo run -p quickstart --bin
//! quickstart-axum`), so the same matrix.

use authz_axum::{Actor, App, CurrentActor, Routes, public, require_permission};
use axum::Json;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Value, json};

use crate::{CATALOG, Tokens, perms};

/// Health check.
#[public("load balancer and uptime probes")]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// Read reports.
#[require_permission(perms::REPORT_READ)]
#[get("/reports")]
async fn read_reports(actor: CurrentActor) -> Json<Value> {
    Json(json!({ "reports": ["q1", "q2"], "reader": actor.id().to_string() }))
}

/// Write a report.
#[require_permission("report:write")]
#[post("/reports")]
async fn write_report() -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({ "id": 3 })))
}

/// List users.
#[require_permission("user:admin", deny = not_found)]
#[get("/users")]
async fn list_users() -> Json<Value> {
    Json(json!([{ "id": 1, "name": "ada" }]))
}

/// Every route of the app: served by `App`, rendered by `matrix`.
pub fn routes(r: &mut Routes<'_>) {
    r.service(health);
    r.service(read_reports).service(write_report);
    r.scope("/admin", |r| {
        r.service(list_users);
    });
}

/// The app: every request's actor from its bearer token.
pub fn app(tokens: Tokens) -> App {
    App::new(routes, move |parts: &Parts| {
        let actor = resolve(&tokens, parts);
        async move { Ok::<_, std::convert::Infallible>(actor) }
    })
}

/// The actor behind `Authorization: Bearer TOKEN`, if the token is known.
pub fn resolve(tokens: &Tokens, parts: &Parts) -> Option<Actor> {
    let token = authz_axum::credentials::bearer(parts)?;
    let (id, role) = tokens.get(token)?;
    CATALOG.actor(*id, [*role]).ok()
}
