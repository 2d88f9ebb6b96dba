//! [`App`]: the one way an axum app built with authz serves, and where deny by default is
//! observed.
//!
//! axum routes inside the router's future, so a middleware cannot see before routing which
//! endpoint a request will reach, as actix lets `ResolveActor` see. What it can see is who
//! answered: every declared handler marks its response (the gate's refusals too), and so do the
//! not-found and method-not-allowed fallbacks `App` installs. `App` wraps the whole router, so
//! every response passes it, and it refuses — 500, logged — any success nobody marked: a route,
//! fallback or layer that answered on its own. On the documented path nothing undeclared can
//! be added at all: `App` has no `route`, `merge`, `nest_service` or `fallback`; its routes come
//! from [`Routes`](crate::Routes), which accepts only declared handlers.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{Method, Uri};
use tower_layer::Layer;
use tower_service::Service;

use crate::context::{AppHandle, Shared};
use crate::problem::{self, Served};
use crate::resolver::Resolver;
use crate::routes::{Layout, Routes};
use authz_core::Grants;

/// An axum app whose every route is declared, and which refuses whatever else answers.
///
/// ```
/// use authz_axum::{App, Actor, Routes, public, require_permission};
///
/// /// Health check.
/// #[public("load balancer probes")]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
///
/// /// List users.
/// #[require_permission("user:admin")]
/// #[get("/users")]
/// async fn list_users() -> &'static str { "[]" }
///
/// fn routes(r: &mut Routes<'_, ()>) {
///     r.service(health);
///     r.scope("/admin", |r| {
///         r.service(list_users); // served, and documented, as /admin/users
///     });
/// }
///
/// async fn nobody(_: &http::request::Parts) -> Result<Option<Actor>, std::convert::Infallible> {
///     Ok(None)
/// }
///
/// let app = App::new(routes, nobody);
/// // axum::serve(listener, app.into_make_service()).await
/// # let _ = app;
/// ```
pub struct App<S = ()> {
    router: Router<S>,
    shared: Arc<Shared>,
}

impl<S> fmt::Debug for App<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App").field("matrix", &self.shared.digest).finish_non_exhaustive()
    }
}

impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App { router: self.router.clone(), shared: self.shared.clone() }
    }
}

impl<S: Clone + Send + Sync + 'static> App<S> {
    /// The app serving `routes`, with `resolver` finding each request's actor.
    ///
    /// # Panics
    ///
    /// When the routes are inconsistent (see [`routes::check`](crate::routes::check)): the app
    /// would not serve what the matrix says.
    pub fn new<F, R>(routes: F, resolver: R) -> Self
    where
        F: FnOnce(&mut Routes<'_, S>),
        R: Resolver,
    {
        let layout = Layout::build(routes);
        let digest = layout.matrix(None).digest();
        let methods = layout.path_methods();
        let seen = Arc::new(layout.records().map(|at| (at, Default::default())).collect());
        let router = layout
            .into_router()
            .fallback(not_found_fallback)
            .method_not_allowed_fallback(method_not_allowed_fallback);
        let shared = Arc::new(Shared {
            resolver: Arc::new(resolver),
            grants: None,
            digest,
            explain: false,
            methods,
            telemetry: None,
            responder: None,
            seen,
        });
        App { router, shared }
    }

    /// The grant store scoped routes ask for an actor's roles in the scope the path names.
    /// Without it, a scoped route refuses (500, logged) whoever its global permissions do not
    /// admit.
    pub fn grants(mut self, grants: Grants) -> Self {
        Arc::make_mut(&mut self.shared).grants = Some(grants);
        self
    }

    /// Explains refusals, for development and support: a 403 the gate answers names the
    /// permissions the actor lacked (the RFC 9457 extension member `missing`), a service
    /// policy's 403 the reason it marked safe to show (`reason`), and every answer of a gated
    /// route but a 404 carries its decision's id in the `authz-decision-id` header, as in the
    /// audit event. 401 and 404 bodies never change.
    pub fn explain(mut self) -> Self {
        Arc::make_mut(&mut self.shared).explain = true;
        self
    }

    /// Shapes every refusal of the app — the gate's, `CurrentActor`'s, a service's `Denied`, the
    /// 404 of a path nothing matches and the 405 of a method nobody declared — in the app's own
    /// body, so that a hidden resource still answers exactly as a missing one. A route's own
    /// `responder = ...` takes precedence for its refusals. The answer must carry the refusal's
    /// status (another one, or a panic, is logged and the generic body sent); a 401 gets the
    /// `WWW-Authenticate` challenge if it has none, a 405 the `Allow` header.
    pub fn responder<F>(mut self, responder: F) -> Self
    where
        F: Fn(&http::request::Parts, crate::problem::Refusal) -> Response + Send + Sync + 'static,
    {
        Arc::make_mut(&mut self.shared).responder = Some(Arc::new(responder));
        self
    }

    /// Counts and times the app's decisions through the `metrics` facade (see
    /// [`telemetry`](crate::telemetry)); install the recorder first.
    pub fn telemetry(mut self, telemetry: crate::telemetry::Telemetry) -> Self {
        Arc::make_mut(&mut self.shared).telemetry = Some(telemetry);
        self
    }

    /// Applies a tower layer to every route and fallback, after routing (axum's
    /// [`Router::layer`]). A layer that answers a request with a success without calling the
    /// route is refused like any undeclared endpoint; its refusals (an authentication layer's
    /// 401) pass. A layer meant to answer some requests itself — CORS, whose preflights it
    /// answers — wraps the app from outside instead (`Layer::layer(&cors, app)`), where what it
    /// answers never reaches the app.
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: axum::response::IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        App { router: self.router.layer(layer), shared: self.shared }
    }

    /// Provides the state the handlers extract with `State`.
    pub fn with_state<S2>(self, state: S) -> App<S2> {
        App { router: self.router.with_state(state), shared: self.shared }
    }

    /// The full patterns of the app's routes.
    #[cfg(feature = "test-kit")]
    pub(crate) fn patterns(&self) -> impl Iterator<Item = &str> + '_ {
        self.shared.methods.patterns()
    }

    /// The digest of the matrix this app serves
    /// ([`Matrix::digest`](authz_core::matrix::Matrix::digest)), as its audit events name it.
    pub fn matrix_digest(&self) -> &str {
        &self.shared.digest
    }
}

