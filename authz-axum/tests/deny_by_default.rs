//! Deny by default on axum: whatever answers that authz did not declare is refused, observed
//! from who answered, never predicted from the path.

mod support;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use authz_axum::{
    Actor, App, Catalog, Permission, PermissionDef, RoleDef, Routes, public, require_permission,
};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use support::{get, serve};

static HANDLED: AtomicUsize = AtomicUsize::new(0);

/// Read the report.
#[require_permission("report:read")]
#[get("/reports/{id}")]
async fn report(axum::extract::Path(id): axum::extract::Path<u32>) -> String {
    HANDLED.fetch_add(1, Ordering::SeqCst);
    format!("report {id}")
}

/// Health check.
#[public("load balancer probes")]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

fn routes(r: &mut Routes<'_>) {
    r.service(report).service(health);
}

const REPORT_READ: Permission = Permission::new("report:read");
static CATALOG: Catalog = Catalog::new(
    &[PermissionDef { permission: REPORT_READ, description: "Read reports" }],
    &[RoleDef { name: "reader", permissions: &[REPORT_READ] }],
);

async fn anyone_is_a_reader(_: &Parts) -> Result<Option<Actor>, authz_axum::UnknownRole> {
    CATALOG.actor(1, ["reader"]).map(Some)
}

/// A layer that answers `/metrics` itself, as exporters do, and a 401 for `/private`.
#[derive(Clone)]
struct Answering;

impl<S> tower_layer::Layer<S> for Answering {
    type Service = AnsweringService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AnsweringService(inner)
    }
}

#[derive(Clone)]
struct AnsweringService<S>(S);

impl<S> tower_service::Service<Request> for AnsweringService<S>
where
    S: tower_service::Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match req.uri().path() {
            "/metrics" => Box::pin(async { Ok("secret_metric 1".into_response()) }),
            "/private" => {
                Box::pin(async { Ok((http::StatusCode::UNAUTHORIZED, "sign in").into_response()) })
            }
            _ => Box::pin(self.0.call(req)),
        }
    }
}

#[tokio::test]
async fn a_layer_that_answers_with_a_success_is_refused_and_its_refusals_pass() {
    let addr = serve(App::new(routes, anyone_is_a_reader).layer(Answering)).await;
    let metrics = get(addr, "/metrics", None).await;
    assert_eq!(metrics.status, 500, "{metrics:?}");
    assert!(!metrics.body.contains("secret_metric"), "{metrics:?}");
    assert_eq!(metrics.body, authz_axum::problem::INTERNAL);
    let private = get(addr, "/private", None).await;
    assert_eq!((private.status, private.body.as_str()), (401, "sign in"));
    // Declared routes pass through the layer.
    let served = get(addr, "/reports/3", None).await;
    assert_eq!((served.status, served.body.as_str()), (200, "report 3"));
}

#[tokio::test]
async fn a_cors_layer_goes_outside_the_app_where_its_preflight_answers_pass() {
    let cors = || {
        tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::Any)
            .allow_methods(tower_http::cors::Any)
    };
    let preflight = [("origin", "https://ui.example"), ("access-control-request-method", "GET")];
    // Outside the app: the preflight never reaches it; every other request does, and is gated.
    let outside = tower_layer::Layer::layer(&cors(), App::new(routes, anyone_is_a_reader));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let make = axum::ServiceExt::<Request>::into_make_service(outside);
    tokio::spawn(async move { axum::serve(listener, make).await.expect("server") });
    let answer = support::send(addr, "OPTIONS", "/reports/3", &preflight).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"), "{answer:?}");
    let served = support::send(addr, "GET", "/reports/3", &preflight[..1]).await;
    assert_eq!((served.status, served.body.as_str()), (200, "report 3"));
    assert_eq!(served.header("access-control-allow-origin"), Some("*"), "{served:?}");
    // Inside (`App::layer`, after routing) its preflight answer is a success no declared
    // endpoint gave: refused like any layer's own.
    let addr = serve(App::new(routes, anyone_is_a_reader).layer(cors())).await;
    let answer = support::send(addr, "OPTIONS", "/reports/3", &preflight).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    let served = support::send(addr, "GET", "/reports/3", &preflight[..1]).await;
    assert_eq!((served.status, served.body.as_str()), (200, "report 3"));
}

