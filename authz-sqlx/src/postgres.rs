//! The feed on PostgreSQL: the grant table's trigger `NOTIFY`s, a listener hears.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::feed::Feed;

/// The notification channel the PostgreSQL trigger announces changes on.
pub const CHANNEL: &str = "authz_grants";

/// `LISTEN authz_grants` on a connection of its own until `stop`, reconnecting with backoff:
/// every notification, and every (re)connect, moves the epoch.
pub(crate) async fn listen(feed: Arc<Feed>, stop: Arc<AtomicBool>, url: String) {
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::SeqCst) {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(target: "authz", error = %e, "grant invalidation feed: cannot connect; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(target: "authz", error = %e, "grant invalidation feed: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        // Anything cached before now may have missed a notification.
        feed.connected();
        feed.bump();
        tracing::info!(target: "authz", "grant invalidation feed connected");
        loop {
            if stop.load(Ordering::SeqCst) {
                feed.disconnected();
                return;
            }
            // Wake up every so often to notice `stop`.
            match tokio::time::timeout(Duration::from_millis(500), listener.try_recv()).await {
                Err(_elapsed) => continue,
                Ok(Ok(Some(_))) => feed.bump(),
                // `None`: the connection was lost; `Err`: it failed.
                Ok(Ok(None)) | Ok(Err(_)) => {
                    feed.disconnected();
                    feed.bump();
                    tracing::warn!(target: "authz", "grant invalidation feed lost; cached grants expire after the fallback TTL until it is back");
                    break;
                }
            }
        }
    }
}
