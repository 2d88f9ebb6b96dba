//! The projects service: authz end to end on a real database.
//!
//! - `db`: SQLite by default (a file, or `sqlite::memory:`), PostgreSQL by URL, with migrations.
//! - `users`: users, roles and bearer API tokens, stored hashed.
//! - `policy`: `can_view_project`, `can_edit_project`, `can_delete_project`.
//! - `service`: `ProjectService` — load, authorize, then mutate, in one transaction.
//! - `http`: the routes, all declared; `routes` feeds both the server and the matrix.
//! - `http_axum`: the same routes and answers on axum (`serve --framework axum`).
//! - `telemetry`: the `--metrics` listener (Prometheus text of authz's decision metrics).

pub mod db;
pub mod http;
pub mod http_axum;
pub mod model;
pub mod policy;
pub mod service;
pub mod teams;
pub mod telemetry;
pub mod users;

/// The permissions and roles of `authz.toml`: `perms::PROJECT_READ`, ..., `perms::CATALOG`.
pub mod perms {
    authz_actix::catalog!();
}

/// The command that regenerates the committed matrix.
pub const REGENERATE: &str = "cargo run -p projects -- matrix --out docs/authorization.md";
