use actix_web::{get, post, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[get("/x")]
#[post("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
