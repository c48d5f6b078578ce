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
pub mod spent_authorization_requests;
pub mod users;

use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

fn connect_options(database_url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid SQLite database URL {database_url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true))
}

/// Opens the pool (WAL, busy timeout, foreign keys), creating the database file
/// and its directory if missing, then applies pending migrations.
///
/// The database holds the private signing keys, so it is the owner's alone:
/// a missing directory is created 0700, files this process creates (the
/// database, `-wal`, `-shm`) are 0600, and a database file that is group- or
/// world-readable is refused before it is opened.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<SqlitePool> {
    let options = connect_options(database_url)?;
    let file = options.get_filename().to_path_buf();
    let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
    if !in_memory {
        private_files_only();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        refuse_shared_files(&file)?;
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

/// From now on, files this process creates are readable by its user only.
fn private_files_only() {
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the database directory {}", dir.display()))
}

/// Refuses a database whose file (or `-wal`/`-shm`) others may read.
fn refuse_shared_files(file: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            anyhow::bail!(
                "{} is readable by other users (mode {mode:o}); it holds the private signing keys. \
                 Run `chmod 600 {}*` and start again",
                path.display(),
                file.display()
            );
        }
    }
    Ok(())
}

/// An exclusive lock on a SQLite database for one serving process. A second
/// `serve` on the same file would keep read caches the first one cannot
/// invalidate, so it refuses to start; the CLI commands take no lock and keep
/// working beside a running server.
#[derive(Debug)]
pub struct ServeLock {
    _file: std::fs::File,
}

/// Takes `<database>.lock` next to the database file, or says who holds it.
pub fn lock_for_serving(database_url: &str) -> anyhow::Result<Option<ServeLock>> {
    let options = connect_options(database_url)?;
    let db_file = options.get_filename();
    if db_file.as_os_str().is_empty() || db_file.as_os_str() == ":memory:" {
        return Ok(None);
    }
    let mut name = db_file.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_files_only();
        create_private_dir(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    // SAFETY: flock on a file descriptor this function owns.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        anyhow::bail!(
            "another signoff server is already serving {} (it holds {}). One server per SQLite \
             database: a second one's read caches would go stale. Stop the other server, or use \
             the CLI commands, which work beside it",
            db_file.display(),
            path.display()
        );
    }
    Ok(Some(ServeLock { _file: file }))
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
