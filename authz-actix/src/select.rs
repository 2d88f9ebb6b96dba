//! Deny by default, observed: which service actix's router selected for a request.
//!
//! actix-web routes a request synchronously inside the `call` of the innermost app middleware:
//! `AppRouting::call` walks the app's services in registration order, runs each matching one's
//! guards, and calls the first whose guards all accept — or the app's default service — before
//! it returns. Every service [`mount`](crate::mount) registers at an app's top level carries a
//! *mark* that runs only when actix selects it:
//!
//! - a declared handler's resource: its method guard, the resource's last guard;
//! - a [`Routes`](crate::Routes) scope or public service scope: a guard added after every guard
//!   of the app's, so it runs only when all of them accepted;
//! - the default service `mount` installs (for the app and for every scope of its own): its
//!   `call`, which actix calls synchronously too.
//!
//! [`ResolveActor`](crate::ResolveActor) clears the mark, calls the app, and reads the mark when
//! the call returns: a request actix routed anywhere else — an undeclared route, another default
//! service, a middleware that answered or deferred routing — is refused before its future is
//! ever polled. authz never matches a path itself, so no spelling of a path can make it disagree
//! with actix.
//!
//! The mark is a thread-local flag: routing runs on the calling thread, within the one `call`
//! that clears it before and reads it after, so no other request can set or see it in between.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::guard::{Guard, GuardContext};
use actix_web::Error;
use futures_util::future::LocalBoxFuture;

use crate::methods::MethodSet;

thread_local! {
    static SELECTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `route` — one request through the app, whose routing is synchronous — and tells whether
/// actix selected a service `mount` registered.
#[inline]
pub(crate) fn observe<T>(route: impl FnOnce() -> T) -> (T, bool) {
    SELECTED.set(false);
    let routed = route();
    (routed, SELECTED.replace(false))
}

#[inline]
fn mark() {
    SELECTED.set(true);
}

/// Whether a service is registered by [`mount`](crate::mount) (and so marks the requests actix
/// routes to it), or outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mount(bool);

impl Mount {
    /// Registered outside `mount` (with `App::service`): gated as declared, but never marked, so
    /// deny by default refuses it.
    pub(crate) const OUTSIDE: Mount = Mount(false);
    pub(crate) const MOUNTED: Mount = Mount(true);
}

/// The method guard of a declared route: one test against the declared methods (a `GET` route's
/// list includes `HEAD`), a bit test for the standard methods. It is the resource's last guard,
/// so when it accepts, actix has selected the resource; a mounted one then marks the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Methods {
    set: MethodSet,
    mount: Mount,
}

impl Methods {
    pub(crate) fn new(methods: &'static [&'static str], mount: Mount) -> Self {
        Methods { set: MethodSet::for_route(methods), mount }
    }
}

impl Guard for Methods {
    #[inline]
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        let accepted = self.set.contains(&ctx.head().method);
        if accepted && self.mount.0 {
            mark();
        }
        accepted
    }

    // What route introspection reads to list a resource's methods.
    #[cfg(feature = "test-kit")]
    fn details(&self) -> Option<Vec<actix_web::guard::GuardDetail>> {
        Some(vec![actix_web::guard::GuardDetail::HttpMethods(self.set.names().into_iter().map(str::to_owned).collect())])
    }
}

/// The last guard of every scope `mount` registers: accepts, and marks the request, once every
/// other guard of the scope accepted. Inside the scope every service is declared and the default
/// service is authz's, so nested routing needs no further check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeMark;

impl Guard for ScopeMark {
    #[inline]
    fn check(&self, _: &GuardContext<'_>) -> bool {
        mark();
        true
    }
}

type BoxFactory = actix_service::boxed::BoxServiceFactory<(), ServiceRequest, ServiceResponse<BoxBody>, Error, ()>;
type BoxService = actix_service::boxed::BoxService<ServiceRequest, ServiceResponse<BoxBody>, Error>;

/// The default service `mount` installs on the app and on each of its scopes: the app's
/// declared default ([`Routes::default_service`](crate::Routes::default_service)), or
/// [`problem::not_found`](crate::problem::not_found). Known only once every route function ran,
/// so scopes registered earlier share the slot.
#[derive(Clone, Default)]
pub(crate) struct DefaultService {
    slot: Rc<std::cell::OnceCell<Rc<BoxFactory>>>,
}

impl DefaultService {
    /// Sets the service; the first call wins.
    pub(crate) fn set(&self, factory: BoxFactory) -> bool {
        self.slot.set(Rc::new(factory)).is_ok()
    }

    fn factory(&self) -> Rc<BoxFactory> {
        self.slot.get_or_init(|| Rc::new(boxed_default(actix_web::dev::fn_service(not_found)))).clone()
    }
}

async fn not_found(req: ServiceRequest) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = crate::problem::shaped(req.request(), crate::problem::Refusal::NotFound, None);
    Ok(crate::problem::refusal(req, response))
}

/// Boxes a default service for [`DefaultService::set`].
pub(crate) fn boxed_default<F>(factory: F) -> BoxFactory
where
    F: ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse<BoxBody>, Error = Error, InitError = ()> + 'static,
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
        let factory = self.factory();
        Box::pin(async move { factory.new_service(()).await.map(MarkedDefault) })
    }
}

/// A default service `mount` installed: marks the request when actix calls it.
pub(crate) struct MarkedDefault(BoxService);

impl Service<ServiceRequest> for MarkedDefault {
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>;

    fn poll_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        mark();
        self.0.call(req)
    }
}
