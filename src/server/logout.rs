//! Ending sessions. Loading a logout plan (read-only, for the dialog) and the
//! one termination path every kind of logout goes through.

use anyhow::Context;

use super::backchannel::now_ms;
use super::browser_session::BrowserSession;
use super::db::access_tokens::revoke_access_tokens_for_session;
use super::db::audit_events::record_audit_event;
use super::db::backchannel_deliveries::insert_backchannel_deliveries;
use super::db::clients::find_logout_client;
use super::db::op_sessions::{
    OP_SESSION_LIFETIME_SECS, end_op_session, find_active_op_session, find_op_session_end,
    list_active_sids_for_user,
};
use super::db::rp_sessions::end_rp_sessions;
use super::protocol::now;
use super::state::{AppState, LiveOpSession};
use crate::oidc::end_session::{
    CurrentSession, EndSessionRequest, HintVerifier, HintedSession, LogoutClient, LogoutPlan,
    check_hint, plan_logout,
};

/// The browser's live OP session, if it has one: from the cache when it is
/// there, since the dialog and ORCID's status poll ask on every request.
pub async fn current_session(
    state: &AppState,
    session: &BrowserSession,
) -> anyhow::Result<Option<CurrentSession>> {
    let Some(sid) = session
        .op_sid()
        .await
        .context("reading the browser session")?
    else {
        return Ok(None);
    };
    let now = now();
    if let Some(live) = state.op_sessions.get(&sid) {
        return Ok((live.expires_at > now).then_some(live.session));
    }
    let began = state.op_sessions.generation();
    let Some(found) = find_active_op_session(&state.pool, &sid, now)
        .await
        .context("loading the OP session")?
    else {
        return Ok(None);
    };
    let live = LiveOpSession {
        session: CurrentSession {
            sid: found.sid,
            subject: found.subject,
            username: found.username,
        },
        expires_at: found.auth_time + OP_SESSION_LIFETIME_SECS,
    };
    state.op_sessions.put(began, sid, live.clone());
    Ok(Some(live.session))
}

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

/// Signs this browser out: the OP session everywhere, then the browser session
/// itself (its row and cookie). The dialog's Yes, the `when_required` skip,
/// `/userStatus.json?logUserOut=true` and `/signout` all come through here.
pub async fn sign_out_browser(
    state: &AppState,
    session: &BrowserSession,
    current: &CurrentSession,
    reason: &str,
    detail: serde_json::Value,
) -> anyhow::Result<Ended> {
    let ended =
        end_op_session_everywhere(state, &current.sid, Some(&current.username), reason, detail)
            .await?;
    session.end().await.context("ending the browser session")?;
    Ok(ended)
}

/// What ending a session did: the clients that were in it, and the
/// back-channel deliveries queued for them.
#[derive(Debug, Default)]
pub struct Ended {
    pub sid: String,
    pub clients: Vec<String>,
    pub deliveries: Vec<i64>,
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
        (Some(Ok(_)), _) => Ok(hint_client),
        (_, None) => Ok(None),
        (_, Some(id)) => logout_client(state, id).await?.map(Some).ok_or(()),
    };
    Ok(plan_logout(request, hint, client, current))
}

/// Ends an OP session everywhere: the session row, every client session in it,
/// its access tokens, the back-channel outbox rows, and an audit event, in one
/// transaction. The dialog's Yes, `/userStatus.json?logUserOut=true`,
/// `/signout` and the admin console's session sign-out come through here; a
/// change that ends sessions with other writes (a login replacing another
/// user's session, disabling a user, expiry) uses [`Terminations`] in its own
/// transaction. Before it returns, each client with a back-channel logout URI
/// has had its first attempt, or
/// [`super::backchannel::FIRST_ATTEMPT_WAIT`] has passed
/// (RP-Initiated Logout §3: notify before redirecting, but never hold the user
/// hostage to a slow client).
pub async fn end_op_session_everywhere(
    state: &AppState,
    sid: &str,
    actor: Option<&str>,
    reason: &str,
    detail: serde_json::Value,
) -> anyhow::Result<Ended> {
    let mut tx = super::db::begin_write(&state.pool).await?;
    let mut ends = Terminations::default();
    let ended = ends
        .end(&mut tx, sid, actor, reason, detail, now_ms())
        .await?;
    tx.commit().await.context("committing the logout")?;
    ends.finish(state).await;
    Ok(ended)
}

