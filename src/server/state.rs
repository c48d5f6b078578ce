use std::sync::Arc;

use crate::server::db::Pool;
use anyhow::Context;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;

use super::backchannel::BackchannelNotifier;
use super::config::Settings;
use super::keys::SigningKeys;
use super::read_cache::ReadCache;
use super::signed::Signer;
use super::throttle::LoginThrottle;
use crate::oidc::end_session::{CurrentSession, LogoutClient};

/// A live OP session as the end-session endpoint caches it.
#[derive(Clone, Debug)]
pub struct LiveOpSession {
    pub session: CurrentSession,
    /// When it expires (unix seconds) if nothing ends it sooner.
    pub expires_at: i64,
    /// The origins of its clients' front-channel logout URIs, sorted, each
    /// once: what the dialog's CSP lets it frame and fetch.
    pub frontchannel_origins: std::sync::Arc<[String]>,
}

/// Shared by every handler and, through Leptos context, every server function.
/// Handlers clone it on every request: one reference-count increment, and its
/// fields are read through `Deref` (`state.pool`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub leptos_options: Arc<LeptosOptions>,
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub keys: SigningKeys,
    pub throttle: Arc<LoginThrottle>,
    /// Signs values the browser carries for us (the login form's CSRF token,
    /// a waiting authorization request).
    pub signer: Signer,
    /// Delivers back-channel logouts.
    pub notifier: BackchannelNotifier,
    /// Live OP sessions by sid, for the end-session endpoint. Whatever ends
    /// one forgets it after its commit.
    pub op_sessions: Arc<ReadCache<String, LiveOpSession>>,
    /// Clients' logout settings by client_id. The console forgets a client
    /// after it changes or deletes it.
    pub logout_clients: Arc<ReadCache<String, LogoutClient>>,
    /// Browser sessions a termination deleted with the OP session (shared
    /// with the browser session store).
    pub browser_rows_gone: Arc<crate::server::browser_session::RowsGone>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        (*state.leptos_options).clone()
    }
}

impl FromRef<AppState> for Pool {
    fn from_ref(state: &AppState) -> Self {
        state.pool.clone()
    }
}

/// The state inside a server function or during SSR (`leptos_routes` provides it).
pub fn app_state() -> anyhow::Result<AppState> {
    use_context::<AppState>().context("application state is missing from the context")
}
