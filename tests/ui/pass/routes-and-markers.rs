#![deny(warnings)]
//! `#[public]`, `#[policy]` and every way of registering through `Routes` compile cleanly.

use actix_web::middleware::DefaultHeaders;
use actix_web::{get, patch, web, App, HttpResponse};
use authz_actix::{mount, policy, public, require_permission, Actor, Routes};

/// Health check.
#[public("probes", operation = "Health")]
#[get("/health")]
async fn health() -> HttpResponse { HttpResponse::Ok().finish() }

/// Owners edit.
#[policy(rule = "owner")]
pub fn can_edit(_actor: &Actor, _owner: i64) -> bool { true }

/// Plain `#[policy]`, no rule.
#[policy]
pub async fn can_archive(_actor: &Actor) -> bool { true }

/// Edit.
#[require_permission(authenticated, policy = can_edit)]
#[patch("/items/{id}")]
async fn edit() -> HttpResponse { HttpResponse::Ok().finish() }

fn admin(r: &mut Routes<'_>) {
    r.scope_with("/admin", |s| s.wrap(DefaultHeaders::new().add(("x-area", "admin"))), |r| {
        r.service(edit);
    });
}

fn routes(r: &mut Routes<'_>) {
    r.service(health).configure(admin);
    r.public_service("/static", "static assets", web::resource("").to(HttpResponse::Ok));
}

fn main() {
    let _ = App::new().configure(mount(routes));
    let _ = authz_actix::routes::collect(routes);
}
