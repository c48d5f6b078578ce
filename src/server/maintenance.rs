//! Periodic work: ending OP sessions that have expired (with their logout
//! notifications), and deleting rows that can no longer be used.

use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;

use super::backchannel::now_ms;
use super::db::access_tokens::delete_expired_access_tokens;
use super::db::authorization_codes::delete_expired_authorization_codes;
use super::db::frontchannel_pages::delete_expired_frontchannel_pages;
use super::db::logout_requests::delete_expired_logout_requests;
use super::db::op_sessions::list_expired_op_sessions;
use super::logout::end_op_session_in;
use super::protocol::now;
use super::state::AppState;

/// How often expired OP sessions are looked for.
const EXPIRY_PERIOD: Duration = Duration::from_secs(60);
/// Every this many expiry rounds, expired rows are deleted (ten minutes).
const PURGE_EVERY: u32 = 10;
/// OP sessions ended per transaction (a backlog is worked off round by round).
const EXPIRY_BATCH: i64 = 200;

pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EXPIRY_PERIOD);
        let mut round: u32 = 0;
        loop {
            tick.tick().await;
            if let Err(err) = expire_op_sessions(&state).await {
                tracing::error!(error = %format!("{err:#}"), "ending expired OP sessions failed");
            }
            if round.is_multiple_of(PURGE_EVERY)
                && let Err(err) = purge_expired(&state.pool).await
            {
                tracing::error!(error = %err, "clean-up of expired codes and tokens failed");
            }
            round = round.wrapping_add(1);
        }
    })
}

/// Ends every OP session older than its lifetime through the termination path,
/// so its clients are notified too (as Connect2id and Duende do on expiry).
/// Returns how many ended.
pub async fn expire_op_sessions(state: &AppState) -> anyhow::Result<usize> {
    let now_ms = now_ms();
    let expired = list_expired_op_sessions(&state.pool, now_ms / 1000, EXPIRY_BATCH)
        .await
        .context("listing expired OP sessions")?;
    if expired.is_empty() {
        return Ok(0);
    }
    let mut tx = super::db::begin_write(&state.pool).await?;
    for sid in &expired {
        end_op_session_in(
            &mut tx,
            sid,
            Some("system"),
            "expired",
            serde_json::json!({}),
            now_ms,
        )
        .await?;
    }
    tx.commit().await.context("committing the expiries")?;
    for sid in &expired {
        state.op_sessions.forget(sid);
    }
    // The worker makes the first attempts; no user is waiting on these.
    state.notifier.wake();
    tracing::info!(count = expired.len(), "ended expired OP sessions");
    Ok(expired.len())
}

pub async fn purge_expired(pool: &sqlx::SqlitePool) -> sqlx::Result<(u64, u64)> {
    let now = now();
    let codes = delete_expired_authorization_codes(pool, now).await?;
    let tokens = delete_expired_access_tokens(pool, now).await?;
    delete_expired_logout_requests(pool, now).await?;
    delete_expired_frontchannel_pages(pool, now).await?;
    if codes + tokens > 0 {
        tracing::debug!(codes, tokens, "deleted expired codes and tokens");
    }
    Ok((codes, tokens))
}
