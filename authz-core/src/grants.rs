//! Scoped grants: "which roles does this actor hold in team 7", from a shared store, cached with
//! a bound, and invalidated when the store says grants changed.
//!
//! The store ([`GrantStore`]) answers in role names; the catalog maps roles to permissions, as it
//! does for global roles. [`Grants`] is what gates, services, CLIs and jobs ask: it checks global
//! permissions first (no store query when they suffice), then the actor's roles in the scope —
//! one store query per (actor, scope) until the cache entry expires or the store's epoch moves.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{ActorId, Principal};
use crate::cache::{Cache, KeyRef, Value};
use crate::catalog::Catalog;
use crate::decision::{AuthzError, Deny};
use crate::permission::Permission;
use crate::requirement::Requirement;
use crate::scope::{Scope, Scopes};
use crate::set::PermissionSet;
use crate::store::{GrantError, GrantStore};

/// What [`Grants::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedCheck {
    /// The requirement holds, globally or in the scope.
    pub allowed: bool,
    /// The actor holds some role in the scope; `None` when global permissions sufficed and the
    /// store was not asked.
    pub member: Option<bool>,
}

impl ScopedCheck {
    /// `Ok` when allowed; otherwise `outsiders` for an actor holding no role in the scope and
    /// `deny` for a member lacking the permission.
    pub fn require(self, deny: Deny, outsiders: Deny) -> Result<(), AuthzError> {
        self.refusal(deny, outsiders).map_or(Ok(()), |denial| Err(denial.into()))
    }

    /// The denial this check calls for, `None` when allowed.
    pub fn refusal(self, deny: Deny, outsiders: Deny) -> Option<Deny> {
        match (self.allowed, self.member) {
            (true, _) => None,
            (false, Some(true)) => Some(deny),
            (false, _) => Some(outsiders),
        }
    }
}

/// How long a cached answer is trusted when no invalidation arrives, by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(2);
/// Cached answers, by default.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The store behind a cache. Cheap to clone; clones share the store and the cache.
///
/// The cache is [`quick_cache`]'s, shared by every worker: keys are hashed with a seed drawn per
/// cache (so a caller cannot aim ids at another actor's entry), looked up by a borrowed key (a
/// lookup allocates nothing), bounded with S3-FIFO eviction (a burst of new keys passes through
/// its small queue without flushing what is in use), and concurrent misses for one key wait for
/// a single store query. Entries live until the store's [`GrantStore::epoch`] moves or their time
/// to live passes.
///
/// Only roles an actor holds are cached: an answer of "no role in this scope" is asked of the
/// store each time, so a caller without roles — who can name any scope id it likes — never adds
/// an entry, and cannot push anyone else's out.
#[derive(Clone)]
pub struct Grants {
    shared: Arc<Shared>,
}

struct Shared {
    store: Box<dyn GrantStore>,
    catalog: &'static Catalog,
    ttl: Duration,
    capacity: usize,
    cache: Cache,
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grants")
            .field("ttl", &self.shared.ttl)
            .field("capacity", &self.shared.capacity)
            .finish_non_exhaustive()
    }
}

impl Grants {
    /// `store`'s grants, with roles mapped to permissions by `catalog`; cached answers are
    /// trusted for [`DEFAULT_TTL`], at most [`DEFAULT_CAPACITY`] of them.
    pub fn new(store: impl GrantStore, catalog: &'static Catalog) -> Self {
        Grants::with_limits(store, catalog, DEFAULT_TTL, DEFAULT_CAPACITY)
    }

    /// As [`new`](Self::new), trusting a cached answer for `ttl` and keeping at most `capacity`.
    pub fn with_limits(
        store: impl GrantStore,
        catalog: &'static Catalog,
        ttl: Duration,
        capacity: usize,
    ) -> Self {
        let capacity = capacity.max(1);
        let cache = Cache::new(capacity);
        let shared = Shared { store: Box::new(store), catalog, ttl, capacity, cache };
        Grants { shared: Arc::new(shared) }
    }

    /// How long a cached answer is trusted now: the store's say ([`GrantStore::ttl`]), else the
    /// cache's own setting.
    pub fn ttl(&self) -> Duration {
        self.shared.store.ttl().unwrap_or(self.shared.ttl)
    }

    /// `read` of the live entry for `key`, if any.
    #[inline]
    fn lookup_with<T>(&self, key: KeyRef<'_>, read: impl FnOnce(&Value) -> T) -> Option<T> {
        self.shared.cache.lookup_with(key, self.shared.store.epoch(), self.ttl(), read)
    }

