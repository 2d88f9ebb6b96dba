//! Lists from one rule: for random projects × actors × team grants, on SQLite and PostgreSQL,
//! `GET /projects`'s query (`ProjectService::list`: `can_view_project`'s condition run as SQL)
//! returns exactly the projects `can_view_project` allows in Rust, exactly those a single read
//! (`ProjectService::get`, which merges the actor's roles in the project's team) serves, and
//! exactly those the DESIGN rule names. Shrinks to a minimal world on failure.

mod support;

use authz_actix::test::list_agrees;
use authz_actix::{ActorId, Scope};
use projects::db::Db;
use projects::perms::{CATALOG, PROJECT_READ};
use projects::policy::can_view_project;
use projects::service::{ProjectService, TEAM};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const ROLES: &[&str] = &["admin", "editor", "support", "member"];
const USERS: usize = 4;
const TEAMS: i64 = 3;

/// A random world: each user's global role, team grants, and projects.
#[derive(Debug, Clone)]
struct World {
    global: Vec<&'static str>,
    /// (user index, team index, role)
    grants: Vec<(usize, i64, &'static str)>,
    /// (owner index, is_public, team index)
    projects: Vec<(usize, bool, Option<i64>)>,
}

fn world() -> impl Strategy<Value = World> {
    let role = || proptest::sample::select(ROLES);
    (
        proptest::collection::vec(role(), USERS),
        proptest::collection::vec((0..USERS, 0..TEAMS, role()), 0..8),
        proptest::collection::vec((0..USERS, any::<bool>(), proptest::option::of(0..TEAMS)), 0..12),
    )
        .prop_map(|(global, grants, projects)| World { global, grants, projects })
}

/// Writes `world` into `db` (emptied first); returns the user ids and team ids.
async fn seed(db: &Db, world: &World) -> (Vec<i64>, Vec<i64>) {
    for table in ["api_tokens", "user_roles", "authz_grants", "projects", "teams", "users"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&db.pool)
            .await
            .expect("empty");
    }
    let mut users = Vec::new();
    for (i, role) in world.global.iter().enumerate() {
        let id: i64 =
            sqlx::query_scalar("INSERT INTO users (name, created_at) VALUES ($1, 0) RETURNING id")
                .bind(format!("u{i}"))
                .fetch_one(&db.pool)
                .await
                .expect("user");
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(*role)
            .execute(&db.pool)
            .await
            .expect("role");
        users.push(id);
    }
    let mut teams = Vec::new();
    for t in 0..TEAMS {
        let id: i64 =
            sqlx::query_scalar("INSERT INTO teams (name, created_at) VALUES ($1, 0) RETURNING id")
                .bind(format!("t{t}"))
                .fetch_one(&db.pool)
                .await
                .expect("team");
        teams.push(id);
    }
    for (user, team, role) in &world.grants {
        db.grants
            .grant(&ActorId::Int(users[*user]), Scope::new(TEAM, teams[*team as usize]), role)
            .await
            .expect("grant");
    }
    for (i, (owner, public, team)) in world.projects.iter().enumerate() {
        sqlx::query("INSERT INTO projects (name, owner_id, is_public, updated_at, team_id) VALUES ($1, $2, $3, 0, $4)")
            .bind(format!("p{i}"))
            .bind(users[*owner])
            .bind(*public)
            .bind(team.map(|t| teams[t as usize]))
            .execute(&db.pool)
            .await
            .expect("project");
    }
    (users, teams)
}

/// The DESIGN rule, written apart from the policy: public, or project:read globally or through a
/// role held in the project's team, or owner.
fn design_rule(
    world: &World,
    teams: &[i64],
    user: usize,
    user_id: i64,
    project: &projects::model::Project,
) -> bool {
    let reads = |role: &str| {
        CATALOG.roles().iter().any(|r| r.name == role && r.permissions.contains(&PROJECT_READ))
    };
    let in_team = project.team_id.is_some_and(|team| {
        world
            .grants
            .iter()
            .any(|(u, t, role)| *u == user && teams[*t as usize] == team && reads(role))
    });
    project.is_public || reads(world.global[user]) || project.owner_id == user_id || in_team
}

async fn check(db: &Db, world: &World) -> Result<(), TestCaseError> {
    let (users, teams) = seed(db, world).await;
    // A fresh service: a fresh cache.
    let svc = ProjectService::new(db.clone());
    let all = svc.all().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    for (i, id) in users.iter().enumerate() {
        let actor = CATALOG.actor(*id, [world.global[i]]).expect("role");
        let listed: Vec<i64> = svc
            .list(&actor)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .iter()
            .map(|p| p.id)
            .collect();
        let viewer = svc.viewer(&actor).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The SQL reading against the Rust reading of the same condition.
        list_agrees(&all, &listed, |p| p.id, |p| can_view_project(&viewer, p)).map_err(|d| {
            TestCaseError::fail(format!("user {i} ({}): SQL vs Rust: {d}", world.global[i]))
        })?;
        // Against the rule as the DESIGN table states it.
        list_agrees(&all, &listed, |p| p.id, |p| design_rule(world, &teams, i, *id, p))
            .map_err(|d| TestCaseError::fail(format!("user {i}: list vs DESIGN rule: {d}")))?;
        // Against single reads, which take the actor's roles in the project's own team.
        let mut readable = Vec::new();
        for p in &all {
            match svc.get(&actor, p.id).await {
                Ok(_) => readable.push(p.id),
                Err(projects::service::ServiceError::Denied(_)) => {}
                Err(e) => {
                    return Err(TestCaseError::fail(format!(
                        "user {i}: reading project {}: {e}",
                        p.id
                    )));
                }
            }
        }
        prop_assert_eq!(&listed, &readable, "user {}: list vs single reads", i);
    }
    Ok(())
}

fn run_on(db: Db, system: &actix_rt::SystemRunner, cases: u32) {
    let mut runner =
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&world(), |w| system.block_on(check(&db, &w)));
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn the_list_query_and_the_policy_agree_on_every_database() {
    let system = actix_rt::System::new();
    let databases = system.block_on(support::databases());
    for (name, db) in databases {
        // PostgreSQL round trips cost more; both get enough random worlds to cover NULL teams,
        // grants in other teams and roles without project:read.
        let cases = if name == "sqlite" { 96 } else { 48 };
        run_on(db, &system, cases);
        println!("{name}: {cases} random worlds, list == policy == single reads == DESIGN rule");
    }
}
