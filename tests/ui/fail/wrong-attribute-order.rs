use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[get("/x")]
#[require_permission("project:read")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
