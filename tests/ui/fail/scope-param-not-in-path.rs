use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read", scope = team(path = "team"))]
#[get("/teams/{team_id}/projects/{id}")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
