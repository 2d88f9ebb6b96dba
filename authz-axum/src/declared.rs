//! What the macros implement on a declared handler's unit struct.

use std::future::Future;
use std::pin::Pin;

use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};

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

    /// Leaves the handler's `#[utoipa::path]` (written below its declaration) in `sink`, for
    /// [`openapi::document`](crate::openapi::document) (feature `utoipa`).
    #[doc(hidden)]
    fn openapi(_sink: &mut OpenApiSink) {}
}

/// The schemas an operation refers to, as utoipa names them.
#[cfg(feature = "utoipa")]
pub(crate) type Schemas = Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>;

/// Where a declared handler leaves its `#[utoipa::path]` operation, when it has one.
#[doc(hidden)]
#[derive(Default)]
pub struct OpenApiSink {
    #[cfg(feature = "utoipa")]
    pub(crate) found: Option<(utoipa::openapi::path::Operation, Schemas)>,
}

impl std::fmt::Debug for OpenApiSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiSink").finish_non_exhaustive()
    }
}

/// Keeps the operation of utoipa's `__path_NAME` item `P`, its tags and the schemas it refers
/// to — what utoipa-axum's `routes!` reads of it. Its path and methods are not read: the route's are the
/// ones served.
#[doc(hidden)]
#[cfg(feature = "utoipa")]
pub fn collect_openapi<P>(sink: &mut OpenApiSink)
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
{
    let mut schemas = Vec::new();
    P::schemas(&mut schemas);
    let mut operation = P::operation();
    // `tag = "..."` is kept apart from the operation, for the document to add.
    let tags = P::tags();
    if !tags.is_empty() {
        operation.tags.get_or_insert_with(Vec::new).extend(tags.iter().map(ToString::to_string));
    }
    sink.found = Some((operation, schemas));
}

/// Without the `utoipa` feature there is no document to add the operation to.
#[doc(hidden)]
#[cfg(not(feature = "utoipa"))]
pub fn collect_openapi<P>(_sink: &mut OpenApiSink) {}

/// The supertrait that keeps [`Declared`] to what the macros generate.
pub trait Sealed {}

/// How [`Routes::service`](crate::Routes::service) serves a declared handler on a router of
/// state `S`: as the axum `Handler` the macro writes, through a trait only the macros implement,
/// bounded on each argument's extractor. `M` is the last argument's axum marker (`()` without
/// arguments).
///
/// Why not `Handler` itself: axum implements `Handler` for functions of every arity, so when an
/// argument is not an extractor rustc weighs those implementations too, and reports only that
/// `Handler<_, S>` is not implemented. With this trait's one implementation, it names the
/// argument's type and points at it (`tests/ui/axum-only/fail/not-an-extractor.rs`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a declared handler",
    label = "declare its access: `#[require_permission(\"...\")]` or `#[public(\"why\")]` above its route attribute",
    note = "`Routes` registers only handlers whose access is declared, so that deny by default holds and the matrix lists every route"
)]
pub trait Serve<S, M>: Declared {
    /// The handler as axum's `on(filter, handler)` routes it.
    fn method_router(self, filter: MethodFilter) -> MethodRouter<S>;
}

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
