use authz_axum::{require_permission, Routes};
use axum::extract::State;

#[derive(Clone)]
struct AppState;

#[require_permission("project:read")]
#[get("/projects")]
async fn handler(State(_app): State<AppState>) -> &'static str {
    ""
}

// The routes are built for a router without state: `State<AppState>` cannot be extracted there.
fn routes(r: &mut Routes<'_>) {
    r.service(handler);
}

fn main() {
    let _ = routes;
}
