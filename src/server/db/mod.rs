//! Persistence: one file per table, each exposing `verb_noun` functions that take
//! a pool or a connection/transaction and return `sqlx::Result`.

pub mod access_tokens;
pub mod audit_events;
pub mod authorization_codes;
pub mod backchannel_deliveries;
pub mod browser_sessions;
pub mod change_epoch;
pub mod clients;
pub mod frontchannel_outcomes;
pub mod frontchannel_pages;
pub mod login_throttle;
pub mod logout_requests;
pub mod op_sessions;
pub mod refresh_tokens;
pub mod rp_sessions;
pub mod schema;
pub mod server_secrets;
pub mod signing_keys;
pub mod spent_authorization_requests;
pub mod terminations;
pub mod users;

use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::Executor as _;
use sqlx::ValueRef as _;
use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The database as the queries see it: sqlx's `Any` driver over SQLite or
/// PostgreSQL, chosen by the database URL at start-up. The queries are
/// checked at run time (the compile-time macros bind one database per crate),
/// use `$1`-style parameters and SQL both databases read the same way, and are
/// run by the API tests against both.
pub type Db = sqlx::Any;
pub type Pool = sqlx::AnyPool;
pub type Tx = sqlx::Transaction<'static, Db>;
pub type Connection = sqlx::AnyConnection;

/// Anything a query can run on: the pool, a connection or a transaction.
pub trait Executor<'c>: sqlx::Executor<'c, Database = Db> {}
impl<'c, T: sqlx::Executor<'c, Database = Db>> Executor<'c> for T {}

/// Which database the URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite:` or `postgres:`/`postgresql:`; anything else is refused.
    pub fn of_url(database_url: &str) -> anyhow::Result<Self> {
        let scheme = database_url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => anyhow::bail!(
                "the database URL must start with sqlite: or postgres:, not {scheme:?}"
            ),
        }
    }

    /// The backend of an open pool.
    pub fn of(pool: &Pool) -> Self {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Self::Sqlite,
            _ => Self::Postgres,
        }
    }
}

/// The same database as a native pool, for what needs the concrete driver:
/// the browser-session store (and, on PostgreSQL, `LISTEN`).
#[derive(Clone, Debug)]
pub enum NativePool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl NativePool {
    /// Whether the pool pings a connection before handing it out (sqlx's
    /// default). A SQLite connection is a file in this process: it cannot
    /// have hung up, and the ping is a round trip through its worker thread
    /// on every acquire, a tenth of a logout's CPU. A PostgreSQL connection
    /// can die with its server or the network, so it is still checked.
    fn tests_before_acquire(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// The open database: the pool the queries run on, and a small native one.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: Pool,
    pub native: NativePool,
}

impl Database {
    pub async fn close(&self) {
        self.pool.close().await;
        match &self.native {
            NativePool::Sqlite(pool) => pool.close().await,
            NativePool::Postgres(pool) => pool.close().await,
        }
    }
}

/// A flag column: `INTEGER` 0/1 on SQLite, `BOOLEAN` on PostgreSQL. Through
/// the `Any` driver the first arrives as an integer, which `bool` does not
/// decode; rows read flags as `#[sqlx(try_from = "Flag")] field: bool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl sqlx::Type<Db> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Db>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> sqlx::Decode<'r, Db> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            Ok(Flag(<bool as sqlx::Decode<'r, Db>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as sqlx::Decode<'r, Db>>::decode(value)? != 0))
        }
    }
}

/// Whether a failure was PostgreSQL refusing text it cannot store: a NUL
/// character (SQLSTATE 22021) or one the encoding lacks (22P05). Such text
/// came from a request, so the request was bad: a 400, not a 500. SQLite
/// stores it, and then nothing matches it.
pub fn is_unstorable_text(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(sqlx::Error::as_database_error)
            .and_then(|db| db.code())
            .is_some_and(|code| code == "22021" || code == "22P05")
    })
}

/// A JSON document kept as text (both databases check it on write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonText<T>(pub T);

impl<T> sqlx::Type<Db> for JsonText<T> {
    fn type_info() -> AnyTypeInfo {
        <str as sqlx::Type<Db>>::type_info()
    }
}

impl<'q, T: serde::Serialize> sqlx::Encode<'q, Db> for JsonText<T> {
    fn encode_by_ref(
        &self,
        buf: &mut <Db as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<'q, Db>>::encode(serde_json::to_string(&self.0)?, buf)
    }
}

impl<'r, T: serde::de::DeserializeOwned> sqlx::Decode<'r, Db> for JsonText<T> {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <&str as sqlx::Decode<'r, Db>>::decode(value)?;
        Ok(JsonText(serde_json::from_str(text)?))
    }
}

/// A `LIKE … ESCAPE '\'` pattern for text that contains `part` as it is:
/// its `%`, `_` and `\` match only themselves.
pub fn contains_pattern(part: &str) -> String {
    let mut pattern = String::with_capacity(part.len() + 2);
    pattern.push('%');
    for c in part.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `$first, $first+1, …` for `n` values: an `IN (…)` list both databases read.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with each `$n` made `$(n + offset)`, and how many parameters it
/// has (its highest `n`): so that statements can be sent together, each
/// with its own parameters after those of the ones before it. The
/// statements this is for have no `$` but their parameters.
pub fn renumbered(sql: &str, offset: usize) -> (String, usize) {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut highest = 0;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => {
                highest = highest.max(n);
                out.push_str(&(n + offset).to_string());
            }
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    (out, highest)
}

fn sqlite_options(database_url: &str) -> anyhow::Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid SQLite database URL {database_url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true))
}

