//! ORCID-compatible forced logout: `/userStatus.json` (JSON or JSONP) and `/signout`.
//! Same termination path as the logout dialog's Yes.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::oidc::Params;
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::BrowserSession;
use crate::server::db::clients::list_all_redirect_uris;
use crate::server::end_session::frontchannel_or;
use crate::server::error::AppError;
use crate::server::respond::Redirect;
use crate::server::sessions::{current_session, sign_out_browser};
use crate::server::state::AppState;

/// A JSONP callback name: ORCID's rule (`[0-9a-zA-Z_$]`), at most 64 long.
pub fn is_valid_callback(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// `GET|POST /userStatus.json[?logUserOut=true][&callback=NAME]`.
pub async fn user_status(
    State(state): State<AppState>,
    session: BrowserSession,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(query.as_deref().unwrap_or_default().as_bytes())
        .map_err(|_| AppError::BadRequest("A parameter is repeated or too long."))?;
    // Checked before anything happens: a bad callback logs nobody out.
    let callback = params.get("callback");
    if callback.is_some_and(|c| !is_valid_callback(c)) {
        return Err(AppError::BadRequest(
            "Callback url param is not valid: use only letters, digits, _ and $.",
        ));
    }
    let log_out = params
        .get("logUserOut")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let mut current = current_session(&state, &session).await?;
    if log_out && let Some(live) = current.take() {
        sign_out_browser(
            &state,
            &session,
            &live,
            "forced_logout_user_status",
            serde_json::json!({}),
        )
        .await?;
    }
    let body = format!(r#"{{"loggedIn":{}}}"#, current.is_some());

    let mut response = match callback {
        Some(name) => (
            [(
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            )],
            format!("/* jsonp callback */ \n{name}({body});"),
        )
            .into_response(),
        None => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed_origin(&state, &headers).await? {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// Credentialed CORS only for the http(s) origins of registered redirect
/// URIs; unlike ORCID, never an arbitrary echoed Origin, and never `null`
/// (sandboxed frames, `file:`, and the opaque origin of a private-use URI
/// scheme all send or have it) nor any other non-http(s) origin.
async fn allowed_origin(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<HeaderValue>, AppError> {
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| is_web_origin(o))
    else {
        return Ok(None);
    };
    let registered = list_all_redirect_uris(&state.pool)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let known = registered
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .any(|u| u.origin().ascii_serialization() == origin);
    Ok(known.then(|| HeaderValue::from_str(origin).ok()).flatten())
}

/// An `Origin` header naming an http(s) origin exactly (scheme, host, port).
fn is_web_origin(origin: &str) -> bool {
    url::Url::parse(origin).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.origin().ascii_serialization() == origin
    })
}

/// `GET /signout`: ends the OP session, then 302 to the login page (ORCID's
/// shape), by way of the front-channel page when a client in the session has
/// a front-channel logout URI.
pub async fn signout(
    State(state): State<AppState>,
    session: BrowserSession,
    accept_language: AcceptLanguage,
) -> Result<Response, AppError> {
    let login = crate::server::urls::local_url(&state.settings.issuer, "/login", &[])
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("cannot build the login URL")))?;
    let mut target = login.clone();
    if let Some(live) = current_session(&state, &session).await? {
        let ended = sign_out_browser(
            &state,
            &session,
            &live,
            "forced_logout_signout",
            serde_json::json!({}),
        )
        .await?;
        target = frontchannel_or(
            &state,
            std::slice::from_ref(&ended),
            login,
            accept_language.locale(None),
        )
        .await?;
    }
    Ok(Redirect::found(&target).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identifier_like_callbacks_are_accepted() {
        for ok in ["cb", "jQuery123_456", "$", "handle_Callback$2"] {
            assert!(is_valid_callback(ok), "{ok}");
        }
        for bad in [
            "",
            "a.b",
            "\"cb\"",
            "cb()",
            "alert(1)//",
            "a-b",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_callback(bad), "{bad}");
        }
    }
}
