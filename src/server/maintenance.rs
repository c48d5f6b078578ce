//! Periodic work: ending OP sessions that have expired (with their logout
//! notifications), and deleting rows that can no longer be used or are past
//! their retention. Every instance runs it, with no leader: each end is a
//! conditional update (an OP session ended by one instance is not ended,
//! audited or notified again by another), and deletes are idempotent.

use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;

use super::clock::now;
use super::clock::now_ms;
use super::db::access_tokens::delete_expired_access_tokens;
use super::db::audit_events::delete_audit_events_before;
use super::db::authorization_codes::delete_expired_authorization_codes;
use super::db::backchannel_deliveries::delete_settled_backchannel_deliveries;
use super::db::frontchannel_outcomes::delete_frontchannel_outcomes_before;
use super::db::frontchannel_pages::delete_expired_frontchannel_pages;
use super::db::login_throttle::delete_stale_throttle_keys;
use super::db::logout_requests::delete_expired_logout_requests;
use super::db::op_sessions::{delete_ended_op_sessions, list_expired_op_sessions};
use super::db::refresh_tokens::delete_expired_refresh_tokens;
use super::db::spent_authorization_requests::delete_expired_spent_authorization_requests;
use super::sessions::{Cause, Scope, Terminations};
use super::state::AppState;
use super::throttle::WINDOW;
use crate::oidc::end_session::RECENT_SESSION_SECS;

/// How often expired OP sessions are looked for.
const EXPIRY_PERIOD: Duration = Duration::from_secs(60);
/// Every this many expiry rounds, expired rows are deleted (ten minutes).
const PURGE_EVERY: u32 = 10;
/// OP sessions ended per transaction when many are due at once.
const EXPIRY_CHUNK: usize = 500;

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
                && let Err(err) = purge_expired(&state, now()).await
            {
                tracing::error!(error = %err, "clean-up of expired codes and tokens failed");
            }
            round = round.wrapping_add(1);
        }
    })
}

/// Ends every OP session past its lifetime through the termination path, so
/// its clients are notified too (as Connect2id and Duende do on expiry). All
/// that are due end in this sweep, however many, so clients hear of expiry
/// on time; a backlog is committed in chunks so no transaction grows large.
/// Returns how many ended.
pub async fn expire_op_sessions(state: &AppState) -> anyhow::Result<usize> {
    let expired = list_expired_op_sessions(&state.pool, now_ms() / 1000)
        .await
        .context("listing expired OP sessions")?;
    let cause = Cause {
        actor: Some("system"),
        reason: "expired",
    };
    for chunk in expired.chunks(EXPIRY_CHUNK) {
        // Queued for the worker, which paces them by its free slots.
        let mut ends = Terminations::begin_on(&state.pool).await?;
        for sid in chunk {
            ends.end(sid, Scope::OpSession, cause, serde_json::json!({}))
                .await?;
        }
        // No user is waiting on these.
        ends.commit_in_background(state)
            .await
            .context("committing the expiries")?;
    }
    if !expired.is_empty() {
        tracing::info!(count = expired.len(), "ended expired OP sessions");
    }
    Ok(expired.len())
}

/// What one purge deleted, table by table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub codes: u64,
    pub tokens: u64,
    pub refresh_tokens: u64,
    pub logout_requests: u64,
    pub frontchannel_pages: u64,
    pub op_sessions: u64,
    pub deliveries: u64,
    pub audit_events: u64,
    pub spent_requests: u64,
    pub frontchannel_outcomes: u64,
    pub throttle_keys: u64,
}

/// Deletes what can no longer be used, as of `now` (Unix seconds): expired
/// codes, tokens, parked logout requests and front-channel pages; OP sessions
/// (with their client sessions) ended longer ago than the "recent" window;
/// settled back-channel deliveries and audit events past their retention;
/// login-throttle counts out of their window.
pub async fn purge_expired(state: &AppState, now: i64) -> sqlx::Result<Purged> {
    const DAY: i64 = 24 * 3600;
    let pool = &state.pool;
    let settings = &state.settings;
    let purged = Purged {
        codes: delete_expired_authorization_codes(pool, now).await?,
        tokens: delete_expired_access_tokens(pool, now).await?,
        refresh_tokens: delete_expired_refresh_tokens(pool, now).await?,
        logout_requests: delete_expired_logout_requests(pool, now).await?,
        frontchannel_pages: delete_expired_frontchannel_pages(pool, now).await?,
        op_sessions: delete_ended_op_sessions(pool, now - RECENT_SESSION_SECS).await?,
        deliveries: delete_settled_backchannel_deliveries(
            pool,
            (now - i64::from(settings.delivery_retention_days) * DAY) * 1000,
        )
        .await?,
        audit_events: delete_audit_events_before(
            pool,
            now - i64::from(settings.audit_retention_days) * DAY,
        )
        .await?,
        spent_requests: delete_expired_spent_authorization_requests(pool, now).await?,
        frontchannel_outcomes: delete_frontchannel_outcomes_before(
            pool,
            (now - i64::from(settings.delivery_retention_days) * DAY) / 3600,
        )
        .await?,
        throttle_keys: delete_stale_throttle_keys(pool, now * 1000 - WINDOW.as_millis() as i64)
            .await?,
    };
    if purged != Purged::default() {
        tracing::debug!(?purged, "purged expired rows");
    }
    Ok(purged)
}
