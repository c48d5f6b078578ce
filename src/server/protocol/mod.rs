//! Plain axum handlers for the protocol endpoints (no Leptos): they extract,
//! parse with `crate::oidc`, decide, persist, and map the outcome to HTTP.

pub mod authorize;
pub mod discovery;
pub mod end_session;
pub mod introspection;
pub mod orcid;
pub mod token;
pub mod userinfo;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::headers::PublicCorsLayer;
use super::state::AppState;
use crate::oidc::{OAuthError, OAuthErrorCode};

/// The public metadata and the bearer- or code-authenticated endpoints: no
/// cookies, so no browser session.
pub fn api_routes() -> Router<AppState> {
    // Public metadata and the bearer/code-authenticated endpoints may be called
    // from browser-based clients; no cookies are involved, so any origin is fine.
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/jwks.json", get(discovery::jwks))
        .route("/token", post(token::token))
        .route("/revoke", post(introspection::revoke))
        .route("/introspect", post(introspection::introspect_token))
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .layer(PublicCorsLayer)
}

/// The endpoints a browser navigates to, which read its session.
pub fn browser_routes() -> Router<AppState> {
    Router::new()
        .route("/authorize", get(authorize::authorize))
        .route(
            "/userStatus.json",
            get(orcid::user_status).post(orcid::user_status),
        )
        .route("/signout", get(orcid::signout))
        .route(
            "/logout",
            get(end_session::get_logout).post(end_session::post_logout),
        )
        .route(
            "/authorize/continue",
            get(authorize::continue_authorization),
        )
        .route(
            "/consent",
            get(authorize::consent_page).post(authorize::answer_consent),
        )
        .route(
            "/admin/audit/export",
            get(crate::server::audit_export::export_audit),
        )
}

/// An OAuth error as JSON (RFC 6749 §5.2), never cached.
pub fn oauth_error(error: OAuthError) -> Response {
    let status = match error.error {
        OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut response = (status, no_store(), Json(error)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="signoff""#),
        );
    }
    response
}

/// RFC 6749 §5.1: "Cache-Control: no-store" and "Pragma: no-cache".
pub fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::PRAGMA, "no-cache"),
    ]
}
