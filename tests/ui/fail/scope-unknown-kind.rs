use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read", scope = taem(path = "team_id"))]
#[get("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
