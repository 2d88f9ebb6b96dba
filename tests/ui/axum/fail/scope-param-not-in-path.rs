use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:read", scope = team(path = "team"))]
#[get("/teams/{team_id}/projects/{id}")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
