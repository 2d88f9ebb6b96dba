use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read", operation = 5)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
