//! Each `listen` is a feed of its own: dropping one guard stops that feed's thread and no
//! other, and a later `listen` cannot revive a thread that was told to stop. On a SQLite file,
//! where a feed is a thread polling `data_version`, counted through `/proc`.

use std::time::{Duration, Instant};

use authz_core::{ActorId, GrantStore, Scope};
use authz_sqlx::SqlGrants;

/// Threads of this process named like a feed's (`authz-grants-listen`, cut to 15 bytes by Linux).
fn feed_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|name| name.trim_end() == "authz-grants-li")
        })
        .count()
}

/// Waits (bounded) until `done` holds.
fn settles(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_one_feed_leaves_the_others_running() {
    let dir = std::env::temp_dir().join(format!("authz-sqlx-feeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("grants.db").display());
    let grants = SqlGrants::connect(&url).await.expect("connect");
    grants.migrate().await.expect("migrate");
    // Another process's writes, as far as this store's feed knows: another store.
    let other = SqlGrants::connect(&url).await.expect("connect");
    let before = feed_threads();

    let first = grants.listen(&url).expect("listen");
    let second = grants.listen(&url).expect("listen");
    assert!(settles(Duration::from_secs(5), || feed_threads() == before + 2), "two feeds");
    drop(first);
    assert!(
        settles(Duration::from_secs(5), || feed_threads() == before + 1),
        "the first feed's thread ends, the second runs"
    );

    // The second still sees what others commit.
    tokio::time::sleep(authz_sqlx::SQLITE_POLL * 3).await;
    let epoch = grants.epoch();
    other.grant(&ActorId::Int(1), Scope::new("team", 1), "editor").await.expect("grant");
    let start = Instant::now();
    while grants.epoch() == epoch && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_ne!(grants.epoch(), epoch, "the remaining feed saw the other store's commit");

    // Told to stop, a feed stays stopped, whatever `listen` comes after.
    drop(second);
    let third = grants.listen(&url).expect("listen");
    assert!(
        settles(Duration::from_secs(5), || feed_threads() == before + 1),
        "only the third feed runs"
    );
    drop(third);
    assert!(settles(Duration::from_secs(5), || feed_threads() == before), "every feed ended");
    let _ = std::fs::remove_dir_all(dir);
}
