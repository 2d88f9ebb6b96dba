//! What names one decision in the audit trail and in a response header, the same way on every
//! front end.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// One decision's id: 16 hex digits, in the audit event as `decision_id=` and, when the app
/// explains refusals, in the response's `authz-decision-id` header (never on a 404: a hidden
/// resource's answer must not differ from a missing one's).
///
/// The process counts its decisions and shows each count through SipHash under keys drawn from
/// the OS's randomness at start: a client that sees two ids learns nothing of how many decisions
/// lie between them (a plain counter would tell it the server's traffic), and ids repeat with the
/// odds of a 64-bit collision (one in ~3,700 over 10^8 decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionId(u64);

impl DecisionId {
    #[inline]
    /// The next decision's id.
    pub fn next() -> Self {
        use std::hash::BuildHasher;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        static KEYS: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
        let keys = KEYS.get_or_init(std::collections::hash_map::RandomState::new);
        DecisionId(keys.hash_one(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

impl std::fmt::Display for DecisionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}
