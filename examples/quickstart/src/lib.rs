//! The quickstart app's catalog, handlers and routes, shared by its server (`main.rs`), its
//! `matrix` subcommand and its tests.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, post};
use authz_actix::{Actor, CurrentActor, Routes, public, require_permission};

/// The permissions and roles of `authz.toml`, as constants (`perms::REPORT_READ`, ...) and
/// `perms::CATALOG`.
pub mod perms {
    authz_actix::catalog!();
}

pub use perms::CATALOG;

pub mod on_axum;

/// The command that regenerates the committed matrix.
pub const REGENERATE: &str =
    "cargo run -p quickstart -- matrix --out examples/quickstart/authorization.md";

/// Health check.
#[public("load balancer and uptime probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// Read reports.
#[require_permission(perms::REPORT_READ)]
#[get("/reports")]
async fn read_reports(actor: CurrentActor) -> HttpResponse {
    HttpResponse::Ok()
        .json(serde_json::json!({ "reports": ["q1", "q2"], "reader": actor.id().to_string() }))
}

/// Write a report.
#[require_permission("report:write")]
#[post("/reports")]
async fn write_report() -> HttpResponse {
    HttpResponse::Created().json(serde_json::json!({ "id": 3 }))
}

/// List users.
#[require_permission("user:admin", deny = not_found)]
#[get("/users")]
async fn list_users() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!([{ "id": 1, "name": "ada" }]))
}

/// Every route of the app: mounted by the server, rendered by `matrix`.
pub fn routes(r: &mut Routes<'_>) {
    r.service(health);
    r.service(read_reports).service(write_report);
    r.scope("/admin", |r| {
        r.service(list_users);
    });
}

/// Token → (user id, role). A real app stores token hashes in a database.
pub type Tokens = Arc<HashMap<String, (i64, &'static str)>>;

/// The actor behind `Authorization: Bearer TOKEN`, if the token is known.
pub fn resolve(tokens: &Tokens, req: &HttpRequest) -> Option<Actor> {
    let token = authz_actix::credentials::bearer(req)?;
    let (id, role) = tokens.get(token)?;
    CATALOG.actor(*id, [*role]).ok()
}
