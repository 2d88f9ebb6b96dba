//! Scoped grants: "which roles does this actor hold in team 7", from a shared store, cached per
//! worker with a bound, and invalidated when the store says grants changed.
//!
//! The store ([`GrantStore`]) answers in role names; the catalog maps roles to permissions, as it
//! does for global roles. [`Grants`] is what gates, services, CLIs and jobs ask: it checks global
//! permissions first (no store query when they suffice), then the actor's roles in the scope —
//! one store query per (actor, scope) until the cache entry expires or the store's epoch moves.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::actor::{ActorId, Principal};
use crate::catalog::Catalog;
use crate::decision::{AuthzError, Deny};
use crate::permission::Permission;
use crate::requirement::Requirement;
use crate::scope::Scope;
use crate::set::PermissionSet;

/// A store's answer, boxed so stores are object safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, GrantError>> + Send + 'a>>;

/// The store failed; whoever asked refuses (fails closed) and logs this.
#[derive(Debug, thiserror::Error)]
#[error("grant store: {0}")]
pub struct GrantError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl GrantError {
    /// Wraps any error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        GrantError(Box::new(error))
    }
}

/// Where scoped role assignments live: a SQL table (`authz-sqlx`), or a relationship engine.
///
/// The two questions map onto a Zanzibar-style engine's `Check` (roles in one scope) and
/// `LookupResources` (scopes where a role is held); [`epoch`](Self::epoch) is the cache's
/// consistency token. See `docs/scaling.md`.
pub trait GrantStore: Send + Sync + 'static {
    /// The role names `actor` holds in `scope`.
    fn roles_in<'a>(&'a self, actor: &'a ActorId, scope: Scope) -> StoreFuture<'a, Vec<String>>;

    /// The ids of the scopes of `kind` where `actor` holds at least one of `roles`.
    fn scopes_with<'a>(&'a self, actor: &'a ActorId, kind: &'static str, roles: &'a [&'static str]) -> StoreFuture<'a, Vec<i64>>;

    /// A number that changes whenever an answer given earlier may no longer hold (an
    /// invalidation arrived, or the store lost the feed that would have announced one): caches
    /// drop everything when it moves. A store with no such feed keeps `0` and relies on the
    /// cache's time to live.
    fn epoch(&self) -> u64 {
        0
    }

    /// How long a cached answer may be trusted right now, when the store knows better than the
    /// cache's own setting: long while an invalidation feed is connected, short while it is down.
    /// `None` leaves it to [`Grants`]' time to live.
    fn ttl(&self) -> Option<Duration> {
        None
    }
}

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

/// The scopes of one kind where an actor holds a permission: all of them (the permission is held
/// globally), or these ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scopes {
    /// Held globally: every scope.
    All,
    /// Held in these scopes only (sorted, no duplicates).
    Only(Arc<[i64]>),
}

impl Scopes {
    /// Whether scope `id` is among them.
    pub fn contains(&self, id: i64) -> bool {
        match self {
            Scopes::All => true,
            Scopes::Only(ids) => ids.binary_search(&id).is_ok(),
        }
    }

    /// No scope at all.
    pub fn none() -> Self {
        Scopes::Only(Arc::from([]))
    }
}

/// How long a cached answer is trusted when no invalidation arrives, by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(2);
/// Cached answers per thread (an actix worker is one thread), by default.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The store behind a cache. Cheap to clone; clones share the store and the caches.
///
/// The cache is per thread — an actix worker is one thread — so a lookup takes no lock and
/// workers never contend: a `RefCell` in thread-local storage, a hash map keyed by a 64-bit mix
/// of (actor, scope), and a coarse clock (a 10 ms tick kept by one process-wide thread) instead
/// of reading the time per lookup. Entries live until the store's [`GrantStore::epoch`] moves,
/// their time to live passes, or the cache is full (then expired entries go, and if that is not
/// enough, all of them).
#[derive(Clone)]
pub struct Grants {
    shared: Arc<Shared>,
}

struct Shared {
    id: u64,
    store: Box<dyn GrantStore>,
    catalog: &'static Catalog,
    ttl: Duration,
    capacity: usize,
}

