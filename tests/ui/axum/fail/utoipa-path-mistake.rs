use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read")]
#[utoipa::path(path = "/reports", responsess((status = 200, description = "Reports")))]
#[get("/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
