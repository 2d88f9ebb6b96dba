use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

mod perms {
    use authz_actix::Permission;
    pub const PROJECT_WRITE: Permission = Permission::new("project:write");
}

#[require_permission(perms::PROJECT_WIRTE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
