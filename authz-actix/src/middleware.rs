//! [`ResolveActor`], the app-level middleware: deny by default, by observing actix's routing.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use futures_util::future::{Either, Ready, ready};

use crate::problem;
use crate::resolver::{Resolver, ResolverSlot};
use crate::select::{self, Mark};

/// The app-level middleware: deny by default, and the app's [`Resolver`].
///
/// Deny by default: actix routes a request inside this middleware's call, and every service
/// [`mount`](crate::mount) registers marks the requests actix routes to it. A request actix routed
/// anywhere else — a route registered around `mount`, a default service set with
/// `App::default_service`, a middleware inside this one that answered or deferred routing — is
/// refused with a generic `500` and an ERROR event (target `authz`) naming its path and method;
/// its routed future is dropped unpolled, so nothing of the handler runs. A request routed into a
/// scope of `mount`'s is watched while it is served: if the scope's own middleware answers it
/// with a success before any declared endpoint was reached, that answer is refused the same way.
/// The decision is actix's own, observed: authz matches no path, so no spelling of a path can
/// disagree with it.
///
/// This middleware only observes. The actor is the gate's: the resolver runs lazily, inside the
/// gate's future, at the first gate or [`CurrentActor`](crate::CurrentActor) of a request — after
/// routing and inside every scope middleware's future — and at most once per request. It fails
/// closed: a resolver error or panic is logged (ERROR), gated routes refuse the request with a
/// generic 500, and the server goes on serving. A declared endpoint that finds no `ResolveActor`
/// observing refuses every request (500, ERROR), so forgetting it cannot turn deny by default off.
///
/// Wrap it first (innermost: `App::new().wrap(ResolveActor::new(resolve)).wrap(...)`), so that
/// routing happens inside its call. Middleware inside it must call the app synchronously, as
/// `NormalizePath` does; one that defers routing makes every request refused, loudly.
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
///         Some("Bearer let-me-in") => Some(CATALOG.actor(1, []).unwrap()),
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

// Responses pass through with a boxed body — free for an `App`, whose endpoint boxes already — so
// a refusal of a request with a body can hold that body unread while it is written.
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
            service,
            resolver: self.resolver.clone(),
            linked: std::cell::Cell::new(false),
            telemetry: std::cell::OnceCell::new(),
        }))
    }
}

/// The service [`ResolveActor`] wraps around the app.
pub struct ResolveActorService<S, R> {
    service: S,
    resolver: Rc<R>,
    // Whether the resolver is in this app instance's slot.
    linked: std::cell::Cell<bool>,
    // The app's opt-in to telemetry, read when linking: routing consumes the requests it counts.
    telemetry: std::cell::OnceCell<Option<crate::Telemetry>>,
}

impl<S, R> fmt::Debug for ResolveActorService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveActorService").finish_non_exhaustive()
    }
}

impl<S, B, R> Service<ServiceRequest> for ResolveActorService<S, R>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
    R: Resolver,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Either<Refused<BoxBody>, Routed<S::Future>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if !self.linked.get() {
            self.link(&req);
        }
        // The test kit's route listing: answered without polling what actix routed.
        #[cfg(feature = "test-kit")]
        let req = match crate::test::answer_probe(req, &self.service) {
            Ok(answered) => return Either::Left(Refused::error(answered)),
            Err(req) => req,
        };
        // Routing consumes the request: what a refusal names is taken first (a method clone, a
        // stack copy of the path).
        let (method, path) = (req.method().clone(), LogPath::new(req.path()));
        // A body stays unread by every refusal, whoever makes it: see `problem::Keeper`.
        let mut req = req;
        let keeper = problem::Keeper::share(&mut req);
        let (routed, mark) =
            select::observe(|| catch_unwind(AssertUnwindSafe(|| self.service.call(req))));
        match routed {
            Ok(fut) if mark >= Mark::Scope => {
                Either::Right(Routed { fut, reached: mark == Mark::Endpoint, keeper })
            }
            // Never polled: nothing of what actix selected runs beyond its middleware's call.
            Ok(_) => {
                crate::telemetry::undeclared(
                    self.telemetry.get().and_then(Option::as_ref),
                    &method,
                );
                Either::Left(undeclared(&method, &path, keeper))
            }
            Err(_) => {
                crate::note::note!(error, target: "authz", path = %path, method = %method, "panic while routing the request; refused with a generic error");
                Either::Left(Refused::error(held(
                    problem::closing_error("panic while routing"),
                    keeper,
                )))
            }
        }
    }
}

impl<S, R: Resolver> ResolveActorService<S, R> {
    fn link(&self, req: &ServiceRequest) {
        match req.app_data::<ResolverSlot>() {
            Some(slot) => slot.link(self.resolver.clone()),
            None => crate::note::note!(error,
                target: "authz",
                "no routes registered with `authz_actix::mount`: every request is refused"
            ),
        }
        let _ = self.telemetry.set(req.app_data::<crate::Telemetry>().cloned());
        self.linked.set(true);
    }
}

/// A request refused before anything routed it could run, answered through an error (the
/// request itself was consumed by routing): one pointer wide, so the future of every served
/// request carries no room for a response.
pub struct Refused<B>(Option<Error>, std::marker::PhantomData<fn() -> B>);

