//! Deny by default, observed: whether what actix's router selected for a request is a declared
//! endpoint.
//!
//! actix-web routes a request synchronously inside the `call` of the innermost app middleware:
//! `AppRouting::call` walks the app's services in registration order, runs each matching one's
//! guards, and calls the first whose guards all accept — or the app's default service — before
//! it returns. A scope routes among its own services the same way, inside its `call`, which its
//! middleware may make later (in a poll of its future).
//!
//! [`ResolveActor`](crate::ResolveActor) *observes* each call and each poll of a request:
//! [`observe`] sets a fresh mark on the thread for exactly that call or poll and restores the
//! previous one when it returns or unwinds (the shape of tracing's `WithDispatch`), and reports
//! what was marked within it:
//!
//! - [`Mark::Scope`]: a scope [`mount`](crate::mount) registered accepted the request (its last
//!   guard ran). Every service inside is declared, but the scope's own middleware may still
//!   answer by itself;
//! - [`Mark::Endpoint`]: a declared endpoint was called — a declared handler's resource (its
//!   gate, or the public route's [`Endpoint`]), a public service, authz's default service.
//!
//! A request that is not marked at all when routing returns was routed to something `mount` did
//! not register, and is refused before its future is polled. A request that reached only a scope
//! is polled; if it completes with a success before any declared endpoint was called, the
//! scope's middleware answered by itself, and that answer is refused too. authz never matches a
//! path itself, so no spelling of a path can make it disagree with actix.
//!
//! Outside any observed call or poll the mark is [`Mark::Unobserved`]: a declared endpoint that
//! finds it so knows that no `ResolveActor` watches routing (or that something moved routing off
//! the request's own future), and refuses.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::Error;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse, Transform};
use actix_web::guard::{Guard, GuardContext};
use futures_util::future::{Either, LocalBoxFuture, Ready, ready};

/// What a call or poll observed of a request's routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    /// Nobody observes this call or poll.
    Unobserved,
    /// Observed; nothing `mount` registered was reached.
    None,
    /// A scope `mount` registered accepted the request.
    Scope,
    /// A declared endpoint was called.
    Endpoint,
}

thread_local! {
    static MARK: Cell<Mark> = const { Cell::new(Mark::Unobserved) };
}

/// Runs `f` — a call or poll of one request through the app — with a fresh mark, and returns
/// what was marked within it. The previous mark is restored when `f` returns or unwinds, so a
/// nested observation (an app called from within a handler) leaves the outer one as it was.
#[inline]
pub(crate) fn observe<T>(f: impl FnOnce() -> T) -> (T, Mark) {
    /// Restores the outer mark on drop.
    struct Restore(Mark);
    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            MARK.set(self.0);
        }
    }
    let restore = Restore(MARK.replace(Mark::None));
    let out = f();
    let seen = MARK.get();
    drop(restore);
    (out, seen)
}

#[inline]
fn raise(to: Mark) -> Mark {
    let now = MARK.get();
    if now != Mark::Unobserved && now < to {
        MARK.set(to);
    }
    now
}

/// Marks the request (when `mount` registered the endpoint) and tells whether anybody observes
/// routing.
#[inline]
fn endpoint(mount: Mount) -> bool {
    let observed =
        if mount.0.is_some() { raise(Mark::Endpoint) } else { MARK.get() } != Mark::Unobserved;
    if !observed {
        unobserved();
    }
    observed
}

/// What a declared endpoint checks when actix calls it: that routing is observed (and it marks
/// the request), and that its `mount` is the app's — the one whose routes the matrix shows. An
/// app that calls `mount` twice has two sets of routes, and the first would serve paths that the
/// second's matrix documents otherwise; the endpoints of every `mount` but the app's last refuse.
/// Which `mount` is the app's is read from the app data on the endpoint's first request, then
/// kept: it cannot change while the app runs.
#[derive(Debug)]
pub(crate) struct EndpointCheck {
    mount: Mount,
    ours: Cell<Option<bool>>,
}