/// OP sessions ended inside one transaction. After its commit, `finish`
/// forgets them in `AppState::op_sessions` and starts their back-channel
/// deliveries: the duty every termination has, kept in one place.
#[derive(Debug, Default)]
#[must_use = "after the commit, call finish or finish_in_background"]
pub struct Terminations {
    sids: Vec<String>,
    deliveries: Vec<i64>,
}

impl Terminations {
    /// Ends one OP session inside the caller's transaction: the session row,
    /// every client session in it, its access tokens, the back-channel outbox
    /// rows and an audit event, so a change that ends sessions (disabling a
    /// user, say) commits with its sessions' ends and their outbox rows.
    pub async fn end(
        &mut self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        sid: &str,
        actor: Option<&str>,
        reason: &str,
        detail: serde_json::Value,
        now_ms: i64,
    ) -> anyhow::Result<Ended> {
        let now = now_ms / 1000;
        let ended = end_op_session(&mut **tx, sid, reason, now)
            .await
            .context("ending the OP session")?;
        let clients = end_rp_sessions(&mut **tx, sid, None, now)
            .await
            .context("closing client sessions")?;
        revoke_access_tokens_for_session(&mut **tx, sid, None, now)
            .await
            .context("revoking access tokens")?;
        let deliveries = insert_backchannel_deliveries(&mut **tx, sid, &clients, reason, now_ms)
            .await
            .context("queueing back-channel logouts")?;
        if ended {
            audit(
                tx,
                actor,
                "logout.op_session_ended",
                sid,
                serde_json::json!({
                    "reason": reason,
                    "clients": clients,
                    "backchannel_deliveries": deliveries.len(),
                    "detail": detail,
                }),
                now,
            )
            .await?;
        }
        self.sids.push(sid.to_owned());
        self.deliveries.extend(&deliveries);
        Ok(Ended {
            sid: sid.to_owned(),
            clients,
            deliveries,
        })
    }

    /// Ends every live OP session of a user (disabled, or its password reset).
    /// Returns how many ended.
    pub async fn end_user_sessions(
        &mut self,
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        user_id: i64,
        actor: Option<&str>,
        reason: &str,
        detail: serde_json::Value,
        now_ms: i64,
    ) -> anyhow::Result<usize> {
        let sids = list_active_sids_for_user(&mut **tx, user_id)
            .await
            .context("listing the user's sessions")?;
        for sid in &sids {
            self.end(tx, sid, actor, reason, detail.clone(), now_ms)
                .await?;
        }
        Ok(sids.len())
    }

    pub fn is_empty(&self) -> bool {
        self.sids.is_empty()
    }

    /// After the commit, with a user waiting: the first delivery attempts are
    /// made now (bounded by `FIRST_ATTEMPT_WAIT`).
    pub async fn finish(self, state: &AppState) {
        self.forget(state);
        state.notifier.deliver_now(&self.deliveries).await;
    }

    /// After the commit, with nobody waiting: the worker makes the attempts.
    pub fn finish_in_background(self, state: &AppState) {
        self.forget(state);
        state.notifier.wake();
    }

    fn forget(&self, state: &AppState) {
        for sid in &self.sids {
            state.op_sessions.forget(sid);
        }
    }
}

/// The dialog's No: the OP session stays, but the initiating client leaves it
/// and is told so on its logout channels.
pub async fn end_client_session(
    state: &AppState,
    sid: &str,
    client_id: &str,
    actor: Option<&str>,
) -> anyhow::Result<Ended> {
    let now_ms = now_ms();
    let now = now_ms / 1000;
    let mut tx = super::db::begin_write(&state.pool).await?;
    let closed = end_rp_sessions(&mut *tx, sid, Some(client_id), now)
        .await
        .context("closing the client session")?;
    revoke_access_tokens_for_session(&mut *tx, sid, Some(client_id), now)
        .await
        .context("revoking access tokens")?;
    let deliveries =
        insert_backchannel_deliveries(&mut *tx, sid, &closed, "rp_initiated_logout", now_ms)
            .await
            .context("queueing the back-channel logout")?;
    audit(
        &mut tx,
        actor,
        "logout.client_session_ended",
        sid,
        serde_json::json!({ "client_id": client_id, "closed": !closed.is_empty() }),
        now,
    )
    .await?;
    tx.commit().await.context("committing the client logout")?;
    state.notifier.deliver_now(&deliveries).await;
    Ok(Ended {
        sid: sid.to_owned(),
        clients: closed,
        deliveries,
    })
}