/// Opens the database the URL names and applies pending migrations:
/// `migrations/sqlite/` or `migrations/postgres/`. On PostgreSQL sqlx holds an
/// advisory lock while it migrates, so instances starting together migrate
/// once.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<Database> {
    sqlx::any::install_default_drivers();
    let (native, name) = match Backend::of_url(database_url)? {
        Backend::Sqlite => {
            let (pool, file) = open_sqlite(database_url).await?;
            (NativePool::Sqlite(pool), file)
        }
        Backend::Postgres => {
            let options = PgConnectOptions::from_str(database_url)
                .with_context(|| "invalid PostgreSQL database URL".to_string())?;
            let name = format!(
                "PostgreSQL database {:?} on {}:{}",
                options.get_database().unwrap_or_default(),
                options.get_host(),
                options.get_port()
            );
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .with_context(|| format!("cannot connect to the {name}"))?;
            (NativePool::Postgres(pool), name)
        }
    };
    let pool = AnyPoolOptions::new()
        .max_connections(match native {
            NativePool::Sqlite(_) => 8,
            NativePool::Postgres(_) => 16,
        })
        .test_before_acquire(native.tests_before_acquire())
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _| {
            Box::pin(async move {
                // Per connection on SQLite (WAL itself is kept in the file).
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(database_url)
        .await
        .with_context(|| format!("cannot open the {name}"))?;
    let migrated = match native {
        NativePool::Sqlite(_) => sqlx::migrate!("./migrations/sqlite").run(&pool).await,
        NativePool::Postgres(_) => sqlx::migrate!("./migrations/postgres").run(&pool).await,
    };
    migrated.with_context(|| {
        format!(
            "cannot apply the migrations to the {name}; was it written by a newer signoff, \
             or edited by hand?"
        )
    })?;
    Ok(Database { pool, native })
}

/// The SQLite file: private (see below), created if missing, in WAL mode.
///
/// The database holds the private signing keys, so it is the owner's alone:
/// a missing directory is created 0700, files this process creates (the
/// database, `-wal`, `-shm`) are 0600, and a database file that is group- or
/// world-readable is refused before it is opened.
async fn open_sqlite(database_url: &str) -> anyhow::Result<(SqlitePool, String)> {
    let options = sqlite_options(database_url)?;
    let file = options.get_filename().to_path_buf();
    let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
    if in_memory {
        anyhow::bail!(
            "an in-memory SQLite database would be a different one on every connection; \
             name a file (sqlite://path/to/signoff.db?mode=rwc)"
        );
    }
    private_files_only();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    refuse_shared_files(&file)?;
    let name = format!("SQLite database {}", file.display());
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the {name}"))?;
    Ok((pool, name))
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
    if Backend::of_url(database_url)? != Backend::Sqlite {
        return Ok(None);
    }
    let options = sqlite_options(database_url)?;
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

/// Starts a transaction that will write. On SQLite, `BEGIN IMMEDIATE` takes
/// the write lock up front (waiting up to the busy timeout), so a transaction
/// that reads before it writes cannot fail with `SQLITE_BUSY` when another
/// connection wrote in between, as a deferred `BEGIN` would in WAL mode.
/// PostgreSQL's row locks need no such thing.
pub async fn begin_write(pool: &Pool) -> sqlx::Result<Tx> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// A write transaction that also holds the lock `name` until it ends, for
/// check-then-insert work that two instances must not do at once. Every
/// SQLite write transaction excludes the others already; on PostgreSQL it
/// is an advisory transaction lock.
pub async fn begin_exclusive(pool: &Pool, name: &str) -> sqlx::Result<Tx> {
    let mut tx = begin_write(pool).await?;
    if Backend::of(pool) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// The cheapest query that proves the database answers.
pub async fn ping(pool: &Pool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbering_moves_every_parameter_by_the_offset_and_counts_them() {
        assert_eq!(
            renumbered(
                "UPDATE t SET a = $1 WHERE b = $2 AND ($3 IS NULL OR c = $3)",
                7
            ),
            (
                "UPDATE t SET a = $8 WHERE b = $9 AND ($10 IS NULL OR c = $10)".to_owned(),
                3
            )
        );
        assert_eq!(renumbered("SELECT 1", 4), ("SELECT 1".to_owned(), 0));
        assert_eq!(renumbered("$12, $9", 0), ("$12, $9".to_owned(), 12));
    }

    proptest::proptest! {
        #[test]
        fn renumbering_by_zero_changes_nothing(
            sql in "[a-z =(),]{0,20}(\\$[1-9][0-9]?[a-z =(),]{0,10}){0,4}"
        ) {
            let (same, _) = renumbered(&sql, 0);
            proptest::prop_assert_eq!(same, sql);
        }
    }
}
