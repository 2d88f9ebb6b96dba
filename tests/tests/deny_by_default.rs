//! Deny by default: a route without a declaration, or registered around `mount`, is refused
//! before its handler runs, and reported at ERROR naming the route.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::{get, test, web, App, HttpResponse};
use authz_actix::{mount, require_permission, ResolveActor};
use authz_tests::resolve;

static UNDECLARED_RAN: AtomicUsize = AtomicUsize::new(0);

/// Declared.
#[require_permission("project:read")]
#[get("/declared")]
async fn declared() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Declared and mounted, but shadowed: routes at its path were registered before `mount`.
#[require_permission("user:admin")]
#[get("/shadowed")]
async fn shadowed() -> HttpResponse {
    HttpResponse::Ok().finish()
}

static COUNTED: AtomicUsize = AtomicUsize::new(0);

/// Declared; counts the requests it served.
#[require_permission("project:read")]
#[get("/counted/{id}")]
async fn counted() -> HttpResponse {
    COUNTED.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

/// Declared, but registered around `mount`.
#[require_permission("project:read")]
#[get("/around")]
async fn around() -> HttpResponse {
    UNDECLARED_RAN.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

/// Plain actix: no declaration at all.
#[get("/plain")]
async fn plain() -> HttpResponse {
    UNDECLARED_RAN.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

async fn sneaky() -> HttpResponse {
    UNDECLARED_RAN.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

#[actix_rt::test]
async fn undeclared_routes_are_refused_and_reported() {
    let (logs, _guard) = authz_tests::capture_logs();

    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .configure(mount(|r| {
                r.service(declared);
            }))
            .service(around)
            .service(plain)
            .service(web::resource("/sneaky/{id}").route(web::post().to(sneaky)))
            .default_service(web::to(authz_actix::problem::not_found)),
    )
    .await;
    let call = |method: &str, uri: &str| {
        let req = test::TestRequest::default()
            .method(actix_web::http::Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(uri)
            .insert_header(("authorization", "Bearer admin-1"));
        app.call(req.to_request())
    };

    // Twice: the middleware learns each resource's declaration on first sight and answers the
    // second request from what it learned.
    for _ in 0..2 {
        assert_eq!(call("GET", "/declared").await.expect("response").status(), StatusCode::OK);
        for (method, uri) in [("GET", "/around"), ("GET", "/plain"), ("POST", "/sneaky/3"), ("HEAD", "/plain")] {
            let res = call(method, uri).await.expect("response");
            assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{method} {uri}");
            let body = test::read_body(res).await;
            assert!(!String::from_utf8_lossy(&body).contains("declar"), "generic body");
        }
        // A declared path with a method nobody declared: the app's usual 404.
        let res = call("DELETE", "/declared").await.expect("response");
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(UNDECLARED_RAN.load(Ordering::SeqCst), 0, "no undeclared handler ran");

    // The check for tests lists every undeclared route, without sending requests to it.
    let listed: Vec<String> = authz_actix::test::undeclared_routes(&app).await.iter().map(ToString::to_string).collect();
    assert_eq!(listed, ["GET /around", "HEAD /around", "GET /plain", "POST /sneaky/{id}"]);

    // An unknown path reaches the default service.
    assert_eq!(call("GET", "/nowhere").await.expect("response").status(), StatusCode::NOT_FOUND);

    let logs = logs.take();
    for route in ["route=/around", "route=/plain", "route=/sneaky/{id}"] {
        let line = logs.iter().find(|l| l.contains(route)).unwrap_or_else(|| panic!("no event for {route}:\n{logs:#?}"));
        assert!(line.contains("ERROR") && line.contains("authz:") && line.contains("no authorization declaration"), "{line}");
    }
}

#[actix_rt::test]
async fn an_app_without_a_route_table_serves_nothing_routed() {
    let app = test::init_service(App::new().wrap(ResolveActor::new(resolve)).service(plain)).await;
    let before = UNDECLARED_RAN.load(Ordering::SeqCst);
    let req = test::TestRequest::get().uri("/plain").insert_header(("authorization", "Bearer admin-1"));
    assert_eq!(test::call_service(&app, req.to_request()).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(UNDECLARED_RAN.load(Ordering::SeqCst), before);
}

/// An undeclared route registered before `mount` at the same path and method as a declared one
/// is what actix routes the request to: it must be refused, not taken for the declared route.
#[actix_rt::test]
async fn an_undeclared_route_at_a_declared_path_is_refused() {
    for (label, shadow) in [
        ("unnamed", web::resource("/shadowed").route(web::get().to(sneaky))),
        ("named", web::resource("/shadowed").name("legacy_shadowed").route(web::get().to(sneaky))),
    ] {
        let (logs, _guard) = authz_tests::capture_logs();
        let app = test::init_service(
            App::new()
                .wrap(ResolveActor::new(resolve))
                .service(shadow)
                .configure(mount(|r| {
                    r.service(shadowed);
                })),
        )
        .await;
        let before = UNDECLARED_RAN.load(Ordering::SeqCst);
        // Twice: the second answer comes from what the middleware learned about the resource.
        for who in ["member-4", "admin-1", "member-4"] {
            let req = test::TestRequest::get().uri("/shadowed").insert_header(("authorization", format!("Bearer {who}")));
            let res = test::call_service(&app, req.to_request()).await;
            assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{label}, {who}");
        }
        assert_eq!(UNDECLARED_RAN.load(Ordering::SeqCst), before, "{label}: the shadowing handler never ran");
        // `undeclared_routes` cannot list this one: actix's route introspection merges resources
        // at the same path into one node (see docs/routing.md); the run-time check above is what
        // catches it.
        let logs = logs.take();
        assert!(logs.iter().any(|l| l.contains("ERROR") && l.contains("route=/shadowed")), "{label}: {logs:#?}");
    }
}

/// Status and body of an admin's GET `uri`, with `header` if given. A refusal with no request
/// left to answer with is an error, which actix's HTTP layer turns into the response (the generic
/// problem 500): done here the same way.
async fn answer(
    app: &impl Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, Error = actix_web::Error>,
    uri: &str,
    header: Option<(&'static str, &'static str)>,
) -> (StatusCode, actix_web::web::Bytes) {
    let mut req = test::TestRequest::get().uri(uri).insert_header(("authorization", "Bearer admin-1"));
    if let Some(header) = header {
        req = req.insert_header(header);
    }
    match app.call(req.to_request()).await {
        Ok(res) => (res.status(), test::read_body(res).await),
        Err(error) => {
            let res = error.error_response();
            (res.status(), actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default())
        }
    }
}

/// An app middleware that passes a request on to routing only after a yield, when it carries
/// `x-later`: routing then happens after `ResolveActor`'s call has returned.
struct Later;

impl<S> actix_web::dev::Transform<S, actix_web::dev::ServiceRequest> for Later
where
    S: Service<actix_web::dev::ServiceRequest, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = actix_web::dev::ServiceResponse;
    type Error = actix_web::Error;
    type Transform = LaterService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(LaterService(std::rc::Rc::new(service))))
    }
}

struct LaterService<S>(std::rc::Rc<S>);

impl<S> Service<actix_web::dev::ServiceRequest> for LaterService<S>
where
    S: Service<actix_web::dev::ServiceRequest, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = actix_web::dev::ServiceResponse;
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>>>>;

    fn poll_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: actix_web::dev::ServiceRequest) -> Self::Future {
        let service = self.0.clone();
        if req.headers().contains_key("x-later") {
            Box::pin(async move {
                actix_rt::task::yield_now().await;
                service.call(req).await
            })
        } else {
            Box::pin(service.call(req))
        }
    }
}

/// `ResolveActor` skips its own path match for a declared route once routing has confirmed the
/// route is reached directly, and then requires routing to confirm it on every request: when it
/// does not, the request is refused (the handler never runs) and the route goes back to the full
/// check. Routing that always happens later never costs a refusal: the first request finds out.
#[actix_rt::test]
async fn routing_that_happens_later_is_checked_the_full_way() {
    let (logs, _guard) = authz_tests::capture_logs();
    let app = test::init_service(
        App::new().wrap(Later).wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            r.service(counted);
        })),
    )
    .await;
    let call = |later: bool| answer(&app, "/counted/1", later.then_some(("x-later", "1")));
    let served = || COUNTED.load(Ordering::SeqCst);

    // Proven direct, then answered without the full check.
    for _ in 0..3 {
        let before = served();
        assert_eq!(call(false).await.0, StatusCode::OK);
        assert_eq!(served(), before + 1);
    }
    // Routing happens later: not confirmed, refused, handler not run.
    let before = served();
    let (status, body) = call(true).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, actix_web::body::to_bytes(authz_actix::problem::internal_error().into_body()).await.unwrap_or_default());
    assert_eq!(served(), before, "the refused request never reached the handler");
    assert!(
        logs.take().iter().any(|l| l.contains("ERROR") && l.contains("route=/counted/{id}") && l.contains("did not route it to the declared route")),
        "the refusal is logged"
    );
    // From then on the full check: served either way.
    for later in [true, false, true] {
        let before = served();
        assert_eq!(call(later).await.0, StatusCode::OK, "later: {later}");
        assert_eq!(served(), before + 1);
    }
}

