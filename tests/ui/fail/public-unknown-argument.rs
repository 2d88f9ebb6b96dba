use actix_web::{get, HttpResponse};
use authz_actix::public;

#[public("probes", deny = not_found)]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
