//! One way through: `ResolveActor` only observes routing, the gate owns the request's actor, and
//! the request's resolution is kept once, with the request.
//!
//! Each test pins a seam that state relayed between the middleware and the gate used to open:
//! a scope middleware that answers by itself, `CurrentActor` asked about another request, the
//! resolver run twice, a resolver outside a scope's timeout, a route middleware that cannot edit
//! the request.

// The tests take turns on the shared counters; each runs on its own single-threaded runtime.
#![allow(clippy::await_holding_lock)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, get, test};
use authz_actix::{CurrentActor, ResolveActor, Routes, mount, public, require_permission};
use authz_tests::serial;

/// Runs of the app's resolver.
static RESOLVED: AtomicUsize = AtomicUsize::new(0);
/// Runs of anything that must never run.
static LEAKED: AtomicUsize = AtomicUsize::new(0);

fn reset() {
    RESOLVED.store(0, Ordering::SeqCst);
    LEAKED.store(0, Ordering::SeqCst);
}

/// The tests' resolver, counting its runs; `Bearer slow-...` takes 1.5 s.
async fn counting(
    req: HttpRequest,
) -> Result<Option<authz_actix::Actor>, authz_tests::ResolverDown> {
    RESOLVED.fetch_add(1, Ordering::SeqCst);
    let slow = req
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes().starts_with(b"Bearer slow-"));
    if slow {
        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
        return Ok(Some(authz_tests::actor(1, &["admin"])));
    }
    authz_tests::resolve(req).await
}

/// Read reports.
#[require_permission("project:read")]
#[get("/reports")]
async fn reports(actor: CurrentActor) -> HttpResponse {
    HttpResponse::Ok().body(actor.id().to_string())
}

/// Who is asking, seen by the handler and by a task it spawns.
#[require_permission(authenticated)]
#[get("/spawned")]
async fn spawned(req: HttpRequest) -> HttpResponse {
    let task = actix_web::rt::spawn(async move {
        actix_web::rt::task::yield_now().await;
        CurrentActor::<authz_actix::Actor>::extract(&req)
            .await
            .map(|a| a.id().to_string())
            .unwrap_or_default()
    });
    HttpResponse::Ok().body(task.await.unwrap_or_default())
}

/// Asks `CurrentActor` about a request other than its own.
#[require_permission(authenticated)]
#[get("/other")]
async fn other(actor: CurrentActor) -> HttpResponse {
    let someone_else = test::TestRequest::get().uri("/other").to_http_request();
    match CurrentActor::<authz_actix::Actor>::extract(&someone_else).await {
        Ok(them) => HttpResponse::Ok().body(format!("{} is {}", actor.id(), them.id())),
        Err(_) => HttpResponse::Ok().body(format!("{} knows nobody else", actor.id())),
    }
}

/// A route whose own middleware edits the request before the handler reads it.
#[require_permission("project:read")]
#[get("/edited", wrap = "from_fn(tag_request)")]
async fn edited(req: HttpRequest) -> HttpResponse {
    let tag = req.headers().get("x-tag").and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
    HttpResponse::Ok().body(tag)
}

async fn tag_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    req.headers_mut().insert("x-tag".parse().expect("name"), "tagged".parse().expect("value"));
    next.call(req).await
}

/// The same, panicking after its middleware took the request.
#[require_permission("project:read")]
#[get("/edited-boom", wrap = "from_fn(tag_request)")]
async fn edited_boom() -> HttpResponse {
    panic!("handler bug")
}

/// Health check.
#[public("load balancer probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// Answers `/admin/metrics` by itself, as a metrics exporter does; passes everything else on.
async fn exporter(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    if req.path() == "/admin/metrics" {
        LEAKED.fetch_add(1, Ordering::SeqCst);
        return Ok(req.into_response(HttpResponse::Ok().body("secret_metric 1")));
    }
    if req.path() == "/admin/locked" {
        // An authentication middleware's own refusal: passes.
        return Ok(req.into_response(HttpResponse::Unauthorized().body("no")));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Reads the actor after the handler answered, as an access-log middleware would.
async fn log_actor(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    let res = next.call(req).await?;
    let after = CurrentActor::<authz_actix::Actor>::extract(res.request())
        .await
        .map(|a| a.id().to_string())
        .unwrap_or_default();
    let mut res = res.map_into_boxed_body();
    res.headers_mut().insert("x-actor-after".parse().expect("name"), after.parse().expect("value"));
    Ok(res)
}

/// A 200 ms budget for everything behind it, as a scope timeout middleware gives: it calls the
/// service inside in its own `call` (routing the scope there and then) and bounds the future.
struct Budget;

impl<S> actix_web::dev::Transform<S, ServiceRequest> for Budget
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Transform = BudgetService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(BudgetService { service }))
    }
}

struct BudgetService<S> {
    service: S,
}

impl<S> Service<ServiceRequest> for BudgetService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Future =
        futures_util::future::LocalBoxFuture<'static, Result<ServiceResponse, actix_web::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let fut = self.service.call(req);
        Box::pin(async move {
            match actix_web::rt::time::timeout(Duration::from_millis(200), fut).await {
                Ok(res) => res,
                Err(_) => Err(actix_web::error::ErrorGatewayTimeout("timed out")),
            }
        })
    }
}