#[tokio::test]
async fn layers_that_wrap_the_answer_keep_a_declared_answer_served() {
    // What axum apps put on every route: request tracing (which wraps the body) and a timeout.
    let app = App::new(routes, anyone_is_a_reader)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(5),
        ));
    let addr = serve(app).await;
    let served = get(addr, "/reports/3", None).await;
    assert_eq!((served.status, served.body.as_str()), (200, "report 3"));
    let probe = get(addr, "/health", None).await;
    assert_eq!((probe.status, probe.body.as_str()), (200, "ok"));
    let missing = get(addr, "/nowhere", None).await;
    assert_eq!(missing.status, 404, "{missing:?}");
}

#[tokio::test]
async fn a_declared_handler_in_a_router_that_is_not_an_app_refuses_everyone() {
    // The macros' handlers are axum handlers: nothing stops an app from routing one itself. That
    // router is not observed, so the handler serves nobody.
    let router: axum::Router = axum::Router::new().route("/export", axum::routing::get(export));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("server") });
    let answer = get(addr, "/export", None).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    assert_eq!(UNOBSERVED.load(Ordering::SeqCst), 0, "the handler never ran");
}

static UNOBSERVED: AtomicUsize = AtomicUsize::new(0);

/// Export the reports: routed below by a plain axum router, not an `App`.
#[require_permission("report:read")]
#[get("/export")]
async fn export() -> &'static str {
    UNOBSERVED.fetch_add(1, Ordering::SeqCst);
    "exported"
}

/// List a team's projects.
#[require_permission("report:read")]
#[get("/teams/{team_id}/projects")]
async fn team_projects() -> &'static str {
    "[]"
}

/// Another report route, with a parameter of another name.
#[require_permission("report:read")]
#[get("/reports/{name}")]
async fn report_by_name() -> &'static str {
    "by name"
}

/// The same path and method as `report`.
#[public("a second declaration")]
#[get("/reports/{id}")]
async fn report_again() -> &'static str {
    "again"
}

#[test]
fn full_paths_are_checked_as_a_whole() {
    let twice = authz_axum::routes::check(|r: &mut Routes<'_>| {
        r.scope("/orgs/{team_id}", |r| {
            r.service(team_projects);
        });
    })
    .expect_err("a parameter named twice across a scope and its route");
    assert!(twice.problems[0].contains("names the path parameter `team_id` twice"), "{twice}");

    let overlap = authz_axum::routes::check(|r: &mut Routes<'_>| {
        r.service(report).service(report_by_name);
    })
    .expect_err("two patterns that match the same paths");
    assert!(overlap.problems[0].contains("/reports/{name}"), "{overlap}");

    let duplicate = authz_axum::routes::check(|r: &mut Routes<'_>| {
        r.service(report).service(report_again);
    })
    .expect_err("two declarations of one method and path");
    assert!(duplicate.problems[0].contains("`GET /reports/{id}` is declared twice"), "{duplicate}");

    assert_eq!(authz_axum::routes::check(routes), Ok(()));
}

#[tokio::test]
async fn the_test_kit_lists_what_a_layer_answers_and_runs_no_handler() {
    // `export` counts its runs in UNOBSERVED, which no other test of this file runs it for.
    let routes = |r: &mut Routes<'_>| {
        r.service(export).service(health);
    };
    let clean = App::new(routes, anyone_is_a_reader);
    assert_eq!(authz_axum::test::undeclared_routes(&clean, &["/metrics"]).await, []);
    let layered = App::new(routes, anyone_is_a_reader).layer(Answering);
    let listed = authz_axum::test::undeclared_routes(&layered, &["/metrics", "/private"]).await;
    let shown: Vec<String> = listed.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "GET /metrics",
            "HEAD /metrics",
            "POST /metrics",
            "PUT /metrics",
            "PATCH /metrics",
            "DELETE /metrics",
            "OPTIONS /metrics"
        ],
        "the layer's 401 at /private serves nothing and is not listed"
    );
    assert_eq!(UNOBSERVED.load(Ordering::SeqCst), 0, "no probe ran a handler");
}
