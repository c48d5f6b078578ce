//! The sign-in server functions' bodies (server only): CSRF, throttling,
//! the password check, the OP session (`server::sessions::start_op_session`),
//! and where to go next.

use anyhow::Context;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use url::Url;

use crate::app::error::FnError;
use crate::server::accounts::MAX_PASSWORD;
use crate::server::browser_session::browser_session;
use crate::server::client_addr::request_client_addr;
use crate::server::clock::{now, now_ms};
use crate::server::db::audit_events::record_audit_event;
use crate::server::db::users::find_user_by_username;
use crate::server::metrics::metrics;
use crate::server::passwords::{try_check_slot, verify_password};
use crate::server::sessions::start_op_session;
use crate::server::signed::Purpose;
use crate::server::state::{AppState, app_state};
use crate::server::throttle::Reserved;
use crate::server::urls::{is_console_path, local_url};

const MAX_USERNAME: usize = 64;

/// The login form's CSRF token. Showing the form stores nothing and sets no
/// cookie: the token is a value signed with the server secret that says
/// "a login form, until this time". Login CSRF (signing a victim in as the
/// attacker) is stopped by where the POST comes from ([`same_origin_post`]);
/// the token adds that the form is ours and recent.
///
/// An earlier version set a double-submit cookie from this server function.
/// Under concurrent load in Playwright, a `Set-Cookie` written through
/// `ResponseOptions` here once landed on another response (a static file's,
/// answered inside an owner that inherited this render: fixed since, see
/// `server::startup::site_files`), so the browser's cookie no longer matched
/// its form.
pub async fn login_form_token() -> Result<String, FnError> {
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
) -> Result<Url, FnError> {
    let next = next.filter(|n| is_console_path(n));
    let state = app_state()?;
    let session = browser_session().await?;
    let back = |error: &str| login_url(&state, error, request.as_deref(), next.as_deref());

    let parts: Parts = leptos_axum::extract()
        .await
        .context("request parts are missing")?;
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
    let reservation = match state
        .throttle
        .reserve(&username, addr, now_ms())
        .await
        .context("the login throttle failed")?
    {
        Reserved::Yes(reservation) => reservation,
        Reserved::Wait(_) => {
            metrics().sign_in("throttled");
            return back("throttled");
        }
    };
    let Some(slot) = try_check_slot() else {
        state
            .throttle
            .release(reservation)
            .await
            .context("the login throttle failed")?;
        // Every password-check slot is taken: 503, come back in a second.
        return Err(FnError::Busy);
    };

    let user = find_user_by_username(&state.pool, &username)
        .await
        .context("loading the user failed")?;
    let active = user.as_ref().filter(|u| u.disabled_at.is_none());
    let verified = verify_password(password, active.map(|u| u.password_hash.clone()))
        .await
        .context("verifying the password failed")?;
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
        .context("writing the audit event failed")?;
        metrics().sign_in("failed");
        return back("invalid");
    };
    metrics().sign_in("succeeded");
    state
        .throttle
        .succeeded(reservation)
        .await
        .context("the login throttle failed")?;

    let previous = session
        .active_op_session(&state.pool)
        .await
        .context("loading the browser's OP session failed")?;
    let browser = crate::server::user_agent::summarize(
        parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    );
    let sid = start_op_session(&state, user, previous, &browser, now)
        .await
        .context("starting the OP session failed")?;
    session
        .begin_op_session(&sid)
        .await
        .context("binding the OP session to the browser failed")?;

    let target = match (request, next) {
        (Some(id), _) => local_url(
            &state.settings.issuer,
            "/authorize/continue",
            &[("request", &id)],
        ),
        (None, Some(path)) => Url::parse(&state.settings.issuer.endpoint(&path)).ok(),
        (None, None) => local_url(&state.settings.issuer, "/", &[]),
    };
    Ok(target.context("building the next URL")?)
}

fn login_url(
    state: &AppState,
    error: &str,
    request: Option<&str>,
    next: Option<&str>,
) -> Result<Url, FnError> {
    let mut pairs = vec![("error", error)];
    if let Some(request) = request {
        pairs.push(("request", request));
    }
    if let Some(next) = next {
        pairs.push(("next", next));
    }
    Ok(local_url(&state.settings.issuer, "/login", &pairs).context("building a local URL")?)
}
