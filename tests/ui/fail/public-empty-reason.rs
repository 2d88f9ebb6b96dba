use actix_web::{get, HttpResponse};
use authz_actix::public;

#[public("  ")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
