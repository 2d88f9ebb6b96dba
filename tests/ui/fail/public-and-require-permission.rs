use actix_web::{get, HttpResponse};
use authz_actix::{public, require_permission};

#[public("probes")]
#[require_permission("project:read")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
