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
//! /// Every route, registered through `Routes` so full paths are known and nothing is undeclared.
//! fn routes(r: &mut authz_actix::Routes<'_>) {
//!     r.service(create_project).service(read_project);
//! }
//!
//! // `mount` also installs the default service: unknown paths answer `problem::not_found`.
//! let app = App::new().wrap(ResolveActor::new(resolve)).configure(authz_actix::mount(routes));
//!
//! // The endpoint-permission matrix, from the same routes.
//! let matrix = authz_actix::routes::matrix(routes, Some(&CATALOG));
//! assert!(matrix.to_markdown("cargo run -- matrix").contains("| `/projects/{id}` | GET | Read a project | project:read OR project:write |"));
//! ```
//!
//! What a caller gets:
//! - a request actix routes to anything registered around [`mount`] — an undeclared route, a
//!   default service set with `App::default_service`, whatever the path's spelling → `500`,
//!   logged at ERROR, never served;
//! - no actor → `401` with `WWW-Authenticate: Bearer`;
//! - an actor without the permission → `403`, or with `deny = not_found` a `404` byte-identical to
//!   [`problem::not_found`]'s answer for a missing resource;
//! - a resolver error or panic, or a missing [`ResolveActor`] → a generic `500`, logged at ERROR;
//!   never the handler (the resolver runs lazily, at the gate or [`CurrentActor`]);
//! - a panic in a gated handler or the policies it calls → a generic `500`, logged at ERROR; the
//!   worker keeps serving.
//!
//! Every request to a gated route emits one `tracing` event with target `authz` (actor id, route
//! pattern, the resource its path names, method, requirement, decision, reason, status, decision id,
//! matrix digest; `docs/operating.md` lists them all): allows at
//! DEBUG, denials — by the gate or by a service policy whose `AuthzError` the handler returned — at
//! INFO, failures at ERROR. A service's `AuthzError::Missing` is answered as a hidden resource is
//! and logged as `decision="not_found"`, so the log tells missing from hidden and the client cannot.
//! Events go through `tracing`: nothing shows until the app installs a subscriber — in
//! production, one that writes target `authz` at INFO or above to where the logs are kept (e.g.
//! `tracing_subscriber::fmt().json()`); authz writes one line to stderr when it refuses a
//! request for a misassembled app and no subscriber is installed.
//!
//! Decisions are counted and timed through the `metrics` facade when the app opts in with
//! [`Telemetry`] as app data (see [`telemetry`]).
//!
//! # Features
//!
//! - `test-kit` (`authz_actix::test`): injected actors and route listing, for dev-dependencies only.
//! - `utoipa` (`authz_actix::openapi`): the declarations in an app's utoipa OpenAPI document.
#![deny(missing_docs)]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The request path, in the order a request meets it, one direction: `middleware` (routing
// observed through `select`'s marks), `gate` (the endpoint: the actor resolved through
// `resolver`'s per-request slot, the decision, `audit`), `extract` (`CurrentActor`, from the same
// slot). Registration: `routes`, `declared`, `methods`. What a refusal looks like: `problem`.
mod audit;
mod declared;
mod extract;
mod gate;
mod ids;
mod methods;
mod middleware;
mod note;
mod pattern;
mod resolver;
mod sealed;
mod select;

pub mod access;
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

pub use authz_core::{
    Actor, ActorId, Authorizer, AuthzError, Catalog, CatalogError, DEFAULT_TTL, Decision, Deny,
    GrantError, GrantStore, Grants, Inclusion, InvalidPermission, Permission, PermissionDef,
    PermissionSet, Principal, Refused, RoleDef, RoleNames, Scope, ScopedCheck, Scopes, StoreFuture,
    UnknownRole, is_owner,
};
pub use authz_core::{build, condition, diff, escalation, matrix};
pub use declared::Declared;
pub use extract::CurrentActor;
pub use middleware::ResolveActor;
pub use problem::Denied;
pub use resolver::Resolver;
pub use routes::{Routes, mount};
pub use telemetry::Telemetry;

