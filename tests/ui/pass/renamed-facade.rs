#![deny(warnings)]
//! `crate = path` when the app reaches authz through another name.

mod platform {
    pub use ::authz_actix as authz;
}

use actix_web::{get, HttpResponse};
use platform::authz::require_permission;

#[require_permission("project:read", crate = crate::platform::authz)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
