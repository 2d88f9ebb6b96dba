use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[get("/x", method = "POST")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