/// Records a logout decision that changed nothing (already signed out, or an error).
pub async fn audit_decision(
    state: &AppState,
    actor: Option<&str>,
    subject: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    let mut tx = super::db::begin_write(&state.pool).await?;
    audit(&mut tx, actor, "logout.decided", subject, detail, now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    actor: Option<&str>,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
    now: i64,
) -> anyhow::Result<()> {
    record_audit_event(&mut **tx, actor, action, Some(subject), detail, now)
        .await
        .context("writing the audit event")
}

// ---- The end-session pages' server side (called by the server fns in app::logout) ----

use std::net::IpAddr;

use axum::http::StatusCode;
use axum::http::header::ACCEPT_LANGUAGE;
use leptos::prelude::ServerFnError;
use url::Url;

use super::client_addr::throttle_key;
use super::crypto::random_token;
use super::db::clients::list_frontchannel_targets;
use super::db::frontchannel_pages::{find_frontchannel_page, insert_frontchannel_page};
use super::db::logout_requests::{
    delete_logout_request, find_logout_request, insert_logout_request, take_logout_request,
};
use super::error::internal;
use super::headers::set_page_csp;
use super::login::browser_session;
use super::protocol::local_url;
use super::respond::mark_no_store;
use super::state::app_state;
use crate::app::i18n::{Locale, negotiate};
use crate::app::logout::{
    Dialog, FrontchannelFrame, FrontchannelPlan, LogoutView, ProblemKind, ReturnTo,
};
use crate::oidc::Params;
use crate::oidc::end_session::Problem;
use crate::oidc::frontchannel::{frame_origin, frontchannel_logout_url};

fn problem_kind(problem: Problem) -> ProblemKind {
    match problem {
        Problem::InvalidHint(_) => ProblemKind::InvalidHint,
        Problem::UnknownClient => ProblemKind::UnknownClient,
        Problem::UnverifiableRedirect => ProblemKind::UnverifiableRedirect,
        Problem::UnregisteredRedirect => ProblemKind::UnregisteredRedirect,
    }
}

/// What GET /logout answers.
#[derive(Debug)]
pub enum PageAnswer {
    /// The dialog or the signed-out page, with its status (400 names a problem).
    Show(StatusCode, LogoutView),
    /// Nothing to ask: on to a validated post-logout URI, or to our own pages.
    Redirect(Url),
}

/// GET /logout: decides from the query, or from the stored POST it names.
/// Reads only, unless the client's policy lets a request that proves itself
/// skip the dialog.
pub async fn page_answer(
    state: &AppState,
    session: &BrowserSession,
    query: &str,
    accept_language: Option<&str>,
) -> anyhow::Result<PageAnswer> {
    let current = current_session(state, session).await?;
    let Some(incoming) = load_request(state, query, Use::Read).await? else {
        let locale = negotiate(None, accept_language);
        let view = match current {
            Some(current) => LogoutView::Dialog(Dialog {
                locale,
                client_name: None,
                username: current.username,
                mismatch: false,
                problem: Some(ProblemKind::BadRequest),
                request: String::new(),
                csrf: session.csrf_token().await?,
            }),
            None => LogoutView::SignedOut {
                locale,
                problem: Some(ProblemKind::BadRequest),
                return_to: None,
            },
        };
        return Ok(PageAnswer::Show(StatusCode::BAD_REQUEST, view));
    };
    let request = &incoming.request;
    let locale = negotiate(request.ui_locales.as_deref(), accept_language);
    let plan = load_plan(state, request, current.as_ref()).await?;
    let problem = plan.problem.map(problem_kind);
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };

    Ok(match current {
        // Nothing to end (RIL §4: idempotent): honour a redirect a valid hint
        // proved; one only `client_id` vouches for waits for a click.
        None => match (plan.redirect_without_click(), &plan.redirect, &plan.client) {
            (Some(url), _, _) => PageAnswer::Redirect(url.clone()),
            (None, Some(url), Some(client)) => PageAnswer::Show(
                status,
                LogoutView::SignedOut {
                    locale,
                    problem,
                    return_to: Some(ReturnTo {
                        client_name: client.name.clone(),
                        url: url.to_string(),
                    }),
                },
            ),
            _ => PageAnswer::Show(
                status,
                LogoutView::SignedOut {
                    locale,
                    problem,
                    return_to: None,
                },
            ),
        },
        // `when_required` and the request proves itself: no dialog.
        Some(current) if !plan.must_confirm => {
            if let Some(id) = &incoming.pending {
                delete_logout_request(&state.pool, id)
                    .await
                    .context("forgetting the stored logout request")?;
            }
            let ended = sign_out_browser(
                state,
                session,
                &current,
                "rp_initiated_logout",
                decision_detail(&plan, "signed_out_without_dialog"),
            )
            .await?;
            let target = match plan.redirect {
                Some(url) => url,
                None => done_url(state, locale, "signed_out")?,
            };
            PageAnswer::Redirect(frontchannel_or(state, &ended, target, locale).await?)
        }
        Some(current) => PageAnswer::Show(
            status,
            LogoutView::Dialog(Dialog {
                locale,
                client_name: plan.client.map(|c| c.name),
                username: current.username,
                mismatch: plan.session_mismatch,
                problem,
                request: incoming.form_text,
                csrf: session.csrf_token().await?,
            }),
        ),
    })
}

