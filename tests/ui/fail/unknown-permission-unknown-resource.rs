use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("billing:read")]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