impl App<()> {
    /// The app as axum's `serve` takes it: `axum::serve(listener, app.into_make_service())`.
    pub fn into_make_service(self) -> axum::routing::IntoMakeService<Self> {
        axum::ServiceExt::<Request>::into_make_service(self)
    }
}

impl<B> Service<http::Request<B>> for App<()>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Observed;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Observed {
        let mut req = req.map(Body::new);
        // The test kit's injected actor, if any (a production build has no way to put one).
        #[cfg(feature = "test-kit")]
        let resolution = req.extensions_mut().remove::<crate::marks::Injected>().map(|i| i.0);
        #[cfg(not(feature = "test-kit"))]
        let resolution = None;
        req.extensions_mut().insert(AppHandle { app: self.shared.clone(), resolution });
        #[cfg(feature = "test-kit")]
        let probe = req.extensions().get::<crate::marks::Probe>().is_some();
        #[cfg(not(feature = "test-kit"))]
        let probe = false;
        let method = req.method().clone();
        let uri = req.uri().clone();
        let fut = Service::<Request>::call(&mut self.router, req);
        Observed { fut, method, uri, telemetry: self.shared.telemetry.clone(), probe }
    }
}

pin_project_lite::pin_project! {
    /// A request in the router: its answer, checked for the mark of a declared endpoint.
    pub struct Observed {
        #[pin]
        fut: axum::routing::future::RouteFuture<Infallible>,
        method: Method,
        uri: Uri,
        telemetry: Option<crate::telemetry::Telemetry>,
        // A test kit probe: an undeclared answer is reported, not logged.
        probe: bool,
    }
}

/// The mark a probe's undeclared answer carries back to the test kit.
#[derive(Clone, Copy)]
pub(crate) struct Undeclared;

impl fmt::Debug for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observed").field("method", &self.method).finish_non_exhaustive()
    }
}

impl Future for Observed {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let fut = this.fut;
        let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        let response = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(response))) => response,
            Err(_) => {
                tracing::error!(
                    target: "authz",
                    method = %this.method,
                    path = %crate::audit::Escaped(this.uri.path()),
                    "a handler panicked; answered 500"
                );
                return Poll::Ready(Ok(problem::closing(problem::internal_error())));
            }
        };
        let mut response = response;
        if response.extensions().get::<Served>().is_some() {
            if response.extensions().get::<problem::WithoutAllow>().is_some() {
                response.headers_mut().remove(http::header::ALLOW);
            }
            return Poll::Ready(Ok(response));
        }
        if !serves(response.status()) {
            return Poll::Ready(Ok(response));
        }
        if *this.probe {
            let mut refused = problem::internal_error();
            refused.extensions_mut().insert(Undeclared);
            return Poll::Ready(Ok(refused));
        }
        if let Some(telemetry) = &this.telemetry {
            telemetry.undeclared(this.method);
        }
        tracing::error!(
            target: "authz",
            method = %this.method,
            path = %crate::audit::Escaped(this.uri.path()),
            status = response.status().as_u16(),
            "refused: answered by no declared endpoint (a route, fallback or layer added outside `Routes`)"
        );
        Poll::Ready(Ok(problem::internal_error()))
    }
}

/// An answer only a declared endpoint may give: anything below 400. A refusal — an
/// authentication layer's 401, a rate limiter's 429 — serves nothing, and passes.
fn serves(status: http::StatusCode) -> bool {
    status.as_u16() < 400
}

/// What a request no declared route matches gets: exactly what a hidden resource gets.
pub(crate) async fn not_found_fallback(parts: http::request::Parts) -> Response {
    let app = parts.extensions.get::<AppHandle>().map(|handle| handle.app.clone());
    let responder = app.as_ref().and_then(|app| app.responder.as_ref());
    problem::refusal(problem::Refusal::NotFound, &parts, None, responder)
}

/// What a request for a declared path in a method none of its routes takes gets: 405 with
/// `Allow` listing the methods declared at the pattern axum matched — or the plain 404 when a
/// route there hides that it exists.
pub(crate) async fn method_not_allowed_fallback(parts: http::request::Parts) -> Response {
    let app = parts.extensions.get::<AppHandle>().map(|handle| handle.app.clone());
    let responder = app.as_ref().and_then(|app| app.responder.as_ref());
    let declared = parts.extensions.get::<axum::extract::MatchedPath>().and_then(|matched| {
        let app = parts.extensions.get::<AppHandle>()?;
        app.app.methods.at(matched.as_str()).map(|methods| (methods.hides, methods.allow()))
    });
    let mut response = match declared {
        Some((false, allow)) => {
            let mut response =
                problem::shaped(&parts, problem::Refusal::MethodNotAllowed, None, responder);
            if let Ok(allow) = http::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(http::header::ALLOW, allow);
            }
            response
        }
        _ => {
            let mut response = problem::shaped(&parts, problem::Refusal::NotFound, None, responder);
            response.extensions_mut().insert(problem::WithoutAllow);
            response
        }
    };
    response = problem::unread(problem::served(response), &parts);
    response
}
