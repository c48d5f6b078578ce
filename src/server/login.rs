//! Signing in: CSRF, throttling, password check, a new OP session, and where to go next.

use std::time::Instant;

use anyhow::Context;
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use leptos::prelude::ServerFnError;
use leptos::prelude::use_context;
use url::Url;

use super::backchannel::now_ms;
use super::browser_session::BrowserSession;
use super::client_addr::request_client_addr;
use super::crypto::random_token;
use super::db::audit_events::record_audit_event;
use super::db::op_sessions::{ActiveOpSession, insert_op_session, renew_op_session};
use super::db::users::{UserRow, find_user_by_username};
use super::error::internal;
use super::logout::Terminations;
use super::passwords::{try_check_slot, verify_password};
use super::protocol::{local_url, now};
use super::signed::Purpose;
use super::state::{AppState, app_state};

const MAX_USERNAME: usize = 64;
pub const MAX_PASSWORD: usize = 1024;

/// The browser session of the current server-function call or SSR request.
pub async fn browser_session() -> Result<BrowserSession, ServerFnError> {
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(internal("the browser session layer is missing"))?;
    Ok(BrowserSession::new(session))
}

/// The login form's CSRF token. Showing the form stores nothing and sets no
/// cookie: the token is a value signed with the server secret that says
/// "a login form, until this time". Login CSRF (signing a victim in as the
/// attacker) is stopped by where the POST comes from ([`same_origin_post`]);
/// the token adds that the form is ours and recent.
///
/// An earlier version set a double-submit cookie from this server function.
/// Under concurrent load in Playwright, a `Set-Cookie` written through
/// `ResponseOptions` here once landed on another response (a static file's),
/// so the browser's cookie no longer matched its form.
pub async fn login_form_token() -> Result<String, ServerFnError> {
    let state = app_state()?;
    Ok(state
        .signer
        .seal(Purpose::LoginCsrf, &LOGIN_FORM, now() + LOGIN_FORM_SECS))
}

/// What a login form's token says.
const LOGIN_FORM: &str = "login-form";
/// How long a login form stays usable.
const LOGIN_FORM_SECS: i64 = 12 * 3600;

fn verify_login_csrf(state: &AppState, headers: &HeaderMap, presented: &str) -> bool {
    same_origin_post(headers, &state.settings.issuer)
        && state
            .signer
            .open::<String>(Purpose::LoginCsrf, presented, now())
            .is_some_and(|form| form == LOGIN_FORM)
}

/// Whether a POST comes from our own pages, as far as the browser tells:
/// `Sec-Fetch-Site` must be `same-origin` (or `none`, typed by the user);
/// without it, `Origin`, when sent, must be the issuer's. Browsers send at least one of
/// them on every form POST; a client that is not a browser sends neither and
/// cannot be a victim of request forgery.
fn same_origin_post(headers: &HeaderMap, issuer: &crate::oidc::Issuer) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        // Our pages send `Referrer-Policy: no-referrer`, under which a
        // browser sends `Origin: null` even for a same-origin form; where it
        // also sends Sec-Fetch-Site, that header decides.
        Some(site) => matches!(site, "same-origin" | "none"),
        None => header("origin").is_none_or(|origin| {
            url::Url::parse(issuer.as_ref())
                .is_ok_and(|u| u.origin().ascii_serialization() == origin)
        }),
    }
}

