use authz_axum::{require_permission, Routes};

struct Page;

#[require_permission("project:read")]
#[get("/projects")]
async fn handler() -> Page {
    Page
}

fn routes(r: &mut Routes<'_>) {
    r.service(handler);
}

fn main() {
    let _ = routes;
}
