//! Declarative, documented, deny-by-default authorization for actix-web.
//!
//! A handler declares what it needs; the declaration gates the handler before anything of it runs
//! and is recorded for the endpoint-permission matrix. Resource rules (ownership, state) live in
//! policy functions that services call, so HTTP handlers, CLI commands and jobs share one set of
//! rules.
//!
//! ```
//! use actix_web::{get, post, web, App, HttpRequest, HttpResponse};
//! use authz_actix::{require_permission, Actor, Catalog, CurrentActor, Permission, PermissionDef,
//!                   ResolveActor, RoleDef};
//!
//! const PROJECT_READ: Permission = Permission::new("project:read");
//! const PROJECT_WRITE: Permission = Permission::new("project:write");
//! static CATALOG: Catalog = Catalog::new(
//!     &[
//!         PermissionDef { permission: PROJECT_READ, description: "Read private projects" },
//!         PermissionDef { permission: PROJECT_WRITE, description: "Create and edit projects" },
//!     ],
//!     &[RoleDef { name: "editor", permissions: &[PROJECT_READ, PROJECT_WRITE] }],
//! );
//!
//! /// Create a project.
//! #[require_permission("project:write")]
//! #[post("/projects")]
//! async fn create_project(actor: CurrentActor, body: String) -> HttpResponse {
//!     HttpResponse::Created().body(format!("{body} by {}", actor.id()))
//! }
//!
//! /// Read a project.
//! #[require_permission(any("project:read", "project:write"), deny = not_found)]
//! #[get("/projects/{id}")]
//! async fn read_project(id: web::Path<u32>) -> HttpResponse {
//!     HttpResponse::Ok().body(id.to_string())
//! }
//!
//! async fn resolve(req: HttpRequest) -> Result<Option<Actor>, std::convert::Infallible> {
//!     // A real app looks the bearer token up, hashed, in its database.
//!     let editor = req.headers().get("authorization").is_some_and(|v| v == "Bearer erin");
//!     Ok(editor.then(|| CATALOG.actor(2, ["editor"]).unwrap()))
//! }
//!
//! let app = App::new()
//!     .wrap(ResolveActor::new(resolve))
//!     .service(create_project)
//!     .service(read_project)
//!     .default_service(web::to(authz_actix::problem::not_found));
//! ```
//!
//! What a caller gets:
//! - no actor → `401` with `WWW-Authenticate: Bearer`;
//! - an actor without the permission → `403`, or with `deny = not_found` a `404` byte-identical to
//!   [`problem::not_found`]'s answer for a missing resource;
//! - a resolver error or panic, or a missing [`ResolveActor`] → a generic `500`, logged at ERROR;
//!   never the handler.
//!
//! Every decision on a gated route emits one `tracing` event with target `authz` (actor id, route
//! pattern, method, requirement, decision, reason, status): allows at DEBUG, denials at INFO,
//! failures at ERROR.
#![deny(missing_docs)]

mod extract;
mod gate;
pub mod problem;
mod resolve;
pub mod test;

pub use authz_core::{
    is_owner, permission, registry, Actor, ActorId, Authorizer, AuthzError, Catalog, CatalogError, Decision, Deny,
    InvalidPermission, Permission, PermissionDef, PermissionSet, PolicyRef, Principal, Requirement, RoleDef,
    RouteMeta, UnknownRole,
};
pub use extract::CurrentActor;
pub use gate::{Gate, GateService};
pub use problem::Denied;
pub use resolve::{ResolveActor, ResolveActorService, Resolver};

/// Gates an actix-web handler on a permission requirement.
///
/// # Syntax
///
/// ```text
/// #[require_permission(REQUIREMENT [, deny = forbidden | not_found] [, policy = path::to::fn]
///                      [, operation = "..."] [, crate = path])]
/// #[get("/path")]   // or post, put, patch, delete, head, options, trace, connect, route
/// async fn handler(...) -> ... { ... }
///
/// REQUIREMENT := "resource:action" | PERMISSION_CONST | any(REQUIREMENT, ...)
///              | all(REQUIREMENT, ...) | authenticated
/// ```
///
/// The attribute goes **above** the route attribute, which it reads (method, path) and re-emits.
/// The requirement is checked after routing and before the handler's extractors and body; a
/// refused request never reaches the handler. A `GET` route also answers `HEAD`, gated the same.
///
/// # Arguments
///
/// - A requirement (exactly one): a literal `"resource:action"` (each part `[a-z][a-z0-9_-]*`,
///   checked at compile time), a `Permission` constant, `any(...)` (at least one holds), `all(...)`
///   (every one holds) — nestable — or `authenticated` (any actor; resource rules enforced by a
///   policy in the service).
/// - `deny = forbidden` (default, `403`) or `deny = not_found` (`404` identical to a missing
///   resource: hides existence).
/// - `policy = path::to::fn`: the policy function the service enforces on the loaded resource. The
///   path is checked by the compiler and recorded for the matrix.
/// - `operation = "..."`: the operation's name in the matrix; defaults to the first line of the
///   handler's doc comment.
/// - `crate = path`: where `authz_actix` is, when the app renamed or re-exported it.
///
/// # Examples
///
/// ```
/// use actix_web::{delete, get, patch, route, web, HttpResponse};
/// use authz_actix::{require_permission, CurrentActor, Permission};
///
/// mod perms {
///     use authz_actix::Permission;
///     pub const PROJECT_DELETE: Permission = Permission::new("project:delete");
/// }
/// mod policies {
///     /// Owners, or holders of `project:write`, edit live projects.
///     pub fn can_edit_project(_actor: &authz_actix::Actor, _project: &()) -> bool { true }
/// }
///
/// /// Delete a project.
/// #[require_permission(perms::PROJECT_DELETE)]
/// #[delete("/projects/{id}")]
/// async fn delete_project(id: web::Path<i64>) -> HttpResponse {
///     HttpResponse::NoContent().finish()
/// }
///
/// /// Update a project.
/// #[require_permission(authenticated, policy = policies::can_edit_project, operation = "Update project")]
/// #[patch("/projects/{id}")]
/// async fn update_project(actor: CurrentActor, id: web::Path<i64>) -> HttpResponse {
///     HttpResponse::Ok().finish()
/// }
///
/// /// Export the audit log.
/// #[require_permission(all("audit:read", any("user:admin", "audit:export")))]
/// #[route("/audit", method = "GET", method = "POST")]
/// async fn export_audit() -> HttpResponse {
///     HttpResponse::Ok().finish()
/// }
/// ```
pub use authz_macros::require_permission;

// Not public API. The registry's one entry point for generated code: swapping linkme for another
// mechanism changes this macro only.
#[doc(hidden)]
#[macro_export]
macro_rules! __authz_register_route {
    ($item:item) => {
        #[$crate::__private::distributed_slice($crate::__private::ROUTES)]
        #[linkme(crate = $crate::__private::linkme)]
        $item
    };
}

// Not public API. Used by generated code only; may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__authz_register_route as register_route;
    pub use crate::gate::Gate;
    pub use actix_web::route;
    pub use authz_core::linkme::{self, distributed_slice};
    pub use authz_core::registry::ROUTES;
    pub use authz_core::{Deny, Permission, PolicyRef, Requirement, RouteMeta};
}
