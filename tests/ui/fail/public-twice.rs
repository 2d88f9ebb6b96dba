use actix_web::{get, HttpResponse};
use authz_actix::public;

#[public("load balancer probes")]
#[public("uptime checks")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
