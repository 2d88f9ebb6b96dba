use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/projects")]
async fn handler(_body: impl Send) -> &'static str {
    ""
}

fn main() {}
