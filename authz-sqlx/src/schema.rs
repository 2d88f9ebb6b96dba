//! The grant table's schema: the statements an app's migration runner applies.

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: no `NOTIFY`; on a database file, [`SqlGrants::listen`](crate::SqlGrants::listen) polls `PRAGMA data_version`
    /// every 100 ms to see other processes' changes, and cached answers also expire by time.
    Sqlite,
    /// PostgreSQL: `LISTEN`/`NOTIFY` invalidation with [`SqlGrants::listen`](crate::SqlGrants::listen).
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
const SCOPE_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS authz_grants_scope ON authz_grants (scope_kind, scope_id)";
const NOTIFY_FUNCTION: &str =
    "CREATE OR REPLACE FUNCTION authz_grants_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('authz_grants', TG_OP);
    RETURN NULL;
END
$$";
const DROP_ROW_TRIGGER: &str = "DROP TRIGGER IF EXISTS authz_grants_changed ON authz_grants";
const ROW_TRIGGER: &str = "CREATE TRIGGER authz_grants_changed AFTER INSERT OR UPDATE OR DELETE ON authz_grants FOR EACH ROW EXECUTE FUNCTION authz_grants_notify()";
const DROP_TRUNCATE_TRIGGER: &str = "DROP TRIGGER IF EXISTS authz_grants_truncated ON authz_grants";
const TRUNCATE_TRIGGER: &str = "CREATE TRIGGER authz_grants_truncated AFTER TRUNCATE ON authz_grants FOR EACH STATEMENT EXECUTE FUNCTION authz_grants_notify()";

/// The grant table's schema for `backend`, as separate statements (a PL/pgSQL body holds `;`),
/// each safe to run again. On PostgreSQL a trigger announces every change — whoever makes it: an
/// app, a CLI, a hand-typed `DELETE` — so no writer can forget to.
pub fn migration(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[TABLE, SCOPE_INDEX],
        Backend::Postgres => &[
            TABLE,
            SCOPE_INDEX,
            NOTIFY_FUNCTION,
            DROP_ROW_TRIGGER,
            ROW_TRIGGER,
            DROP_TRUNCATE_TRIGGER,
            TRUNCATE_TRIGGER,
        ],
    }
}
