use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission(authenticated, policy = "can_edit")]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
