//! The cost of a check: a single permission, `any` of 3, `all` of 3 — on a gate's requirement and
//! through `Actor::has` — beside a `HashSet<String>` lookup (what string-grant frameworks do), and
//! building an actor's permission set from its roles.

use std::collections::HashSet;
use std::hint::black_box;

use authz_core::{Permission, Requirement};
use criterion::{Criterion, criterion_group, criterion_main};

const READ: Permission = Permission::new("project:read");
const WRITE: Permission = Permission::new("project:write");
const DELETE: Permission = Permission::new("project:delete");
const ADMIN: Permission = Permission::new("user:admin");

static SINGLE: Requirement = Requirement::Permission(WRITE);
static ANY3: Requirement = Requirement::Any(&[
    Requirement::Permission(DELETE),
    Requirement::Permission(ADMIN),
    Requirement::Permission(WRITE),
]);
static ALL3: Requirement = Requirement::All(&[
    Requirement::Permission(READ),
    Requirement::Permission(WRITE),
    Requirement::Permission(ADMIN),
]);

fn checks(c: &mut Criterion) {
    let catalog = &authz_benches::CATALOG;
    let editor = catalog.actor(2, ["editor"]).expect("role");
    let admin = catalog.actor(1, ["admin"]).expect("role");
    let slotted = catalog.permission("project:write").expect("declared");
    let grants: HashSet<String> =
        ["project:read", "project:write"].iter().map(|s| s.to_string()).collect();

    let mut g = c.benchmark_group("check");
    g.bench_function("authz/has (literal)", |b| {
        b.iter(|| black_box(&editor).has(black_box(WRITE)))
    });
    g.bench_function("authz/has (catalog constant)", |b| {
        b.iter(|| black_box(&editor).has(black_box(slotted)))
    });
    g.bench_function("authz/requirement single", |b| {
        b.iter(|| black_box(&SINGLE).is_satisfied_by(black_box(&editor)))
    });
    g.bench_function("authz/requirement any of 3", |b| {
        b.iter(|| black_box(&ANY3).is_satisfied_by(black_box(&editor)))
    });
    g.bench_function("authz/requirement all of 3", |b| {
        b.iter(|| black_box(&ALL3).is_satisfied_by(black_box(&admin)))
    });
    let (single, any3, all3) =
        (SINGLE.compile(catalog), ANY3.compile(catalog), ALL3.compile(catalog));
    g.bench_function("authz/compiled single (gate path)", |b| {
        b.iter(|| black_box(&single).check(black_box(editor.permissions())))
    });
    g.bench_function("authz/compiled any of 3 (gate path)", |b| {
        b.iter(|| black_box(&any3).check(black_box(editor.permissions())))
    });
    g.bench_function("authz/compiled all of 3 (gate path)", |b| {
        b.iter(|| black_box(&all3).check(black_box(admin.permissions())))
    });
    // The floor: one AND of a word with a mask, the least any bitset check can cost.
    let (word, mask) = (0b0110_u64, 0b0100_u64);
    g.bench_function("u64 bit test (floor)", |b| {
        b.iter(|| black_box(&word) & black_box(mask) != 0)
    });
    g.bench_function("HashSet<String>/contains", |b| {
        b.iter(|| black_box(&grants).contains(black_box("project:write")))
    });

    // casbin-rs: an RBAC model with 5 roles and 20 policies.
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let plain: casbin::Enforcer = rt.block_on(authz_benches::casbin_enforcer());
    let mut cached: casbin::CachedEnforcer = rt.block_on(authz_benches::casbin_enforcer());
    use casbin::CoreApi;
    assert!(plain.enforce(("erin", "project", "write")).expect("enforce"));
    g.bench_function("casbin/enforce", |b| {
        b.iter(|| black_box(&plain).enforce(black_box(("erin", "project", "write"))))
    });
    g.bench_function("casbin/enforce (cached)", |b| {
        b.iter(|| cached.enforce_mut(black_box(("erin", "project", "write"))))
    });
    g.finish();

    // Scoped checks through `Grants`, as the gate makes them: the global permissions first, then
    // (warm) this worker's cache of the actor's roles in the scope.
    // A long time to live: "warm" means within it, however long criterion runs.
    let grants = authz_core::Grants::with_limits(
        authz_benches::OneTeam,
        catalog,
        std::time::Duration::from_secs(3600),
        10_000,
    );
    let member = catalog.actor(5, ["member"]).expect("role");
    let team = authz_core::Scope::new("team", 7);
    assert!(now(grants.check(&member, team, &SINGLE)).expect("store").allowed, "warm the cache");
    let mut g = c.benchmark_group("scoped");
    g.bench_function("global: requirement single", |b| {
        b.iter(|| black_box(&SINGLE).is_satisfied_by(black_box(&editor)))
    });
    g.bench_function("global: compiled single (gate path)", |b| {
        b.iter(|| black_box(&single).check(black_box(editor.permissions())))
    });
    // The gate's scoped path: this worker's cached roles in the team, united with the global
    // permissions, then the same compiled check.
    g.bench_function("scoped, warm cache: cached + union + compiled (gate path)", |b| {
        b.iter(|| {
            let (scoped, _) =
                black_box(&grants).cached(black_box(member.id()), black_box(team)).expect("warm");
            black_box(&single).check(&member.permissions().union(&scoped))
        })
    });
    g.bench_function("scoped, warm cache: Grants::check_cached", |b| {
        b.iter(|| {
            black_box(&grants).check_cached(black_box(&member), black_box(team), black_box(&SINGLE))
        })
    });
    g.bench_function("scoped, warm cache: Grants::check (async API)", |b| {
        b.iter(|| {
            now(black_box(&grants).check(black_box(&member), black_box(team), black_box(&SINGLE)))
        })
    });
    g.bench_function("held globally: Grants::check (async API)", |b| {
        b.iter(|| {
            now(black_box(&grants).check(black_box(&editor), black_box(team), black_box(&SINGLE)))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("actor");
    g.bench_function("from one role", |b| {
        b.iter(|| catalog.actor(black_box(2), black_box(["editor"])))
    });
    g.bench_function("from two roles", |b| {
        b.iter(|| catalog.actor(black_box(3), black_box(["support", "editor"])))
    });
    g.finish();
}

/// Polls a future that is ready at once (a cache hit never waits).
fn now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("a warm cache answers at once"),
    }
}

criterion_group!(benches, checks);
criterion_main!(benches);
