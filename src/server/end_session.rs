//! The end-session endpoint's server side, between the pure decision
//! (`oidc::end_session`) and the pages: it loads what the decision needs,
//! parks POSTed requests, and carries out the [`Step`] the decision returns.
//! Leptos-free; GET /logout's handler and the dialog's server function call it.

use std::net::IpAddr;

use anyhow::Context;
use url::Url;

use super::browser_session::BrowserSession;
use super::client_addr::throttle_key;
use super::clock::now;
use super::crypto::random_token;
use super::db::clients::find_logout_client;
use super::db::frontchannel_pages::insert_frontchannel_page;
use super::db::logout_requests::{find_logout_request, insert_logout_request, take_logout_request};
use super::db::op_sessions::find_op_session_end;
use super::sessions::{Cause, Ended, Scope, audit_decision, sign_out_browser, terminate};
use super::state::AppState;
use super::urls::local_url;
use crate::i18n::Locale;
use crate::oidc::Params;
use crate::oidc::end_session::{
    ClientLookup, CurrentSession, EndSessionRequest, HintedSession, LogoutClient, LogoutPlan,
    Outcome, Step, Then, check_hint, plan_logout,
};
use crate::oidc::frontchannel::FrontchannelPlan;

/// A client's logout settings, from the cache when they are there.
async fn logout_client(state: &AppState, client_id: &str) -> anyhow::Result<Option<LogoutClient>> {
    if let Some(client) = state.logout_clients.get(client_id) {
        return Ok(Some(client));
    }
    let began = state.logout_clients.generation();
    let found = find_logout_client(&state.pool, client_id)
        .await
        .context("loading the client")?;
    if let Some(client) = &found {
        state
            .logout_clients
            .put(began, client_id.to_owned(), client.clone());
    }
    Ok(found)
}

/// Loads what the decision needs (keys, client, sessions) and decides. Reads
/// only, and each row at most once: the hint's client is the plan's client, and
/// a hint naming the browser's own session needs no second lookup.
pub async fn load_plan(
    state: &AppState,
    request: &EndSessionRequest,
    current: Option<&CurrentSession>,
) -> anyhow::Result<LogoutPlan> {
    let mut hint_client = None;
    let hint = match &request.id_token_hint {
        None => None,
        Some(jwt) => Some(match state.keys.verify_signature(jwt) {
            Err(e) => Err(e),
            Ok(claims) => {
                let named = claims.azp.clone().or_else(|| claims.aud.first().cloned());
                hint_client = match &named {
                    Some(id) => logout_client(state, id).await?,
                    None => None,
                };
                let hinted = match (&claims.sid, current) {
                    (Some(sid), Some(live)) if *sid == live.sid => {
                        Some(HintedSession { ended_at: None })
                    }
                    (Some(sid), _) => find_op_session_end(&state.pool, sid)
                        .await
                        .context("loading the hint's session")?
                        .map(|ended_at| HintedSession { ended_at }),
                    (None, _) => None,
                };
                let client = hint_client.as_ref();
                check_hint(
                    claims,
                    &state.settings.issuer,
                    request.client_id.as_deref(),
                    |id| client.is_some_and(|c| c.client_id == id),
                    hinted,
                    now(),
                )
            }
        }),
    };
    let client = match (&hint, &request.client_id) {
        (Some(Ok(_)), _) => hint_client.map_or(ClientLookup::NotNamed, ClientLookup::Found),
        (_, None) => ClientLookup::NotNamed,
        (_, Some(id)) => logout_client(state, id)
            .await?
            .map_or(ClientLookup::Unknown, ClientLookup::Found),
    };
    Ok(plan_logout(request, hint, client, current))
}

/// An end-session request as GET /logout or the dialog's form brings it.
pub struct Incoming {
    pub request: EndSessionRequest,
    /// What the dialog's hidden field carries back: the §2 parameters of a
    /// GET, or only `pending=<id>` for a parked POST, so its hint is never
    /// in a page or a URL.
    pub form_text: String,
    /// The id of the parked POST it came from.
    pub pending: Option<String>,
}

/// Whether loading a parked request uses it up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// GET /logout shows the dialog and writes nothing.
    Read,
    /// The dialog's answer, or a logout that needs no dialog: a parked
    /// request is single-use.
    Consume,
}

/// The request's parameters, from the query or from the stored POST named by
/// `pending`. `None` when they are malformed or over their caps, or when the
/// stored request expired or was used.
pub async fn load_request(
    state: &AppState,
    text: &str,
    how: Use,
) -> anyhow::Result<Option<Incoming>> {
    let Ok(params) = Params::parse(text.as_bytes()) else {
        return Ok(None);
    };
    let Some(id) = params.get("pending") else {
        return Ok(EndSessionRequest::from_params(&params)
            .ok()
            .map(|request| Incoming {
                form_text: if EndSessionRequest::names_only_its_parameters(&params) {
                    text.to_owned()
                } else {
                    request.to_form()
                },
                request,
                pending: None,
            }));
    };
    let stored = match how {
        Use::Read => find_logout_request(&state.pool, id, now()).await,
        Use::Consume => take_logout_request(&state.pool, id, now()).await,
    }
    .context("loading the stored logout request")?;
    let request = stored.and_then(|text| {
        let params = Params::parse(text.as_bytes()).ok()?;
        EndSessionRequest::from_params(&params).ok()
    });
    Ok(request.map(|request| Incoming {
        request,
        form_text: url::form_urlencoded::Serializer::new(String::new())
            .append_pair("pending", id)
            .finish(),
        pending: Some(id.to_owned()),
    }))
}

