use axum::response::Response as HttpResponse;
use authz_axum::public;

#[public("load balancer probes")]
#[get("/health")]
#[head("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
