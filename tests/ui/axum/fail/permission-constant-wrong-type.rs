use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod perms {
    pub const PROJECT_WRITE: &str = "project:write";
}

#[require_permission(perms::PROJECT_WRITE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
