//! Declarative, documented, deny-by-default authorization for axum.
//!
//! The same declarations as `authz-actix` — `#[require_permission]`, `#[public]`, `#[policy]`,
//! `authz.toml`, scopes — with the same compile-time checks and the same records, so one matrix
//! describes an app whichever framework serves it. A handler declares what it needs above its
//! route attribute; the declaration gates the handler before any of its extractors runs, and is
//! recorded for the endpoint-permission matrix:
//!
//! ```
//! use authz_axum::{require_permission, public, Actor, App, Catalog, CurrentActor, Permission,
//!                  PermissionDef, RoleDef, Routes};
//! use http::request::Parts;
//!
//! const PROJECT_WRITE: Permission = Permission::new("project:write");
//! static CATALOG: Catalog = Catalog::new(
//!     &[PermissionDef { permission: PROJECT_WRITE, description: "Create and edit projects" }],
//!     &[RoleDef { name: "editor", permissions: &[PROJECT_WRITE] }],
//! );
//!
//! /// Create a project.
//! #[require_permission("project:write")]
//! #[post("/projects")]
//! async fn create_project(actor: CurrentActor, body: String) -> String {
//!     format!("{body} by {}", actor.id())
//! }
//!
//! /// Health check.
//! #[public("load balancer probes")]
//! #[get("/health")]
//! async fn health() -> &'static str { "ok" }
//!
//! /// Every route of the app, in one place: the app serves it, the matrix is rendered from it.
//! fn routes(r: &mut Routes<'_>) {
//!     r.service(create_project).service(health);
//! }
//!
//! /// The actor behind a request; here, a fixed token.
//! fn resolve(parts: &Parts) -> impl Future<Output = Result<Option<Actor>, authz_axum::UnknownRole>> + use<> {
//!     let editor = authz_axum::credentials::bearer(parts) == Some("erin");
//!     async move { if editor { CATALOG.actor(2, ["editor"]).map(Some) } else { Ok(None) } }
//! }
//!
//! let app = App::new(routes, resolve);
//! // axum::serve(listener, app.into_make_service()).await?;
//! let matrix = authz_axum::routes::matrix(routes, Some(&CATALOG));
//! assert!(matrix.to_markdown("cargo run -- matrix").contains("| `/projects` | POST | Create a project | project:write | — | 403 |"));
//! # let _ = app;
//! ```
//!
//! # How a request goes through
//!
//! - [`App`] is what serves: it wraps the router [`Routes`] built, and nothing can be added to
//!   it but tower layers. It marks nothing itself; it checks that whoever answered is a declared
//!   endpoint (every declared handler marks its answer), and refuses — 500, logged — a success
//!   nobody declared.
//! - A declared handler is an axum `Handler` the macro writes: the gate runs first, on the
//!   request's head, after routing and before any extractor or the body. It resolves the actor
//!   with the app's [`Resolver`] (once per request; the outcome is kept in the request for
//!   [`CurrentActor`]), checks the requirement, asks the grant store for a scoped route, and
//!   answers 401, 403 or 404 with authz's problem bodies (or the app's, through
//!   [`App::responder`]) — a hidden 404 byte-identical to the router's own — or calls the
//!   extractors and the function.
//! - Every decision is one audit event (target `authz`), with the fields the actix front end
//!   writes.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod access;
mod app;
mod audit;
mod context;
mod declared;
mod extract;
mod gate;
#[cfg(feature = "test-kit")]
mod marks;
mod resolver;

pub mod conformance;
pub mod credentials;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod telemetry;
#[cfg(feature = "test-kit")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-kit")))]
pub mod test;

pub use app::{App, Observed};
pub use authz_core::{
    Actor, ActorId, Authorizer, AuthzError, Catalog, CatalogError, DEFAULT_TTL, Decision, Deny,
    GrantError, GrantStore, Grants, Inclusion, InvalidPermission, Permission, PermissionDef,
    PermissionSet, Principal, Refused, RoleDef, RoleNames, Scope, ScopedCheck, Scopes, StoreFuture,
    UnknownRole, is_owner,
};
pub use authz_core::{build, condition, diff, escalation, matrix};
pub use declared::Declared;
pub use extract::CurrentActor;
pub use problem::Denied;
pub use resolver::Resolver;
pub use routes::Routes;
pub use telemetry::Telemetry;

