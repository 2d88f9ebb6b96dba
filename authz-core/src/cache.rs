//! The grants cache: [`quick_cache`]'s, shared by every worker, keyed by a borrowed key, and
//! trusted while the store's epoch holds and the time to live has not passed.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use quanta::{Clock, Instant};

use crate::actor::ActorId;
use crate::permission::Permission;
use crate::scope::Scope;
use crate::scope::Scopes;
use crate::set::PermissionSet;
use crate::store::GrantError;

/// What a cache entry is about: roles in one scope, or the scopes where a permission is held.
#[derive(Clone, PartialEq, Eq)]
enum Key {
    Roles(ActorId, Scope),
    Scopes(ActorId, &'static str, Permission),
}

/// A [`Key`] to look up, borrowed: hashes exactly as the key it stands for.
#[derive(Clone, Copy)]
pub(crate) enum KeyRef<'a> {
    Roles(&'a ActorId, Scope),
    Scopes(&'a ActorId, &'static str, Permission),
}

impl Hash for KeyRef<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        match *self {
            KeyRef::Roles(actor, scope) => hash_key(state, 0, actor, scope.kind, scope.id, None),
            KeyRef::Scopes(actor, kind, permission) => {
                hash_key(state, 1, actor, kind, 0, Some(permission))
            }
        }
    }
}

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Key::Roles(actor, scope) => KeyRef::Roles(actor, *scope).hash(state),
            Key::Scopes(actor, kind, permission) => {
                KeyRef::Scopes(actor, kind, *permission).hash(state)
            }
        }
    }
}

/// The one hash of both key forms, in as few fixed-size words as the gate's key allows: a
/// numeric actor's roles in a scope are two. A scope kind goes in by its length only —
/// `equivalent` compares kinds in full, so equal keys still hash alike — which spares hashing
/// its bytes on every lookup (the derived hash cost 128 instructions a scoped request, this one
/// ~105; `benches/http-instructions.sh`, `ROUTE=/teams/7/item CALLER=tess`, per function).
#[inline]
fn hash_key<H: Hasher>(
    state: &mut H,
    form: u64,
    actor: &ActorId,
    kind: &str,
    id: i64,
    permission: Option<Permission>,
) {
    let (variant, number) = match actor {
        ActorId::Int(n) => (0, *n),
        ActorId::Text(text) => {
            text.hash(state);
            (1, 0)
        }
        ActorId::System(name) => {
            name.hash(state);
            (2, 0)
        }
    };
    // One 128-bit word is one multiply in foldhash; the tags are a second.
    state.write_u128((number as u64 as u128) << 64 | id as u64 as u128);
    state.write_u64(form | variant << 1 | (kind.len() as u64) << 3);
    if let Some(permission) = permission {
        permission.hash(state);
    }
}

impl quick_cache::Equivalent<Key> for KeyRef<'_> {
    #[inline]
    fn equivalent(&self, key: &Key) -> bool {
        match (*self, key) {
            (KeyRef::Roles(a, s), Key::Roles(b, t)) => s == *t && a == b,
            (KeyRef::Scopes(a, k, p), Key::Scopes(b, l, q)) => a == b && k == *l && p == *q,
            _ => false,
        }
    }
}

impl KeyRef<'_> {
    fn owned(self) -> Key {
        match self {
            KeyRef::Roles(a, s) => Key::Roles(a.clone(), s),
            KeyRef::Scopes(a, k, p) => Key::Scopes(a.clone(), k, p),
        }
    }
}

#[derive(Clone)]
pub(crate) enum Value {
    Roles { mask: u64, permissions: PermissionSet },
    Scopes(Scopes),
}

/// A cached answer, with the store epoch and the time it was fetched at (on the cache's clock).
#[derive(Clone)]
struct Entry {
    epoch: u64,
    at: Instant,
    value: Value,
}

/// The cache of one [`Grants`](crate::Grants) and its clones.
///
/// Its entries' ages are read on quanta's clock (the CPU's time-stamp counter where it is
/// reliable, else the OS's monotonic clock): a lookup reads the time once, and
/// `std::time::Instant::elapsed` cost ~89 instructions per scoped request against quanta's ~20
/// (`benches/http-instructions.sh`, `ROUTE=/teams/7/item CALLER=tess`). quanta is already in
/// the tree of every front end (authz-actix's telemetry times decisions with it).
pub(crate) struct Cache {
    entries: quick_cache::sync::Cache<Key, Entry>,
    clock: Clock,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        Cache { entries: quick_cache::sync::Cache::new(capacity), clock: Clock::new() }
    }

    /// How many answers it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `entry` may still be trusted, the store being at `epoch`.
    #[inline]
    fn fresh(&self, entry: &Entry, epoch: u64, ttl: Duration) -> bool {
        entry.epoch == epoch && self.clock.now().saturating_duration_since(entry.at) < ttl
    }

    /// `read` of the live entry for `key`, if any.
    #[inline]
    pub(crate) fn lookup_with<T>(
        &self,
        key: KeyRef<'_>,
        epoch: u64,
        ttl: Duration,
        read: impl FnOnce(&Value) -> T,
    ) -> Option<T> {
        let entry = self.entries.get(&key)?;
        self.fresh(&entry, epoch, ttl).then(|| read(&entry.value))
    }

    /// The live answer for `key`, or `fetch`'s — one fetch at a time per key, however many ask
    /// at once. `keep` says which fetched answers are cached; one fetched while the store's epoch
    /// moved is not (it may predate the change).
    pub(crate) async fn get_or_fetch<F>(
        &self,
        key: KeyRef<'_>,
        epoch: &(dyn Fn() -> u64 + Sync),
        ttl: Duration,
        keep: impl Fn(&Value) -> bool,
        fetch: F,
    ) -> Result<Value, GrantError>
    where
        F: AsyncFnOnce() -> Result<Value, GrantError>,
    {
        let owned = key.owned();
        // At most twice round: a stale entry found first is removed, then the key is joined.
        let guard = loop {
            match self.entries.get_value_or_guard_async(&owned).await {
                Ok(entry) if self.fresh(&entry, epoch(), ttl) => return Ok(entry.value),
                Ok(_) => {
                    self.entries.remove(&key);
                }
                Err(guard) => break guard,
            }
        };
        let before = epoch();
        let value = fetch().await?;
        if keep(&value) && epoch() == before {
            let _ =
                guard.insert(Entry { epoch: before, at: self.clock.now(), value: value.clone() });
        }
        Ok(value)
    }
}