/// What a cache entry is about: roles in one scope, or the scopes where a permission is held.
#[derive(Clone, PartialEq, Eq)]
enum Key {
    Roles(ActorId, Scope),
    Scopes(ActorId, &'static str, Permission),
}

/// A [`Key`] to look up, borrowed: a lookup allocates nothing.
#[derive(Clone, Copy)]
enum KeyRef<'a> {
    Roles(&'a ActorId, Scope),
    Scopes(&'a ActorId, &'static str, Permission),
}

/// One splitmix64 step.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A cheap fingerprint of a short name (a scope kind, a permission): its length and first and
/// last bytes. Enough to spread the few kinds an app has; equality compares them whole.
#[inline]
fn prefix(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let (first, last) = (bytes.first().copied().unwrap_or(0), bytes.last().copied().unwrap_or(0));
    (bytes.len() as u64) << 16 | u64::from(first) << 8 | u64::from(last)
}

/// FNV-1a over a text id, whose bytes all matter.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3))
}

/// Name equality, first by address: a route's scope kind and its cache entry share the literal.
#[inline]
fn same(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

impl KeyRef<'_> {
    /// A 64-bit mix of the key, so the map needs no hashing of its own.
    #[inline]
    fn hash(self) -> u64 {
        let actor = |id: &ActorId| match id {
            ActorId::Int(n) => *n as u64,
            ActorId::Text(s) => fnv(s),
            ActorId::System(name) => fnv(name) ^ 0x5157,
        };
        match self {
            KeyRef::Roles(a, scope) => mix(actor(a) ^ (scope.id as u64).rotate_left(29) ^ prefix(scope.kind)),
            KeyRef::Scopes(a, kind, p) => mix(actor(a) ^ prefix(kind).rotate_left(40) ^ fnv(p.as_str()) ^ 0x5C0F),
        }
    }

    #[inline]
    fn is(self, key: &Key) -> bool {
        match (self, key) {
            (KeyRef::Roles(a, s), Key::Roles(b, t)) => s.id == t.id && a == b && same(s.kind, t.kind),
            (KeyRef::Scopes(a, k, p), Key::Scopes(b, l, q)) => a == b && same(k, l) && p == *q,
            _ => false,
        }
    }

    fn owned(self) -> Key {
        match self {
            KeyRef::Roles(a, s) => Key::Roles(a.clone(), s),
            KeyRef::Scopes(a, k, p) => Key::Scopes(a.clone(), k, p),
        }
    }
}

#[derive(Clone)]
enum Value {
    Roles { mask: u64, permissions: PermissionSet },
    Scopes(Scopes),
}

/// A map keyed by an already mixed `u64`: the identity is the hash.
#[derive(Default)]
struct Premixed(u64);

impl std::hash::Hasher for Premixed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; this path is never taken, and stays correct if it is.
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Default)]
struct Cache {
    epoch: u64,
    // hash → (key, tick stored, answer); a colliding key simply replaces the entry.
    entries: HashMap<u64, (Key, u64, Value), std::hash::BuildHasherDefault<Premixed>>,
}

thread_local! {
    // This thread's caches, one per `Grants` (by id), newest last; a few at most in practice.
    static CACHES: std::cell::RefCell<Vec<(u64, std::sync::Weak<Shared>, Cache)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Caches a thread keeps (one per live `Grants` it used); beyond this the oldest is dropped.
/// Caches of dropped `Grants` go when the thread next starts a cache.
const CACHES_PER_THREAD: usize = 16;

/// The coarse clock: ticks of [`TICK`] since the process's first `Grants`, kept by one thread.
const TICK: Duration = Duration::from_millis(10);
const _: () = assert!(TICK.as_millis() == 10, "`ticks` counts hundredths of a second");

/// `d` in ticks, rounded down, in `u64` arithmetic (`Duration::as_millis` is a `u128`, and its
/// division costs more than the rest of a lookup).
#[inline]
fn ticks(d: Duration) -> u64 {
    d.as_secs() * 100 + u64::from(d.subsec_millis()) / 10
}

fn tick() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TICKS: AtomicU64 = AtomicU64::new(0);
    static STARTED: std::sync::OnceLock<Option<Instant>> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(|| {
        let spawned = std::thread::Builder::new().name("authz-grants-clock".into()).spawn(|| {
            let start = Instant::now();
            loop {
                std::thread::sleep(TICK);
                TICKS.store(ticks(start.elapsed()), Ordering::Relaxed);
            }
        });
        // Without the thread, every lookup reads the time itself (slower, as correct).
        if spawned.is_ok() { None } else { Some(Instant::now()) }
    });
    match started {
        None => TICKS.load(Ordering::Relaxed),
        Some(start) => ticks(start.elapsed()),
    }
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grants").field("ttl", &self.shared.ttl).field("capacity", &self.shared.capacity).finish_non_exhaustive()
    }
}

