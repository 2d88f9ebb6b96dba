//! Deny by default, attacked: whatever the path's spelling, the middleware order or the way a
//! route got into the app, a request actix routes to anything `mount` did not register is
//! refused (500, logged) and its handler never runs.
//!
//! Every leaking handler here counts its runs in one counter; each test asserts it stayed at zero
//! and the status each request got.

// The tests take turns on the shared counter; each runs on its own single-threaded runtime, so a
// lock held across an await blocks nothing but the other tests.
#![allow(clippy::await_holding_lock)]

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, NormalizePath, from_fn};
use actix_web::{App, HttpResponse, get, guard, test, web};
use authz_actix::{ResolveActor, Routes, mount, public, require_permission};
use authz_tests::{resolve, serial};

/// Runs of every handler that must never run.
static LEAKED: AtomicUsize = AtomicUsize::new(0);

async fn leak() -> HttpResponse {
    LEAKED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body("secret")
}

/// Health check.
#[public("load balancer probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// List users.
#[require_permission("user:admin")]
#[get("/users")]
async fn list_users() -> HttpResponse {
    HttpResponse::Ok().body("users")
}

/// Read a report.
#[require_permission("project:read")]
#[get("/reports/{id}")]
async fn read_report(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

/// A declared handler, registered with `App::service` instead of through `mount`.
#[require_permission("project:read")]
#[get("/outside")]
async fn outside() -> HttpResponse {
    LEAKED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

/// Plain actix, registered under the name of the declared `list_users` resource.
#[get("/admin/users", name = "list_users")]
async fn list_users_twin() -> HttpResponse {
    LEAKED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

fn never(_: &guard::GuardContext<'_>) -> bool {
    false
}

/// Declared behind a guard that always declines.
#[require_permission("user:admin")]
#[get("/guarded", guard = "never")]
async fn guarded() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn routes(r: &mut Routes<'_>) {
    r.service(health).service(guarded);
    r.scope("/admin", |r| {
        r.service(list_users);
    });
    r.scope("/api", |r| {
        r.service(read_report);
    });
    r.public_service(
        "/assets",
        "static assets",
        web::resource("").route(web::get().to(HttpResponse::Ok)),
    );
}

/// Status and body of `method uri` sent by `token` (anonymous without). A refusal made after
/// routing consumed the request is an error, which actix's HTTP layer turns into the response:
/// done here the same way.
async fn answer<S, B>(app: &S, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(uri);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    match app.call(req.to_request()).await {
        Ok(res) => {
            let status = res.status();
            let body = test::read_body(res).await;
            (status, String::from_utf8_lossy(&body).into_owned())
        }
        Err(error) => {
            let res = error.error_response();
            let status = res.status();
            let body = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    }
}

/// Sends each `(method, uri)` anonymously and as an admin; every one must be refused with the
/// generic 500, and nothing may leak.
async fn assert_refused<S, B>(app: &S, requests: &[(&str, &str)])
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    for (method, uri) in requests {
        for token in [None, Some("admin-1")] {
            let (status, body) = answer(app, method, uri, token).await;
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {uri} as {token:?}: {body}"
            );
            assert!(
                body.contains("The request could not be processed") && !body.contains("secret"),
                "{body}"
            );
        }
    }
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0, "an undeclared handler ran");
}

#[actix_rt::test]
async fn percent_encoded_spellings_reach_nothing_undeclared() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let (logs, _guard) = authz_tests::capture_logs();
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            // Before `mount`, at a gated route's path.
            .route("/admin/users", web::get().to(leak))
            .configure(mount(routes))
            .route("/internal/dump", web::get().to(leak))
            // An undeclared method at a declared path.
            .service(web::resource("/health").route(web::delete().to(leak))),
    )
    .await;
    assert_refused(
        &app,
        &[
            ("GET", "/internal/dump"),
            ("GET", "/%69nternal/dump"),
            ("GET", "/internal/%64ump"),
            ("GET", "/internal/dum%70"),
            ("GET", "/%69%6e%74%65%72%6e%61%6c/dump"),
            ("DELETE", "/health"),
            ("DELETE", "/%68ealth"),
            ("GET", "/admin/users"),
            ("GET", "/%61dmin/users"),
            ("GET", "/admin/%75sers"),
        ],
    )
    .await;
    // Spellings actix does not route anywhere get the default 404; declared routes still serve.
    for uri in ["/INTERNAL/dump", "/internal/dump;x=1", "/internal//dump", "/internal/dump/"] {
        assert_eq!(answer(&app, "GET", uri, None).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(answer(&app, "GET", "/%68ealth", None).await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(
        answer(&app, "GET", "/api/reports/%37", Some("admin-1")).await,
        (StatusCode::OK, "7".to_owned())
    );
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0);

    let logs = logs.take();
    let line = logs
        .iter()
        .find(|l| l.contains("path=/internal/dum%70"))
        .unwrap_or_else(|| panic!("{logs:#?}"));
    assert!(
        line.contains("ERROR") && line.contains("authz:") && line.contains("method=GET"),
        "{line}"
    );
}

#[actix_rt::test]
async fn scope_and_app_default_services_are_refused() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .service(web::scope("/admin").default_service(web::to(leak)))
            .configure(mount(routes))
            .default_service(web::to(leak)),
    )
    .await;
    assert_refused(
        &app,
        &[("GET", "/admin/users"), ("POST", "/admin/anything"), ("GET", "/nowhere"), ("PUT", "/")],
    )
    .await;
    // A scope of `Routes` answers unknown paths with authz's default, never the app's.
    assert_eq!(answer(&app, "GET", "/api/nothing", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(answer(&app, "GET", "/assets/nothing", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0);

    let listed: Vec<String> =
        authz_actix::test::undeclared_routes(&app).await.iter().map(ToString::to_string).collect();
    // `/guarded`'s own guard declines every request, which then reaches the app's default service.
    assert_eq!(
        listed,
        [
            "* (default service)",
            "* /admin/*",
            "GET /admin/users",
            "HEAD /admin/users",
            "GET /guarded",
            "HEAD /guarded"
        ]
    );
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0, "listing runs no handler");
}

#[actix_rt::test]
async fn the_default_service_is_authz_unless_the_app_declares_one() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(routes)))
            .await;
    let (status, body) = answer(&app, "GET", "/nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("The requested resource was not found."), "{body}");
    // Under a scope of `Routes`, the same service answers.
    assert_eq!(answer(&app, "GET", "/admin/nothing", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(answer(&app, "GET", "/assets/nothing", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(authz_actix::test::undeclared_routes(&app).await, []);

    let declared =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            routes(r);
            r.default_service(web::to(|| async { HttpResponse::NotFound().body("custom") }));
        })))
        .await;
    assert_eq!(
        answer(&declared, "GET", "/nowhere", None).await,
        (StatusCode::NOT_FOUND, "custom".to_owned())
    );
    assert_eq!(
        answer(&declared, "GET", "/admin/nothing", None).await,
        (StatusCode::NOT_FOUND, "custom".to_owned())
    );

    // A declared default service that serves content has no row that says so: its answer is
    // refused (it is the app's declared code, so it runs; what it says does not leave).
    let serving =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            routes(r);
            r.default_service(web::to(|| async { HttpResponse::Ok().body("secret") }));
        })))
        .await;
    assert_refused(&serving, &[("GET", "/nowhere"), ("GET", "/admin/nothing")]).await;
}

