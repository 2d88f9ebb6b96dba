use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[get("/x")]
async fn handler() -> HttpResponse {
    let _ = &__AUTHZ_ROUTE;
    HttpResponse::Ok().finish()
}

fn main() {}
