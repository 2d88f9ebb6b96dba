use axum::response::Response as HttpResponse;
use authz_axum::public;

#[public("probes", deny = not_found)]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