#[actix_rt::test]
async fn middleware_order_does_not_matter() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let leaky = || App::new().configure(mount(routes)).route("/internal/dump", web::get().to(leak));
    let spellings =
        [("GET", "/internal/dump/"), ("GET", "//internal//dump"), ("GET", "/internal/dump")];

    // NormalizePath inside ResolveActor: it rewrites the path, then actix routes (still inside).
    let inside =
        test::init_service(leaky().wrap(NormalizePath::trim()).wrap(ResolveActor::new(resolve)))
            .await;
    assert_refused(&inside, &spellings).await;
    assert_eq!(answer(&inside, "GET", "//health/", None).await, (StatusCode::OK, "ok".to_owned()));

    // NormalizePath outside.
    let normalized =
        test::init_service(leaky().wrap(ResolveActor::new(resolve)).wrap(NormalizePath::trim()))
            .await;
    assert_refused(&normalized, &spellings).await;
    assert_eq!(
        answer(&normalized, "GET", "//health/", None).await,
        (StatusCode::OK, "ok".to_owned())
    );

    // A middleware outside that rewrites `/v1/...` to `/...` before routing.
    let rewritten =
        test::init_service(leaky().wrap(ResolveActor::new(resolve)).wrap(StripV1)).await;
    assert_refused(&rewritten, &[("GET", "/v1/internal/dump")]).await;
    assert_eq!(
        answer(&rewritten, "GET", "/v1/health", None).await,
        (StatusCode::OK, "ok".to_owned())
    );

    // A middleware inside that routes later: nothing can be observed, so everything is refused.
    let (logs, _guard) = authz_tests::capture_logs();
    let deferred =
        test::init_service(leaky().wrap(from_fn(later)).wrap(ResolveActor::new(resolve))).await;
    assert_refused(&deferred, &[("GET", "/internal/dump"), ("GET", "/health")]).await;
    assert!(logs.take().iter().any(|l| l.contains("ERROR") && l.contains("deferred routing")));
}

