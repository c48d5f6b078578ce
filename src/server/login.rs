//! Signing in: CSRF, throttling, password check, a new OP session, and where to go next.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::Context;
use axum::extract::ConnectInfo;
use leptos::prelude::ServerFnError;
use url::Url;

use super::browser_session::BrowserSession;
use super::crypto::random_token;
use super::db::audit_events::record_audit_event;
use super::db::op_sessions::insert_op_session;
use super::db::users::find_user_by_username;
use super::error::internal;
use super::passwords::verify_password;
use super::protocol::{local_url, now};
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
    let addr = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip());
    let back = |error: &str| login_url(&state, error, request.as_deref(), next.as_deref());

    if !session
        .verify_csrf(&csrf)
        .await
        .map_err(internal("reading the CSRF token failed"))?
    {
        return back("expired");
    }
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > MAX_USERNAME || password.len() > MAX_PASSWORD {
        return back("invalid");
    }
    if state
        .throttle
        .check(&username, addr, Instant::now())
        .is_err()
    {
        return back("throttled");
    }

    let user = find_user_by_username(&state.pool, &username)
        .await
        .map_err(internal("loading the user failed"))?;
    let active = user.as_ref().filter(|u| u.disabled_at.is_none());
    let verified = verify_password(password, active.map(|u| u.password_hash.clone()))
        .await
        .map_err(internal("verifying the password failed"))?;
    let now = now();
    let Some(user) = active.filter(|_| verified) else {
        state
            .throttle
            .record_failure(&username, addr, Instant::now());
        audit(&state, "login.failed", Some(&username), None, now).await?;
        return back("invalid");
    };
    state.throttle.record_success(&username);

    let sid = random_token();
    let mut tx = super::db::begin_write(&state.pool)
        .await
        .map_err(internal("starting a transaction failed"))?;
    insert_op_session(&mut *tx, &sid, user.id, now)
        .await
        .map_err(internal("creating the OP session failed"))?;
    record_audit_event(
        &mut *tx,
        Some(&user.username),
        "login.succeeded",
        Some(&sid),
        serde_json::json!({}),
        now,
    )
    .await
    .map_err(internal("writing the audit event failed"))?;
    tx.commit()
        .await
        .map_err(internal("committing the login failed"))?;
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

async fn audit(
    state: &AppState,
    action: &str,
    actor: Option<&str>,
    subject: Option<&str>,
    now: i64,
) -> Result<(), ServerFnError> {
    record_audit_event(
        &state.pool,
        actor,
        action,
        subject,
        serde_json::json!({}),
        now,
    )
    .await
    .map_err(internal("writing the audit event failed"))
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
