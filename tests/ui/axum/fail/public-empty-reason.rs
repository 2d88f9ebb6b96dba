use axum::response::Response as HttpResponse;
use authz_axum::public;

#[public("  ")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
