//! What the macros implement on a declared handler's unit struct.

use std::future::Future;
use std::pin::Pin;

use axum::response::Response;

use authz_core::RouteMeta;

/// A handler declared with `#[require_permission]` or `#[public]`: the only kind
/// [`Routes::service`](crate::Routes::service) accepts. Implemented by the macros alone.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a declared handler",
    label = "declare its access: `#[require_permission(\"...\")]` or `#[public(\"why\")]` above its route attribute",
    note = "`Routes` registers only handlers whose access is declared, so that deny by default holds and the matrix lists every route"
)]
pub trait Declared: Sealed + 'static {
    /// The handler's record: path, methods, access — what the matrix shows and the gate
    /// enforces.
    fn route() -> &'static RouteMeta;

    /// The route's own responder (`responder = ...`), if it has one.
    fn responder() -> Option<crate::problem::RouteResponder> {
        None
    }
}

/// The supertrait that keeps [`Declared`] to what the macros generate.
pub trait Sealed {}

/// The first element of the type a declared handler implements axum's `Handler` for, so that
/// its implementation cannot coincide with one of axum's own.
#[derive(Debug, Clone, Copy)]
pub struct Marker;

/// The future of a declared handler's call: boxed, as axum's own handler functions' are.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

#[doc(hidden)]
pub use authz_core::__private::FALLBACK_ROUTE;

/// The call of a declaration with errors, which is never registered.
#[doc(hidden)]
pub fn fallback_future() -> HandlerFuture {
    Box::pin(std::future::ready(crate::problem::internal_error()))
}

/// A declared handler's call, boxed (a function rather than `Box::pin` in generated code, so
/// that a wrong `crate = path` is one unresolved path, not one more with a suggestion).
#[doc(hidden)]
pub fn boxed<F>(fut: F) -> HandlerFuture
where
    F: Future<Output = Response> + Send + 'static,
{
    Box::pin(fut)
}
