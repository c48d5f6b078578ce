//! Persistence: one file per table, each exposing `verb_noun` functions that take
//! a pool or a connection/transaction and return `sqlx::Result`.

pub mod access_tokens;
pub mod audit_events;
pub mod authorization_codes;
pub mod backchannel_deliveries;
pub mod clients;
pub mod frontchannel_pages;
pub mod logout_requests;
pub mod op_sessions;
pub mod rp_sessions;
pub mod schema;
pub mod server_secrets;
pub mod signing_keys;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Opens the pool (WAL, busy timeout, foreign keys), creating the database file
/// and its directory if missing, then applies pending migrations.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid SQLite database URL {database_url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);

    let file = options.get_filename().to_path_buf();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database directory {}", dir.display()))?;
    }

    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the SQLite database {}", file.display()))?;

    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .with_context(|| {
            format!(
                "cannot apply the migrations in migrations/ to {}; was the database \
             written by a newer signoff, or edited by hand?",
                file.display()
            )
        })?;
    Ok(pool)
}

/// Starts a transaction that will write. `BEGIN IMMEDIATE` takes SQLite's
/// write lock up front (waiting up to the busy timeout), so a transaction that
/// reads before it writes cannot fail with `SQLITE_BUSY` when another
/// connection wrote in between, as a deferred `BEGIN` would in WAL mode.
pub async fn begin_write(
    pool: &SqlitePool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// The cheapest query that proves the database answers.
pub async fn ping(pool: &SqlitePool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
