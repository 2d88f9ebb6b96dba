use authz_axum::require_permission;

fn shape(_status: u16) -> &'static str {
    ""
}

#[require_permission("project:read", responder = shape)]
#[get("/projects")]
async fn handler() -> &'static str {
    ""
}

fn main() {}
