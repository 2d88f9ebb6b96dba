use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

mod perms {
    pub const PROJECT_WRITE: &str = "project:write";
}

#[require_permission(perms::PROJECT_WRITE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
