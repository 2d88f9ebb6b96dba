use actix_web::{post, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:write", scope = "team_id")]
#[post("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
