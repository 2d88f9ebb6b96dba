#![deny(warnings)]
//! Typed permission constants, nesting, `authenticated` with a policy, and every other argument.

use actix_web::{get, patch, HttpResponse};
use authz_actix::require_permission;

mod perms {
    use authz_actix::Permission;
    pub const PROJECT_READ: Permission = Permission::new("project:read");
    pub const USER_ADMIN: Permission = Permission::new("user:admin");
}

mod policies {
    /// Owners or editors.
    #[authz_actix::policy]
    pub fn can_edit_project(_actor: &authz_actix::Actor, _owner: i64) -> bool {
        false
    }
}

#[require_permission(perms::PROJECT_READ)]
#[get("/a")]
async fn typed() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission(any(perms::USER_ADMIN, all("project:read", "project:write")), deny = not_found)]
#[get("/b")]
async fn nested() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission(authenticated, policy = policies::can_edit_project, operation = "Update project", deny = forbidden)]
#[patch("/c/{id}")]
async fn policy() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read",)]
#[get("/d")]
async fn trailing_comma() -> HttpResponse { HttpResponse::Ok().finish() }

fn main() {
    let _ = actix_web::App::new().service((typed, nested, policy, trailing_comma));
}