impl EndpointCheck {
    pub(crate) fn new(mount: Mount) -> Self {
        EndpointCheck { mount, ours: Cell::new(None) }
    }

    /// Whether the endpoint may serve `req`; `false`: refuse it (logged).
    #[inline]
    pub(crate) fn admits(&self, req: &ServiceRequest) -> bool {
        endpoint(self.mount) && self.ours(req.request())
    }

    #[inline]
    fn ours(&self, req: &actix_web::HttpRequest) -> bool {
        let Some(id) = self.mount.0 else {
            // Registered with `App::service` or inside a service `Routes` did not build (a
            // `public_service`, whose row would call it public): whatever reached it, no row
            // documents it as served.
            outside();
            return false;
        };
        let ours = match self.ours.get() {
            Some(ours) => ours,
            None => {
                let ours = req
                    .app_data::<crate::resolver::ResolverSlot>()
                    .is_some_and(|slot| slot.mount() == id);
                self.ours.set(Some(ours));
                ours
            }
        };
        if !ours {
            mounted_twice();
        }
        ours
    }
}

#[cold]
fn outside() {
    crate::note::note!(error,
        target: "authz",
        "request refused: a declared handler registered outside `Routes::service` (with `App::service`, or inside \
         a service given to `Routes::public_service`) has no matrix row that says how it is served"
    );
}

#[cold]
fn mounted_twice() {
    crate::note::note!(error,
        target: "authz",
        "request refused: `authz_actix::mount` was called more than once on this app, and this route belongs to \
         one that is not the app's last; register every route in one routes function and mount it once"
    );
}

/// A declared endpoint called where nothing observes routing: `ResolveActor` is not installed
/// (or a middleware moved routing off the request's future). Said at ERROR on every such request,
/// and once on standard error for an app that installed no `tracing` subscriber to hear it.
#[cold]
fn unobserved() {
    const WHY: &str = "request refused: nothing observes routing, so deny by default cannot hold; wrap the app in \
                       `authz_actix::ResolveActor` (first `wrap`) and register its routes with `authz_actix::mount`";
    static SAID: AtomicBool = AtomicBool::new(false);
    crate::note::note!(error, target: "authz", "{WHY}");
    if !tracing::dispatcher::has_been_set() && !SAID.swap(true, Ordering::Relaxed) {
        eprintln!("authz: {WHY}");
    }
}

/// Which [`mount`](crate::mount) registered a service (and so marks the requests actix routes
/// to it), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mount(Option<usize>);

impl Mount {
    /// Registered outside `Routes::service` (with `App::service`, or inside a public service):
    /// never marked, and its endpoint refuses every request.
    pub(crate) const OUTSIDE: Mount = Mount(None);

    /// A new `mount` call's.
    pub(crate) fn next() -> Mount {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        Mount(Some(NEXT.fetch_add(1, Ordering::Relaxed)))
    }

    /// Its id (`0` outside `mount`), for the app data that says which `mount` is the app's.
    pub(crate) fn id(self) -> usize {
        self.0.unwrap_or(0)
    }
}

/// The last guard of every scope `mount` registers: accepts, and marks the request, once every
/// other guard of the scope accepted. For a public service's scope that is its endpoint; for a
/// scope of [`Routes`](crate::Routes) the endpoint comes later, from the route actix selects in
/// it (or authz's default service).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeMark(pub(crate) Mark, pub(crate) Mount);

impl Guard for ScopeMark {
    #[inline]
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        // A public service is an endpoint: it serves only for the app's own `mount`; for another
        // the scope declines, and actix routes on (to a default service that refuses).
        if self.0 == Mark::Endpoint {
            let ours = ctx
                .app_data::<crate::resolver::ResolverSlot>()
                .is_some_and(|slot| slot.mount() == self.1.id());
            if !ours {
                mounted_twice();
                return false;
            }
        }
        raise(self.0);
        true
    }
}

