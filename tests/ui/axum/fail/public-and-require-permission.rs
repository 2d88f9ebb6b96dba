use axum::response::Response as HttpResponse;
use authz_axum::{public, require_permission};

#[public("probes")]
#[require_permission("project:read")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
