//! `#[utoipa::path]` above or below the declaration, with or without its own method and path:
//! the document lists every operation, and `authz_actix::openapi` decorates each.

use actix_web::{get, patch, web, HttpResponse};
use authz_actix::{public, require_permission, Routes};
use utoipa::OpenApi;

/// Above: utoipa reads the function first.
#[utoipa::path(get, path = "/reports", responses((status = 200, description = "Reports")))]
#[require_permission("project:read")]
#[get("/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Below, method and path taken from the route attribute.
#[require_permission("project:write", deny = not_found)]
#[utoipa::path(responses((status = 200, description = "Updated")))]
#[patch("/reports/{id}")]
pub async fn update_report(id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

/// Below the route attribute too.
#[public("probes")]
#[get("/health")]
#[utoipa::path(path = "/health", responses((status = 200, description = "Up")))]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

mod imported {
    use actix_web::{delete, HttpResponse};
    use authz_actix::require_permission;
    use utoipa::path;

    /// Below, through an imported `path`.
    #[require_permission("project:delete")]
    #[path(responses((status = 204, description = "Deleted")))]
    #[delete("/reports/{id}")]
    pub async fn delete_report() -> HttpResponse {
        HttpResponse::NoContent().finish()
    }
}

#[derive(OpenApi)]
#[openapi(paths(reports, update_report, health, imported::delete_report))]
struct ApiDoc;

fn routes(r: &mut Routes<'_>) {
    r.service(reports).service(update_report).service(health).service(imported::delete_report);
}

fn main() {
    let matrix = authz_actix::routes::matrix(routes, None);
    let mut doc = ApiDoc::openapi();
    authz_actix::openapi::apply(&mut doc, &matrix, "bearer");
    authz_actix::openapi::check(&doc, &matrix).unwrap();
}
