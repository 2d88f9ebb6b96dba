use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/projects")]
async fn handler<T: Send>() -> &'static str {
    ""
}

fn main() {}
