use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
