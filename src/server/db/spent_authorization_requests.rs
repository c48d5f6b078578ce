//! Pending authorization requests that were continued (single use).

use super::Executor;

/// Records `digest` as spent until `expires_at`. `false` when it already was.
pub async fn insert_spent_authorization_request(
    db: impl Executor<'_>,
    digest: &str,
    expires_at: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO spent_authorization_requests (digest, expires_at) VALUES ($1, $2) \
         ON CONFLICT (digest) DO NOTHING",
    )
    .bind(digest)
    .bind(expires_at)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn delete_expired_spent_authorization_requests(
    db: impl Executor<'_>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM spent_authorization_requests WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
