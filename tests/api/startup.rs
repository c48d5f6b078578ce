use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_applies_the_migrations_and_records_an_audit_event() {
    let app = spawn_app().await;

    let (action, actor, detail): (String, String, String) =
        sqlx::query_as("SELECT action, actor, detail FROM audit_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    assert_eq!(action, "server.started");
    assert_eq!(actor, "system");
    assert!(detail.contains(env!("CARGO_PKG_VERSION")), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_session_table_lives_in_the_same_database() {
    let app = spawn_app().await;

    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'browser_sessions'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_runs_in_wal_mode() {
    let app = spawn_app().await;

    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    assert_eq!(mode, "wal");
}
