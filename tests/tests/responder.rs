//! Refusals in the app's own shape: a responder declared once with `Routes::responder` shapes
//! every refusal — gate, service `Denied`, `CurrentActor`, default service — on a real server,
//! while a hidden resource's 404 stays byte-identical to a missing one's; a route's
//! `responder = ...` overrides it; a responder that panics or answers another status is ignored.
//! `ResolveActor`'s own 500 (an undeclared route) stays generic: routing consumed the request.

use std::net::SocketAddr;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, get, post, web};
use authz_actix::problem::Refusal;
use authz_actix::{
    AuthzError, CurrentActor, Denied, ResolveActor, Routes, mount, public, require_permission,
};
use authz_tests::{RawResponse, http, resolve, spawn};

/// A responder with a bug.
fn panicking(_req: &HttpRequest, _refusal: Refusal) -> HttpResponse {
    panic!("responder bug")
}

/// A responder that would turn refusals into successes.
fn lying(_req: &HttpRequest, _refusal: Refusal) -> HttpResponse {
    HttpResponse::Ok().body("all good")
}

/// The app's error envelope (JSON:API style).
fn json_api(req: &HttpRequest, refusal: Refusal) -> HttpResponse {
    HttpResponse::build(refusal.status())
        .content_type("application/vnd.api+json")
        .insert_header(("x-request-path-len", req.path().len().to_string()))
        .body(format!(
            r#"{{"errors":[{{"status":"{}","code":"{refusal:?}"}}]}}"#,
            refusal.status().as_u16()
        ))
}

/// This route's own shape.
fn teapot_shape(_req: &HttpRequest, refusal: Refusal) -> HttpResponse {
    HttpResponse::build(refusal.status()).content_type("text/plain").body("route-specific refusal")
}

/// Read an item; item 9 does not exist.
#[require_permission("project:read", deny = not_found)]
#[get("/items/{id}")]
async fn read_item(id: web::Path<i64>) -> Result<HttpResponse, Denied> {
    if *id == 9 {
        return Err(AuthzError::NotFound.into());
    }
    Ok(HttpResponse::Ok().body("item"))
}

/// Create an item.
#[require_permission("project:write")]
#[post("/items")]
async fn create_item() -> HttpResponse {
    HttpResponse::Created().finish()
}

/// A public page; page 9 does not exist.
#[public("published pages")]
#[get("/pages/{id}")]
async fn page(id: web::Path<i64>) -> Result<HttpResponse, Denied> {
    if *id == 9 {
        return Err(AuthzError::Missing.into());
    }
    Ok(HttpResponse::Ok().body("page"))
}

/// Who am I: public, but asks for the actor.
#[public("echo for debugging clients")]
#[get("/whoami")]
async fn whoami(actor: CurrentActor) -> HttpResponse {
    HttpResponse::Ok().body(actor.id().to_string())
}

/// Fails.
#[require_permission("project:read")]
#[get("/boom")]
async fn boom() -> HttpResponse {
    panic!("handler bug")
}

/// Admin area, with its own refusal shape.
#[require_permission("user:admin", responder = teapot_shape)]
#[get("/admin")]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

async fn forgotten() -> HttpResponse {
    HttpResponse::Ok().body("leaked")
}

fn routes(r: &mut Routes<'_>) {
    r.service(read_item)
        .service(create_item)
        .service(whoami)
        .service(boom)
        .service(admin)
        .service(page);
}

type Responder = fn(&HttpRequest, Refusal) -> HttpResponse;

