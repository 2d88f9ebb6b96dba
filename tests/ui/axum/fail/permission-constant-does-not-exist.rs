use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod perms {
    use authz_axum::Permission;
    pub const PROJECT_WRITE: Permission = Permission::new("project:write");
}

#[require_permission(perms::PROJECT_WIRTE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
