use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission(any("project:read", all("user:admin", "projet:delete")))]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
