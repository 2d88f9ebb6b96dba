//! Several processes starting at once on one fresh PostgreSQL database all come up, and each
//! migration is applied once (runs when `PROJECTS_TEST_POSTGRES_URL` names a server).

mod support;

use projects::db::Db;

#[actix_rt::test]
#[ignore = "needs a PostgreSQL server: set PROJECTS_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn concurrent_starts_on_one_database_migrate_once() {
    let admin_url = std::env::var("PROJECTS_TEST_POSTGRES_URL")
        .expect("PROJECTS_TEST_POSTGRES_URL names the PostgreSQL server this test needs");
    let admin = Db::connect(&admin_url).await.expect("admin");
    let name = format!("projects_migrate_{}", std::process::id());
    let url = support::fresh_postgres_database(&admin, &admin_url, &name).await;

    // Separate pools, as separate processes have.
    let starts = (0..8).map(|_| Db::connect(&url));
    let dbs: Vec<Db> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .map(|db| db.expect("every start migrates or finds it done"))
        .collect();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(&dbs[0].pool)
        .await
        .expect("count");
    assert_eq!(applied, 2, "both migrations, once each");

    for db in dbs {
        db.pool.close().await;
    }
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
        .execute(&admin.pool)
        .await;
}
