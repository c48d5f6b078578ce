//! Periodic clean-up of rows that can no longer be used.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::task::JoinHandle;

use super::db::access_tokens::delete_expired_access_tokens;
use super::db::authorization_codes::delete_expired_authorization_codes;
use super::db::logout_requests::delete_expired_logout_requests;
use super::protocol::now;

const PERIOD: Duration = Duration::from_secs(600);

/// Deletes expired authorization codes and access tokens every ten minutes.
pub fn spawn(pool: SqlitePool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PERIOD);
        loop {
            tick.tick().await;
            if let Err(err) = purge_expired(&pool).await {
                tracing::error!(error = %err, "clean-up of expired codes and tokens failed");
            }
        }
    })
}

pub async fn purge_expired(pool: &SqlitePool) -> sqlx::Result<(u64, u64)> {
    let now = now();
    let codes = delete_expired_authorization_codes(pool, now).await?;
    let tokens = delete_expired_access_tokens(pool, now).await?;
    delete_expired_logout_requests(pool, now).await?;
    if codes + tokens > 0 {
        tracing::debug!(codes, tokens, "deleted expired codes and tokens");
    }
    Ok((codes, tokens))
}
