
use authz_axum::require_permission;

#[require_permission("project:read")]
#[get("/x")]
pub struct Handler;

fn main() {}
