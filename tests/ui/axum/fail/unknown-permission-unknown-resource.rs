use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("billing:read")]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
