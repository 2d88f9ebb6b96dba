//! Declared handlers, and the one function that turns a declaration into an actix resource.

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::guard::{Guard, GuardContext};
use actix_web::{Resource, Route};

use crate::gate::Gate;
use crate::methods::{Allowed, MethodSet};
use crate::select::{Endpoint, Mount};
use authz_core::{Access, RouteMeta};

/// A handler whose authorization is declared by `#[require_permission]` or `#[public]`.
///
/// Implemented by those macros; the bound of [`Routes::service`](crate::Routes::service). The
/// resource it is served by is built by authz from [`route`](Self::route) alone — path, methods,
/// gate — so whatever implements this trait is served exactly as its record (and so the matrix)
/// says; the handler contributes only its own guards, middleware and body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no authorization declaration",
    label = "not declared with `#[require_permission(...)]` or `#[public(...)]`",
    note = "every route states who may call it: add `#[require_permission(\"resource:action\")]` or `#[public(\"reason\")]` above its route attribute"
)]
pub trait Declared: crate::sealed::Sealed + 'static {
    /// The handler's record: what the gate enforces and the matrix shows.
    fn route() -> &'static RouteMeta;

    #[doc(hidden)]
    /// Whether the route attribute has guards of its own (`guard = "..."`), which may decline a
    /// request the path matches.
    const __AUTHZ_GUARDED: bool;

    #[doc(hidden)]
    /// What the route attribute adds to the record: built once, when the resource is.
    fn __authz_parts() -> Parts;
}

/// What a handler's route attribute contributes to its resource, besides the record.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct Parts {
    /// The actix resource name: the route's `name = "..."`, else the function's.
    pub name: &'static str,
    /// The route attribute's own guards (`guard = "..."`), in order.
    pub guards: Vec<Box<dyn Guard>>,
    /// The handler, behind the route attribute's own middleware (`wrap = "..."`).
    pub handler: Route,
    /// `responder = path::to::fn`: how this route's refusals are shaped, in place of the app's.
    pub responder: Option<crate::problem::RouteResponder>,
    /// The route attribute has middleware of its own (`wrap = "..."`), which may need the request
    /// to itself.
    pub wrapped: bool,
}

/// The method guard of a declared route: one test against the declared methods (a `GET` route's
/// list includes `HEAD`), a bit test for the standard methods. The resource's last guard.
///
/// A request it turns away had matched everything else of the route, so its methods are what
/// `Allow` lists if no route takes the request (see [`Allowed`]).
#[derive(Debug, Clone, Copy)]
struct Methods(MethodSet, bool);

impl Guard for Methods {
    #[inline]
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        if self.0.contains(&ctx.head().method) {
            return true;
        }
        ctx.req_data_mut().get_or_insert_with(Allowed::default).add(self.0, self.1);
        false
    }

    // What route introspection reads to list a resource's methods.
    #[cfg(feature = "test-kit")]
    fn details(&self) -> Option<Vec<actix_web::guard::GuardDetail>> {
        Some(vec![actix_web::guard::GuardDetail::HttpMethods(
            self.0.names().into_iter().map(str::to_owned).collect(),
        )])
    }
}

/// A guard the route attribute named, boxed so that every handler's guards have one type.
struct Boxed(Box<dyn Guard>);

impl Guard for Boxed {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        self.0.check(ctx)
    }

    #[cfg(feature = "test-kit")]
    fn name(&self) -> String {
        self.0.name()
    }
}

/// Registers `F`'s resource: its path, its guards then the method guard, and as its outermost
/// middleware the endpoint deny by default observes — for a gated route the gate, which decides
/// after routing and before the handler's extractors and body; for a public one [`Endpoint`].
pub(crate) fn register<F: Declared>(config: &mut AppService, mount: Mount) {
    // Everything past reading `F` is one function for all handlers: less to compile per handler.
    build(config, mount, F::route(), F::__authz_parts());
}

fn build(config: &mut AppService, mount: Mount, route: &'static RouteMeta, parts: Parts) {
    let Parts { name, guards, handler, responder, wrapped } = parts;
    let mut resource = Resource::new(route.path).name(name);
    for guard in guards {
        resource = resource.guard(Boxed(guard));
    }
    // A route that hides existence on a path naming no resource hides the route itself: another
    // method there is answered 404, as everything else of it is.
    let hides = matches!(route.access, Access::Gated { deny: authz_core::Deny::NotFound, .. })
        && !route.path.contains('{');
    let resource =
        resource.guard(Methods(MethodSet::for_route(route.methods), hides)).route(handler);
    match route.access {
        Access::Gated { .. } => {
            resource.wrap(Gate::new(route, responder, mount, wrapped)).register(config)
        }
        Access::Public { .. } => resource.wrap(Endpoint(mount)).register(config),
    }
}

/// What `#[require_permission]` and `#[public]` make of a handler registered with
/// `App::service` instead of through [`Routes`](crate::Routes) (or handed to
/// `Routes::public_service`): a resource whose endpoint refuses every request (500, logged), since
/// no matrix row says how it is served.
#[doc(hidden)]
pub fn register_outside<F: Declared>(config: &mut AppService) {
    register::<F>(config, Mount::OUTSIDE);
}

#[doc(hidden)]
pub use authz_core::__private::FALLBACK_ROUTE;

/// The parts of [`FALLBACK_ROUTE`]'s handler.
#[doc(hidden)]
pub fn fallback_parts() -> Parts {
    Parts { name: "", guards: Vec::new(), handler: Route::new(), responder: None, wrapped: false }
}
