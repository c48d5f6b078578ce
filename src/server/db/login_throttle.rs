//! Failed-login counters, one row per throttle key, shared by every instance.

use super::{Backend, Executor};

/// A key's count of failed (or in-flight) attempts and when the last began.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    pub key: String,
    pub attempts: i64,
    pub last_ms: i64,
}

/// Makes sure `key` has a row (a new one counts nothing yet), so that it can
/// be locked. On PostgreSQL a concurrent insert of the same key waits for
/// the first one's transaction, which is what serializes two first attempts.
pub async fn insert_throttle_key(
    db: impl Executor<'_>,
    key: &str,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_throttle (key, attempts, last_ms) VALUES ($1, 0, $2) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(now_ms)
    .execute(db)
    .await
    .map(|_| ())
}

/// The rows of `keys` (two), locked until the transaction ends on
/// PostgreSQL, in key order (every reservation locks in the same order).
pub async fn lock_throttle_keys(
    db: impl Executor<'_>,
    backend: Backend,
    keys: &[&str; 2],
) -> sqlx::Result<Vec<ThrottleRow>> {
    let for_update = match backend {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    sqlx::query_as(&format!(
        "SELECT key, attempts, last_ms FROM login_throttle WHERE key IN ($1, $2) \
         ORDER BY key {for_update}"
    ))
    .bind(keys[0])
    .bind(keys[1])
    .fetch_all(db)
    .await
}

pub async fn update_throttle_key(
    db: impl Executor<'_>,
    key: &str,
    attempts: i64,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_throttle SET attempts = $1, last_ms = $2 WHERE key = $3")
        .bind(attempts)
        .bind(now_ms)
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

/// One attempt of `key` does not count any more (never checked, or it was
/// the right password).
pub async fn give_back_attempt(db: impl Executor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn delete_throttle_key(db: impl Executor<'_>, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes the keys whose last attempt began before `before_ms` (out of the
/// window: they would count nothing), and those that count nothing.
pub async fn delete_stale_throttle_keys(
    db: impl Executor<'_>,
    before_ms: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM login_throttle WHERE last_ms < $1 OR attempts <= 0")
        .bind(before_ms)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
