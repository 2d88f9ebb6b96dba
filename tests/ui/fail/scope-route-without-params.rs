use actix_web::{post, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:write", scope = team(path = "team_id"))]
#[post("/projects")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
