use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod perms {
    authz_axum::catalog!();
}

#[require_permission(perms::PROJECT_WIRTE)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
