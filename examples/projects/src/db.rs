//! Storage: one pool over SQLite (default) or PostgreSQL, chosen by URL, with migrations.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use authz_sqlx::SqlGrants;
use sqlx::AnyPool;

/// The database behind the service, and the team grants stored in it.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Scoped role assignments (`authz_grants`); clones share one invalidation feed.
    pub grants: SqlGrants,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One migration's statements on `backend`.
type Statements = fn(Backend) -> Vec<&'static str>;

/// Migrations, in order: (version, name, statements). Each runs in a transaction and is recorded
/// in `schema_migrations`, so a failed one leaves nothing half-applied.
const MIGRATIONS: &[(i64, &str, Statements)] = &[
    (1, "initial", |backend| {
        split(match backend {
            Backend::Sqlite => include_str!("../migrations/sqlite/0001_initial.sql"),
            Backend::Postgres => include_str!("../migrations/postgres/0001_initial.sql"),
        })
    }),
    // Teams, the projects they hold, and authz's grant table (with its change trigger on
    // PostgreSQL), whose statements authz-sqlx owns.
    (2, "teams", |backend| {
        let mut statements = split(match backend {
            Backend::Sqlite => include_str!("../migrations/sqlite/0002_teams.sql"),
            Backend::Postgres => include_str!("../migrations/postgres/0002_teams.sql"),
        });
        statements.extend_from_slice(authz_sqlx::migration(backend.into()));
        statements
    }),
];

/// A migration file's statements (the files hold no `;` inside a statement).
fn split(sql: &'static str) -> Vec<&'static str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty()).collect()
}

impl From<Backend> for authz_sqlx::Backend {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => authz_sqlx::Backend::Sqlite,
            Backend::Postgres => authz_sqlx::Backend::Postgres,
        }
    }
}

/// The default database: a SQLite file next to where the server runs.
pub const DEFAULT_URL: &str = "sqlite://projects.db";

impl Db {
    /// Connects to `url` (`sqlite://FILE`, `sqlite::memory:` or `postgres://...`), creating a
    /// SQLite file if needed, and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL `{url}`: expected sqlite://FILE, sqlite::memory: or postgres://...").into(),
            ));
        };
        let url = match backend {
            // Create the file on first run.
            Backend::Sqlite if !url.contains("memory") && !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            // One connection: SQLite serializes writers anyway, and an in-memory database exists
            // only inside its connection. Check-then-write transactions cannot interleave.
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    // Per connection: SQLite checks foreign keys only when asked.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("PRAGMA foreign_keys = ON").execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(8).connect_with(options).await?,
        };
        let db = Db { grants: SqlGrants::new(pool.clone(), backend.into()), pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the pending migrations. On PostgreSQL, processes starting at once on one database
    /// take turns (a session advisory lock): `CREATE TABLE IF NOT EXISTS` is not safe against a
    /// concurrent twin, and two processes would both apply the same migration.
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        if !matches!(self.backend, Backend::Postgres) {
            return self.apply_migrations().await;
        }
        let mut lock = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(7240170)").execute(&mut *lock).await?;
        let applied = self.apply_migrations().await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock(7240170)").execute(&mut *lock).await;
        applied.and(unlocked.map(drop))
    }

    async fn apply_migrations(&self) -> Result<(), sqlx::Error> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .execute(&self.pool)
            .await?;
        for (version, name, statements) in MIGRATIONS {
            let applied: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&self.pool)
                .await?;
            if applied.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for statement in statements(self.backend) {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, name, "applied migration");
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
