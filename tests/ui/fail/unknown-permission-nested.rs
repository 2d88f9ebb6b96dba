use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission(any("project:read", all("user:admin", "projet:delete")))]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