#[actix_rt::test]
async fn routes_around_mount_are_refused_whatever_their_name_or_guard() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            // Same path, same method, the declared resource's own name.
            .service(list_users_twin)
            // A declared handler, outside `mount`.
            .service(outside)
            // Before `mount`, sharing the public service's path, for another method.
            .service(web::resource("/assets").guard(guard::Post()).to(leak))
            // Before `mount`, at the declared path, behind a header guard: a plain probe never
            // reaches it.
            .service(
                web::resource("/api/reports/{id}").guard(guard::Header("x-internal", "1")).to(leak),
            )
            .configure(mount(routes))
            // After a declared route whose own guard declines.
            .route("/guarded", web::get().to(leak)),
    )
    .await;
    assert_refused(
        &app,
        &[("GET", "/admin/users"), ("GET", "/outside"), ("POST", "/assets"), ("GET", "/guarded")],
    )
    .await;
    let internal = test::TestRequest::get()
        .uri("/api/reports/1")
        .insert_header(("x-internal", "1"))
        .insert_header(("authorization", "Bearer admin-1"));
    let refused = app
        .call(internal.to_request())
        .await
        .map(|r| r.status())
        .unwrap_or_else(|e| e.error_response().status());
    assert_eq!(refused, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        answer(&app, "GET", "/assets", None).await.0,
        StatusCode::OK,
        "the public service itself serves"
    );

    let listed: Vec<String> =
        authz_actix::test::undeclared_routes(&app).await.iter().map(ToString::to_string).collect();
    for route in [
        "GET /admin/users",
        "GET /outside",
        "POST /assets",
        "GET /guarded",
        "GET /api/reports/{id}",
    ] {
        assert!(listed.contains(&route.to_owned()), "{route} not in {listed:?}");
    }
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0);
}

/// Rewrites `/v1/rest` to `/rest` before routing, as an API-versioning middleware might.
struct StripV1;

impl<S, B> Transform<S, ServiceRequest> for StripV1
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = StripV1Service<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(StripV1Service { service }))
    }
}

struct StripV1Service<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for StripV1Service<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = S::Future;

    actix_web::dev::forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Some(rest) = req.path().strip_prefix("/v1") {
            let uri: actix_web::http::Uri = rest.parse().expect("path");
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
        self.service.call(req)
    }
}

