use actix_web::{HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