    /// The live answer for `key`, or `fetch`'s (see [`Cache::get_or_fetch`]).
    async fn get_or_fetch<F>(
        &self,
        key: KeyRef<'_>,
        keep: impl Fn(&Value) -> bool,
        fetch: F,
    ) -> Result<Value, GrantError>
    where
        F: AsyncFnOnce() -> Result<Value, GrantError>,
    {
        let store = &*self.shared.store;
        self.shared.cache.get_or_fetch(key, &|| store.epoch(), self.ttl(), keep, fetch).await
    }

    /// The permissions `actor` holds through roles in `scope`, and the mask of those roles, when
    /// this thread's cache knows them — no store query, no waiting: the gate's fast path.
    pub fn cached(&self, actor: &ActorId, scope: Scope) -> Option<(PermissionSet, u64)> {
        if matches!(actor, ActorId::System(_)) {
            return Some((PermissionSet::empty(self.shared.catalog), 0));
        }
        self.lookup_with(KeyRef::Roles(actor, scope), |value| match value {
            Value::Roles { mask, permissions } => Some((*permissions, *mask)),
            Value::Scopes(_) => None,
        })?
    }

    /// [`check`](Self::check) when this thread's cache can answer it without the store.
    pub fn check_cached(
        &self,
        actor: &dyn Principal,
        scope: Scope,
        requirement: &Requirement,
    ) -> Option<ScopedCheck> {
        if requirement.is_satisfied_by(actor) {
            return Some(ScopedCheck { allowed: true, member: None });
        }
        let (scoped, mask) = self.cached(actor.actor_id(), scope)?;
        Some(ScopedCheck { allowed: meets(requirement, actor, &scoped), member: Some(mask != 0) })
    }

    /// The permissions `actor` holds through roles in `scope` (not its global ones), and the mask
    /// of those roles in catalog order (`0`: no role there). System actors hold no grants.
    pub async fn in_scope(
        &self,
        actor: &ActorId,
        scope: Scope,
    ) -> Result<(PermissionSet, u64), GrantError> {
        let catalog = self.shared.catalog;
        if matches!(actor, ActorId::System(_)) {
            return Ok((PermissionSet::empty(catalog), 0));
        }
        let key = KeyRef::Roles(actor, scope);
        // Roles held are cached; "none here" is not (see the type's docs).
        let held = |value: &Value| matches!(value, Value::Roles { mask, .. } if *mask != 0);
        let value = self
            .get_or_fetch(key, held, async || {
                let names = self.shared.store.roles_in(actor, scope).await?;
                let known: Vec<&String> = names
                    .iter()
                    .filter(|role| {
                        let declared = catalog.roles().iter().any(|r| r.name == role.as_str());
                        if !declared {
                            tracing::warn!(target: "authz", actor = %actor, scope = %scope, role = %role, "ignoring a granted role the catalog does not declare");
                        }
                        declared
                    })
                    .collect();
                let (permissions, mask) = catalog.permissions_for_roles(known).unwrap_or_else(|_| unreachable!("filtered to declared roles"));
                Ok(Value::Roles { mask, permissions })
            })
            .await?;
        match value {
            Value::Roles { mask, permissions } => Ok((permissions, mask)),
            Value::Scopes(_) => unreachable!("a roles key holds roles"),
        }
    }

    /// Whether `actor` meets `requirement` in `scope`: its global permissions first (no store
    /// query when they suffice), then its roles in the scope.
    pub async fn check<P: Principal + ?Sized>(
        &self,
        actor: &P,
        scope: Scope,
        requirement: &Requirement,
    ) -> Result<ScopedCheck, GrantError> {
        if requirement.is_satisfied_by(actor) {
            return Ok(ScopedCheck { allowed: true, member: None });
        }
        let (scoped, mask) = self.in_scope(actor.actor_id(), scope).await?;
        Ok(ScopedCheck { allowed: meets(requirement, actor, &scoped), member: Some(mask != 0) })
    }

    /// As [`check`](Self::check) for one permission, turned into a refusal: `outsiders` when the
    /// actor holds no role in `scope`, `deny` when it does but not `permission`. For services,
    /// CLIs and jobs.
    pub async fn require<P: Principal + ?Sized>(
        &self,
        actor: &P,
        scope: Scope,
        permission: Permission,
        deny: Deny,
        outsiders: Deny,
    ) -> Result<Result<(), AuthzError>, GrantError> {
        let check = self.check(actor, scope, &Requirement::Permission(permission)).await?;
        Ok(check.require(deny, outsiders))
    }

