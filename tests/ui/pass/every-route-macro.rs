#![deny(warnings)]
//! Each actix route attribute, bare or by full path, is read and registered.

use actix_web::{connect, delete, get, head, options, patch, post, put, route, trace, HttpResponse};
use authz_actix::require_permission;

#[require_permission("project:read")]
#[get("/a")]
async fn a() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:write")]
#[post("/a")]
async fn b() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:write")]
#[put("/a")]
async fn c() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:write")]
#[patch("/a")]
async fn d() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:delete")]
#[delete("/a")]
async fn e() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[head("/b")]
async fn f() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[options("/b")]
async fn g() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[trace("/b")]
async fn h() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[connect("/b")]
async fn i() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[route("/c", method = "GET", method = "POST", name = "c_route")]
async fn j() -> HttpResponse { HttpResponse::Ok().finish() }

#[require_permission("project:read")]
#[actix_web::get("/d", name = "qualified")]
async fn k() -> HttpResponse { HttpResponse::Ok().finish() }

fn main() {
    let _ = actix_web::App::new()
        .service((a, b, c, d, e, f, g, h, i, j))
        .service(k);
}
