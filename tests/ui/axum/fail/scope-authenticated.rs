use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission(authenticated, scope = team(path = "team_id"))]
#[get("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
