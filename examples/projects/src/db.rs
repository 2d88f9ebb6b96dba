//! Storage: one pool over SQLite (default) or PostgreSQL, chosen by URL, with migrations.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use authz_sqlx::SqlGrants;
use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

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

/// Why the database could not be opened: the place (a file path, or PostgreSQL's host without
/// credentials) and the cause, as a person at the terminal needs them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unsupported database URL `{0}`: expected sqlite://FILE, sqlite::memory: or postgres://..."
    )]
    Unsupported(String),
    #[error("cannot open the SQLite database `{path}`: {cause}")]
    Open { path: String, cause: String },
    #[error("cannot connect to PostgreSQL at {place}: {cause}")]
    Unreachable { place: String, cause: String },
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// How long a first connection to PostgreSQL may take before `connect` gives up.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The default database: a SQLite file next to where the server runs.
pub const DEFAULT_URL: &str = "sqlite://projects.db";

impl Db {
    /// Connects to `url` (`sqlite://FILE`, `sqlite::memory:` or `postgres://...`), creating a
    /// SQLite file if needed, and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError::Unsupported(url.to_owned()));
        };
        let given = url;
        let url = match backend {
            // Create the file on first run.
            Backend::Sqlite if !url.contains("memory") && !url.contains('?') => {
                format!("{url}?mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        // One connection first, bounded: its error names the cause (a pool retries until its own
        // timeout and then says only that it timed out).
        // A query too: SQLite reads the file only then ("file is not a database").
        let probe = async {
            let mut conn = sqlx::ConnectOptions::connect(&options).await?;
            sqlx::query("SELECT 1").execute(&mut conn).await?;
            sqlx::Connection::close(conn).await
        };
        match actix_web::rt::time::timeout(CONNECT_TIMEOUT, probe).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(explain(backend, given, &e.to_string())),
            Err(_) => {
                return Err(explain(
                    backend,
                    given,
                    &format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                ));
            }
        }
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
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await?
            }
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
            let applied: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
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
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
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

/// The error for a database at `url` that would not open, with what can be found out about why.
fn explain(backend: Backend, url: &str, driver: &str) -> DbError {
    match backend {
        Backend::Postgres => {
            // Host, port and database, never the credentials.
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let place = rest.rsplit_once('@').map_or(rest, |(_, place)| place);
            let place = place.split('?').next().unwrap_or(place).to_owned();
            DbError::Unreachable { place, cause: driver.to_owned() }
        }
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            let file = std::path::Path::new(path);
            let dir = file
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let cause = if !dir.is_dir() {
                format!("the directory `{}` does not exist", dir.display())
            } else if file.is_dir() {
                "it is a directory".to_owned()
            } else if file.exists() {
                match std::fs::OpenOptions::new().read(true).write(true).open(file) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("not a database SQLite can open ({driver})"),
                }
            } else {
                match std::fs::OpenOptions::new().write(true).create_new(true).open(file) {
                    Err(e) => format!("cannot create it: {e}"),
                    Ok(_) => {
                        let _ = std::fs::remove_file(file);
                        driver.to_owned()
                    }
                }
            };
            DbError::Open { path: path.to_owned(), cause }
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