/// An end-session request as GET /logout or the dialog's form brings it.
struct Incoming {
    request: EndSessionRequest,
    /// What the dialog's hidden field carries back: the §2 parameters of a
    /// GET, or only `pending=<id>` for a parked POST, so its hint is never
    /// in a page or a URL.
    form_text: String,
    /// The id of the parked POST it came from.
    pending: Option<String>,
}

/// Whether loading a parked request uses it up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// GET /logout shows the dialog and writes nothing.
    Read,
    /// The dialog's answer: a parked request is single-use.
    Consume,
}

/// The request's parameters, from the query or from the stored POST named by
/// `pending`. `None` when they are malformed or over their caps, or when the
/// stored request expired or was used.
async fn load_request(state: &AppState, text: &str, how: Use) -> anyhow::Result<Option<Incoming>> {
    let Ok(params) = Params::parse(text.as_bytes()) else {
        return Ok(None);
    };
    let Some(id) = params.get("pending") else {
        return Ok(EndSessionRequest::from_params(&params)
            .ok()
            .map(|request| Incoming {
                form_text: request.to_form(),
                request,
                pending: None,
            }));
    };
    let stored = match how {
        Use::Read => find_logout_request(&state.pool, id, now()).await,
        Use::Consume => take_logout_request(&state.pool, id, now()).await,
    }
    .context("loading the stored logout request")?;
    let request = stored
        .and_then(|text| Params::parse(text.as_bytes()).ok())
        .and_then(|p| EndSessionRequest::from_params(&p).ok());
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

/// The dialog's answer: `yes` ends the OP session, `no` only the part of the
/// client a valid hint identified. Either way the user goes to the validated
/// post-logout URI if there is one: the click was the confirmation.
pub async fn confirm(
    csrf: String,
    request_text: String,
    choice: String,
) -> Result<Url, ServerFnError> {
    let state = app_state()?;
    let session = browser_session().await?;
    let parts: axum::http::request::Parts = leptos_axum::extract()
        .await
        .map_err(internal("request parts are missing"))?;
    let accept_language = parts
        .headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let current = current_session(&state, &session)
        .await
        .map_err(internal("loading the session failed"))?;
    // Without a session there is nothing to protect; with one, nothing happens
    // (not even using up a parked request) before the CSRF check.
    if current.is_some()
        && !session
            .verify_csrf(&csrf)
            .await
            .map_err(internal("reading the CSRF token failed"))?
    {
        return Err(ServerFnError::Args(
            "the form's CSRF token is not this browser's".into(),
        ));
    }
    let choice = match choice.as_str() {
        "yes" => Choice::Yes,
        "no" => Choice::No,
        _ => return Err(ServerFnError::Args("choice must be yes or no".into())),
    };
    // A tampered or used-up request counts as empty: nothing identifies a
    // client, nothing redirects.
    let request = load_request(&state, &request_text, Use::Consume)
        .await
        .map_err(internal("loading the logout request failed"))?
        .map(|incoming| incoming.request)
        .unwrap_or_default();
    let locale = negotiate(request.ui_locales.as_deref(), accept_language);
    let plan = load_plan(&state, &request, current.as_ref())
        .await
        .map_err(internal("deciding the logout failed"))?;
    let or_done = |redirect: Option<Url>, outcome: &str| match redirect {
        Some(url) => Ok(url),
        None => done_url(&state, locale, outcome).map_err(internal("no result URL")),
    };

    let Some(current) = current else {
        // A stale dialog: the session is already gone. Nothing to end, no dead
        // end, and nothing stored for an anonymous request.
        tracing::debug!(detail = %decision_detail(&plan, "already_signed_out"), "logout decided");
        return or_done(plan.redirect, "signed_out");
    };
    let (ended, outcome) = match choice {
        Choice::Yes => (
            sign_out_browser(
                &state,
                &session,
                &current,
                "rp_initiated_logout",
                decision_detail(&plan, "signed_out"),
            )
            .await
            .map_err(internal("ending the session failed"))?,
            "signed_out",
        ),
        Choice::No => match plan.client_leaving_on_no() {
            Some(client) => (
                end_client_session(
                    &state,
                    &current.sid,
                    &client.client_id,
                    Some(&current.username),
                )
                .await
                .map_err(internal("ending the client session failed"))?,
                "still_signed_in",
            ),
            None => {
                audit_decision(
                    &state,
                    Some(&current.username),
                    &current.sid,
                    decision_detail(&plan, "stayed_signed_in"),
                )
                .await
                .map_err(internal("writing the audit event failed"))?;
                (Ended::default(), "still_signed_in")
            }
        },
    };
    let target = or_done(plan.redirect.clone(), outcome)?;
    frontchannel_or(&state, &ended, target, locale)
        .await
        .map_err(internal("preparing the front-channel logout failed"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
    Yes,
    No,
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

fn done_url(state: &AppState, locale: Locale, outcome: &str) -> anyhow::Result<Url> {
    local_url(
        &state.settings.issuer,
        "/logout/done",
        &[("outcome", outcome), ("lang", locale.tag())],
    )
    .context("building the result page URL")
}

/// Where the browser goes after a logout that ended `ended`: `target` itself,
/// or first the front-channel page when a client in the session has a
/// front-channel logout URI (FCL §3: the OP renders the iframes, then goes on).
pub async fn frontchannel_or(
    state: &AppState,
    ended: &Ended,
    target: Url,
    locale: Locale,
) -> anyhow::Result<Url> {
    let targets = list_frontchannel_targets(&state.pool, &ended.clients)
        .await
        .context("loading front-channel logout URIs")?;
    let frames: Vec<FrontchannelFrame> = targets
        .into_iter()
        .filter_map(|(client_name, uri)| {
            frontchannel_logout_url(&uri, &state.settings.issuer, &ended.sid)
                .ok()
                .map(|url| FrontchannelFrame {
                    client_name,
                    url: url.into(),
                })
        })
        .collect();
    if frames.is_empty() {
        return Ok(target);
    }
    let plan = FrontchannelPlan {
        locale,
        frames,
        continue_to: target.into(),
    };
    let id = random_token();
    insert_frontchannel_page(&state.pool, &id, &serde_json::to_string(&plan)?, now())
        .await
        .context("storing the front-channel page")?;
    local_url(
        &state.settings.issuer,
        "/logout/frontchannel",
        &[("id", &id)],
    )
    .context("building the front-channel page URL")
}

/// The front-channel page's plan. Read-only; its CSP may frame exactly the
/// plan's client origins.
pub async fn frontchannel_page() -> Result<Option<FrontchannelPlan>, ServerFnError> {
    let state = app_state()?;
    mark_no_store();
    let parts: axum::http::request::Parts = leptos_axum::extract()
        .await
        .map_err(internal("request parts are missing"))?;
    let id = Params::parse(parts.uri.query().unwrap_or("").as_bytes())
        .ok()
        .and_then(|p| p.get("id").map(str::to_owned));
    let Some(id) = id else {
        return Ok(None);
    };
    let stored = find_frontchannel_page(&state.pool, &id, now())
        .await
        .map_err(internal("loading the front-channel page failed"))?;
    let Some(plan) = stored.and_then(|text| serde_json::from_str::<FrontchannelPlan>(&text).ok())
    else {
        return Ok(None);
    };
    let mut origins: Vec<String> = plan
        .frames
        .iter()
        .filter_map(|f| Url::parse(&f.url).ok())
        .map(|u| frame_origin(&u))
        .collect();
    origins.sort();
    origins.dedup();
    set_page_csp(&origins);
    Ok(Some(plan))
}
