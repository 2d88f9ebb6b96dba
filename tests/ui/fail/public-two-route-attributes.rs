use actix_web::{get, head, HttpResponse};
use authz_actix::public;

#[public("load balancer probes")]
#[get("/health")]
#[head("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