impl<B> Refused<B> {
    pub(crate) fn error(error: Error) -> Self {
        Refused(Some(error), std::marker::PhantomData)
    }
}

impl<B> fmt::Debug for Refused<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refused").finish_non_exhaustive()
    }
}

impl<B> Future for Refused<B> {
    type Output = Result<ServiceResponse<B>, Error>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Err(self.0.take().unwrap_or_else(|| {
            actix_web::error::ErrorInternalServerError("polled after completion")
        })))
    }
}

/// A request's path for a refusal's log line, copied before routing consumes the request: on the
/// stack, since almost every request is served and never logs it. Longer paths are cut (`…`).
pub(crate) struct LogPath {
    bytes: [u8; 120],
    len: u8,
    cut: bool,
}

impl LogPath {
    #[inline]
    pub(crate) fn new(path: &str) -> Self {
        let mut end = path.len().min(120);
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0; 120];
        bytes[..end].copy_from_slice(&path.as_bytes()[..end]);
        LogPath { bytes, len: end as u8, cut: end < path.len() }
    }
}

impl fmt::Display for LogPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default())?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// `error`, holding the request's body unread when it has one.
fn held(error: Error, keeper: Option<problem::Keeper>) -> Error {
    match keeper {
        Some(keeper) => keeper.hold_error(error),
        None => error,
    }
}

/// The refusal of a request actix routed outside `mount`.
#[cold]
pub(crate) fn undeclared<B>(
    method: &Method,
    path: &LogPath,
    keeper: Option<problem::Keeper>,
) -> Refused<B> {
    crate::note::note!(error,
        target: "authz",
        path = %path,
        method = %method,
        "request refused: actix routed it to a service without an authorization declaration (registered \
         around `authz_actix::mount`, or `App::default_service`), or a middleware inside `ResolveActor` \
         answered it or deferred routing"
    );
    let mut response = problem::internal_error();
    if let Some(keeper) = keeper {
        response = keeper.hold(response);
    }
    Refused::error(
        actix_web::error::InternalError::from_response("undeclared route", response).into(),
    )
}

pin_project_lite::pin_project! {
    /// A request actix routed to a service `mount` registered. When that was a scope, the
    /// request is observed at every poll until a declared endpoint is reached: a success the
    /// scope's middleware answers before that is refused. A panic while polling answers the
    /// generic 500.
    pub struct Routed<F> {
        #[pin]
        fut: F,
        reached: bool,
        // The request's body, for a refusal to hold unread.
        keeper: Option<problem::Keeper>,
    }
}

impl<F> fmt::Debug for Routed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routed").field("reached", &self.reached).finish_non_exhaustive()
    }
}

impl<F, B> Future for Routed<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody + 'static,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let fut = this.fut;
        let polled = if *this.reached {
            catch_unwind(AssertUnwindSafe(|| fut.poll(cx)))
        } else {
            let (polled, mark) =
                select::observe(|| catch_unwind(AssertUnwindSafe(|| fut.poll(cx))));
            *this.reached = mark == Mark::Endpoint;
            polled
        };
        let keeper = this.keeper;
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(res))) if !*this.reached && res.status().as_u16() < 400 => {
                let (req, _) = res.into_parts();
                crate::telemetry::undeclared(req.app_data::<crate::Telemetry>(), req.method());
                crate::note::note!(error,
                    target: "authz",
                    path = %LogPath::new(req.path()),
                    method = %req.method(),
                    "request refused: a scope middleware answered it by itself, and no declared endpoint was reached"
                );
                // A response, not an error: the request is at hand, so outer middleware sees it.
                let mut response = problem::shaped(&req, problem::Refusal::Internal, None);
                if let Some(keeper) = keeper.take() {
                    response = keeper.hold(response);
                }
                Poll::Ready(Ok(ServiceResponse::new(req, response)))
            }
            Ok(Poll::Ready(Ok(res))) => {
                match keeper.take().filter(|_| problem::is_refusal(res.response())) {
                    Some(keeper) => {
                        let (req, response) = res.into_parts();
                        Poll::Ready(Ok(ServiceResponse::new(
                            req,
                            keeper.hold(response.map_into_boxed_body()),
                        )))
                    }
                    None => Poll::Ready(Ok(problem::boxed(res))),
                }
            }
            Ok(Poll::Ready(Err(error))) => Poll::Ready(Err(held(error, keeper.take()))),
            Err(_) => {
                crate::note::note!(error, target: "authz", "panic while serving the request; refused with a generic error");
                Poll::Ready(Err(held(problem::closing_error("panic while serving"), keeper.take())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LogPath;

    #[test]
    fn log_paths_are_copied_whole_or_cut_on_a_character() {
        assert_eq!(LogPath::new("/internal/dum%70").to_string(), "/internal/dum%70");
        let long = format!("/{}é", "a".repeat(118));
        assert_eq!(LogPath::new(&long).to_string(), format!("/{}…", "a".repeat(118)));
        assert_eq!(LogPath::new(&"x".repeat(300)).to_string().chars().count(), 121);
    }
}
