use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

#[require_permission("project:write", scope = team(path = "team_id", outsiders = hide))]
#[post("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
