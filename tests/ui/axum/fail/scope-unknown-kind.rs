use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read", scope = taem(path = "team_id"))]
#[get("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
