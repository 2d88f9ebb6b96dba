//! A shared grant store for [authz]: scoped role assignments in one SQL table, on SQLite or
//! PostgreSQL through sqlx's `Any` driver.
//!
//! - [`SqlGrants`] implements [`GrantStore`]: one indexed query per (actor, scope) the cache
//!   does not hold, and one per (actor, kind, permission) for lists.
//! - [`migration`] is the table (and, on PostgreSQL, the trigger that announces every change with
//!   `NOTIFY authz_grants`), as statements an app's migration runner applies.
//! - [`SqlGrants::listen`] (PostgreSQL) keeps a `LISTEN authz_grants` connection on a thread of
//!   its own: each notification moves the store's epoch, so every worker's cache drops what it
//!   held, in every process on the database. While the feed is down, cached answers are trusted
//!   for [`FALLBACK_TTL`] only. On a SQLite file it polls `PRAGMA data_version` (another
//!   connection committed) every [`SQLITE_POLL`]; answers also expire with the cache's own time
//!   to live.
//! - [`where_clause`] renders a [`Condition`] (a policy's list form) as a `WHERE` clause.
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

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use authz_core::condition::Condition;
use authz_core::{ActorId, GrantError, GrantStore, Scope, StoreFuture};
use sqlx::AnyPool;

/// The notification channel the PostgreSQL trigger announces changes on.
pub const CHANNEL: &str = "authz_grants";
/// How long cached answers are trusted while the invalidation feed is connected: a safety net
/// for a notification lost without the connection noticing.
pub const FEED_TTL: Duration = Duration::from_secs(10);
/// How long cached answers are trusted while the feed is down (or not started) on PostgreSQL.
pub const FALLBACK_TTL: Duration = Duration::from_secs(1);

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: no `NOTIFY`; on a database file, [`SqlGrants::listen`] polls `PRAGMA data_version`
    /// every 100 ms to see other processes' changes, and cached answers also expire by time.
    Sqlite,
    /// PostgreSQL: `LISTEN`/`NOTIFY` invalidation with [`SqlGrants::listen`].
    Postgres,
}

const TABLE: &str = "CREATE TABLE IF NOT EXISTS authz_grants (
    actor      TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id   BIGINT NOT NULL,
    role       TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (actor, scope_kind, scope_id, role)
)";
// Lists ("where does erin hold a role") read the primary key's prefix; scope-side reads
// (members of team 7) this one.
const SCOPE_INDEX: &str = "CREATE INDEX IF NOT EXISTS authz_grants_scope ON authz_grants (scope_kind, scope_id)";
const NOTIFY_FUNCTION: &str = "CREATE OR REPLACE FUNCTION authz_grants_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('authz_grants', TG_OP);
    RETURN NULL;
END
$$";
const DROP_ROW_TRIGGER: &str = "DROP TRIGGER IF EXISTS authz_grants_changed ON authz_grants";
const ROW_TRIGGER: &str =
    "CREATE TRIGGER authz_grants_changed AFTER INSERT OR UPDATE OR DELETE ON authz_grants FOR EACH ROW EXECUTE FUNCTION authz_grants_notify()";
const DROP_TRUNCATE_TRIGGER: &str = "DROP TRIGGER IF EXISTS authz_grants_truncated ON authz_grants";
const TRUNCATE_TRIGGER: &str =
    "CREATE TRIGGER authz_grants_truncated AFTER TRUNCATE ON authz_grants FOR EACH STATEMENT EXECUTE FUNCTION authz_grants_notify()";

/// The grant table's schema for `backend`, as separate statements (a PL/pgSQL body holds `;`),
/// each safe to run again. On PostgreSQL a trigger announces every change — whoever makes it: an
/// app, a CLI, a hand-typed `DELETE` — so no writer can forget to.
pub fn migration(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[TABLE, SCOPE_INDEX],
        Backend::Postgres => &[TABLE, SCOPE_INDEX, NOTIFY_FUNCTION, DROP_ROW_TRIGGER, ROW_TRIGGER, DROP_TRUNCATE_TRIGGER, TRUNCATE_TRIGGER],
    }
}

/// Scoped grants in the `authz_grants` table. Cheap to clone; clones share the invalidation
/// feed.
#[derive(Debug, Clone)]
pub struct SqlGrants {
    pool: AnyPool,
    backend: Backend,
    feed: Arc<Feed>,
}

#[derive(Debug, Default)]
struct Feed {
    epoch: AtomicU64,
    connected: AtomicBool,
    stop: AtomicBool,
}

impl Feed {
    fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
}

