//! `scope_with` may add middleware, app data and guards, never a service: a service added there
//! would be served without a declaration.
use actix_web::{web, HttpResponse};
use authz_actix::Routes;

fn routes(r: &mut Routes<'_>) {
    r.scope_with("/admin", |s| s.default_service(web::to(HttpResponse::Ok)), |_r| {});
}

fn main() {
    let _ = authz_actix::routes::collect(routes);
}