/// Parks a POSTed end-session request (only its §2 parameters) until the
/// browser comes back with a same-site GET; returns its id. Each client
/// address keeps only its newest few parked requests.
pub async fn park_request(
    state: &AppState,
    request: &EndSessionRequest,
    from: IpAddr,
) -> anyhow::Result<String> {
    let id = random_token();
    let mut tx = super::db::begin_write(&state.pool).await?;
    insert_logout_request(
        &mut tx,
        &id,
        &request.to_form(),
        &throttle_key(from).to_string(),
        now(),
    )
    .await
    .context("storing the logout request")?;
    tx.commit().await.context("committing the logout request")?;
    Ok(id)
}

/// Whether the user was asked before this step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The step comes from the dialog's answer.
    Yes,
    /// A request that proved itself to a `when_required` client.
    No,
}

/// Carries out `step`, then sends the browser on: to the front-channel page
/// when an ended session had apps with front-channel logout URIs, else to
/// the target.
pub async fn carry_out(
    state: &AppState,
    session: &BrowserSession,
    current: Option<&CurrentSession>,
    plan: &LogoutPlan,
    step: Step,
    asked: Asked,
    locale: Locale,
) -> anyhow::Result<Url> {
    let (ended, target) = settle(state, session, current, plan, step, asked, locale).await?;
    frontchannel_or(state, std::slice::from_ref(&ended), target, locale).await
}

/// Does what `step` says and returns what ended and where the browser goes
/// after its apps are told: the validated post-logout URI or our result
/// page. [`Step::Ask`] and [`Step::ShowSignedOut`] are pages, not actions: the
/// caller shows them, and here they end nothing.
pub async fn settle(
    state: &AppState,
    session: &BrowserSession,
    current: Option<&CurrentSession>,
    plan: &LogoutPlan,
    step: Step,
    asked: Asked,
    locale: Locale,
) -> anyhow::Result<(Ended, Url)> {
    let (ended, then) = match (step, current) {
        (Step::EndOpSession(then), Some(current)) => {
            let outcome = match asked {
                Asked::Yes => "signed_out",
                Asked::No => "signed_out_without_dialog",
            };
            let detail = decision_detail(plan, outcome);
            let ended =
                sign_out_browser(state, session, current, "rp_initiated_logout", detail).await?;
            (ended, then)
        }
        (Step::EndClientSession { client_id, then }, Some(current)) => {
            let cause = Cause {
                actor: Some(&current.username),
                reason: "rp_initiated_logout",
            };
            let ended = terminate(
                state,
                &current.sid,
                Scope::Client(&client_id),
                cause,
                decision_detail(plan, "stayed_signed_in"),
            )
            .await?;
            (ended, then)
        }
        (Step::StaySignedIn(then), Some(current)) => {
            let detail = decision_detail(plan, "stayed_signed_in");
            audit_decision(state, Some(&current.username), &current.sid, detail).await?;
            (Ended::default(), then)
        }
        // Nothing to end: an anonymous request stores nothing.
        (step, _) => {
            tracing::debug!(detail = %decision_detail(plan, "already_signed_out"), "logout decided");
            let then = match step {
                Step::GoOn(then)
                | Step::EndOpSession(then)
                | Step::StaySignedIn(then)
                | Step::EndClientSession { then, .. } => then,
                Step::Ask | Step::ShowSignedOut { .. } => Then::ResultPage(Outcome::SignedOut),
            };
            (Ended::default(), then)
        }
    };
    let target = match then {
        Then::Redirect(url) => url,
        Then::ResultPage(outcome) => done_url(state, locale, outcome)?,
    };
    Ok((ended, target))
}

fn decision_detail(plan: &LogoutPlan, outcome: &str) -> serde_json::Value {
    serde_json::json!({
        "outcome": outcome,
        "client_id": plan.client.as_ref().map(|c| c.client_id.as_str()),
        "redirect": plan.redirect.is_some(),
        "problem": plan.problem.map(|p| format!("{p:?}")),
        "session_mismatch": plan.session_mismatch,
    })
}

/// `/logout/done`, saying what happened.
fn done_url(state: &AppState, locale: Locale, outcome: Outcome) -> anyhow::Result<Url> {
    local_url(
        &state.settings.issuer,
        "/logout/done",
        &[("outcome", outcome.as_str()), ("lang", locale.tag())],
    )
    .context("building the result page URL")
}

/// Where the browser goes after a logout that ended `ended` (one session, or
/// several for "sign out everywhere"): `target` itself, or first the
/// front-channel page when a client in them has a front-channel logout URI
/// (FCL §3: the OP renders the iframes, then goes on), one frame per client
/// and session.
pub async fn frontchannel_or(
    state: &AppState,
    ended: &[Ended],
    target: Url,
    locale: Locale,
) -> anyhow::Result<Url> {
    let mut plan: Option<FrontchannelPlan> = None;
    for session in ended {
        let Some(more) = FrontchannelPlan::for_ended_session(
            session.frontchannel.clone(),
            &state.settings.issuer,
            &session.sid,
            locale,
            &target,
        ) else {
            continue;
        };
        match &mut plan {
            Some(plan) => plan.frames.extend(more.frames),
            None => plan = Some(more),
        }
    }
    let Some(mut plan) = plan else {
        return Ok(target);
    };
    plan.report = super::frontchannel_report::ticket(&state.signer, plan.client_ids());
    let id = random_token();
    insert_frontchannel_page(&state.pool, &id, &serde_json::to_string(&plan)?, now())
        .await
        .context("storing the front-channel page")?;
    super::metrics::metrics()
        .frontchannel_frames
        .inc_by(plan.frames.len() as u64);
    local_url(
        &state.settings.issuer,
        "/logout/frontchannel",
        &[("id", &id)],
    )
    .context("building the front-channel page URL")
}
