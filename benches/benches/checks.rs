//! The cost of a check: a single permission, `any` of 3, `all` of 3 — on a gate's requirement and
//! through `Actor::has` — beside a `HashSet<String>` lookup (what string-grant frameworks do), and
//! building an actor's permission set from its roles.

use std::collections::HashSet;
use std::hint::black_box;

use authz_core::{Permission, Requirement};
use criterion::{criterion_group, criterion_main, Criterion};

const READ: Permission = Permission::new("project:read");
const WRITE: Permission = Permission::new("project:write");
const DELETE: Permission = Permission::new("project:delete");
const ADMIN: Permission = Permission::new("user:admin");

static SINGLE: Requirement = Requirement::Permission(WRITE);
static ANY3: Requirement = Requirement::Any(&[Requirement::Permission(DELETE), Requirement::Permission(ADMIN), Requirement::Permission(WRITE)]);
static ALL3: Requirement = Requirement::All(&[Requirement::Permission(READ), Requirement::Permission(WRITE), Requirement::Permission(ADMIN)]);

fn checks(c: &mut Criterion) {
    let catalog = &authz_benches::CATALOG;
    let editor = catalog.actor(2, ["editor"]).expect("role");
    let admin = catalog.actor(1, ["admin"]).expect("role");
    let slotted = catalog.permission("project:write").expect("declared");
    let grants: HashSet<String> = ["project:read", "project:write"].iter().map(|s| s.to_string()).collect();

    let mut g = c.benchmark_group("check");
    g.bench_function("authz/has (literal)", |b| b.iter(|| black_box(&editor).has(black_box(WRITE))));
    g.bench_function("authz/has (catalog constant)", |b| b.iter(|| black_box(&editor).has(black_box(slotted))));
    g.bench_function("authz/requirement single", |b| b.iter(|| black_box(&SINGLE).is_satisfied_by(black_box(&editor))));
    g.bench_function("authz/requirement any of 3", |b| b.iter(|| black_box(&ANY3).is_satisfied_by(black_box(&editor))));
    g.bench_function("authz/requirement all of 3", |b| b.iter(|| black_box(&ALL3).is_satisfied_by(black_box(&admin))));
    let (single, any3, all3) = (SINGLE.compile(catalog), ANY3.compile(catalog), ALL3.compile(catalog));
    g.bench_function("authz/compiled single (gate path)", |b| b.iter(|| black_box(&single).check(black_box(editor.permissions()))));
    g.bench_function("authz/compiled any of 3 (gate path)", |b| b.iter(|| black_box(&any3).check(black_box(editor.permissions()))));
    g.bench_function("authz/compiled all of 3 (gate path)", |b| b.iter(|| black_box(&all3).check(black_box(admin.permissions()))));
    // The floor: one AND of a word with a mask, the least any bitset check can cost.
    let (word, mask) = (0b0110_u64, 0b0100_u64);
    g.bench_function("u64 bit test (floor)", |b| b.iter(|| black_box(&word) & black_box(mask) != 0));
    g.bench_function("HashSet<String>/contains", |b| b.iter(|| black_box(&grants).contains(black_box("project:write"))));

    // casbin-rs: an RBAC model with 5 roles and 20 policies.
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let plain: casbin::Enforcer = rt.block_on(authz_benches::casbin_enforcer());
    let mut cached: casbin::CachedEnforcer = rt.block_on(authz_benches::casbin_enforcer());
    use casbin::CoreApi;
    assert!(plain.enforce(("erin", "project", "write")).expect("enforce"));
    g.bench_function("casbin/enforce", |b| b.iter(|| black_box(&plain).enforce(black_box(("erin", "project", "write")))));
    g.bench_function("casbin/enforce (cached)", |b| b.iter(|| cached.enforce_mut(black_box(("erin", "project", "write")))));
    g.finish();

    let mut g = c.benchmark_group("actor");
    g.bench_function("from one role", |b| b.iter(|| catalog.actor(black_box(2), black_box(["editor"]))));
    g.bench_function("from two roles", |b| b.iter(|| catalog.actor(black_box(3), black_box(["support", "editor"]))));
    g.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