/// The records behind every declaration: what `#[require_permission]`, `#[public]` and
/// `#[policy]` record, what gates enforce and what the matrix renders. A handler's record is
/// [`Declared::route`]; a policy's is reached through the routes that name it.
pub mod records {
    pub use authz_core::{
        Access, PolicyMeta, PolicyRef, Refusals, Requirement, RouteMeta, RoutePolicy, ScopeRef,
    };
}

/// Gates an actix-web handler on a permission requirement.
///
/// # Syntax
///
/// ```text
/// #[require_permission(REQUIREMENT [, deny = forbidden | not_found]
///                      [, scope = KIND(path = "param" [, outsiders = forbidden | not_found])]
///                      [, policy = path::to::fn | filter = path::to::fn] [, visibility = path::to::fn]
///                      [, operation = "..."] [, responder = path::to::fn] [, crate = path])]
/// #[get("/path")]   // or post, put, patch, delete, head, options, trace, connect, route
/// async fn handler(...) -> ... { ... }
///
/// REQUIREMENT := "resource:action" | PERMISSION_CONST | any(REQUIREMENT, ...)
///              | all(REQUIREMENT, ...) | authenticated
/// ```
///
/// The attribute goes **above** the route attribute, which it reads (method, path, `name`,
/// `guard`, `wrap`) and registers the handler as that attribute would.
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
/// - `scope = team(path = "team_id")`: the requirement holds globally, or through a role the
///   actor holds in the scope whose id is the path parameter `{team_id}` — asked of the app's
///   [`Grants`] (its app data) when global permissions fall short; no `Grants` or a store error
///   refuses with `500`. The kind must be declared under `[scopes]` in `authz.toml`, and the
///   parameter in the route's own path. The id must be spelled canonically (digits, no sign, no
///   leading zero): anything else is answered as a missing resource (`404`) without asking the
///   store. `outsiders = not_found` answers `404` to an actor holding no role in the scope (hiding
///   it) while members lacking the permission get `deny`; by default outsiders get `deny` too.
/// - `policy = path::to::fn`: the policy function the service enforces on the loaded resource,
///   marked [`#[policy]`](macro@policy): the matrix shows its doc summary and rule. The path is
///   checked by the compiler; a function not marked `#[policy]` is an error there
///   ("`can_edit` is not marked `#[policy]`").
/// - `filter = path::to::fn`: instead of `policy`, for a route whose policy narrows the results
///   (a list shows only what the actor may see) rather than refusing; the matrix says
///   "200, filtered".
/// - `visibility = path::to::fn`: the policy that decides whether the actor may know the resource
///   exists; the service answers 404 when it refuses, and the matrix says so.
/// - `operation = "..."`: the operation's name in the matrix; defaults to the first line of the
///   handler's doc comment.
/// - `responder = path::to::fn`: a `fn(&HttpRequest, problem::Refusal) -> HttpResponse` that
///   shapes this route's refusals (the gate's, and its service's `Denied`), in place of the
///   app's [`Routes::responder`].
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
///     #[authz_actix::policy(rule = "project:write OR owner")]
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

/// Opens an actix-web handler to anyone — authenticated or not — for a stated reason.
///
/// Deny by default means every route declares who may call it; `#[public]` is the declaration
/// for routes anyone may call. The reason appears in the matrix.
///
/// # Syntax
///
/// ```text
/// #[public("reason" [, operation = "..."] [, crate = path])]
/// #[get("/path")]
/// async fn handler(...) -> ... { ... }
/// ```
///
/// # Arguments
///
/// - The reason (required, non-empty string): why this route needs no actor.
/// - `operation = "..."`: the operation's name in the matrix; defaults to the first doc line.
/// - `crate = path`: where `authz_actix` is, when renamed.
///
/// # Examples
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use authz_actix::public;
///
/// /// Health check.
/// #[public("load balancer probes")]
/// #[get("/health")]
/// async fn health() -> HttpResponse {
///     HttpResponse::Ok().body("ok")
/// }
/// ```
pub use authz_macros::public;

