//! The grant store: where scoped role assignments live, as the one trait a SQL table
//! (`authz-sqlx`) or a relationship engine implements.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::actor::ActorId;
use crate::scope::Scope;

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
    fn scopes_with<'a>(
        &'a self,
        actor: &'a ActorId,
        kind: &'static str,
        roles: &'a [&'static str],
    ) -> StoreFuture<'a, Vec<i64>>;

    /// A number that changes whenever an answer given earlier may no longer hold (an
    /// invalidation arrived, or the store lost the feed that would have announced one): caches
    /// drop everything when it moves. A store with no such feed keeps `0` and relies on the
    /// cache's time to live.
    fn epoch(&self) -> u64 {
        0
    }

    /// How long a cached answer may be trusted right now, when the store knows better than the
    /// cache's own setting: long while an invalidation feed is connected, short while it is down.
    /// `None` leaves it to [`Grants`](crate::Grants)' time to live.
    fn ttl(&self) -> Option<Duration> {
        None
    }
}