#[actix_rt::test]
async fn routing_that_always_happens_later_is_never_refused() {
    let app = test::init_service(
        App::new().wrap(Later).wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            r.service(counted);
        })),
    )
    .await;
    for _ in 0..3 {
        let req = test::TestRequest::get().uri("/counted/2").insert_header(("authorization", "Bearer admin-1")).insert_header(("x-later", "1"));
        assert_eq!(test::call_service(&app, req.to_request()).await.status(), StatusCode::OK);
    }
}

/// Once a route is proven direct, routing must confirm every request: an undeclared resource that
/// takes one of its requests — here registered before `mount` under the declared handler's own
/// resource name, behind a guard, which the path-and-name check alone cannot tell apart — is
/// refused before its handler runs.
#[actix_rt::test]
async fn a_request_routed_past_a_proven_route_is_refused() {
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .service(
                web::resource("/counted/{id}")
                    .name("counted")
                    .guard(actix_web::guard::Header("x-shadow", "1"))
                    .route(web::get().to(sneaky)),
            )
            .configure(mount(|r| {
                r.service(counted);
            })),
    )
    .await;
    let call = |shadow: bool| answer(&app, "/counted/3", shadow.then_some(("x-shadow", "1")));
    assert_eq!(call(false).await.0, StatusCode::OK, "proves the route direct");
    let before = UNDECLARED_RAN.load(Ordering::SeqCst);
    assert_eq!(call(true).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(UNDECLARED_RAN.load(Ordering::SeqCst), before, "the undeclared handler never ran");
}
