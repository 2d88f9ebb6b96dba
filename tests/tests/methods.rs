//! A declared path asked with a method none of its routes takes: `405 Method Not Allowed` with
//! `Allow` listing what they take (RFC 9110 §15.5.6), from what actix's router matched — never
//! for a path no route declares (404), and never where the route hides that it exists (the 404
//! a missing path gets, byte for byte).

use actix_web::http::{Method, header};
use actix_web::{App, HttpResponse, delete, get, patch, post, test, web};
use authz_actix::problem::{self, Refusal};
use authz_actix::{ResolveActor, Routes, mount, public, require_permission};
use authz_tests::resolve;

/// List projects.
#[require_permission("project:read")]
#[get("/projects")]
async fn list() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Create a project.
#[require_permission("project:write")]
#[post("/projects")]
async fn create() -> HttpResponse {
    HttpResponse::Created().finish()
}

/// Edit a project.
#[require_permission("project:write", deny = not_found)]
#[patch("/projects/{id}")]
async fn edit() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Delete a project.
#[require_permission("project:delete", deny = not_found)]
#[delete("/projects/{id}")]
async fn remove() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// The admin console, hidden from whoever may not use it.
#[require_permission("user:admin", deny = not_found)]
#[get("/console")]
async fn console() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Health check.
#[public("probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn routes(r: &mut Routes<'_>) {
    r.service(list).service(create).service(health).service(console);
    r.scope("/v1", |r| {
        r.service(edit).service(remove);
    });
}

async fn answer(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    method: Method,
    uri: &str,
) -> (u16, Option<String>, Vec<u8>) {
    let req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("authorization", "Bearer admin-1"))
        .to_request();
    let res = test::call_service(app, req).await;
    let status = res.status().as_u16();
    let allow = res.headers().get(header::ALLOW).map(|v| v.to_str().expect("ASCII").to_owned());
    (status, allow, test::read_body(res).await.to_vec())
}

#[actix_web::test]
async fn another_method_on_a_declared_path_is_405_with_allow() {
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(routes)))
            .await;
    for (method, uri, allow) in [
        (Method::TRACE, "/projects", "GET, HEAD, POST"),
        (Method::DELETE, "/projects", "GET, HEAD, POST"),
        (Method::PUT, "/v1/projects/7", "PATCH, DELETE"),
        (Method::GET, "/v1/projects/7", "PATCH, DELETE"),
        (Method::POST, "/health", "GET, HEAD"),
        (Method::from_bytes(b"PURGE").expect("token"), "/projects", "GET, HEAD, POST"),
    ] {
        let (status, got, body) = answer(&app, method.clone(), uri).await;
        assert_eq!((status, got.as_deref()), (405, Some(allow)), "{method} {uri}");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("problem JSON");
        assert_eq!(body["status"], 405, "{method} {uri}");
    }
    // The declared methods still answer.
    assert_eq!(answer(&app, Method::HEAD, "/projects").await.0, 200);
}

#[actix_web::test]
async fn a_path_nothing_declares_or_a_hidden_route_is_the_same_404() {
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(routes)))
            .await;
    let missing = answer(&app, Method::TRACE, "/nothing").await;
    assert_eq!((missing.0, missing.1.as_deref()), (404, None));
    // `/console` hides that it exists: another method tells no more than a missing path.
    for method in [Method::TRACE, Method::POST, Method::DELETE] {
        assert_eq!(answer(&app, method.clone(), "/console").await, missing, "{method} /console");
    }
    // Past the scope's routes: the scope matched, none of its routes did.
    assert_eq!(answer(&app, Method::PUT, "/v1/other").await, missing);
}

/// 405 in the app's own shape, `Allow` added after it; an app that prefers 404 for every
/// unmatched request declares that default.
#[actix_web::test]
async fn the_app_shapes_405_or_chooses_404() {
    fn shaped(r: &mut Routes<'_>) {
        r.responder(|_, refusal: Refusal| {
            HttpResponse::build(refusal.status())
                .content_type("text/plain")
                .body(format!("refused {}", refusal.status().as_u16()))
        });
        routes(r);
    }
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(shaped)))
            .await;
    let (status, allow, body) = answer(&app, Method::TRACE, "/projects").await;
    assert_eq!(
        (status, allow.as_deref(), body.as_slice()),
        (405, Some("GET, HEAD, POST"), b"refused 405".as_slice())
    );

    fn not_found_only(r: &mut Routes<'_>) {
        r.default_service(web::to(problem::not_found));
        routes(r);
    }
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(resolve)).configure(mount(not_found_only)),
    )
    .await;
    let trace = answer(&app, Method::TRACE, "/projects").await;
    assert_eq!(
        trace,
        answer(&app, Method::GET, "/nothing").await,
        "byte-identical to the app's 404"
    );
    assert_eq!(trace.0, 404);
}
