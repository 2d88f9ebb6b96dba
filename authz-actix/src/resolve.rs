//! Actor resolution: the middleware that establishes who is calling, once per request.

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage, HttpRequest};
use futures_util::future::{ready, Either, Ready};

use crate::gate::Refused;
use crate::routes::{Declaration, Index, Lookup, RouteTable};
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
/// Responses come out with boxed bodies, as actix's router produces them: wrap this middleware
/// first (innermost) and it adds no body wrapper; behind a middleware that changes the body type,
/// streaming bodies are boxed once more.
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
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = ResolveActorService<S, R>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ResolveActorService {
            service: Rc::new(service),
            resolver: self.resolver.clone(),
            known: RefCell::default(),
            learned: OnceCell::new(),
        }))
    }
}

/// The service [`ResolveActor`] wraps around the app.
pub struct ResolveActorService<S, R> {
    service: Rc<S>,
    resolver: Rc<R>,
    // Deny by default, keyed by resource identity: the route table's answer for each named
    // resource of this app instance, learned the first time a request path matches it. The key is
    // the address of the resource's name inside actix's resource map, which lives exactly as long
    // as this service (both belong to one app instance on one worker), so it cannot be reused by
    // another resource. A request to a known resource then costs actix's path match and one
    // integer-keyed lookup, instead of rebuilding the full pattern string and hashing it.
    known: RefCell<HashMap<usize, Declaration, foldhash::fast::FixedState>>,
    // Deny by default without matching the path twice: see `Check`.
    learned: OnceCell<Rc<Learned>>,
}

/// What one app instance has learned of its declared routes.
struct Learned {
    index: Rc<Index>,
    // Per declared route: UNPROVEN, DIRECT (actix selected it synchronously when predicted) or
    // INDIRECT (it did not: something between delays or declines routing).
    proven: Box<[Cell<u8>]>,
}

const UNPROVEN: u8 = 0;
const DIRECT: u8 = 1;
const INDIRECT: u8 = 2;

/// How a request is checked for deny by default.
///
/// The full check asks actix's resource map which resource the path reaches — the same match
/// routing does right after, so the app's routing cost is paid twice. A request whose path and
/// method match a declared route that `mount` knows to be reached directly (the route index's
/// prediction) skips that match: `ResolveActor` lets actix route it and requires the method guard
/// of a mounted resource to have accepted it during that synchronous routing call. If none did —
/// an undeclared route registered around `mount` took the path, or a middleware delayed routing —
/// the request is refused (fail closed) and that route goes back to the full check. A route is
/// trusted this way only after one request where the full check passed and the guard confirmed.
enum Check {
    /// The full check ran before routing.
    Full,
    /// The full check ran; routing also proves (or disproves) the prediction.
    Prove(Rc<Learned>, usize),
    /// The full check was skipped; routing must confirm.
    Confirm(Rc<Learned>, usize, actix_web::http::Method),
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
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Either<Refused<BoxBody>, Resolving<S, R>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        #[cfg(feature = "introspection")]
        let probe = req.extensions().get::<crate::test::RouteProbe>().cloned();
        #[cfg(feature = "introspection")]
        if let Some(probe) = probe {
            probe.answer(&req);
            return Either::Left(Refused::new(req.into_response(actix_web::HttpResponse::NoContent().finish())));
        }
        let check = self.plan(&req);
        if !matches!(check, Check::Confirm(..))
            && let Err(refusal) = self.check_declared(&req)
        {
            return Either::Left(Refused::new(req.into_response(refusal)));
        }
        // An actor attached by the test kit (`authz_actix::test`) is kept as is.
        if req.extensions().contains::<Resolution>() {
            return match route(&*self.service, req, &check) {
                Ok(fut) => Either::Right(Resolving { state: State::Calling { fut }, service: self.service.clone(), check }),
                Err(error) => Either::Left(Refused::error(error)),
            };
        }
        let state = match catch_unwind(AssertUnwindSafe(|| self.resolver.resolve(req.request().clone()))) {
            Ok(fut) => State::Resolving { fut, req: Some(req) },
            Err(_) => {
                resolver_panicked(req.path());
                req.extensions_mut().insert(Resolution::Failed);
                match route(&*self.service, req, &check) {
                    Ok(fut) => State::Calling { fut },
                    Err(error) => return Either::Left(Refused::error(error)),
                }
            }
        };
        Either::Right(Resolving { state, service: self.service.clone(), check })
    }
}

/// Lets actix route `req` (synchronously: the resource's guards run inside this call) and
/// applies `check`'s requirement on what it selected.
fn route<S>(service: &S, req: ServiceRequest, check: &Check) -> Result<S::Future, Error>
where
    S: Service<ServiceRequest, Error = Error>,
{
    let (fut, selected) = crate::gate::selected(|| service.call(req));
    match check {
        Check::Full => Ok(fut),
        Check::Prove(learned, i) => {
            learned.proven[*i].set(if selected { DIRECT } else { INDIRECT });
            Ok(fut)
        }
        Check::Confirm(_, _, _) if selected => Ok(fut),
        Check::Confirm(learned, i, method) => {
            // Never polled: nothing of the handler the request reached runs.
            drop(fut);
            learned.proven[*i].set(INDIRECT);
            tracing::error!(
                target: "authz",
                route = %learned.index.pattern(*i),
                method = %method,
                "request refused: actix did not route it to the declared route (a route registered around `authz_actix::mount` at this path, or a middleware that routes later); this route gets the full check from now on"
            );
            Err(actix_web::error::InternalError::from_response("undeclared route", problem::internal_error()).into())
        }
    }
}

