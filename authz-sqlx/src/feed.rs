//! The invalidation feed's state: the epoch every cached grant is checked against, whether a
//! listener is connected, and the guard that stops one feed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use std::time::Duration;

/// How long cached answers are trusted while the invalidation feed is connected: a safety net
/// for a notification lost without the connection noticing.
pub const FEED_TTL: Duration = Duration::from_secs(10);
/// How long cached answers are trusted while the feed is down (or not started) on PostgreSQL.
pub const FALLBACK_TTL: Duration = Duration::from_secs(1);

/// What a store's clones share: the epoch, and how many feeds are connected (PostgreSQL).
#[derive(Debug, Default)]
pub(crate) struct Feed {
    epoch: AtomicU64,
    connected: AtomicUsize,
}

impl Feed {
    /// Something changed, or may have: every cached answer is stale.
    pub(crate) fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// A feed's listener connected.
    pub(crate) fn connected(&self) {
        self.connected.fetch_add(1, Ordering::SeqCst);
    }

    /// A connected feed's listener lost its connection, or stopped.
    pub(crate) fn disconnected(&self) {
        let _ =
            self.connected.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// Whether any feed is connected now.
    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst) > 0
    }
}

/// Keeps one invalidation feed running; dropping it stops that feed's thread within a second,
/// and no other.
#[derive(Debug)]
#[must_use = "the feed stops when this is dropped"]
pub struct Listening {
    stop: Option<Arc<AtomicBool>>,
}

impl Listening {
    /// The guard of the feed that watches `stop`.
    pub(crate) fn new(stop: Arc<AtomicBool>) -> Self {
        Listening { stop: Some(stop) }
    }

    /// A feed with nothing to watch (an in-memory SQLite database has no other writer).
    pub(crate) fn idle() -> Self {
        Listening { stop: None }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.store(true, Ordering::SeqCst);
        }
    }
}
