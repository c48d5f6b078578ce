//! `/account`'s server functions' bodies (server only).

use anyhow::Context;
use axum::http::request::Parts;

use super::{AccountData, AccountSession, SignOutResult};
use crate::app::admin::ssr::format_time;
use crate::app::error::FnError;
use crate::i18n::Locale;
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::{BrowserSession, browser_session};
use crate::server::clock::now;
use crate::server::db::op_sessions::{list_user_session_apps, list_user_sessions};
use crate::server::end_session::frontchannel_or;
use crate::server::respond::{Redirect, mark_no_store};
use crate::server::sessions::{Cause, sign_out_user};
use crate::server::signed::Purpose;
use crate::server::state::{AppState, app_state};
use crate::server::urls::local_url;

/// How long the result of a sign-out may be shown after it.
const RESULT_TTL_SECS: i64 = 10 * 60;

/// What both the page and its changes start from: never cached.
async fn context() -> Result<(AppState, BrowserSession, Locale), FnError> {
    mark_no_store();
    let state = app_state()?;
    let session = browser_session().await?;
    let accept_language: AcceptLanguage = leptos_axum::extract()
        .await
        .context("reading Accept-Language")?;
    Ok((state, session, accept_language.locale(None)))
}

pub async fn load() -> Result<AccountData, FnError> {
    let (state, session, locale) = context().await?;
    let parts: Parts = leptos_axum::extract()
        .await
        .context("request parts are missing")?;
    let result = url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "result")
        .and_then(|(_, v)| {
            state
                .signer
                .open::<SignOutResult>(Purpose::SignOutResult, &v, now())
        });
    let current = session
        .active_op_session(&state.pool)
        .await
        .context("loading the session failed")?;
    let csrf = session
        .csrf_token()
        .await
        .context("reading the CSRF token failed")?;
    let Some(current) = current else {
        return Ok(AccountData {
            locale,
            username: None,
            csrf,
            sessions: Vec::new(),
            result,
        });
    };
    let apps = list_user_session_apps(&state.pool, current.user_id)
        .await
        .context("listing the apps failed")?;
    let sessions = list_user_sessions(&state.pool, current.user_id)
        .await
        .context("listing the sessions failed")?
        .into_iter()
        .map(|s| AccountSession {
            this_device: s.sid == current.sid,
            apps: apps
                .iter()
                .filter(|(sid, _)| *sid == s.sid)
                .map(|(_, name)| name.clone())
                .collect(),
            started: format_time(s.created_at),
            browser: s.browser.unwrap_or_else(|| "Unknown browser".to_owned()),
            sid: s.sid,
        })
        .collect();
    Ok(AccountData {
        locale,
        username: Some(current.username),
        csrf,
        sessions,
        result,
    })
}

/// Signs the user out of `only` (one of their sessions) or of every session,
/// then shows `/account` with what happened, through the front-channel page
/// when an app in an ended session has a front-channel logout URI. This
/// browser's own session ending ends its browser session too.
pub async fn sign_out(csrf: String, only: Option<String>) -> Result<(), FnError> {
    let (state, session, locale) = context().await?;
    let Some(current) = session
        .active_op_session(&state.pool)
        .await
        .context("loading the session failed")?
    else {
        return Err(FnError::BadRequest("you are not signed in".into()));
    };
    if !session
        .verify_csrf(&csrf)
        .await
        .context("reading the CSRF token failed")?
    {
        return Err(FnError::BadRequest(
            "the form's CSRF token is not this browser's".into(),
        ));
    }
    let reason = match only {
        Some(_) => "user_signed_out_session",
        None => "user_signed_out_everywhere",
    };
    let cause = Cause {
        actor: Some(&current.username),
        reason,
    };
    let report = sign_out_user(&state, current.user_id, only.as_deref(), cause)
        .await
        .context("signing out failed")?;
    if report.ended.iter().any(|e| e.sid == current.sid) {
        session
            .end()
            .await
            .context("ending the browser session failed")?;
    }
    let result = SignOutResult {
        sessions: report.ended.len(),
        told: report.told.clone(),
        retrying: report
            .retrying
            .iter()
            .map(|(_, name)| name.clone())
            .collect(),
    };
    let sealed = state
        .signer
        .seal(Purpose::SignOutResult, &result, now() + RESULT_TTL_SECS);
    let back = local_url(&state.settings.issuer, "/account", &[("result", &sealed)])
        .context("building the account URL")?;
    let next = frontchannel_or(&state, &report.ended, back, locale)
        .await
        .context("planning the front-channel logout failed")?;
    Redirect::see_other(&next).apply();
    Ok(())
}
