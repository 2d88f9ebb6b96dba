//! Fixtures for the projects tests: a database per backend, the demo users, a set of projects
//! that covers every rule, and an independent oracle written from the DESIGN table.

#![allow(dead_code)] // each test binary uses part of this

pub mod process;

use std::sync::atomic::{AtomicUsize, Ordering};

use projects::db::Db;
use projects::model::{NewProject, Project, ProjectPatch};
use projects::perms::{CATALOG, PROJECT_READ, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::users::{Users, demo};

/// The databases to test against: SQLite always; PostgreSQL when `PROJECTS_TEST_POSTGRES_URL`
/// names a server (CI starts one), each test in a database of its own.
pub async fn databases() -> Vec<(String, Db)> {
    let mut out =
        vec![("sqlite".to_owned(), Db::connect("sqlite::memory:").await.expect("sqlite"))];
    if std::env::var_os("PROJECTS_TEST_POSTGRES_URL").is_none() {
        // Said where `--nocapture` shows it: the test ran on SQLite only.
        eprintln!("postgres: not run (set PROJECTS_TEST_POSTGRES_URL to a server to run it too)");
    }
    if let Ok(admin_url) = std::env::var("PROJECTS_TEST_POSTGRES_URL") {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name =
            format!("projects_test_{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let admin = Db::connect(&admin_url).await.expect("postgres admin connection");
        // Databases left by earlier runs (other processes): drop those no one is using.
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE 'projects_test_%'",
        )
        .fetch_all(&admin.pool)
        .await
        .unwrap_or_default();
        let mine = format!("projects_test_{}_", std::process::id());
        for old in stale.iter().filter(|d| !d.starts_with(&mine)) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {old}")))
                .execute(&admin.pool)
                .await;
        }
        let url = fresh_postgres_database(&admin, &admin_url, &name).await;
        out.push(("postgres".to_owned(), Db::connect(&url).await.expect("postgres")));
    }
    out
}

/// Creates database `name` anew on the server `admin` is connected to (at `admin_url`), and
/// returns its URL.
pub async fn fresh_postgres_database(admin: &Db, admin_url: &str, name: &str) -> String {
    for statement in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")]
    {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&admin.pool)
            .await
            .expect("fresh database");
    }
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// A demo user: id, name, role, token.
#[derive(Debug, Clone)]
pub struct Who {
    pub id: i64,
    pub name: &'static str,
    pub role: &'static str,
    pub token: String,
}

impl Who {
    pub fn has(&self, permission: authz_actix::Permission) -> bool {
        CATALOG.roles().iter().any(|r| r.name == self.role && r.permissions.contains(&permission))
    }
}

/// The demo users, with fresh tokens.
pub async fn users(db: &Db) -> Vec<Who> {
    let issued = demo(&Users::new(db.clone())).await.expect("demo users");
    issued
        .into_iter()
        .map(|(user, token)| {
            let (name, role) = projects::users::DEMO_USERS
                .iter()
                .find(|(n, _)| *n == user.name)
                .copied()
                .expect("demo user");
            Who { id: user.id, name, role, token }
        })
        .collect()
}

pub fn who<'a>(users: &'a [Who], name: &str) -> &'a Who {
    users.iter().find(|u| u.name == name).expect("user")
}

/// Projects covering every rule: public/private, owned by bob (member) or others, owner edits
/// allowed or not, archived, locked.
pub async fn projects(db: &Db, users: &[Who]) -> Vec<Project> {
    let svc = ProjectService::new(db.clone());
    let seed = CATALOG.system_actor("test-seed", &[PROJECT_WRITE, PROJECT_READ]);
    let bob = who(users, "bob").id;
    let alice = who(users, "alice").id;
    let dave = who(users, "dave").id;
    let specs = [
        ("public-bob", bob, true, false, true),
        ("private-bob", bob, false, false, true),
        ("private-bob-no-owner-edits", bob, false, false, false),
        ("private-alice", alice, false, false, true),
        ("locked-dave", dave, false, true, true),
        ("public-locked-alice", alice, true, true, true),
    ];
    let mut out = Vec::new();
    for (name, owner, is_public, is_locked, allow_owner_edits) in specs {
        let p = svc
            .create(
                &seed,
                NewProject {
                    name: name.into(),
                    owner_id: Some(owner),
                    is_public,
                    is_locked,
                    allow_owner_edits,
                },
            )
            .await
            .expect("seed project");
        out.push(p);
    }
    let archived = svc
        .create(
            &seed,
            NewProject {
                name: "archived-bob".into(),
                owner_id: Some(bob),
                is_public: false,
                is_locked: false,
                allow_owner_edits: true,
            },
        )
        .await
        .expect("seed project");
    let archived = svc
        .update(&seed, archived.id, ProjectPatch { is_archived: Some(true), ..Default::default() })
        .await
        .expect("archive");
    out.push(archived);
    out
}

/// Every project row, for before/after comparisons.
pub async fn snapshot(db: &Db) -> Vec<Project> {
    let reader = CATALOG.system_actor("test-snapshot", &[PROJECT_READ]);
    ProjectService::new(db.clone()).list(&reader).await.expect("snapshot")
}

// The oracle: the DESIGN table, written independently of `projects::policy`.

pub fn can_view(who: &Who, p: &Project) -> bool {
    p.is_public || who.has(PROJECT_READ) || p.owner_id == who.id
}

/// Expected status of `PATCH /projects/{id}` by `who`; `protected` touches a protected field.
pub fn patch_status(who: Option<&Who>, p: Option<&Project>, protected: bool) -> u16 {
    let Some(who) = who else { return 401 };
    let Some(p) = p else { return 404 };
    if !can_view(who, p) {
        return 404;
    }
    if p.is_archived {
        return 403;
    }
    if who.has(PROJECT_WRITE) {
        return 200;
    }
    if p.owner_id == who.id && p.allow_owner_edits && !protected {
        return 200;
    }
    403
}

pub fn delete_status(who: Option<&Who>, p: Option<&Project>) -> u16 {
    let Some(who) = who else { return 401 };
    if !who.has(projects::perms::PROJECT_DELETE) {
        return 403;
    }
    let Some(p) = p else { return 404 };
    if !can_view(who, p) {
        return 404;
    }
    if p.is_locked { 403 } else { 204 }
}

pub fn get_status(who: Option<&Who>, p: Option<&Project>) -> u16 {
    let Some(who) = who else { return 401 };
    match p {
        Some(p) if can_view(who, p) => 200,
        _ => 404,
    }
}