/// The endpoint of a public declared route: its [`EndpointCheck`] (routing observed, the app's own
/// `mount`) marks the request, then the handler is called. A gated route's gate makes the same
/// check before it decides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint(pub(crate) Mount);

impl<S> Transform<S, ServiceRequest> for Endpoint
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    type Response = ServiceResponse;
    type Error = Error;
    type Transform = EndpointService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(EndpointService { service, check: EndpointCheck::new(self.0) }))
    }
}

/// The service an [`Endpoint`] wraps around a public handler.
pub(crate) struct EndpointService<S> {
    service: S,
    check: EndpointCheck,
}

impl<S> Service<ServiceRequest> for EndpointService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    type Response = ServiceResponse;
    type Error = Error;
    type Future = Either<Reshaped<S::Future>, Ready<Result<ServiceResponse, Error>>>;

    actix_web::dev::forward_ready!(service);

    #[inline]
    fn call(&self, req: ServiceRequest) -> Self::Future {
        if self.check.admits(&req) {
            Either::Left(Reshaped { fut: self.service.call(req) })
        } else {
            Either::Right(ready(Ok(unobserved_refusal(req))))
        }
    }
}

pin_project_lite::pin_project! {
    /// A public handler's answer; a service refusal in it (`Denied`) shaped by the app's
    /// responder, as a gated handler's is, so a public route's "not found" is byte-identical to
    /// every other.
    pub(crate) struct Reshaped<F> {
        #[pin]
        fut: F,
    }
}

impl<F> std::future::Future for Reshaped<F>
where
    F: std::future::Future<Output = Result<ServiceResponse, Error>>,
{
    type Output = Result<ServiceResponse, Error>;

    #[inline]
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let res = std::task::ready!(self.project().fut.poll(cx))?;
        std::task::Poll::Ready(Ok(match res.status().as_u16() {
            401 | 403 | 404 => crate::problem::reshape(res, None).unwrap_or_else(|res| res),
            _ => res,
        }))
    }
}

/// The answer of a declared endpoint that nothing observes: the generic 500, body unread.
#[cold]
pub(crate) fn unobserved_refusal(req: ServiceRequest) -> ServiceResponse {
    let response = crate::problem::shaped(req.request(), crate::problem::Refusal::Internal, None);
    crate::problem::refusal(req, response)
}

type BoxFactory = actix_service::boxed::BoxServiceFactory<
    (),
    ServiceRequest,
    ServiceResponse<BoxBody>,
    Error,
    (),
>;
type BoxService = actix_service::boxed::BoxService<ServiceRequest, ServiceResponse<BoxBody>, Error>;

/// The default service `mount` installs on the app and on each of its scopes: the app's
/// declared default ([`Routes::default_service`](crate::Routes::default_service)), or
/// [`problem::not_found`](crate::problem::not_found). Known only once every route function ran,
/// so scopes registered earlier share the slot.
#[derive(Clone)]
pub(crate) struct DefaultService {
    slot: Rc<std::cell::OnceCell<Rc<BoxFactory>>>,
    mount: Mount,
}

impl DefaultService {
    pub(crate) fn new(mount: Mount) -> Self {
        DefaultService { slot: Rc::default(), mount }
    }

    /// Sets the service; the first call wins.
    pub(crate) fn set(&self, factory: BoxFactory) -> bool {
        self.slot.set(Rc::new(factory)).is_ok()
    }

    fn factory(&self) -> Rc<BoxFactory> {
        self.slot
            .get_or_init(|| Rc::new(boxed_default(actix_web::dev::fn_service(not_found))))
            .clone()
    }
}