impl Grants {
    /// `store`'s grants, with roles mapped to permissions by `catalog`; cached answers are
    /// trusted for [`DEFAULT_TTL`], at most [`DEFAULT_CAPACITY`] of them per thread.
    pub fn new(store: impl GrantStore, catalog: &'static Catalog) -> Self {
        Grants::with_limits(store, catalog, DEFAULT_TTL, DEFAULT_CAPACITY)
    }

    /// As [`new`](Self::new), trusting a cached answer for `ttl` and keeping at most `capacity`
    /// per thread.
    pub fn with_limits(store: impl GrantStore, catalog: &'static Catalog, ttl: Duration, capacity: usize) -> Self {
        static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = tick();
        let shared = Shared { id, store: Box::new(store), catalog, ttl, capacity: capacity.max(1) };
        Grants { shared: Arc::new(shared) }
    }

    /// How long a cached answer is trusted now: the store's say ([`GrantStore::ttl`]), else the
    /// cache's own setting.
    pub fn ttl(&self) -> Duration {
        self.shared.store.ttl().unwrap_or(self.shared.ttl)
    }

    /// Runs `f` on this thread's cache for these grants, made current with the store's epoch.
    #[inline]
    fn with_cache<T>(&self, f: impl FnOnce(&mut Cache) -> T) -> T {
        let epoch = self.shared.store.epoch();
        CACHES.with(|caches| {
            let mut caches = caches.borrow_mut();
            let at = match caches.iter().position(|(id, _, _)| *id == self.shared.id) {
                Some(at) => at,
                None => {
                    caches.retain(|(_, owner, _)| owner.strong_count() > 0);
                    if caches.len() >= CACHES_PER_THREAD {
                        caches.remove(0);
                    }
                    caches.push((self.shared.id, Arc::downgrade(&self.shared), Cache { epoch, entries: HashMap::default() }));
                    caches.len() - 1
                }
            };
            let cache = &mut caches[at].2;
            if cache.epoch != epoch {
                cache.entries.clear();
                cache.epoch = epoch;
            }
            f(cache)
        })
    }

    #[inline]
    fn lookup(&self, key: KeyRef<'_>) -> Option<Value> {
        self.lookup_with(key, Value::clone)
    }

    /// `read` of the live entry for `key`, if any.
    #[inline]
    fn lookup_with<T>(&self, key: KeyRef<'_>, read: impl FnOnce(&Value) -> T) -> Option<T> {
        let hash = key.hash();
        let ttl_ticks = ticks(self.ttl());
        let now = tick();
        self.with_cache(|cache| match cache.entries.get(&hash) {
            Some((stored, at, value)) if key.is(stored) && now.saturating_sub(*at) < ttl_ticks => Some(read(value)),
            _ => None,
        })
    }

