use actix_web::get;
use authz_actix::require_permission;

#[require_permission("project:read")]
#[get("/x")]
pub struct Handler;

fn main() {}