/// The key an actor's grants are stored under (the `actor` column): a numeric id as its digits,
/// so it joins with an integer user table as `CAST(id AS TEXT)`; a text id prefixed `t:`, so
/// `ActorId::Text("5")` never reads `ActorId::Int(5)`'s grants. System actors hold no grants.
pub fn actor_key(actor: &ActorId) -> Option<String> {
    match actor {
        ActorId::Int(n) => Some(n.to_string()),
        ActorId::Text(s) => Some(format!("t:{s}")),
        ActorId::System(_) => None,
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl SqlGrants {
    /// Connects to `url` — `sqlite://FILE` (created when missing), `sqlite::memory:` or
    /// `postgres://...` — with a pool of its own, installing sqlx's `Any` drivers first (without
    /// them, sqlx panics "No drivers installed"). An in-memory SQLite database is one connection:
    /// each connection would have a database of its own.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(format!("unsupported database URL `{url}`: expected sqlite://FILE, sqlite::memory: or postgres://...").into()));
        };
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let url = match backend {
            Backend::Sqlite if !in_memory && !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(if in_memory { 1 } else { 8 }).connect(&url).await?;
        Ok(SqlGrants::new(pool, backend))
    }

    /// Grants stored through `pool`, which speaks `backend`'s dialect. The pool's drivers must
    /// be installed (`sqlx::any::install_default_drivers()`); [`connect`](Self::connect) does it.
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        SqlGrants { pool, backend, feed: Arc::default() }
    }

    /// Creates the table (and trigger) when missing, for apps without a migration runner.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for statement in migration(self.backend) {
            sqlx::query(*statement).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Grants `role` in `scope` to `actor`; `false` when it already held it. The caller checks
    /// `role` against its catalog.
    pub async fn grant(&self, actor: &ActorId, scope: Scope, role: &str) -> Result<bool, sqlx::Error> {
        let Some(key) = actor_key(actor) else { return Ok(false) };
        let done = sqlx::query(
            "INSERT INTO authz_grants (actor, scope_kind, scope_id, role, granted_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (actor, scope_kind, scope_id, role) DO NOTHING",
        )
        .bind(key)
        .bind(scope.kind)
        .bind(scope.id)
        .bind(role)
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.feed.bump();
        Ok(done.rows_affected() > 0)
    }

    /// Removes `actor`'s roles in `scope` (only `role`, when given); returns how many.
    pub async fn revoke(&self, actor: &ActorId, scope: Scope, role: Option<&str>) -> Result<u64, sqlx::Error> {
        let Some(key) = actor_key(actor) else { return Ok(0) };
        let done = match role {
            Some(role) => {
                sqlx::query("DELETE FROM authz_grants WHERE actor = $1 AND scope_kind = $2 AND scope_id = $3 AND role = $4")
                    .bind(key)
                    .bind(scope.kind)
                    .bind(scope.id)
                    .bind(role)
                    .execute(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM authz_grants WHERE actor = $1 AND scope_kind = $2 AND scope_id = $3")
                    .bind(key)
                    .bind(scope.kind)
                    .bind(scope.id)
                    .execute(&self.pool)
                    .await?
            }
        };
        // This process's caches need no notification to forget.
        self.feed.bump();
        Ok(done.rows_affected())
    }

    /// Starts the invalidation feed, on a thread of its own with its own connection to `url`.
    ///
    /// - PostgreSQL: `LISTEN authz_grants`, reconnecting with backoff. Every notification, and
    ///   every (re)connect (notifications may have been missed meanwhile), moves the epoch. Until
    ///   it is connected, and whenever it is not, cached answers live [`FALLBACK_TTL`].
    /// - SQLite, a file: `PRAGMA data_version` every [`SQLITE_POLL`]; it changes when another
    ///   connection — another process, such as a CLI — commits to the file, and the epoch moves
    ///   with it. Cached answers still expire after the cache's time to live, the bound if the
    ///   poll fails. An in-memory database has no other writer: nothing to watch.
    ///
    /// Stops when the returned guard drops.
    pub fn listen(&self, url: &str) -> std::io::Result<Listening> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if self.backend == Backend::Sqlite && in_memory {
            return Ok(Listening { feed: None });
        }
        self.feed.stop.store(false, Ordering::SeqCst);
        let backend = self.backend;
        let feed = self.feed.clone();
        let url = url.to_owned();
        std::thread::Builder::new().name("authz-grants-listen".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(target: "authz", error = %e, "grant invalidation feed cannot start; cached grants expire after the fallback TTL");
                    return;
                }
            };
            match backend {
                Backend::Postgres => runtime.block_on(listen(feed, url)),
                Backend::Sqlite => runtime.block_on(watch_sqlite(feed, url)),
            }
        })?;
        Ok(Listening { feed: Some(self.feed.clone()) })
    }
}

