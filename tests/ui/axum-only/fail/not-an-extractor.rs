use authz_axum::{require_permission, Routes};

#[require_permission("project:read")]
#[get("/projects")]
async fn handler(_id: u32, _body: String) -> &'static str {
    ""
}

fn routes(r: &mut Routes<'_>) {
    r.service(handler);
}

fn main() {
    let _ = routes;
}
