//! A shared grant store for [authz]: scoped role assignments in one SQL table, on SQLite or
//! PostgreSQL through sqlx's `Any` driver.
//!
//! - [`SqlGrants`] implements [`GrantStore`](authz_core::GrantStore): one indexed query per (actor, scope) the cache
//!   does not hold, and one per (actor, kind, permission) for lists.
//! - [`migration`] is the table (and, on PostgreSQL, the trigger that announces every change with
//!   `NOTIFY authz_grants`), as statements an app's migration runner applies.
//! - [`SqlGrants::listen`] (PostgreSQL) keeps a `LISTEN authz_grants` connection on a thread of
//!   its own: each notification moves the store's epoch, so every worker's cache drops what it
//!   held, in every process on the database. While the feed is down, cached answers are trusted
//!   for [`FALLBACK_TTL`] only. On a SQLite file it polls `PRAGMA data_version` (another
//!   connection committed) every [`SQLITE_POLL`]; answers also expire with the cache's own time
//!   to live.
//! - [`where_clause`] renders a [`Condition`](authz_core::condition::Condition) (a policy's list form) as a `WHERE` clause.
//!
//! # Setup
//!
//! A store from a URL, its table, a grant, the invalidation feed, and the app data a gate asks:
//!
//! ```
//! use authz_core::{ActorId, Catalog, GrantStore, Permission, PermissionDef, RoleDef, Scope};
//! use authz_sqlx::SqlGrants;
//!
//! const PROJECT_READ: Permission = Permission::new("project:read");
//! static CATALOG: Catalog = Catalog::new(
//!     &[PermissionDef { permission: PROJECT_READ, description: "Read projects" }],
//!     &[RoleDef { name: "viewer", permissions: &[PROJECT_READ] }],
//! );
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // `sqlite://grants.db` (created if missing), `sqlite::memory:` or `postgres://...`; sqlx's
//! // drivers are installed by `connect`.
//! let url = "sqlite::memory:";
//! let grants = SqlGrants::connect(url).await?;
//! grants.migrate().await?; // or apply `authz_sqlx::migration(backend)` with your migrations
//! grants.grant(&ActorId::Int(7), Scope::new("team", 1), "viewer").await?;
//! assert_eq!(grants.roles_in(&ActorId::Int(7), Scope::new("team", 1)).await?, ["viewer"]);
//!
//! // Other processes' changes reach this one's caches (LISTEN/NOTIFY, or SQLite's data_version);
//! // keep the guard as long as the server runs.
//! let _feed = grants.listen(url)?;
//! // In each worker's app: `.app_data(authz_actix::Grants::new(grants.clone(), &CATALOG))`.
//! let _ = &CATALOG;
//! # Ok(())
//! # }
//! ```
//!
//! [authz]: https://docs.rs/authz-actix
#![deny(missing_docs)]
// A dependency nothing uses is an error in CI (clippy -D warnings); dev-dependencies are
// checked where they are used, by the tests.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

// One job a file: the table (`schema`), the store over it (`store`), the feed that keeps caches
// honest (`feed`, with its PostgreSQL listener and SQLite watcher), and list conditions as SQL.
mod feed;
mod postgres;
mod schema;
mod sql;
mod sqlite;
mod store;

pub use feed::{FALLBACK_TTL, FEED_TTL, Listening};
pub use postgres::CHANNEL;
pub use schema::{Backend, migration};
pub use sql::{BadColumn, SqlCondition, where_clause};
pub use sqlite::SQLITE_POLL;
pub use store::{SqlGrants, actor_key};
