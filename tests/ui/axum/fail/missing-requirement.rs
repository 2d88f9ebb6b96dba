use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission(deny = not_found)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
