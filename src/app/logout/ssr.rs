//! The end-session server functions' bodies (server only): extract, load,
//! decide with `oidc::end_session::next_step`, carry out.

use anyhow::Context;
use url::Url;

use super::live::{BackOutcome, Channel, LiveApp, LiveLogout};
use crate::app::error::FnError;
use crate::oidc::Params;
use crate::oidc::end_session::{Choice, next_step};
use crate::oidc::frontchannel::FrontchannelPlan;
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::browser_session;
use crate::server::clock::now;
use crate::server::db::backchannel_deliveries::{DeliveryStatus, list_delivery_outcomes};
use crate::server::db::frontchannel_pages::find_frontchannel_page;
use crate::server::end_session::{Asked, Use, frontchannel_or, load_plan, load_request, settle};
use crate::server::headers::set_page_csp;
use crate::server::respond::mark_no_store;
use crate::server::sessions::Ended;
use crate::server::sessions::current_session;
use crate::server::state::app_state;

/// The dialog's answer: `yes` ends the OP session, `no` only the part of the
/// client a valid hint identified. Either way the user goes to the validated
/// post-logout URI if there is one: the click was the confirmation.
pub async fn confirm(csrf: String, request_text: String, choice: String) -> Result<Url, FnError> {
    let choice = Choice::parse(&choice)
        .ok_or_else(|| FnError::BadRequest("choice must be yes or no".into()))?;
    let answer = answer(csrf, request_text, choice).await?;
    let (ended, target) = answer.settle().await?;
    Ok(
        frontchannel_or(&answer.state, &[ended], target, answer.locale)
            .await
            .context("sending the front-channel logouts failed")?,
    )
}

/// The interactive dialog's Yes: the same checks, decision and termination
/// as [`confirm`]'s, answered with each app of the ended session (its
/// front-channel URL for the browser to load, or where its back-channel
/// delivery stands after the first attempt) instead of a redirect.
pub async fn confirm_live(csrf: String, request_text: String) -> Result<LiveLogout, FnError> {
    let answer = answer(csrf, request_text, Choice::Yes).await?;
    let state = &answer.state;
    let (ended, target) = answer.settle().await?;
    let plan = FrontchannelPlan::for_ended_session(
        ended.frontchannel.clone(),
        &state.settings.issuer,
        &ended.sid,
        answer.locale,
        &target,
    );
    let report = plan.as_ref().map_or_else(String::new, |plan| {
        crate::server::frontchannel_report::ticket(&state.signer, plan.client_ids())
    });
    let frames = plan.map(|plan| plan.frames).unwrap_or_default();
    crate::server::metrics::metrics()
        .frontchannel_frames
        .inc_by(frames.len() as u64);
    let deliveries = list_delivery_outcomes(&state.pool, &ended.deliveries)
        .await
        .context("loading the deliveries' outcomes failed")?;
    let mut apps: Vec<LiveApp> = frames
        .into_iter()
        .map(|frame| LiveApp {
            name: frame.client_name,
            channel: Channel::Front { url: frame.url },
        })
        .collect();
    apps.extend(deliveries.into_iter().map(|outcome| LiveApp {
        channel: Channel::Back(match outcome.status {
            DeliveryStatus::Delivered => BackOutcome::Delivered,
            _ => BackOutcome::Retrying {
                reason: outcome.reason(),
            },
        }),
        name: outcome.name,
    }));
    Ok(LiveLogout {
        continue_to: target.into(),
        apps,
        report,
    })
}

/// A page's report on its front-channel frames: counted once per ticket; a
/// bad ticket or report is a 400 and counts nothing.
pub async fn report_frontchannel(report: String, outcomes: String) -> Result<(), FnError> {
    let state = app_state()?;
    match crate::server::frontchannel_report::record(&state, &report, &outcomes)
        .await
        .context("recording the report failed")?
    {
        Ok(_) => Ok(()),
        Err(refused) => Err(FnError::BadRequest(refused.to_string())),
    }
}

/// What both answers to the dialog start from.
struct Answer {
    state: crate::server::state::AppState,
    session: crate::server::browser_session::BrowserSession,
    current: Option<crate::oidc::end_session::CurrentSession>,
    plan: crate::oidc::end_session::LogoutPlan,
    step: crate::oidc::end_session::Step,
    locale: crate::i18n::Locale,
}

impl Answer {
    /// Carries out the decision: what ended, and where the browser goes
    /// once its apps are told.
    async fn settle(&self) -> Result<(Ended, Url), FnError> {
        Ok(settle(
            &self.state,
            &self.session,
            self.current.as_ref(),
            &self.plan,
            self.step.clone(),
            Asked::Yes,
            self.locale,
        )
        .await
        .context("carrying out the logout failed")?)
    }
}

/// Extract, check, load and decide: the CSRF token first (with a session,
/// nothing happens before it, not even using up a parked request), then the
/// request decided afresh, never from anything else the form says.
async fn answer(csrf: String, request_text: String, choice: Choice) -> Result<Answer, FnError> {
    let state = app_state()?;
    let session = browser_session().await?;
    let accept_language: AcceptLanguage = leptos_axum::extract()
        .await
        .context("reading Accept-Language")?;
    let current = current_session(&state, &session)
        .await
        .context("loading the session failed")?;
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
    Ok(Answer {
        state,
        session,
        current,
        plan,
        step,
        locale,
    })
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
