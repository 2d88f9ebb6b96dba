use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/projects/{id:\\d+}")]
async fn handler() -> &'static str {
    ""
}

fn main() {}
