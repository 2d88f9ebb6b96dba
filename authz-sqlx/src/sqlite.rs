//! The feed on a SQLite file: `PRAGMA data_version`, polled, tells of other connections' commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::feed::Feed;

/// How often [`SqlGrants::listen`](crate::SqlGrants::listen) asks SQLite whether another connection committed.
pub const SQLITE_POLL: Duration = Duration::from_millis(100);

/// Polls `data_version` on a connection of its own until `stop`; a change means another
/// connection committed, and the epoch moves.
pub(crate) async fn watch(feed: Arc<Feed>, stop: Arc<AtomicBool>, url: String) {
    use sqlx::Connection as _;
    let mut last: Option<i64> = None;
    while !stop.load(Ordering::SeqCst) {
        let mut conn = match sqlx::sqlite::SqliteConnection::connect(&url).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(target: "authz", error = %e, "grant change watch: cannot open the SQLite file; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        tracing::info!(target: "authz", "grant change watch started (SQLite data_version)");
        while !stop.load(Ordering::SeqCst) {
            match sqlx::query_scalar::<_, i64>("PRAGMA data_version").fetch_one(&mut conn).await {
                Ok(version) => {
                    if last.is_some_and(|seen| seen != version) {
                        feed.bump();
                    }
                    last = Some(version);
                }
                Err(e) => {
                    // A new connection's `data_version` is not comparable with the old one's.
                    last = None;
                    feed.bump();
                    tracing::warn!(target: "authz", error = %e, "grant change watch failed; reopening");
                    break;
                }
            }
            tokio::time::sleep(SQLITE_POLL).await;
        }
    }
}
