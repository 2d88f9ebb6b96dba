use axum::response::Response as HttpResponse;
use authz_axum::public;

#[public(health_checks)]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
