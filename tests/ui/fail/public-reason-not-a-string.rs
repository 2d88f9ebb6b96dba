use actix_web::{get, HttpResponse};
use authz_actix::public;

#[public(health_checks)]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