impl<S, R> ResolveActorService<S, R> {
    /// Which check this request gets (see [`Check`]).
    fn plan(&self, req: &ServiceRequest) -> Check {
        let learned = match self.learned.get() {
            Some(learned) => learned,
            None => {
                let Some(table) = req.app_data::<RouteTable>() else {
                    return Check::Full;
                };
                let index = table.index.clone();
                let proven = (0..index.len()).map(|_| Cell::new(UNPROVEN)).collect();
                self.learned.get_or_init(|| Rc::new(Learned { index, proven }))
            }
        };
        let Some(i) = learned.index.predict(req.match_info().as_str(), req.method()) else {
            return Check::Full;
        };
        match learned.proven[i].get() {
            DIRECT => Check::Confirm(learned.clone(), i, req.method().clone()),
            UNPROVEN => Check::Prove(learned.clone(), i),
            _ => Check::Full,
        }
    }

    /// Deny by default: is the route this request will reach declared?
    #[allow(clippy::result_large_err)] // the refusal is built here either way
    fn check_declared(&self, req: &ServiceRequest) -> Result<(), actix_web::HttpResponse> {
        let name = req.match_name();
        // Only non-empty names are keys: an empty string has no address of its own (actix refuses
        // empty resource names today; this does not rely on it).
        let key = name.filter(|name| !name.is_empty()).map(|name| name.as_ptr() as usize);
        let method = req.method();
        if let Some(key) = key {
            let lookup = self.known.borrow().get(&key).map(|declaration| declaration.lookup(method));
            match lookup {
                Some(Lookup::Declared) => return Ok(()),
                Some(refused) => return verdict(req, refused, None),
                None => {}
            }
        }
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
        let declaration = table.declaration(&pattern, name);
        let lookup = declaration.lookup(method);
        if let Some(key) = key {
            self.known.borrow_mut().insert(key, declaration);
        }
        verdict(req, lookup, Some(pattern))
    }
}

/// Serves a declared route; refuses anything else, logging the route.
#[allow(clippy::result_large_err)]
#[cold]
fn verdict(req: &ServiceRequest, lookup: Lookup, pattern: Option<String>) -> Result<(), actix_web::HttpResponse> {
    let method = req.method().as_str();
    match lookup {
        Lookup::Declared => Ok(()),
        Lookup::OtherMethod => {
            let route = pattern.or_else(|| req.match_pattern()).unwrap_or_default();
            tracing::warn!(target: "authz", route = %route, method, "request refused: no declared handler for this method");
            Err(problem::response(crate::AuthzError::NotFound))
        }
        Lookup::Undeclared => {
            let route = pattern.or_else(|| req.match_pattern()).unwrap_or_default();
            tracing::error!(
                target: "authz",
                route = %route,
                method,
                "request refused: route has no authorization declaration (`#[require_permission]` or `#[public]`) or was registered around `authz_actix::mount`"
            );
            Err(problem::internal_error())
        }
    }
}

pin_project_lite::pin_project! {
    /// The request in [`ResolveActor`]: resolving the actor, then in the app. A named type rather
    /// than a boxed `async` block, so the middleware allocates no future per request.
    pub struct Resolving<S, R>
    where
        S: Service<ServiceRequest>,
        R: Resolver,
    {
        #[pin]
        state: State<S::Future, R::Future>,
        service: Rc<S>,
        check: Check,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, RF> {
        Resolving { #[pin] fut: RF, req: Option<ServiceRequest> },
        // Between the two: the resolver's future is gone, the app not yet called.
        Resolved,
        Calling { #[pin] fut: F },
    }
}

impl<S, R> fmt::Debug for Resolving<S, R>
where
    S: Service<ServiceRequest>,
    R: Resolver,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolving").finish_non_exhaustive()
    }
}

impl<S, B, R> Future for Resolving<S, R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
    R: Resolver,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { fut } => return fut.poll(cx).map_ok(ServiceResponse::map_into_boxed_body),
                StateProj::Resolved => {
                    return Poll::Ready(Err(actix_web::error::ErrorInternalServerError("polled after completion")));
                }
                StateProj::Resolving { fut, req } => {
                    // A panic while polling the resolver is caught like one while calling it.
                    let outcome = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(outcome)) => Some(outcome),
                        Err(_) => None,
                    };
                    let Some(req) = req.take() else {
                        return Poll::Ready(Err(actix_web::error::ErrorInternalServerError("polled after completion")));
                    };
                    let resolution = match outcome {
                        Some(Ok(Some(actor))) => Resolution::actor(actor),
                        Some(Ok(None)) => Resolution::Anonymous,
                        Some(Err(error)) => {
                            tracing::error!(target: "authz", path = req.path(), %error, "actor resolver failed; gated routes refuse this request");
                            Resolution::Failed
                        }
                        None => resolver_panicked(req.path()),
                    };
                    req.extensions_mut().insert(resolution);
                    // The resolver's future (and any request clone it holds) is dropped before
                    // routing, which needs the request unshared.
                    this.state.set(State::Resolved);
                    let fut = route(&**this.service, req, this.check)?;
                    this.state.set(State::Calling { fut });
                }
            }
        }
    }
}

fn resolver_panicked(path: &str) -> Resolution {
    tracing::error!(target: "authz", path, "actor resolver panicked; gated routes refuse this request");
    Resolution::Failed
}