/// Keeps the invalidation feed running; dropping it stops the feed's thread within a second.
#[derive(Debug)]
#[must_use = "the feed stops when this is dropped"]
pub struct Listening {
    feed: Option<Arc<Feed>>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(feed) = &self.feed {
            feed.stop.store(true, Ordering::SeqCst);
        }
    }
}

/// How often [`SqlGrants::listen`] asks SQLite whether another connection committed.
pub const SQLITE_POLL: Duration = Duration::from_millis(100);

async fn watch_sqlite(feed: Arc<Feed>, url: String) {
    use sqlx::Connection as _;
    let mut last: Option<i64> = None;
    while !feed.stop.load(Ordering::SeqCst) {
        let mut conn = match sqlx::sqlite::SqliteConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(target: "authz", error = %e, "grant change watch: cannot open the SQLite file; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        tracing::info!(target: "authz", "grant change watch started (SQLite data_version)");
        while !feed.stop.load(Ordering::SeqCst) {
            match sqlx::query_scalar::<_, i64>("PRAGMA data_version").fetch_one(&mut conn).await {
                Ok(version) => {
                    if last.is_some_and(|seen| seen != version) {
                        feed.bump();
                    }
                    last = Some(version);
                }
                Err(e) => {
                    // A new connection's `data_version` is not comparable with the old one's.
                    last = None;
                    feed.bump();
                    tracing::warn!(target: "authz", error = %e, "grant change watch failed; reopening");
                    break;
                }
            }
            tokio::time::sleep(SQLITE_POLL).await;
        }
    }
}

async fn listen(feed: Arc<Feed>, url: String) {
    let mut backoff = Duration::from_millis(100);
    while !feed.stop.load(Ordering::SeqCst) {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(target: "authz", error = %e, "grant invalidation feed: cannot connect; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(target: "authz", error = %e, "grant invalidation feed: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        // Anything cached before now may have missed a notification.
        feed.connected.store(true, Ordering::SeqCst);
        feed.bump();
        tracing::info!(target: "authz", "grant invalidation feed connected");
        loop {
            if feed.stop.load(Ordering::SeqCst) {
                return;
            }
            // Wake up every so often to notice `stop`.
            match tokio::time::timeout(Duration::from_millis(500), listener.try_recv()).await {
                Err(_elapsed) => continue,
                Ok(Ok(Some(_))) => feed.bump(),
                // `None`: the connection was lost; `Err`: it failed.
                Ok(Ok(None)) | Ok(Err(_)) => {
                    feed.connected.store(false, Ordering::SeqCst);
                    feed.bump();
                    tracing::warn!(target: "authz", "grant invalidation feed lost; cached grants expire after the fallback TTL until it is back");
                    break;
                }
            }
        }
    }
}

impl GrantStore for SqlGrants {
    fn roles_in<'a>(&'a self, actor: &'a ActorId, scope: Scope) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let Some(key) = actor_key(actor) else { return Ok(Vec::new()) };
            sqlx::query_scalar("SELECT role FROM authz_grants WHERE actor = $1 AND scope_kind = $2 AND scope_id = $3")
                .bind(key)
                .bind(scope.kind)
                .bind(scope.id)
                .fetch_all(&self.pool)
                .await
                .map_err(GrantError::new)
        })
    }

    fn scopes_with<'a>(&'a self, actor: &'a ActorId, kind: &'static str, roles: &'a [&'static str]) -> StoreFuture<'a, Vec<i64>> {
        Box::pin(async move {
            let Some(key) = actor_key(actor) else { return Ok(Vec::new()) };
            if roles.is_empty() {
                return Ok(Vec::new());
            }
            // `$N` placeholders: sqlx's `Any` query builder writes `?`, which PostgreSQL refuses.
            let list: Vec<String> = (0..roles.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT DISTINCT scope_id FROM authz_grants WHERE actor = $1 AND scope_kind = $2 AND role IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(key).bind(kind);
            for role in roles {
                query = query.bind(*role);
            }
            query.fetch_all(&self.pool).await.map_err(GrantError::new)
        })
    }

    fn epoch(&self) -> u64 {
        self.feed.epoch.load(Ordering::SeqCst)
    }

    fn ttl(&self) -> Option<Duration> {
        match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres if self.feed.connected.load(Ordering::SeqCst) => Some(FEED_TTL),
            Backend::Postgres => Some(FALLBACK_TTL),
        }
    }
}

/// Why a condition cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadColumn(pub &'static str);

