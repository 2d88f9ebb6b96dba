use actix_web::{get, post, web, HttpResponse};
use authz_actix::{require_permission, Routes};

/// Read a team's project.
#[require_permission(any("project:read", "project:write"), scope = team(path = "team_id"), deny = not_found)]
#[get("/teams/{team_id}/projects/{id:\\d+}")]
async fn read(path: web::Path<(i64, i64)>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{path:?}"))
}

/// Create in a team.
#[require_permission("project:write", scope = team(outsiders = not_found, path = "team_id"))]
#[post("/teams/{team_id}/projects")]
async fn create(team_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Created().body(team_id.to_string())
}

fn routes(r: &mut Routes<'_>) {
    r.service(read).service(create);
}

fn main() {
    let _ = routes;
}
