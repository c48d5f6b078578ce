//! The *browser session*: tower-sessions' cookie session, stored in SQLite on
//! the application's pool. It says which browser this is (and, later, which OP
//! session it carries).
//!
//! It is not the *OP session* (`op_sessions`, keyed by `sid`), which is what an
//! ID token names and what logout ends. The two have separate names on purpose.

use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use tokio::task::JoinHandle;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::oidc::Issuer;

/// `__Host-` makes browsers insist on `Secure`, `Path=/` and no `Domain`.
pub const COOKIE_NAME_HTTPS: &str = "__Host-signoff";
/// Used only when the issuer is plain http (a loopback development setup).
pub const COOKIE_NAME_HTTP: &str = "signoff";
pub const TABLE_NAME: &str = "browser_sessions";
/// A browser session idle for this long is gone.
pub const IDLE_EXPIRY: time::Duration = time::Duration::hours(12);
const CLEANUP_PERIOD: Duration = Duration::from_secs(300);

pub type BrowserSessionLayer = SessionManagerLayer<SqliteStore>;

/// Builds the session layer and starts the task that deletes expired sessions.
pub async fn layer(
    pool: SqlitePool,
    issuer: &Issuer,
) -> anyhow::Result<(BrowserSessionLayer, JoinHandle<()>)> {
    let store = SqliteStore::new(pool)
        .with_table_name(TABLE_NAME)
        .map_err(|e| anyhow::anyhow!(e))
        .context("invalid browser session table name")?;
    store
        .migrate()
        .await
        .context("cannot create the browser session table")?;

    let cleanup = tokio::spawn({
        let store = store.clone();
        async move {
            if let Err(err) = store.continuously_delete_expired(CLEANUP_PERIOD).await {
                tracing::error!(error = %err, "expired browser session cleanup stopped");
            }
        }
    });

    let secure = issuer.is_https();
    let layer = SessionManagerLayer::new(store)
        .with_name(if secure {
            COOKIE_NAME_HTTPS
        } else {
            COOKIE_NAME_HTTP
        })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(IDLE_EXPIRY));
    Ok((layer, cleanup))
}
