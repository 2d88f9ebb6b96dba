use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

#[require_permission(authenticated, scope = team(path = "team_id"))]
#[get("/teams/{team_id}")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