/// Returns the URL to redirect to: the next step on success, the login page
/// with an error code on failure.
pub async fn sign_in(
    username: String,
    password: String,
    csrf: String,
    request: Option<String>,
    next: Option<String>,
) -> Result<Url, ServerFnError> {
    let next = next.filter(|n| is_console_path(n));
    let state = app_state()?;
    let session = browser_session().await?;
    let back = |error: &str| login_url(&state, error, request.as_deref(), next.as_deref());

    let parts: Parts = leptos_axum::extract()
        .await
        .map_err(internal("request parts are missing"))?;
    let addr = request_client_addr(
        &parts.extensions,
        &parts.headers,
        &state.settings.trusted_proxies,
    );
    if !verify_login_csrf(&state, &parts.headers, &csrf) {
        return back("expired");
    }
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > MAX_USERNAME || password.len() > MAX_PASSWORD {
        return back("invalid");
    }
    let Ok(reservation) = state.throttle.reserve(&username, addr, Instant::now()) else {
        return back("throttled");
    };
    let Some(slot) = try_check_slot() else {
        state.throttle.release(reservation);
        return Err(busy());
    };

    let user = find_user_by_username(&state.pool, &username)
        .await
        .map_err(internal("loading the user failed"))?;
    let active = user.as_ref().filter(|u| u.disabled_at.is_none());
    let verified = verify_password(password, active.map(|u| u.password_hash.clone()))
        .await
        .map_err(internal("verifying the password failed"))?;
    drop(slot);
    let now = now();
    let Some(user) = active.filter(|_| verified) else {
        // The reservation stays counted: this was a failure. The actor is
        // anonymous; the name tried is only what was typed.
        record_audit_event(
            &state.pool,
            None,
            "login.failed",
            None,
            serde_json::json!({ "username": username, "address": addr.to_string() }),
            now,
        )
        .await
        .map_err(internal("writing the audit event failed"))?;
        return back("invalid");
    };
    state.throttle.succeeded(reservation);

    let previous = session
        .active_op_session(&state.pool)
        .await
        .map_err(internal("loading the browser's OP session failed"))?;
    let sid = start_op_session(&state, user, previous, now)
        .await
        .map_err(internal("starting the OP session failed"))?;
    session
        .begin_op_session(&sid)
        .await
        .map_err(internal("binding the OP session to the browser failed"))?;

    let target = match (request, next) {
        (Some(id), _) => local_url(
            &state.settings.issuer,
            "/authorize/continue",
            &[("request", &id)],
        ),
        (None, Some(path)) => Url::parse(&state.settings.issuer.endpoint(&path)).ok(),
        (None, None) => local_url(&state.settings.issuer, "/", &[]),
    };
    target
        .context("building the next URL")
        .map_err(internal("building the redirect failed"))
}

/// Where a login may return to besides an authorization request: a page of
/// the admin console, as a path on this server (never another host: no `//`,
/// no backslash, no whitespace).
pub fn is_console_path(path: &str) -> bool {
    let rest = path.strip_prefix("/admin");
    rest.is_some_and(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'))
        && path.len() <= 512
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A browser carries at most one live OP session. The same user signing in
/// again keeps it (same `sid`, same clients, a fresh `auth_time`); another
/// user's session is ended through the termination path first, so its
/// clients are told and its tokens die (reason `replaced_by_login`).
/// Returns the sid the browser now carries.
async fn start_op_session(
    state: &AppState,
    user: &UserRow,
    previous: Option<ActiveOpSession>,
    now: i64,
) -> anyhow::Result<String> {
    let mut tx = super::db::begin_write(&state.pool).await?;
    let mut ends = Terminations::default();
    let renewed = match &previous {
        Some(p) if p.user_id == user.id => renew_op_session(&mut *tx, &p.sid, now)
            .await?
            .then(|| p.sid.clone()),
        _ => None,
    };
    let sid = match renewed.clone() {
        Some(sid) => sid,
        None => {
            if let Some(p) = previous.filter(|p| p.user_id != user.id) {
                ends.end(
                    &mut tx,
                    &p.sid,
                    Some(&user.username),
                    "replaced_by_login",
                    serde_json::json!({ "previous_user": p.username }),
                    now_ms(),
                )
                .await?;
            }
            let sid = random_token();
            insert_op_session(&mut *tx, &sid, user.id, now).await?;
            sid
        }
    };
    record_audit_event(
        &mut *tx,
        Some(&user.username),
        "login.succeeded",
        Some(&sid),
        serde_json::json!({ "renewed": renewed.is_some() }),
        now,
    )
    .await?;
    tx.commit().await.context("committing the login")?;
    // A renewed session's expiry moved: forget its cached copy too.
    if renewed.is_some() {
        state.op_sessions.forget(&sid);
    }
    ends.finish(state).await;
    Ok(sid)
}

fn login_url(
    state: &AppState,
    error: &str,
    request: Option<&str>,
    next: Option<&str>,
) -> Result<Url, ServerFnError> {
    let mut pairs = vec![("error", error)];
    if let Some(request) = request {
        pairs.push(("request", request));
    }
    if let Some(next) = next {
        pairs.push(("next", next));
    }
    local_url(&state.settings.issuer, "/login", &pairs)
        .ok_or_else(|| ServerFnError::new("internal error"))
}

/// Every password-check slot is taken: 503, and come back in a second.
fn busy() -> ServerFnError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(StatusCode::SERVICE_UNAVAILABLE);
        response.insert_header(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    ServerFnError::new("busy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_returns_only_to_pages_of_the_console() {
        for ok in [
            "/admin",
            "/admin/clients",
            "/admin/clients?search=x",
            "/admin?x",
        ] {
            assert!(is_console_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example/admin",
            "/administrator",
            "https://evil.example/admin",
            "/admin//evil.example",
            "/admin/\\evil",
            "/admin/x y",
            "/",
            "",
        ] {
            assert!(!is_console_path(bad), "{bad}");
        }
    }
}
