use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::{local_url, now, see_other};
use crate::oidc::Params;
use crate::server::crypto::random_token;
use crate::server::db::logout_requests::insert_logout_request;
use crate::server::error::AppError;
use crate::server::state::AppState;

/// `POST /logout` (RP-Initiated Logout §2, form serialization). A cross-site
/// POST carries no SameSite=Lax cookie, and the hint must not end up in a URL,
/// so the form is parked under an opaque id and the browser continues to
/// `GET /logout?pending=<id>`, a top-level navigation that carries the cookie.
pub async fn post_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    const MALFORMED: &str =
        "The sign-out request was malformed: it must be a form with each parameter at most once.";
    if !is_form {
        return Err(AppError::BadRequest(MALFORMED));
    }
    let text = std::str::from_utf8(&body).map_err(|_| AppError::BadRequest(MALFORMED))?;
    Params::parse(text.as_bytes()).map_err(|_| AppError::BadRequest(MALFORMED))?;
    let id = random_token();
    insert_logout_request(&state.pool, &id, text, now())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let url = local_url(&state.settings.issuer, "/logout", &[("pending", &id)])
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("building the logout URL")))?;
    Ok(see_other(&url))
}
