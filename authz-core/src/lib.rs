//! Framework-independent authorization model for [authz]: permissions, actors, roles, policies and
//! decisions. Apps normally use it through `authz-actix`, which re-exports everything here.
//!
//! # The model
//!
//! - A [`Permission`] is a stable `resource:action` identifier (`project:write`). Code asks
//!   "does the actor hold X?", not "is the actor an admin?".
//! - A [`Catalog`] declares every permission with a description, and the roles that grant them.
//! - An [`Actor`] is built once per request from its roles ([`Catalog::actor`]); its
//!   [`PermissionSet`] is a bitset, so checks cost a bit test. Apps with their own user type
//!   implement [`Principal`].
//! - A [`Requirement`] (a permission, `any`, `all`) is what a route demands before its handler runs.
//! - Resource rules — ownership ([`is_owner`]), resource state — live in **policy functions**:
//!   plain `fn(&Actor, &Resource) -> bool` (or `-> Decision` to carry a reason), unit-testable
//!   without a server. Services load the resource, call [`Authorizer::require`] with the policy's
//!   answer and a [`Deny`] kind, then mutate.
//! - A role can also be held inside a [`Scope`] (team 7): a [`GrantStore`] says which, and
//!   [`Grants`] checks a requirement there — global permissions first, then the scope's roles,
//!   cached with a bound. A policy's list form is a [`condition::Condition`], evaluated on rows in
//!   Rust and rendered as SQL by the store crate, so lists and checks cannot disagree.
//!
//! ```
//! use authz_core::{is_owner, Actor, Authorizer, AuthzError, Catalog, Decision, Deny, Permission,
//!                  PermissionDef, RoleDef};
//!
//! const PROJECT_WRITE: Permission = Permission::new("project:write");
//! static CATALOG: Catalog = Catalog::new(
//!     &[PermissionDef { permission: PROJECT_WRITE, description: "Create and edit projects" }],
//!     &[RoleDef { name: "editor", permissions: &[PROJECT_WRITE] }, RoleDef { name: "member", permissions: &[] }],
//! );
//!
//! struct Project { owner_id: i64, is_archived: bool, allow_owner_edits: bool }
//!
//! /// Editors edit any live project; owners edit theirs when the project allows it.
//! fn can_edit_project(actor: &Actor, project: &Project) -> Decision {
//!     if project.is_archived {
//!         return Decision::deny("archived");
//!     }
//!     if actor.has(PROJECT_WRITE) {
//!         return Decision::allow("project:write");
//!     }
//!     if is_owner(actor, project.owner_id) && project.allow_owner_edits {
//!         return Decision::allow("owner");
//!     }
//!     Decision::deny("not an editor or permitted owner")
//! }
//!
//! let bob = CATALOG.actor(2, ["member"]).unwrap();
//! let theirs = Project { owner_id: 3, is_archived: false, allow_owner_edits: true };
//! let his = Project { owner_id: 2, ..theirs };
//! assert_eq!(Authorizer::require(can_edit_project(&bob, &theirs), Deny::Forbidden).map_err(|r| r.error), Err(AuthzError::Forbidden));
//! assert_eq!(Authorizer::require(can_edit_project(&bob, &his), Deny::Forbidden), Ok(()));
//! ```
//!
//! [authz]: https://docs.rs/authz-actix
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod access;
mod actor;
pub mod audit;
pub mod build;
mod cache;
mod catalog;
mod compiled;
pub mod condition;
pub mod conformance;
pub mod credentials;
mod decision;
pub mod diff;
pub mod escalation;
pub mod expectations;
mod grants;
mod ids;
pub mod matrix;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
pub mod permission;
pub mod problem;
mod requirement;
mod route;
mod scope;
mod set;
mod store;
pub mod telemetry;

pub use access::{Expectation, Lint, WhoCan};
pub use actor::{Actor, ActorId, Principal, RoleNames, is_owner};
pub use catalog::{Catalog, CatalogError, Inclusion, PermissionDef, RoleDef, UnknownRole};
pub use compiled::CompiledRequirement;
pub use decision::{Authorizer, AuthzError, Decision, Deny, Refused};
pub use grants::{DEFAULT_CAPACITY, DEFAULT_TTL, Grants, ScopedCheck};
pub use ids::DecisionId;
pub use permission::{InvalidPermission, Permission};
pub use requirement::Requirement;
pub use route::{Access, PolicyMeta, PolicyRef, Refusals, RouteMeta, RoutePolicy};
pub use scope::{Scope, ScopeRef, Scopes};
pub use set::PermissionSet;
pub use store::{GrantError, GrantStore, StoreFuture};

// Not public API. Used by the code authz's macros generate, through each front end's
// `__private`; may change in any release.
#[doc(hidden)]
pub mod __private {
    use crate::PolicyMeta;

    /// The record of a function marked `#[policy]`, implemented on the braced struct the marker
    /// emits under the function's name. A route naming a function that is not marked reaches a
    /// stand-in of the same name instead, which does not implement it: hence the message. It
    /// lives here, not in a front end, so that one policy serves the routes of every front end
    /// (an app may serve both actix and axum from one set of policies).
    /// The record of a declaration with errors: the build fails on the error; this only keeps
    /// the handler's type implementing each front end's `Declared`, so that registering it adds
    /// no second error.
    pub static FALLBACK_ROUTE: crate::RouteMeta = crate::RouteMeta {
        handler: "(declaration with errors)",
        module: "",
        file: "",
        line: 0,
        methods: &[],
        path: "",
        access: crate::Access::Public { reason: "declaration with errors", writes: None },
        policy: None,
        visibility: None,
        operation: "",
    };

    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not marked `#[policy]`",
        label = "mark `{Self}` with `#[policy]`",
        note = "a route's `policy`, `filter` and `visibility` name functions marked `#[policy]`, whose records the matrix shows"
    )]
    pub trait PolicyRecord {
        /// The record.
        const META: &'static PolicyMeta;
    }
}
