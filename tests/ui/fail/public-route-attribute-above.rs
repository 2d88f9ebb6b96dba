use actix_web::HttpResponse;
use authz_actix::public;

/// Health check.
#[actix_web::get("/health")]
#[public("load balancer probes")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
