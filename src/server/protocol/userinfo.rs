use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::no_store;
use crate::server::clock::now;
use crate::server::crypto::sha256_b64;
use crate::server::db::access_tokens::find_token_owner;
use crate::server::state::AppState;

#[derive(Serialize)]
struct UserInfo {
    sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_username: Option<String>,
}

/// `GET|POST /userinfo` with a bearer token (OIDC Core §5.3, RFC 6750 §2.1).
pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 512) else {
        return unauthorized(r#"Bearer realm="signoff""#);
    };
    match find_token_owner(&state.pool, &sha256_b64(token), now()).await {
        Ok(Some(owner)) => {
            let profile = owner.scope.split(' ').any(|s| s == "profile");
            let body = UserInfo {
                sub: owner.subject,
                preferred_username: profile.then_some(owner.username),
            };
            (no_store(), Json(body)).into_response()
        }
        Ok(None) => unauthorized(r#"Bearer realm="signoff", error="invalid_token""#),
        Err(err) => {
            tracing::error!(error = %err, "userinfo lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn unauthorized(challenge: &'static str) -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, no_store()).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}