/// authz's default: `405` with `Allow` when declared routes match the path but not the method
/// (what actix's router decided: see [`Allowed`](crate::methods::Allowed)), else `404`.
async fn not_found(req: ServiceRequest) -> Result<ServiceResponse<BoxBody>, Error> {
    let allow = actix_web::HttpMessage::extensions(&req)
        .get::<crate::methods::Allowed>()
        .filter(|a| !a.hidden)
        .map(crate::methods::Allowed::header);
    let response =
        match allow.and_then(|allow| actix_web::http::header::HeaderValue::from_str(&allow).ok()) {
            Some(allow) => {
                let mut response = crate::problem::shaped(
                    req.request(),
                    crate::problem::Refusal::MethodNotAllowed,
                    None,
                );
                response.headers_mut().insert(actix_web::http::header::ALLOW, allow);
                response
            }
            None => crate::problem::shaped(req.request(), crate::problem::Refusal::NotFound, None),
        };
    Ok(crate::problem::refusal(req, response))
}

/// Boxes a default service for [`DefaultService::set`].
pub(crate) fn boxed_default<F>(factory: F) -> BoxFactory
where
    F: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = Error,
            InitError = (),
        > + 'static,
{
    actix_service::boxed::factory(factory)
}

impl std::fmt::Debug for DefaultService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultService").finish_non_exhaustive()
    }
}

impl ServiceFactory<ServiceRequest> for DefaultService {
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Config = ();
    type Service = MarkedDefault;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<MarkedDefault, ()>>;

    fn new_service(&self, _: ()) -> Self::Future {
        let (factory, mount) = (self.factory(), self.mount);
        Box::pin(async move {
            factory
                .new_service(())
                .await
                .map(|service| MarkedDefault(service, EndpointCheck::new(mount)))
        })
    }
}

/// A default service `mount` installed: an endpoint, marked when actix calls it.
pub(crate) struct MarkedDefault(BoxService, EndpointCheck);

impl Service<ServiceRequest> for MarkedDefault {
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>;

    fn poll_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if !self.1.admits(&req) {
            return Box::pin(ready(Ok(unobserved_refusal(req))));
        }
        let fut = self.0.call(req);
        Box::pin(async move { fut.await.map(not_found_only) })
    }
}

/// A default service answers paths no route declares, so no matrix row documents what it
/// serves: it may say "not found" (or "method not allowed") in any shape, and nothing else. Any
/// other answer — a single-page app's `index.html`, a proxy's page — is refused (500, ERROR);
/// declare such a service with `Routes::public_service` instead, where it has a row.
fn not_found_only(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    if matches!(res.status().as_u16(), 404 | 405) {
        return res;
    }
    let (req, refused) = res.into_parts();
    crate::note::note!(error,
        target: "authz",
        path = %req.path(),
        method = %req.method(),
        answered = %refused.status(),
        "the app's default service answered something other than not found; refused with a generic error \
         (serve content with `Routes::public_service`, which documents it)"
    );
    let response = crate::problem::shaped(&req, crate::problem::Refusal::Internal, None);
    ServiceResponse::new(req, response)
}

#[cfg(test)]
mod tests {
    use super::{MARK, Mark, observe, raise};

    #[test]
    fn an_observation_sees_only_its_own_marks_and_restores_the_outer_one() {
        assert_eq!(MARK.get(), Mark::Unobserved);
        let ((), outer) = observe(|| {
            raise(Mark::Scope);
            let ((), inner) = observe(|| assert_eq!(MARK.get(), Mark::None));
            assert_eq!(inner, Mark::None);
            assert_eq!(MARK.get(), Mark::Scope, "the outer mark is back");
        });
        assert_eq!(outer, Mark::Scope);
        assert_eq!(MARK.get(), Mark::Unobserved);
        // Unwinding restores it too.
        let _ = std::panic::catch_unwind(|| {
            observe(|| {
                raise(Mark::Endpoint);
                panic!("routing bug")
            })
        });
        assert_eq!(MARK.get(), Mark::Unobserved);
        raise(Mark::Endpoint);
        assert_eq!(MARK.get(), Mark::Unobserved, "nothing is marked outside an observation");
    }
}