fn routes(r: &mut Routes<'_>) {
    r.service(health).service(spawned).service(other).service(edited).service(edited_boom);
    r.scope_with(
        "/admin",
        |s| s.wrap(from_fn(exporter)),
        |r| {
            r.service(reports);
        },
    );
    r.scope_with(
        "/logged",
        |s| s.wrap(from_fn(log_actor)),
        |r| {
            r.service(reports);
        },
    );
    r.scope_with(
        "/bounded",
        |s| s.wrap(Budget),
        |r| {
            r.service(reports);
        },
    );
}

async fn send<S, B>(app: &S, uri: &str, token: Option<&str>) -> (StatusCode, String, Option<String>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = test::TestRequest::get().uri(uri);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    match app.call(req.to_request()).await {
        Ok(res) => {
            let status = res.status();
            let after =
                res.headers().get("x-actor-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = test::read_body(res).await;
            (status, String::from_utf8_lossy(&body).into_owned(), after)
        }
        Err(error) => {
            let res = error.error_response();
            let status = res.status();
            let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
            (status, String::from_utf8_lossy(&body).into_owned(), None)
        }
    }
}

async fn app() -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(App::new().wrap(ResolveActor::new(counting)).configure(mount(routes))).await
}

#[actix_rt::test]
async fn a_scope_middleware_that_answers_by_itself_is_refused() {
    let _serial = serial();
    reset();
    let (logs, _guard) = authz_tests::capture_logs();
    let app = app().await;
    for token in [None, Some("admin-1")] {
        let (status, body, _) = send(&app, "/admin/metrics", token).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{token:?}: {body}");
        assert!(!body.contains("secret_metric"), "{body}");
    }
    // Its refusals pass; the declared route inside is served.
    assert_eq!(send(&app, "/admin/locked", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, "/admin/reports", Some("admin-1")).await.1, "1");
    assert_eq!(send(&app, "/admin/reports", None).await.0, StatusCode::UNAUTHORIZED);
    assert!(logs.take().iter().any(|l| l.contains("ERROR")
        && l.contains("path=/admin/metrics")
        && l.contains("scope middleware")));

    // The refusal is a response, so the app's outer middleware decorates it as any other.
    let outer = test::init_service(
        App::new()
            .wrap(ResolveActor::new(counting))
            .configure(mount(routes))
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("x-outer", "1"))),
    )
    .await;
    let res =
        test::call_service(&outer, test::TestRequest::get().uri("/admin/metrics").to_request())
            .await;
    assert_eq!(
        (res.status(), res.headers().get("x-outer").map(|v| v.as_bytes())),
        (StatusCode::INTERNAL_SERVER_ERROR, Some(&b"1"[..]))
    );
    assert!(!String::from_utf8_lossy(&test::read_body(res).await).contains("secret_metric"));
}

#[actix_rt::test]
async fn current_actor_answers_for_its_own_request_only() {
    let _serial = serial();
    reset();
    let app = app().await;
    let (status, body, _) = send(&app, "/other", Some("admin-1")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1 knows nobody else"));
}

#[actix_rt::test]
async fn the_resolver_runs_once_per_request_whoever_asks_and_whenever() {
    let _serial = serial();
    reset();
    let app = app().await;
    // The gate, the handler's extractor and a middleware after the handler.
    let (status, body, after) = send(&app, "/logged/reports", Some("editor-7")).await;
    assert_eq!((status, body.as_str(), after.as_deref()), (StatusCode::OK, "7", Some("7")));
    assert_eq!(RESOLVED.load(Ordering::SeqCst), 1);
    // The gate, then a task the handler spawned.
    let (status, body, _) = send(&app, "/spawned", Some("member-4")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "4"));
    assert_eq!(RESOLVED.load(Ordering::SeqCst), 2);
}

#[actix_rt::test]
async fn a_scope_timeout_bounds_the_resolver() {
    let _serial = serial();
    reset();
    let app = app().await;
    let (status, body, _) = send(&app, "/bounded/reports", Some("slow-1")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    // The timeout dropped the resolution in flight; the next request resolves afresh.
    assert_eq!(send(&app, "/bounded/reports", Some("admin-1")).await.1, "1");
}

#[actix_rt::test]
async fn a_route_middleware_may_edit_the_request() {
    let _serial = serial();
    reset();
    let app = app().await;
    assert_eq!(
        send(&app, "/edited", Some("admin-1")).await,
        (StatusCode::OK, "tagged".to_owned(), None)
    );
    assert_eq!(send(&app, "/edited", Some("member-4")).await.0, StatusCode::FORBIDDEN);
    // Its handler's panic is still the generic 500, and the app goes on serving.
    let (status, body, _) = send(&app, "/edited-boom", Some("admin-1")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("The request could not be processed"), "{body}");
    assert_eq!(send(&app, "/health", None).await.1, "ok");
}

#[actix_rt::test]
async fn an_injected_actor_is_the_requests_for_every_reader() {
    let _serial = serial();
    reset();
    let app = app().await;
    let req = test::TestRequest::get().uri("/logged/reports").to_request();
    let req = authz_actix::test::with_actor(req, authz_tests::actor(5, &["support"]));
    let res = test::call_service(&app, req).await;
    assert_eq!(res.headers().get("x-actor-after").map(|v| v.as_bytes()), Some(&b"5"[..]));
    assert_eq!(RESOLVED.load(Ordering::SeqCst), 0, "the resolver never ran");
}
