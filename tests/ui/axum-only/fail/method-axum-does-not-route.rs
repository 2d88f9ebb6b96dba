use authz_axum::require_permission;

#[require_permission("project:read")]
#[route("/projects", method = "PROPFIND")]
async fn handler() -> &'static str {
    ""
}

fn main() {}