/// Passes each request on to routing only after a yield: routing then happens after
/// `ResolveActor`'s call returned.
async fn later(
    req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    actix_web::rt::task::yield_now().await;
    next.call(req).await
}

#[actix_rt::test]
async fn an_app_without_mount_serves_nothing() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .service(outside)
            .route("/x", web::get().to(leak)),
    )
    .await;
    assert_refused(&app, &[("GET", "/outside"), ("GET", "/x"), ("GET", "/nowhere")]).await;
}

/// A real server with two workers, the bypass spellings on the wire.
#[actix_rt::test]
async fn a_real_server_refuses_every_spelling() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let server = actix_web::HttpServer::new(|| {
        App::new()
            .wrap(ResolveActor::new(resolve))
            .service(web::scope("/admin").default_service(web::to(leak)))
            .configure(mount(routes))
            .route("/internal/dump", web::get().to(leak))
            .default_service(web::to(leak))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    let handle = authz_tests::spawn(server.run());

    let responses = actix_web::rt::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (method, path) in [
            ("GET", "/%69nternal/dump"),
            ("GET", "/internal/dum%70"),
            ("GET", "/admin/users"),
            ("GET", "/%61dmin/users"),
            ("DELETE", "/%68ealth"),
            ("GET", "/nowhere"),
        ] {
            // Several times each, so both workers answer.
            for _ in 0..4 {
                let res = authz_tests::http(addr, method, path, &[]).expect("response");
                out.push((
                    method,
                    path,
                    res.status,
                    String::from_utf8_lossy(&res.body).into_owned(),
                ));
            }
        }
        out
    })
    .await
    .expect("client");
    handle.stop(true).await;
    for (method, path, status, body) in responses {
        assert_eq!(status, 500, "{method} {path}: {body}");
        assert!(body.contains("The request could not be processed"), "{body}");
    }
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0);
}

/// A declared handler handed to `public_service`, whose row would call it public, is never served.
#[actix_rt::test]
async fn a_declared_handler_inside_a_public_service_is_refused() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            r.public_service("/legacy", "legacy pages", outside);
        })))
        .await;
    assert_refused(&app, &[("GET", "/legacy/outside")]).await;
    let matrix = authz_actix::routes::collect(|r| {
        r.public_service("/legacy", "legacy pages", outside);
    });
    assert!(
        matches!(matrix[0].route.access, authz_actix::records::Access::Public { .. }),
        "the row it would have had"
    );
}

/// The users list, public: what an older routes function might still declare.
#[public("legacy directory")]
#[get("/admin/users")]
async fn legacy_users() -> HttpResponse {
    LEAKED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body("everyone")
}

/// An app that calls `mount` twice has two sets of routes, and actix would let the first serve
/// paths the second (whose matrix is the app's) documents otherwise: every route of a `mount`
/// that is not the app's last refuses.
#[actix_rt::test]
async fn a_second_mount_leaves_the_first_serving_nothing() {
    let _serial = serial();
    LEAKED.store(0, Ordering::SeqCst);
    let (logs, _guard) = authz_tests::capture_logs();
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .configure(mount(|r| {
                r.service(legacy_users);
                r.public_service("/old", "legacy pages", web::resource("").to(leak));
            }))
            .configure(mount(routes)),
    )
    .await;
    assert_refused(&app, &[("GET", "/admin/users")]).await;
    // The other mount's public service declines, and actix routes on to the app's 404.
    assert_eq!(answer(&app, "GET", "/old", None).await.0, StatusCode::NOT_FOUND);
    // The app's mount serves as its matrix says.
    assert_eq!(answer(&app, "GET", "/health", None).await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(
        answer(&app, "GET", "/api/reports/3", Some("admin-1")).await,
        (StatusCode::OK, "3".to_owned())
    );
    assert_eq!(LEAKED.load(Ordering::SeqCst), 0);
    assert!(logs.take().iter().any(|l| l.contains("ERROR") && l.contains("called more than once")));
}
