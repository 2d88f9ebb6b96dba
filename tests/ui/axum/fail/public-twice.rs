use axum::response::Response as HttpResponse;
use authz_axum::public;

#[public("load balancer probes")]
#[public("uptime checks")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
