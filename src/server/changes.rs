//! Changes made outside the running servers, seen at once.
//!
//! The operator CLI (`signoff user disable`, `sessions end`, `client remove`,
//! `deliveries resend`, …) writes to the database from a process of its own,
//! so it cannot reach a server's read caches or wake its back-channel
//! worker. Instead, each of its transactions also bumps the `change_epoch`
//! counter ([`announce`]). Every server polls that one-row table every
//! [`POLL`] ([`spawn_watcher`]); when the counter has moved it drops its
//! cached sessions and clients, reloads its signing keys and wakes its
//! delivery worker. So a session the CLI ended stops counting as signed in
//! within a quarter of a second on every instance, and the logouts it
//! queued go out as fast.
//!
//! The servers' own changes do not bump it: each forgets exactly the rows it
//! changed, which keeps the hot path's caches warm.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::db::Tx;
use super::db::change_epoch::{bump_change_epoch, fetch_change_epoch};
use super::state::AppState;

/// How often each server reads the counter: one indexed one-row read,
/// four times a second.
pub const POLL: Duration = Duration::from_millis(250);

/// Makes the change `tx` is about to commit visible to the running servers.
pub async fn announce(tx: &mut Tx) -> sqlx::Result<()> {
    bump_change_epoch(&mut **tx).await
}

/// Polls the counter and applies each move.
pub fn spawn_watcher(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = fetch_change_epoch(&state.pool).await.ok();
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match fetch_change_epoch(&state.pool).await {
                Ok(epoch) if seen != Some(epoch) => {
                    seen = Some(epoch);
                    apply(&state).await;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "cannot read the change counter"),
            }
        }
    })
}

/// What a server does when something changed behind its back.
async fn apply(state: &AppState) {
    tracing::debug!("the database changed outside this server: dropping cached rows");
    state.op_sessions.forget_all();
    state.logout_clients.forget_all();
    state.notifier.wake();
    if let Err(err) = state.keys.reload(&state.pool).await {
        tracing::error!(error = %format!("{err:#}"), "signing key reload failed");
    }
}