impl std::fmt::Display for BadColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a plain column name", self.0)
    }
}

impl std::error::Error for BadColumn {}

/// A condition as SQL: the boolean expression, with `$N` placeholders numbered from the `first`
/// given to [`where_clause`], and the values to bind to them, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlCondition {
    /// The expression, parenthesized.
    pub sql: String,
    /// The values for its placeholders, in order.
    pub params: Vec<i64>,
}

/// Renders `condition` as a SQL boolean expression whose values are bound parameters, numbered
/// `$first`, `$first+1`, ... (sqlx's `Any` driver passes `$N` to PostgreSQL as is and maps it on
/// SQLite, where its own builder's `?` would not reach PostgreSQL).
///
/// Column names must be plain identifiers (`[a-z_][a-z0-9_]*`, optionally `table.column`); they
/// come from code, and anything else is refused rather than quoted. SQL's `NULL` equals nothing
/// and is in no list, as [`Condition::matches`] reads it; booleans compare with `= TRUE` /
/// `= FALSE`, which SQLite (3.23+) and PostgreSQL read alike. The property tests of the projects
/// example compare the two readings on both databases.
pub fn where_clause(condition: &Condition, first: usize) -> Result<SqlCondition, BadColumn> {
    let mut out = SqlCondition { sql: String::new(), params: Vec::new() };
    render(condition, first, &mut out)?;
    Ok(out)
}

fn column(name: &'static str) -> Result<&'static str, BadColumn> {
    let plain = name.split('.').count() <= 2
        && name.split('.').all(|part| {
            part.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if plain { Ok(name) } else { Err(BadColumn(name)) }
}

fn render(condition: &Condition, first: usize, out: &mut SqlCondition) -> Result<(), BadColumn> {
    use std::fmt::Write as _;
    let bind = |out: &mut SqlCondition, value: i64| {
        out.params.push(value);
        format!("${}", first + out.params.len() - 1)
    };
    match condition {
        Condition::Always => out.sql.push_str("(1 = 1)"),
        Condition::Never => out.sql.push_str("(1 = 0)"),
        Condition::Is(c, value) => {
            let _ = write!(out.sql, "({} = {})", column(c)?, if *value { "TRUE" } else { "FALSE" });
        }
        Condition::Eq(c, value) => {
            let c = column(c)?;
            let p = bind(out, *value);
            let _ = write!(out.sql, "({c} = {p})");
        }
        Condition::In(c, ids) if ids.is_empty() => {
            column(c)?;
            out.sql.push_str("(1 = 0)");
        }
        Condition::In(c, ids) => {
            let c = column(c)?;
            let list: Vec<String> = ids.iter().map(|id| bind(out, *id)).collect();
            let _ = write!(out.sql, "({c} IN ({}))", list.join(", "));
        }
        Condition::Any(items) | Condition::All(items) => {
            let any = matches!(condition, Condition::Any(_));
            if items.is_empty() {
                // any() of nothing is false, all() of nothing is true.
                out.sql.push_str(if any { "(1 = 0)" } else { "(1 = 1)" });
                return Ok(());
            }
            out.sql.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.sql.push_str(if any { " OR " } else { " AND " });
                }
                render(item, first, out)?;
            }
            out.sql.push(')');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_numeric_ids_never_share_a_key() {
        assert_eq!(actor_key(&ActorId::Int(5)).as_deref(), Some("5"));
        assert_eq!(actor_key(&ActorId::from("5")).as_deref(), Some("t:5"));
        assert_eq!(actor_key(&ActorId::from("t:5")).as_deref(), Some("t:t:5"));
        assert_eq!(actor_key(&ActorId::System("job")), None);
    }

    #[test]
    fn placeholders_are_numbered_from_first_and_columns_are_checked() {
        let c = Condition::any([
            Condition::Is("is_public", true),
            Condition::Eq("owner_id", 4),
            Condition::In("team_id", std::sync::Arc::from([2, 9])),
        ]);
        let rendered = where_clause(&c, 3).unwrap();
        assert_eq!(rendered.sql, "((is_public = TRUE) OR (owner_id = $3) OR (team_id IN ($4, $5)))");
        assert_eq!(rendered.params, [4, 2, 9]);
        assert_eq!(where_clause(&Condition::Eq("x; DROP TABLE t", 1), 1), Err(BadColumn("x; DROP TABLE t")));
        assert_eq!(where_clause(&Condition::Never, 1).unwrap().sql, "(1 = 0)");
        assert_eq!(where_clause(&Condition::Eq("p.owner_id", 1), 1).unwrap().sql, "(p.owner_id = $1)");
    }
}
