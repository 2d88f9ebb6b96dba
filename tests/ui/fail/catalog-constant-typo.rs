use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

mod perms {
    authz_actix::catalog!();
}

#[require_permission(perms::PROJECT_WIRTE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