/// Gates an axum handler on a permission requirement, and records it for the matrix.
///
/// The syntax, the arguments and the compile-time checks are those of
/// `authz_actix::require_permission`; the route attribute below it is read by this macro (axum
/// has no route attributes of its own, so nothing needs importing): `#[get("/path")]`,
/// `#[post(...)]`, `#[put]`, `#[patch]`, `#[delete]`, `#[head]`, `#[options]`, `#[trace]`,
/// `#[connect]`, or `#[route("/path", method = "GET", method = "POST")]`. Paths use axum 0.8's
/// syntax, `{id}` and `{*rest}`.
///
/// # Syntax
///
/// ```text
/// #[require_permission(REQUIREMENT [, deny = forbidden | not_found] [, scope = KIND(path = "param")]
///                      [, policy = path] [, visibility = path] [, operation = "..."] [, crate = path])]
/// #[get("/path")]
/// async fn handler(extractors...) -> impl IntoResponse { ... }
/// ```
///
/// The handler becomes a unit struct of the same name that is an axum `Handler`; register it with
/// [`Routes::service`]. Its arguments are extractors, read in order after the gate: all but the
/// last from the request's head (`FromRequestParts`), the last may take the body (`FromRequest`).
/// An argument that is not an extractor for the router's state is reported where the handler is
/// registered, naming the argument's type and pointing at it (a `State<T>` of another router's
/// state included).
///
/// # Examples
///
/// ```
/// use authz_axum::{require_permission, CurrentActor};
///
/// /// Delete a project.
/// #[require_permission(any("project:delete", "user:admin"), deny = not_found)]
/// #[delete("/projects/{id}")]
/// async fn delete_project(actor: CurrentActor, axum::extract::Path(id): axum::extract::Path<u64>) -> String {
///     format!("{id} deleted by {}", actor.id())
/// }
/// ```
pub use authz_macros::require_permission_axum as require_permission;

/// Opens an axum handler to anyone — authenticated or not — for a stated reason, recorded in the
/// matrix. The syntax is `authz_actix::public`'s.
///
/// ```
/// use authz_axum::public;
///
/// /// Health check.
/// #[public("load balancer probes")]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
/// ```
pub use authz_macros::public_axum as public;

/// Records a policy function for the matrix; routes name it with `policy = ...`. The syntax is
/// `authz_actix::policy`'s, and the record is the same trait's: a policy marked through either
/// front end serves the routes of both.
///
/// ```
/// use authz_axum::{policy, Actor, Permission};
///
/// pub struct Project { pub archived: bool }
///
/// /// Not archived.
/// #[policy(rule = "not archived")]
/// pub fn can_edit_project(_actor: &Actor, project: &Project) -> bool {
///     !project.archived
/// }
/// ```
pub use authz_macros::policy_axum as policy;

/// Declares the crate's permission catalog, `authz.toml`, as Rust items (one `Permission`
/// constant per permission and a `CATALOG` with the roles). The syntax is
/// `authz_actix::catalog`'s.
pub use authz_macros::catalog_axum as catalog;

// Not public API. Used by generated code only; may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::declared::{
        Declared, FALLBACK_ROUTE, HandlerFuture, Marker, OpenApiSink, Sealed, Serve, boxed,
        collect_openapi, fallback_future,
    };
    pub use crate::gate::{Admitted, gate};
    pub use crate::problem::RouteResponder;
    pub use authz_core::__private::PolicyRecord;
    pub use axum::extract::{FromRequest, FromRequestParts, Request};
    pub use axum::handler::Handler;
    pub use axum::response::{IntoResponse, Response};
    pub use axum::routing::{MethodFilter, MethodRouter, on};

    pub use authz_core::{
        Access, Catalog, Deny, Inclusion, Permission, PermissionDef, PolicyMeta, PolicyRef,
        Requirement, RoleDef, RouteMeta, RoutePolicy, ScopeRef,
    };
}
