use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::server::state::AppState;

/// `GET /.well-known/openid-configuration`: serialized once at start-up.
pub async fn openid_configuration(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        state.keys.discovery_json(),
    )
}

/// `GET /jwks.json`: every published key; short caching so rotation spreads quickly.
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        state.keys.jwks_json(),
    )
}
