use actix_web::{route, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[route("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
