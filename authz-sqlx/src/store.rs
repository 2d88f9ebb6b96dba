//! The store: scoped role assignments in the `authz_grants` table, read and written through one
//! pool, and the [`GrantStore`] the gates ask.

use std::sync::Arc;
use std::time::Duration;

use authz_core::{ActorId, GrantError, GrantStore, Scope, StoreFuture};
use sqlx::AnyPool;

use std::sync::atomic::AtomicBool;

use crate::feed::{FALLBACK_TTL, FEED_TTL, Feed, Listening};
use crate::schema::{Backend, migration};

/// Scoped grants in the `authz_grants` table. Cheap to clone; clones share the invalidation
/// feed.
#[derive(Debug, Clone)]
pub struct SqlGrants {
    pool: AnyPool,
    backend: Backend,
    feed: Arc<Feed>,
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
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
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(if in_memory { 1 } else { 8 })
            .connect(&url)
            .await?;
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
    pub async fn grant(
        &self,
        actor: &ActorId,
        scope: Scope,
        role: &str,
    ) -> Result<bool, sqlx::Error> {
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
    pub async fn revoke(
        &self,
        actor: &ActorId,
        scope: Scope,
        role: Option<&str>,
    ) -> Result<u64, sqlx::Error> {
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
    /// - SQLite, a file: `PRAGMA data_version` every [`SQLITE_POLL`](crate::SQLITE_POLL); it changes when another
    ///   connection — another process, such as a CLI — commits to the file, and the epoch moves
    ///   with it. Cached answers still expire after the cache's time to live, the bound if the
    ///   poll fails. An in-memory database has no other writer: nothing to watch.
    ///
    /// Stops when the returned guard drops; each call starts a feed of its own, which only its
    /// guard stops.
    pub fn listen(&self, url: &str) -> std::io::Result<Listening> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if self.backend == Backend::Sqlite && in_memory {
            return Ok(Listening::idle());
        }
        start_feed(self.feed.clone(), self.backend, url)
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

    fn scopes_with<'a>(
        &'a self,
        actor: &'a ActorId,
        kind: &'static str,
        roles: &'a [&'static str],
    ) -> StoreFuture<'a, Vec<i64>> {
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
        self.feed.epoch()
    }

    fn ttl(&self) -> Option<Duration> {
        match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres if self.feed.is_connected() => Some(FEED_TTL),
            Backend::Postgres => Some(FALLBACK_TTL),
        }
    }
}

/// Starts one feed on a thread of its own — the PostgreSQL listener or the SQLite watcher —
/// with a stop flag only its [`Listening`] sets.
fn start_feed(feed: Arc<Feed>, backend: Backend, url: &str) -> std::io::Result<Listening> {
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, url) = (stop.clone(), url.to_owned());
    std::thread::Builder::new().name("authz-grants-listen".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(target: "authz", error = %e, "grant invalidation feed cannot start; cached grants expire after the fallback TTL");
                return;
            }
        };
        match backend {
            Backend::Postgres => runtime.block_on(crate::postgres::listen(feed, flag, url)),
            Backend::Sqlite => runtime.block_on(crate::sqlite::watch(feed, flag, url)),
        }
    })?;
    Ok(Listening::new(stop))
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
}
