use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/projects")]
async fn handler() -> &'static str {
    ""
}

// A declared handler is served by `authz_axum::App` through `Routes`, never by a plain router,
// which nothing would observe.
fn main() {
    let _: axum::Router = axum::Router::new().route("/projects", axum::routing::get(handler));
}