async fn server(responder: Responder) -> (SocketAddr, actix_web::dev::ServerHandle) {
    let server = HttpServer::new(move || {
        App::new()
            .wrap(ResolveActor::new(resolve))
            .configure(mount(move |r| {
                r.responder(responder);
                routes(r);
            }))
            .route("/forgotten", web::get().to(forgotten))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addrs()[0];
    (addr, spawn(server.run()))
}

async fn get(
    addr: SocketAddr,
    method: &'static str,
    path: &'static str,
    token: Option<&'static str>,
) -> RawResponse {
    actix_web::rt::task::spawn_blocking(move || {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.as_deref().map(|a| vec![("authorization", a)]).unwrap_or_default();
        http(addr, method, path, &headers)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Status, headers but `date`, body: what must not tell a hidden resource from a missing one.
fn bytes(res: &RawResponse) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let headers = res.headers.iter().filter(|(n, _)| n != "date").cloned().collect();
    (res.status, headers, res.body.clone())
}

fn envelope(res: &RawResponse, status: u16, code: &str) {
    assert_eq!(res.status, status);
    assert_eq!(res.header("content-type"), Some("application/vnd.api+json"), "{res:?}");
    assert_eq!(
        String::from_utf8_lossy(&res.body),
        format!(r#"{{"errors":[{{"status":"{status}","code":"{code}"}}]}}"#)
    );
}

#[actix_rt::test]
async fn every_refusal_takes_the_apps_shape() {
    let (addr, handle) = server(json_api).await;

    let anonymous = get(addr, "GET", "/items/1", None).await;
    envelope(&anonymous, 401, "Unauthenticated");
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Bearer"),
        "added when the responder sets none"
    );
    envelope(&get(addr, "POST", "/items", Some("member-4")).await, 403, "Forbidden");
    envelope(&get(addr, "GET", "/whoami", None).await, 401, "Unauthenticated");
    envelope(&get(addr, "GET", "/boom", Some("admin-1")).await, 500, "Internal");
    envelope(&get(addr, "GET", "/items/1", Some("down")).await, 500, "Internal");
    let undeclared = get(addr, "GET", "/forgotten", Some("admin-1")).await;
    assert_eq!(
        (undeclared.status, undeclared.header("content-type")),
        (500, Some("application/problem+json"))
    );

    // Hidden, missing and unknown: one response.
    let hidden = get(addr, "GET", "/items/1", Some("member-4")).await;
    let missing = get(addr, "GET", "/items/9", Some("admin-1")).await;
    envelope(&hidden, 404, "NotFound");
    assert_eq!(bytes(&hidden), bytes(&missing));
    // Unknown paths too (a path of the same length: the responder derives a header from it).
    let unknown = get(addr, "GET", "/nowhere", Some("admin-1")).await;
    assert_eq!(bytes(&unknown), bytes(&missing));
    // A public handler's "not found" too (same path length: `/pages/9`, `/items/9`).
    assert_eq!(bytes(&get(addr, "GET", "/pages/9", None).await), bytes(&missing));

    // The route's own responder.
    let refused = get(addr, "GET", "/admin", Some("member-4")).await;
    assert_eq!(
        (refused.status, String::from_utf8_lossy(&refused.body).into_owned()),
        (403, "route-specific refusal".to_owned())
    );
    // Served requests are untouched.
    assert_eq!(get(addr, "GET", "/items/1", Some("admin-1")).await.body, b"item");
    handle.stop(true).await;
}

#[actix_rt::test]
async fn a_failing_responder_falls_back_to_the_generic_body() {
    for responder in [panicking as Responder, lying] {
        let (addr, handle) = server(responder).await;
        let hidden = get(addr, "GET", "/items/1", Some("member-4")).await;
        let missing = get(addr, "GET", "/items/9", Some("admin-1")).await;
        assert_eq!(hidden.status, 404, "never the responder's 200");
        assert_eq!(hidden.header("content-type"), Some("application/problem+json"));
        assert_eq!(bytes(&hidden), bytes(&missing));
        let forbidden = get(addr, "POST", "/items", Some("member-4")).await;
        assert_eq!(
            (forbidden.status, forbidden.header("content-type")),
            (403, Some("application/problem+json"))
        );
        // The next request is served: the worker survived the panic.
        assert_eq!(get(addr, "GET", "/items/1", Some("admin-1")).await.status, 200);
        handle.stop(true).await;
    }
}