    /// Keeps `value`, unless the epoch moved while it was fetched (it may predate the change).
    fn keep(&self, key: KeyRef<'_>, value: Value, epoch_before: u64) {
        if self.shared.store.epoch() != epoch_before {
            return;
        }
        let (capacity, now) = (self.shared.capacity, tick());
        let ttl_ticks = ticks(self.ttl());
        self.with_cache(|cache| {
            if cache.entries.len() >= capacity {
                cache.entries.retain(|_, (_, at, _)| now.saturating_sub(*at) < ttl_ticks);
                if cache.entries.len() >= capacity {
                    cache.entries.clear();
                }
            }
            cache.entries.insert(key.hash(), (key.owned(), now, value));
        });
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
    pub fn check_cached(&self, actor: &dyn Principal, scope: Scope, requirement: &Requirement) -> Option<ScopedCheck> {
        if requirement.is_satisfied_by(actor) {
            return Some(ScopedCheck { allowed: true, member: None });
        }
        let (scoped, mask) = self.cached(actor.actor_id(), scope)?;
        Some(ScopedCheck { allowed: meets(requirement, actor, &scoped), member: Some(mask != 0) })
    }

    /// The permissions `actor` holds through roles in `scope` (not its global ones), and the mask
    /// of those roles in catalog order (`0`: no role there). System actors hold no grants.
    pub async fn in_scope(&self, actor: &ActorId, scope: Scope) -> Result<(PermissionSet, u64), GrantError> {
        let catalog = self.shared.catalog;
        if matches!(actor, ActorId::System(_)) {
            return Ok((PermissionSet::empty(catalog), 0));
        }
        let key = KeyRef::Roles(actor, scope);
        if let Some(Value::Roles { mask, permissions }) = self.lookup(key) {
            return Ok((permissions, mask));
        }
        let epoch = self.shared.store.epoch();
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
        self.keep(key, Value::Roles { mask, permissions }, epoch);
        Ok((permissions, mask))
    }

    /// Whether `actor` meets `requirement` in `scope`: its global permissions first (no store
    /// query when they suffice), then its roles in the scope.
    pub async fn check(&self, actor: &dyn Principal, scope: Scope, requirement: &Requirement) -> Result<ScopedCheck, GrantError> {
        if requirement.is_satisfied_by(actor) {
            return Ok(ScopedCheck { allowed: true, member: None });
        }
        let (scoped, mask) = self.in_scope(actor.actor_id(), scope).await?;
        Ok(ScopedCheck { allowed: meets(requirement, actor, &scoped), member: Some(mask != 0) })
    }

    /// As [`check`](Self::check) for one permission, turned into a refusal: `outsiders` when the
    /// actor holds no role in `scope`, `deny` when it does but not `permission`. For services,
    /// CLIs and jobs.
    pub async fn require(&self, actor: &dyn Principal, scope: Scope, permission: Permission, deny: Deny, outsiders: Deny) -> Result<Result<(), AuthzError>, GrantError> {
        let check = self.check(actor, scope, &Requirement::Permission(permission)).await?;
        Ok(check.require(deny, outsiders))
    }

    /// The scopes of `kind` where `actor` holds `permission`: [`Scopes::All`] when it holds it
    /// globally (no store query), else the ids the store reports for the roles that grant it.
    pub async fn scopes_with(&self, actor: &dyn Principal, kind: &'static str, permission: Permission) -> Result<Scopes, GrantError> {
        if actor.has_permission(permission) {
            return Ok(Scopes::All);
        }
        let id = actor.actor_id();
        if matches!(id, ActorId::System(_)) {
            return Ok(Scopes::none());
        }
        let key = KeyRef::Scopes(id, kind, permission);
        if let Some(Value::Scopes(scopes)) = self.lookup(key) {
            return Ok(scopes);
        }
        let roles: Vec<&'static str> =
            self.shared.catalog.roles().iter().filter(|r| r.permissions.contains(&permission)).map(|r| r.name).collect();
        let epoch = self.shared.store.epoch();
        let mut ids = if roles.is_empty() { Vec::new() } else { self.shared.store.scopes_with(id, kind, &roles).await? };
        ids.sort_unstable();
        ids.dedup();
        let scopes = Scopes::Only(ids.into());
        self.keep(key, Value::Scopes(scopes.clone()), epoch);
        Ok(scopes)
    }
}

/// Whether `actor`'s global permissions plus `scoped` meet `requirement`: one union of bitsets
/// when the actor has one over the same catalog, else permission by permission.
fn meets(requirement: &Requirement, actor: &dyn Principal, scoped: &PermissionSet) -> bool {
    match actor.permission_set() {
        Some(global) if std::ptr::eq(global.catalog(), scoped.catalog()) => requirement.is_satisfied_by_set(&global.union(scoped)),
        _ => requirement.is_met_by(&|p| scoped.contains(p) || actor.has_permission(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{PermissionDef, RoleDef};
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Mutex;

    const READ: Permission = Permission::new("doc:read");
    const WRITE: Permission = Permission::new("doc:write");
    static CATALOG: Catalog = Catalog::new(
        &[PermissionDef { permission: READ, description: "r" }, PermissionDef { permission: WRITE, description: "w" }],
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
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Table>);

    impl GrantStore for Shared {
        fn roles_in<'a>(&'a self, actor: &'a ActorId, scope: Scope) -> StoreFuture<'a, Vec<String>> {
            self.0.queries.fetch_add(1, Ordering::SeqCst);
            let fail = self.0.fail.load(Ordering::SeqCst);
            let rows = self.0.rows.lock().unwrap().clone();
            let actor = actor.clone();
            Box::pin(async move {
                if fail {
                    return Err(GrantError::new(std::io::Error::other("down")));
                }
                Ok(rows.iter().filter(|(a, s, _)| actor == *a && *s == scope.id).map(|(_, _, r)| r.to_string()).collect())
            })
        }

        fn scopes_with<'a>(&'a self, actor: &'a ActorId, _: &'static str, roles: &'a [&'static str]) -> StoreFuture<'a, Vec<i64>> {
            self.0.queries.fetch_add(1, Ordering::SeqCst);
            let rows = self.0.rows.lock().unwrap().clone();
            let actor = actor.clone();
            let roles = roles.to_vec();
            Box::pin(async move { Ok(rows.iter().filter(|(a, _, r)| actor == *a && roles.contains(r)).map(|(_, s, _)| *s).collect()) })
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
        assert_eq!(now(grants.check(&erin, team(7), &write)).unwrap(), ScopedCheck { allowed: true, member: Some(true) });
        assert_eq!(now(grants.check(&erin, team(9), &write)).unwrap(), ScopedCheck { allowed: false, member: Some(true) });
        assert_eq!(now(grants.check(&erin, team(8), &write)).unwrap(), ScopedCheck { allowed: false, member: Some(false) });
        // A member without the permission is told 403; an outsider 404 when outsiders are hidden.
        let member = now(grants.check(&dave, team(7), &write)).unwrap();
        assert_eq!(member.require(Deny::Forbidden, Deny::NotFound), Err(AuthzError::Forbidden));
        let outsider = now(grants.check(&dave, team(9), &write)).unwrap();
        assert_eq!(outsider.require(Deny::Forbidden, Deny::NotFound), Err(AuthzError::NotFound));
        assert_eq!(now(grants.scopes_with(&erin, "team", READ)).unwrap(), Scopes::Only(Arc::from([7, 9])));
        assert_eq!(now(grants.scopes_with(&erin, "team", WRITE)).unwrap(), Scopes::Only(Arc::from([7])));
    }

    #[test]
    fn global_permissions_need_no_query_and_system_actors_hold_no_grants() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let editor = CATALOG.actor(1, ["editor"]).unwrap();
        let check = now(grants.check(&editor, Scope::new("team", 3), &Requirement::Permission(WRITE))).unwrap();
        assert_eq!(check, ScopedCheck { allowed: true, member: None });
        assert_eq!(now(grants.scopes_with(&editor, "team", WRITE)).unwrap(), Scopes::All);
        let job = CATALOG.system_actor("job", &[]);
        assert!(!now(grants.check(&job, Scope::new("team", 7), &Requirement::Permission(READ))).unwrap().allowed);
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
        // Capacity 3: a fourth scope evicts rather than grows.
        for id in 10..20 {
            let _ = now(grants.check(&erin, Scope::new("team", id), &write)).unwrap();
            assert!(grants.with_cache(|c| c.entries.len()) <= 3);
        }
        // Another thread (an actix worker) has a cache of its own; this one still answers.
        let before = table.0.queries.load(Ordering::SeqCst);
        assert!(grants.check_cached(&erin, Scope::new("team", 19), &write).is_some());
        let other = grants.clone();
        let erin2 = erin.clone();
        std::thread::spawn(move || {
            assert!(other.check_cached(&erin2, Scope::new("team", 19), &write).is_none(), "a cold cache");
            let _ = now(other.check(&erin2, Scope::new("team", 19), &write)).unwrap();
        })
        .join()
        .unwrap();
        assert_eq!(table.0.queries.load(Ordering::SeqCst), before + 1);
    }

    #[test]
    fn a_store_error_is_an_error_and_is_not_cached() {
        let (table, grants) = setup(vec![(1, 7, "editor")]);
        let erin = CATALOG.actor(1, ["member"]).unwrap();
        table.0.fail.store(true, Ordering::SeqCst);
        assert!(now(grants.check(&erin, Scope::new("team", 7), &Requirement::Permission(WRITE))).is_err());
        table.0.fail.store(false, Ordering::SeqCst);
        assert!(now(grants.check(&erin, Scope::new("team", 7), &Requirement::Permission(WRITE))).unwrap().allowed);
    }

    #[test]
    fn a_dropped_grants_leaves_no_cache_behind() {
        let count = || CACHES.with(|c| c.borrow().len());
        let before = count();
        for _ in 0..3 {
            let (_, grants) = setup(vec![(1, 7, "editor")]);
            let erin = CATALOG.actor(1, ["member"]).unwrap();
            assert!(now(grants.check(&erin, Scope::new("team", 7), &Requirement::Permission(WRITE))).unwrap().allowed);
        }
        // The third `Grants` started its cache after the first two were dropped.
        assert!(count() <= before + 1, "{} caches", count());
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
}
