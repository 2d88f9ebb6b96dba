//! The grants cache: [`quick_cache`]'s, shared by every worker, keyed by a borrowed key, and
//! trusted while the store's epoch holds and the time to live has not passed.

use std::time::{Duration, Instant};

use crate::actor::ActorId;
use crate::permission::Permission;
use crate::scope::Scope;
use crate::scope::Scopes;
use crate::set::PermissionSet;
use crate::store::GrantError;

/// What a cache entry is about: roles in one scope, or the scopes where a permission is held.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Roles(ActorId, Scope),
    Scopes(ActorId, &'static str, Permission),
}

/// A [`Key`] to look up, borrowed: hashes exactly as the key it stands for.
#[derive(Clone, Copy, Hash)]
pub(crate) enum KeyRef<'a> {
    Roles(&'a ActorId, Scope),
    Scopes(&'a ActorId, &'static str, Permission),
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

/// A cached answer, with the store epoch and the time it was fetched at.
#[derive(Clone)]
struct Entry {
    epoch: u64,
    at: Instant,
    value: Value,
}

/// The cache of one [`Grants`](crate::Grants) and its clones.
pub(crate) struct Cache(quick_cache::sync::Cache<Key, Entry>);

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        Cache(quick_cache::sync::Cache::new(capacity))
    }

    /// How many answers it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `entry` may still be trusted, the store being at `epoch`.
    #[inline]
    fn fresh(entry: &Entry, epoch: u64, ttl: Duration) -> bool {
        entry.epoch == epoch && entry.at.elapsed() < ttl
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
        let entry = self.0.get(&key)?;
        Self::fresh(&entry, epoch, ttl).then(|| read(&entry.value))
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
            match self.0.get_value_or_guard_async(&owned).await {
                Ok(entry) if Self::fresh(&entry, epoch(), ttl) => return Ok(entry.value),
                Ok(_) => {
                    self.0.remove(&key);
                }
                Err(guard) => break guard,
            }
        };
        let before = epoch();
        let value = fetch().await?;
        if keep(&value) && epoch() == before {
            let _ = guard.insert(Entry { epoch: before, at: Instant::now(), value: value.clone() });
        }
        Ok(value)
    }
}
