use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{local_url, see_other};
use crate::oidc::Params;
use crate::oidc::end_session::EndSessionRequest;
use crate::server::browser_session::BrowserSession;
use crate::server::client_addr::request_client_addr;
use crate::server::error::AppError;
use crate::server::headers::DIALOG_CSP;
use crate::server::logout::{PageAnswer, page_answer, park_request};
use crate::server::state::AppState;

/// `GET /logout` (RP-Initiated Logout §2): the confirmation dialog, the
/// signed-out page, or a redirect when there is nothing to ask. The dialog
/// names the user and carries a CSRF token, so it is never cached, and it may
/// not be framed (spec digest §6: clickjacking).
pub async fn get_logout(
    State(state): State<AppState>,
    session: BrowserSession,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let accept_language = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let answer = page_answer(
        &state,
        &session,
        query.as_deref().unwrap_or(""),
        accept_language,
    )
    .await?;
    let mut response = match answer {
        // 302, the status RP-Initiated Logout's examples use.
        PageAnswer::Redirect(url) => {
            (StatusCode::FOUND, [(header::LOCATION, url.as_str())]).into_response()
        }
        PageAnswer::Show(status, view) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            view.render(),
        )
            .into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DIALOG_CSP),
    );
    Ok(response)
}

/// `POST /logout` (RP-Initiated Logout §2, form serialization). A cross-site
/// POST carries no SameSite=Lax cookie, and the hint must not end up in a URL,
/// so the form is parked under an opaque id and the browser continues to
/// `GET /logout?pending=<id>`, a top-level navigation that carries the cookie.
pub async fn post_logout(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    const MALFORMED: &str = "The sign-out request was malformed: it must be a form with each parameter at most once, none of them oversized.";
    if !is_form {
        return Err(AppError::BadRequest(MALFORMED));
    }
    std::str::from_utf8(&body).map_err(|_| AppError::BadRequest(MALFORMED))?;
    let request = Params::parse(&body)
        .ok()
        .and_then(|params| EndSessionRequest::from_params(&params).ok())
        .ok_or(AppError::BadRequest(MALFORMED))?;
    let from = request_client_addr(&extensions, &headers, &state.settings.trusted_proxies);
    let id = park_request(&state, &request, from).await?;
    let url = local_url(&state.settings.issuer, "/logout", &[("pending", &id)])
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("building the logout URL")))?;
    Ok(see_other(&url))
}
