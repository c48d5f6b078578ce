//! The end-session server functions' bodies (server only): extract, load,
//! decide with `oidc::end_session::next_step`, carry out.

use anyhow::Context;
use url::Url;

use crate::app::error::FnError;
use crate::oidc::Params;
use crate::oidc::end_session::{Choice, next_step};
use crate::oidc::frontchannel::FrontchannelPlan;
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::browser_session;
use crate::server::clock::now;
use crate::server::db::frontchannel_pages::find_frontchannel_page;
use crate::server::end_session::{Asked, Use, carry_out, load_plan, load_request};
use crate::server::headers::set_page_csp;
use crate::server::respond::mark_no_store;
use crate::server::sessions::current_session;
use crate::server::state::app_state;

/// The dialog's answer: `yes` ends the OP session, `no` only the part of the
/// client a valid hint identified. Either way the user goes to the validated
/// post-logout URI if there is one: the click was the confirmation.
pub async fn confirm(csrf: String, request_text: String, choice: String) -> Result<Url, FnError> {
    let state = app_state()?;
    let session = browser_session().await?;
    let accept_language: AcceptLanguage = leptos_axum::extract()
        .await
        .context("reading Accept-Language")?;
    let current = current_session(&state, &session)
        .await
        .context("loading the session failed")?;
    // Without a session there is nothing to protect; with one, nothing happens
    // (not even using up a parked request) before the CSRF check.
    if current.is_some()
        && !session
            .verify_csrf(&csrf)
            .await
            .context("reading the CSRF token failed")?
    {
        return Err(FnError::BadRequest(
            "the form's CSRF token is not this browser's".into(),
        ));
    }
    let choice = Choice::parse(&choice)
        .ok_or_else(|| FnError::BadRequest("choice must be yes or no".into()))?;
    // A tampered or used-up request counts as empty: nothing identifies a
    // client, nothing redirects.
    let request = load_request(&state, &request_text, Use::Consume)
        .await
        .context("loading the logout request failed")?
        .map(|incoming| incoming.request)
        .unwrap_or_default();
    let locale = accept_language.locale(request.ui_locales.as_deref());
    let plan = load_plan(&state, &request, current.as_ref())
        .await
        .context("deciding the logout failed")?;
    let step = next_step(&plan, current.as_ref(), Some(choice));
    Ok(carry_out(
        &state,
        &session,
        current.as_ref(),
        &plan,
        step,
        Asked::Yes,
        locale,
    )
    .await
    .context("carrying out the logout failed")?)
}

/// The front-channel page's plan. Read-only; its CSP may frame exactly the
/// plan's client origins.
pub async fn frontchannel_page() -> Result<Option<FrontchannelPlan>, FnError> {
    let state = app_state()?;
    mark_no_store();
    let parts: axum::http::request::Parts = leptos_axum::extract()
        .await
        .context("request parts are missing")?;
    let id = Params::parse(parts.uri.query().unwrap_or("").as_bytes())
        .ok()
        .and_then(|p| p.get("id").map(str::to_owned));
    let Some(id) = id else {
        return Ok(None);
    };
    let stored = find_frontchannel_page(&state.pool, &id, now())
        .await
        .context("loading the front-channel page failed")?;
    let Some(plan) = stored.and_then(|text| serde_json::from_str::<FrontchannelPlan>(&text).ok())
    else {
        return Ok(None);
    };
    set_page_csp(&plan.frame_origins());
    Ok(Some(plan))
}
