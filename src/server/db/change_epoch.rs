//! The change counter: bumped by every change made outside the running
//! servers, polled by each of them (`server::changes`).

use super::Executor;

/// Adds one to the counter, inside the caller's transaction, so that the
/// servers see the bump only with the change it announces.
pub async fn bump_change_epoch(db: impl Executor<'_>) -> sqlx::Result<()> {
    sqlx::query("UPDATE change_epoch SET epoch = epoch + 1 WHERE id = 1")
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn fetch_change_epoch(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT epoch FROM change_epoch WHERE id = 1")
        .fetch_one(db)
        .await
}