    /// The scopes of `kind` where `actor` holds `permission`: [`Scopes::All`] when it holds it
    /// globally (no store query), else the ids the store reports for the roles that grant it.
    pub async fn scopes_with<P: Principal + ?Sized>(
        &self,
        actor: &P,
        kind: &'static str,
        permission: Permission,
    ) -> Result<Scopes, GrantError> {
        if actor.has_permission(permission) {
            return Ok(Scopes::All);
        }
        let id = actor.actor_id();
        if matches!(id, ActorId::System(_)) {
            return Ok(Scopes::none());
        }
        let key = KeyRef::Scopes(id, kind, permission);
        let roles: Vec<&'static str> = self
            .shared
            .catalog
            .roles()
            .iter()
            .filter(|r| r.permissions.contains(&permission))
            .map(|r| r.name)
            .collect();
        // One entry per (actor, kind, permission): a caller cannot multiply them.
        let value = self
            .get_or_fetch(
                key,
                |_| true,
                async || {
                    let mut ids = if roles.is_empty() {
                        Vec::new()
                    } else {
                        self.shared.store.scopes_with(id, kind, &roles).await?
                    };
                    ids.sort_unstable();
                    ids.dedup();
                    Ok(Value::Scopes(Scopes::Only(ids.into())))
                },
            )
            .await?;
        match value {
            Value::Scopes(scopes) => Ok(scopes),
            Value::Roles { .. } => unreachable!("a scopes key holds scopes"),
        }
    }
}

