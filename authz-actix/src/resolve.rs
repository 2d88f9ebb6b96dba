//! Actor resolution: the middleware that establishes who is calling, once per request.

use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};

use crate::routes::{Lookup, RouteTable};
use crate::{problem, Principal};

/// What resolution established for this request; stored in the request's extensions.
#[derive(Clone)]
pub(crate) enum Resolution {
    /// No credentials, or credentials that identify nobody.
    Anonymous,
    /// An actor.
    Actor(Rc<dyn Principal>),
    /// The resolver failed or panicked: nothing may be decided for this request.
    Failed,
}

impl Resolution {
    pub(crate) fn actor<A: Principal>(actor: A) -> Self {
        Resolution::Actor(Rc::new(actor))
    }

    /// The actor as its concrete type, when it is an `A`.
    pub(crate) fn downcast<A: Principal>(actor: &Rc<dyn Principal>) -> Option<Rc<A>> {
        let any: Rc<dyn Any> = actor.clone();
        any.downcast::<A>().ok()
    }
}

/// The app's way of finding the actor behind a request: bearer token, session cookie, JWT...
///
/// Implemented for any `Fn(HttpRequest) -> impl Future<Output = Result<Option<A>, E>>`:
/// `Ok(Some(actor))` for a caller, `Ok(None)` for no or unusable credentials (gated routes then
/// answer 401), `Err(e)` when it cannot tell (a database outage: gated routes answer 500 and the
/// error is logged; the request is never served as anyone).
pub trait Resolver: 'static {
    /// The actor type this resolver produces.
    type Actor: Principal;
    /// Why resolution failed; logged, never sent to the client.
    type Error: fmt::Display;
    /// The resolution in progress.
    type Future: Future<Output = Result<Option<Self::Actor>, Self::Error>> + 'static;

    /// Starts resolving the actor for `req`.
    fn resolve(&self, req: HttpRequest) -> Self::Future;
}

impl<F, Fut, A, E> Resolver for F
where
    F: Fn(HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<A>, E>> + 'static,
    A: Principal,
    E: fmt::Display,
{
    type Actor = A;
    type Error = E;
    type Future = Fut;

    fn resolve(&self, req: HttpRequest) -> Fut {
        self(req)
    }
}

/// The app-level middleware: refuses undeclared routes, then runs the app's [`Resolver`] and
/// stores the outcome for gates and the [`CurrentActor`](crate::CurrentActor) extractor.
///
/// Deny by default: a request routed to a handler that was not registered through
/// [`mount`](crate::mount) — so has no declaration — is refused with a generic `500` and an ERROR
/// event (target `authz`) naming the route, before any handler or resolver runs. A request for a
/// declared path with a method nobody declared gets the app's `404`, as actix itself would answer.
///
/// Fails closed: a resolver error or panic is logged (ERROR) and recorded, every gated route then
/// refuses the request with a generic 500, and the server goes on serving. Public routes are
/// served as usual.
///
/// ```
/// use actix_web::{App, HttpRequest};
/// use authz_actix::{Actor, Catalog, ResolveActor};
///
/// static CATALOG: Catalog = Catalog::new(&[], &[]);
///
/// async fn resolve(req: HttpRequest) -> Result<Option<Actor>, std::convert::Infallible> {
///     let token = req.headers().get("authorization").and_then(|v| v.to_str().ok());
///     Ok(match token {
///         Some("Bearer let-me-in") => Some(CATALOG.actor(1, [] as [&str; 0]).unwrap()),
///         _ => None,
///     })
/// }
///
/// let app = App::new().wrap(ResolveActor::new(resolve)).configure(authz_actix::mount(|_routes| {}));
/// ```
pub struct ResolveActor<R> {
    resolver: Rc<R>,
}

impl<R: Resolver> ResolveActor<R> {
    /// Resolves actors with `resolver`.
    pub fn new(resolver: R) -> Self {
        ResolveActor { resolver: Rc::new(resolver) }
    }
}

impl<R> fmt::Debug for ResolveActor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveActor").finish_non_exhaustive()
    }
}

