use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use url::Url;

use crate::app::logout::{Dialog, LogoutView, ProblemKind, ReturnTo};
use crate::oidc::Params;
use crate::oidc::end_session::{EndSessionRequest, Problem, Step, next_step};
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::BrowserSession;
use crate::server::client_addr::request_client_addr;
use crate::server::crypto::csp_nonce;
use crate::server::db::logout_requests::delete_logout_request;
use crate::server::end_session::{Asked, Use, carry_out, load_plan, load_request, park_request};
use crate::server::error::AppError;
use crate::server::headers::{DIALOG_CSP, page_csp};
use crate::server::respond::Redirect;
use crate::server::sessions::current_live_session;
use crate::server::state::AppState;
use crate::server::urls::local_url;

/// `GET /logout` (RP-Initiated Logout §2): the confirmation dialog, the
/// signed-out page, or a redirect when there is nothing to ask. The dialog
/// names the user and carries a CSRF token, so it is never cached, and it may
/// not be framed (spec digest §6: clickjacking).
pub async fn get_logout(
    State(state): State<AppState>,
    session: BrowserSession,
    accept_language: AcceptLanguage,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let answer = page_answer(
        &state,
        &session,
        query.as_deref().unwrap_or(""),
        &accept_language,
    )
    .await?;
    // The dialog runs its island: scripts with this response's nonce, and
    // frames and probes for exactly its apps' front-channel origins. Every
    // other answer runs no script.
    let csp = match &answer {
        PageAnswer::Show(_, LogoutView::Dialog(dialog), origins) => {
            HeaderValue::from_str(&page_csp(&dialog.nonce, origins)).ok()
        }
        _ => None,
    };
    let mut response = match answer {
        // 302, the status RP-Initiated Logout's examples use.
        PageAnswer::Redirect(url) => Redirect::found(&url).into_response(),
        PageAnswer::Show(status, view, _) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            view.render(&state.leptos_options),
        )
            .into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        csp.unwrap_or(HeaderValue::from_static(DIALOG_CSP)),
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
    Ok(Redirect::see_other(&url).into_response())
}

/// What GET /logout answers.
#[derive(Debug)]
enum PageAnswer {
    /// The dialog or the signed-out page, with its status (400 names a
    /// problem) and the front-channel origins of the session's apps.
    Show(StatusCode, LogoutView, Arc<[String]>),
    /// Nothing to ask: on to a validated post-logout URI, or to our own pages.
    Redirect(Url),
}

fn problem_kind(problem: Problem) -> ProblemKind {
    match problem {
        Problem::InvalidHint(_) => ProblemKind::InvalidHint,
        Problem::UnknownClient => ProblemKind::UnknownClient,
        Problem::UnverifiableRedirect => ProblemKind::UnverifiableRedirect,
        Problem::UnregisteredRedirect => ProblemKind::UnregisteredRedirect,
    }
}

/// GET /logout: decides from the query, or from the stored POST it names:
/// load → [`next_step`] → show or carry out. Reads only, unless the client's
/// policy lets a request that proves itself skip the dialog.
async fn page_answer(
    state: &AppState,
    session: &BrowserSession,
    query: &str,
    accept_language: &AcceptLanguage,
) -> anyhow::Result<PageAnswer> {
    let (current, origins) = match current_live_session(state, session).await? {
        Some(live) => (Some(live.session), live.frontchannel_origins),
        None => (None, Arc::from([])),
    };
    let Some(incoming) = load_request(state, query, Use::Read).await? else {
        let locale = accept_language.locale(None);
        let view = match current {
            Some(current) => LogoutView::Dialog(Dialog {
                locale,
                client_name: None,
                username: current.username,
                mismatch: false,
                problem: Some(ProblemKind::BadRequest),
                request: String::new(),
                csrf: session.csrf_token().await?,
                nonce: csp_nonce(),
            }),
            None => LogoutView::SignedOut {
                locale,
                problem: Some(ProblemKind::BadRequest),
                return_to: None,
            },
        };
        return Ok(PageAnswer::Show(StatusCode::BAD_REQUEST, view, origins));
    };
    let request = &incoming.request;
    let locale = accept_language.locale(request.ui_locales.as_deref());
    let plan = load_plan(state, request, current.as_ref()).await?;
    let problem = plan.problem.map(problem_kind);
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(match next_step(&plan, current.as_ref(), None) {
        Step::Ask => {
            let current = current.context("a dialog needs a session")?;
            PageAnswer::Show(
                status,
                LogoutView::Dialog(Dialog {
                    locale,
                    client_name: plan.client.map(|c| c.name),
                    username: current.username,
                    mismatch: plan.session_mismatch,
                    problem,
                    request: incoming.form_text,
                    csrf: session.csrf_token().await?,
                    nonce: csp_nonce(),
                }),
                origins,
            )
        }
        Step::ShowSignedOut { return_to } => PageAnswer::Show(
            status,
            LogoutView::SignedOut {
                locale,
                problem,
                return_to: return_to.map(|(client_name, url)| ReturnTo {
                    client_name,
                    url: url.to_string(),
                }),
            },
            origins,
        ),
        step => {
            // A parked request that needs no dialog is used up here.
            if let Some(id) = &incoming.pending
                && current.is_some()
            {
                delete_logout_request(&state.pool, id)
                    .await
                    .context("forgetting the stored logout request")?;
            }
            let target = carry_out(
                state,
                session,
                current.as_ref(),
                &plan,
                step,
                Asked::No,
                locale,
            )
            .await?;
            PageAnswer::Redirect(target)
        }
    })
}
