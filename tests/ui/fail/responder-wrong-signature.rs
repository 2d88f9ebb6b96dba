use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

/// Takes the wrong arguments.
fn shape(status: u16) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

#[require_permission("project:read", responder = shape)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