/// Records a policy function, so the matrix names it with its doc summary.
///
/// The function is emitted unchanged, plus a hidden item of the same name in the type namespace
/// that carries its record. Routes refer to it with
/// `#[require_permission(..., policy = path::to::it)]` (or `filter =`, `visibility =`), which
/// reaches the record through that path; services call the function. A free function only.
///
/// # Syntax
///
/// ```text
/// #[policy]
/// #[policy(rule = "project:write OR owner")]
/// fn policy_fn(actor: &Actor, resource: &Resource) -> bool { ... }   // or -> Decision
/// ```
///
/// # Arguments
///
/// - `rule = "..."`: the rule in the matrix's words. A route that requires only `authenticated`
///   and defers to this policy shows the rule in its "Required permission(s)" column.
/// - `crate = path`: where `authz_actix` is, when renamed.
///
/// # Examples
///
/// ```
/// use authz_actix::{is_owner, policy, Actor, Permission};
///
/// const PROJECT_WRITE: Permission = Permission::new("project:write");
/// pub struct Project { pub owner_id: i64, pub is_archived: bool, pub allow_owner_edits: bool }
///
/// /// Not archived, and project:write or an owner allowed to edit.
/// #[policy(rule = "project:write OR owner")]
/// pub fn can_edit_project(actor: &Actor, project: &Project) -> bool {
///     !project.is_archived
///         && (actor.has(PROJECT_WRITE) || (is_owner(actor, project.owner_id) && project.allow_owner_edits))
/// }
/// ```
pub use authz_macros::policy;

/// Declares the crate's permission catalog, `authz.toml`, as Rust items: one `Permission` constant
/// per permission and a `CATALOG` static with the roles — read at compile time, so no file I/O or
/// parsing happens at run time.
///
/// `authz.toml` sits next to the crate's `Cargo.toml`:
///
/// ```toml
/// [permissions]
/// "project:read"  = "Read private projects"
/// "project:write" = "Create and edit projects"
///
/// [roles]
/// editor = ["project:read", "project:write"]
/// member = []
/// ```
///
/// When the file exists, every permission literal in `#[require_permission(...)]` must be declared
/// in it: ``unknown permission `project:wirte`; did you mean `project:write`?`` is a compile error
/// on the literal. Without the file, literals are checked against the grammar only; setting
/// `[package.metadata.authz] catalog = "required"` in Cargo.toml makes the file mandatory. Editing
/// the file rebuilds the crates that read it. Mistakes in the file — invalid TOML, a permission
/// breaking the grammar, a missing description, a role granting an undeclared permission, a
/// duplicate — are compile errors naming the file, line and entry.
///
/// # Syntax
///
/// ```text
/// catalog!()                                   // reads authz.toml at the crate root
/// catalog!(path = "relative/to/this/file.toml" [, crate = path])
/// ```
///
/// Constant names are the permission in upper case with `:` and `-` as `_`
/// (`project:edit-own` → `PROJECT_EDIT_OWN`). Invoke it inside a module to choose where they live:
///
/// ```ignore
/// pub mod perms {
///     authz_actix::catalog!();
/// }
///
/// #[require_permission(perms::PROJECT_WRITE)]   // a typo here is a compile error too
/// #[post("/projects")]
/// async fn create_project() -> HttpResponse { ... }
///
/// let erin = perms::CATALOG.actor(2, ["editor"])?;
/// assert!(erin.has(perms::PROJECT_WRITE));
/// ```
pub use authz_macros::catalog;

// Not public API. The route record and the items that name it, emitted through this macro so
// that a wrong `crate = path` fails once, on that path, instead of once per use inside.
#[doc(hidden)]
#[macro_export]
macro_rules! __authz_register_route {
    ($($item:item)*) => {
        $($item)*
    };
}

// Not public API. Used by generated code only; may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::__authz_register_route as register_route;
    pub use crate::declared::{Declared, FALLBACK_ROUTE, Parts, fallback_parts, register_outside};
    pub use crate::problem::RouteResponder;
    pub use crate::sealed::Sealed;
    pub use actix_web::Route;
    pub use actix_web::dev::{AppService, HttpServiceFactory};
    pub use actix_web::guard::{Guard, fn_guard};
    pub use authz_core::__private::PolicyRecord;
    pub use std::boxed::Box;
    pub use std::vec::Vec;

    pub use authz_core::{
        Access, Catalog, Deny, Inclusion, Permission, PermissionDef, PolicyMeta, PolicyRef,
        Requirement, RoleDef, RouteMeta, RoutePolicy, ScopeRef,
    };
}