impl<S, B, R> Transform<S, ServiceRequest> for ResolveActor<R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    R: Resolver,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ResolveActorService<S, R>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ResolveActorService { service: Rc::new(service), resolver: self.resolver.clone() }))
    }
}

/// The service [`ResolveActor`] wraps around the app.
pub struct ResolveActorService<S, R> {
    service: Rc<S>,
    resolver: Rc<R>,
}

impl<S, R> fmt::Debug for ResolveActorService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveActorService").finish_non_exhaustive()
    }
}

impl<S, B, R> Service<ServiceRequest> for ResolveActorService<S, R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    R: Resolver,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        #[cfg(feature = "introspection")]
        let probe = req.extensions().get::<crate::test::RouteProbe>().cloned();
        #[cfg(feature = "introspection")]
        if let Some(probe) = probe {
            probe.answer(&req);
            return Box::pin(ready(Ok(req.into_response(actix_web::HttpResponse::NoContent().finish()).map_into_right_body())));
        }
        if let Err(refusal) = check_declared(&req) {
            return Box::pin(ready(Ok(req.into_response(refusal).map_into_right_body())));
        }
        let service = self.service.clone();
        // An actor attached by the test kit (`authz_actix::test`) is kept as is.
        if req.extensions().contains::<Resolution>() {
            return Box::pin(async move { service.call(req).await.map(ServiceResponse::map_into_left_body) });
        }
        let resolver = self.resolver.clone();
        Box::pin(async move {
            let resolution = resolve_guarded(&*resolver, req.request().clone()).await;
            req.extensions_mut().insert(resolution);
            service.call(req).await.map(ServiceResponse::map_into_left_body)
        })
    }
}

/// Deny by default: is the route this request will reach declared?
#[allow(clippy::result_large_err)] // the refusal is built here either way
fn check_declared(req: &ServiceRequest) -> Result<(), actix_web::HttpResponse> {
    // No resource matches: the app's default service answers (a 404).
    let Some(pattern) = req.match_pattern() else {
        return Ok(());
    };
    let Some(table) = req.app_data::<RouteTable>() else {
        tracing::error!(
            target: "authz",
            route = %pattern,
            method = %req.method(),
            "request refused: no route table; register routes with `App::configure(authz_actix::mount(routes))`"
        );
        return Err(problem::internal_error());
    };
    let method = req.method().as_str();
    match table.lookup(&pattern, method) {
        Lookup::Declared => Ok(()),
        Lookup::OtherMethod => {
            tracing::warn!(target: "authz", route = %pattern, method, "request refused: no declared handler for this method");
            Err(problem::response(crate::AuthzError::NotFound))
        }
        Lookup::Undeclared => {
            tracing::error!(
                target: "authz",
                route = %pattern,
                method,
                "request refused: route has no authorization declaration (`#[require_permission]` or `#[public]`) or was registered around `authz_actix::mount`"
            );
            Err(problem::internal_error())
        }
    }
}

/// Runs the resolver, turning an error or a panic (in the call or while polling) into `Failed`.
async fn resolve_guarded<R: Resolver>(resolver: &R, req: HttpRequest) -> Resolution {
    // Kept for the failure logs only: a clone is a reference count, where copying the path
    // would be an allocation on every request.
    let for_log = req.clone();
    let fut = match catch_unwind(AssertUnwindSafe(|| resolver.resolve(req))) {
        Ok(fut) => fut,
        Err(_) => return resolver_panicked(for_log.path()),
    };
    let mut fut = pin!(fut);
    let outcome = poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
        Ok(Poll::Ready(out)) => Poll::Ready(Some(out)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(_) => Poll::Ready(None),
    })
    .await;
    match outcome {
        Some(Ok(Some(actor))) => Resolution::actor(actor),
        Some(Ok(None)) => Resolution::Anonymous,
        Some(Err(error)) => {
            tracing::error!(target: "authz", path = for_log.path(), %error, "actor resolver failed; gated routes refuse this request");
            Resolution::Failed
        }
        None => resolver_panicked(for_log.path()),
    }
}

fn resolver_panicked(path: &str) -> Resolution {
    tracing::error!(target: "authz", path, "actor resolver panicked; gated routes refuse this request");
    Resolution::Failed
}