/// Whether `actor`'s global permissions plus `scoped` meet `requirement`: one union of bitsets
/// when the actor has one over the same catalog, else permission by permission.
fn meets<P: Principal + ?Sized>(
    requirement: &Requirement,
    actor: &P,
    scoped: &PermissionSet,
) -> bool {
    match actor.permission_set() {
        Some(global) if std::ptr::eq(global.catalog(), scoped.catalog()) => {
            requirement.is_satisfied_by_set(&global.union(scoped))
        }
        _ => requirement.is_met_by(&|p| scoped.contains(p) || actor.has_permission(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{PermissionDef, RoleDef};
    use crate::store::StoreFuture;
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    const READ: Permission = Permission::new("doc:read");
    const WRITE: Permission = Permission::new("doc:write");
    static CATALOG: Catalog = Catalog::new(
        &[
            PermissionDef { permission: READ, description: "r" },
            PermissionDef { permission: WRITE, description: "w" },
        ],
        &[
            RoleDef { name: "viewer", permissions: &[READ] },
            RoleDef { name: "editor", permissions: &[READ, WRITE] },
            RoleDef { name: "member", permissions: &[] },
        ],
    );

    /// (actor, scope id, role) rows of kind `team`, counting queries.
    #[derive(Default)]
    struct Table {
        rows: Mutex<Vec<(i64, i64, &'static str)>>,
        queries: AtomicUsize,
        epoch: AtomicU64,
        fail: std::sync::atomic::AtomicBool,
        // Answer after one `Pending`, as a real store over a socket does.
        slow: std::sync::atomic::AtomicBool,
    }

    /// Pending once, then ready.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
            if std::mem::replace(&mut self.0, true) {
                return std::task::Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Table>);

    impl GrantStore for Shared {
        fn roles_in<'a>(
            &'a self,
            actor: &'a ActorId,
            scope: Scope,
        ) -> StoreFuture<'a, Vec<String>> {
            self.0.queries.fetch_add(1, Ordering::SeqCst);
            let fail = self.0.fail.load(Ordering::SeqCst);
            let slow = self.0.slow.load(Ordering::SeqCst);
            let rows = self.0.rows.lock().unwrap().clone();
            let actor = actor.clone();
            Box::pin(async move {
                if slow {
                    YieldOnce(false).await;
                }
                if fail {
                    return Err(GrantError::new(std::io::Error::other("down")));
                }
                Ok(rows
                    .iter()
                    .filter(|(a, s, _)| actor == *a && *s == scope.id)
                    .map(|(_, _, r)| r.to_string())
                    .collect())
            })
        }

        fn scopes_with<'a>(
            &'a self,
            actor: &'a ActorId,
            _: &'static str,
            roles: &'a [&'static str],
        ) -> StoreFuture<'a, Vec<i64>> {
            self.0.queries.fetch_add(1, Ordering::SeqCst);
            let rows = self.0.rows.lock().unwrap().clone();
            let actor = actor.clone();
            let roles = roles.to_vec();
            Box::pin(async move {
                Ok(rows
                    .iter()
                    .filter(|(a, _, r)| actor == *a && roles.contains(r))
                    .map(|(_, s, _)| *s)
                    .collect())
            })
        }

        fn epoch(&self) -> u64 {
            self.0.epoch.load(Ordering::SeqCst)
        }
    }

    /// Drives a future that never waits (the test store answers at once).
    fn now<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the test store never waits"),
        }
    }

    fn setup(rows: Vec<(i64, i64, &'static str)>) -> (Shared, Grants) {
        let table = Shared::default();
        *table.0.rows.lock().unwrap() = rows;
        let grants = Grants::with_limits(table.clone(), &CATALOG, Duration::from_secs(60), 3);
        (table, grants)
    }

    #[test]
    fn scoped_roles_grant_inside_their_scope_only() {
        let (_, grants) = setup(vec![(1, 7, "editor"), (1, 9, "viewer"), (2, 7, "member")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let dave = CATALOG.actor(2, ["member"]).unwrap();
        let write = Requirement::Permission(WRITE);
        let team = |id| Scope::new("team", id);
        assert_eq!(
            now(grants.check(&erin, team(7), &write)).unwrap(),
            ScopedCheck { allowed: true, member: Some(true) }
        );
        assert_eq!(
            now(grants.check(&erin, team(9), &write)).unwrap(),
            ScopedCheck { allowed: false, member: Some(true) }
        );
        assert_eq!(
            now(grants.check(&erin, team(8), &write)).unwrap(),
            ScopedCheck { allowed: false, member: Some(false) }
        );
        // A member without the permission is told 403; an outsider 404 when outsiders are hidden.
        let member = now(grants.check(&dave, team(7), &write)).unwrap();
        assert_eq!(member.require(Deny::Forbidden, Deny::NotFound), Err(AuthzError::Forbidden));
        let outsider = now(grants.check(&dave, team(9), &write)).unwrap();
        assert_eq!(outsider.require(Deny::Forbidden, Deny::NotFound), Err(AuthzError::NotFound));
        assert_eq!(
            now(grants.scopes_with(&erin, "team", READ)).unwrap(),
            Scopes::Only(Arc::from([7, 9]))
        );
        assert_eq!(
            now(grants.scopes_with(&erin, "team", WRITE)).unwrap(),
            Scopes::Only(Arc::from([7]))
        );
    }

    #[test]
    fn global_permissions_need_no_query_and_system_actors_hold_no_grants() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let editor = CATALOG.actor(1, ["editor"]).unwrap();
        let check =
            now(grants.check(&editor, Scope::new("team", 3), &Requirement::Permission(WRITE)))
                .unwrap();
        assert_eq!(check, ScopedCheck { allowed: true, member: None });
        assert_eq!(now(grants.scopes_with(&editor, "team", WRITE)).unwrap(), Scopes::All);
        let job = CATALOG.system_actor("job", &[]);
        assert!(
            !now(grants.check(&job, Scope::new("team", 7), &Requirement::Permission(READ)))
                .unwrap()
                .allowed
        );
        assert_eq!(table.0.queries.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn answers_are_cached_until_the_epoch_moves_and_the_cache_is_bounded() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let write = Requirement::Permission(WRITE);
        let team7 = Scope::new("team", 7);
        assert!(now(grants.check(&erin, team7, &write)).unwrap().allowed);
        assert!(now(grants.check(&erin, team7, &write)).unwrap().allowed);
        assert_eq!(table.0.queries.load(Ordering::SeqCst), 1, "second check is a cache hit");
        // Revoked; the cache still answers until the store's epoch moves.
        table.0.rows.lock().unwrap().clear();
        assert!(now(grants.check(&erin, team7, &write)).unwrap().allowed);
        table.0.epoch.fetch_add(1, Ordering::SeqCst);
        assert!(!now(grants.check(&erin, team7, &write)).unwrap().allowed);
        // Capacity 3: more scopes evict rather than grow.
        table.0.rows.lock().unwrap().extend((10..20).map(|team| (1, team, "editor")));
        table.0.epoch.fetch_add(1, Ordering::SeqCst);
        for id in 10..20 {
            let _ = now(grants.check(&erin, Scope::new("team", id), &write)).unwrap();
            assert!(grants.shared.cache.len() <= 3, "{}", grants.shared.cache.len());
        }
        // Clones and other threads (actix workers) share the cache.
        let before = table.0.queries.load(Ordering::SeqCst);
        assert!(grants.check_cached(&erin, Scope::new("team", 19), &write).is_some());
        let other = grants.clone();
        let erin2 = erin.clone();
        std::thread::spawn(move || {
            assert!(other.check_cached(&erin2, Scope::new("team", 19), &write).is_some(), "shared")
        })
        .join()
        .unwrap();
        assert_eq!(table.0.queries.load(Ordering::SeqCst), before);
    }

    #[test]
    fn a_caller_without_roles_adds_no_entry_and_evicts_nobody() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let mallory = CATALOG.actor(666, ["member"]).unwrap();
        let write = Requirement::Permission(WRITE);
        assert!(now(grants.check(&erin, Scope::new("team", 7), &write)).unwrap().allowed);
        let queries = table.0.queries.load(Ordering::SeqCst);
        // Ids chosen freely, far more than the cache holds: each costs one query, none is kept.
        for id in 0..1_000 {
            assert!(
                !now(grants.check(&mallory, Scope::new("team", 1_305_670_057_985 + id), &write))
                    .unwrap()
                    .allowed
            );
        }
        assert_eq!(
            table.0.queries.load(Ordering::SeqCst),
            queries + 1_000,
            "one query per request, never more"
        );
        assert_eq!(grants.shared.cache.len(), 1, "only erin's roles are cached");
        assert!(
            grants.check_cached(&erin, Scope::new("team", 7), &write).is_some_and(|c| c.allowed),
            "erin's entry stayed"
        );
    }

    #[test]
    fn concurrent_misses_for_one_key_ask_the_store_once() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let write = Requirement::Permission(WRITE);
        table.0.slow.store(true, Ordering::SeqCst);
        let (a, b) = (
            grants.check(&erin, Scope::new("team", 7), &write),
            grants.check(&erin, Scope::new("team", 7), &write),
        );
        let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        // `a` asks the store and waits for it; `b` misses meanwhile and waits for `a`'s answer.
        let mut done = (None, None);
        for _ in 0..4 {
            if done.0.is_none() {
                done.0 = match a.as_mut().poll(&mut cx) {
                    std::task::Poll::Ready(v) => Some(v),
                    _ => None,
                };
            }
            if done.1.is_none() {
                done.1 = match b.as_mut().poll(&mut cx) {
                    std::task::Poll::Ready(v) => Some(v),
                    _ => None,
                };
            }
        }
        assert!(
            done.0.is_some_and(|c| c.unwrap().allowed)
                && done.1.is_some_and(|c| c.unwrap().allowed)
        );
        assert_eq!(table.0.queries.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_store_error_is_an_error_and_is_not_cached() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        table.0.fail.store(true, Ordering::SeqCst);
        assert!(
            now(grants.check(&erin, Scope::new("team", 7), &Requirement::Permission(WRITE)))
                .is_err()
        );
        table.0.fail.store(false, Ordering::SeqCst);
        assert!(
            now(grants.check(&erin, Scope::new("team", 7), &Requirement::Permission(WRITE)))
                .unwrap()
                .allowed
        );
    }

    #[test]
    fn a_ttl_expires_answers() {
        let table = Shared::default();
        *table.0.rows.lock().unwrap() = vec![(1, 7, "editor")];
        let grants = Grants::with_limits(table.clone(), &CATALOG, Duration::ZERO, 10);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let _ = now(grants.in_scope(erin.id(), Scope::new("team", 7))).unwrap();
        let _ = now(grants.in_scope(erin.id(), Scope::new("team", 7))).unwrap();
        assert_eq!(table.0.queries.load(Ordering::SeqCst), 2);
    }

    /// The cache's clock moves: an answer is reused within its time to live and asked again
    /// once it has passed.
    #[test]
    fn an_answer_lives_for_its_ttl_on_the_cache_clock() {
        let table = Shared::default();
        *table.0.rows.lock().unwrap() = vec![(1, 7, "editor")];
        let ttl = Duration::from_millis(200);
        let grants = Grants::with_limits(table.clone(), &CATALOG, ttl, 10);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        let team = Scope::new("team", 7);
        let fetched = std::time::Instant::now();
        let _ = now(grants.in_scope(erin.id(), team)).unwrap();
        let cached = grants.cached(erin.id(), team);
        if fetched.elapsed() < ttl {
            assert!(cached.is_some(), "an answer younger than its ttl is reused");
        }
        std::thread::sleep(ttl + Duration::from_millis(50));
        assert!(grants.cached(erin.id(), team).is_none(), "an answer older than its ttl is not");
        let _ = now(grants.in_scope(erin.id(), team)).unwrap();
        assert_eq!(table.0.queries.load(Ordering::SeqCst), 2);
    }
}
