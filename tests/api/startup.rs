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

    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM browser_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    assert_eq!(count, 0, "a fresh database has no browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_runs_in_wal_mode() {
    if crate::helpers::on_postgres() {
        return; // SQLite's journal
    }
    let app = spawn_app().await;

    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    assert_eq!(mode, "wal");
}

fn settings_for(database_url: &str) -> signoff::server::config::Settings {
    signoff::server::config::Settings::resolve(
        Default::default(),
        signoff::server::config::SettingsLayer {
            database_url: Some(database_url.to_owned()),
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_and_its_directory_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new").join("signoff.db");

    let pool =
        signoff::server::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", db.display()))
            .await
            .unwrap();
    sqlx::query("INSERT INTO audit_events (occurred_at, action) VALUES (1, 'test.write')")
        .execute(&pool.pool)
        .await
        .unwrap();

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    pool.close().await;

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err =
        signoff::server::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", db.display()))
            .await
            .unwrap_err();
    assert!(
        err.to_string().contains("readable by other users"),
        "{err:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_database_refuses_to_start_but_the_cli_works() {
    let app = crate::helpers::spawn_app().await;
    let database_url = app.state().settings.database_url.clone();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = signoff::server::startup::Application::build_with_listener(
        settings_for(&database_url),
        listener,
    )
    .await;

    if crate::helpers::on_postgres() {
        // Several instances on one PostgreSQL database are the point.
        assert!(second.is_ok(), "a second instance starts on PostgreSQL");
    } else {
        let err = second.err().expect("the second server refuses to start");
        assert!(err.to_string().contains("already serving"), "{err:#}");
    }
    // What the CLI commands do: open, migrate, write.
    let cli = signoff::server::db::connect_and_migrate(&database_url)
        .await
        .unwrap();
    sqlx::query("INSERT INTO audit_events (occurred_at, action) VALUES (1, 'test.cli')")
        .execute(&cli.pool)
        .await
        .unwrap();
}
