use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::{ServerFnError, use_context};
use sqlx::SqlitePool;

use super::backchannel::BackchannelNotifier;
use super::config::Settings;
use super::keys::SigningKeys;
use super::throttle::LoginThrottle;

/// Shared by every handler and, through Leptos context, every server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub settings: Arc<Settings>,
    pub keys: SigningKeys,
    pub throttle: Arc<LoginThrottle>,
    /// The discovery document, serialized once.
    pub discovery_json: Arc<str>,
    /// Delivers back-channel logouts.
    pub notifier: BackchannelNotifier,
}

/// The state inside a server function or during SSR (`leptos_routes` provides it).
pub fn app_state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>()
        .ok_or_else(|| ServerFnError::new("application state is missing from the context"))
}
