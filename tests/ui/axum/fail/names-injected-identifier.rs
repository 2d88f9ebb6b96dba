use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/x")]
async fn handler() -> HttpResponse {
    let _ = &__AUTHZ_ROUTE;
    HttpResponse::default()
}

fn main() {}
