use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/projects", guard = "crate::is_json")]
async fn handler() -> &'static str {
    ""
}

fn main() {}
