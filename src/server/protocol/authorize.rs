use anyhow::Context;
use axum::Form;
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::app::consent::{CONSENT_PATH, render_consent};
use crate::oidc::Params;
use crate::oidc::authorize::{
    AuthorizationRequest, ClientRegistration, ExistingLogin, LoginDecision, Rejection,
    code_redirect, decide_login, error_redirect, needs_consent, validate_authorization_request,
};
use crate::oidc::client_metadata::GrantType;
use crate::oidc::frontchannel::frame_origin;
use crate::oidc::token::CODE_LIFETIME_SECS;
use crate::oidc::token::OFFLINE_ACCESS;
use crate::oidc::{OAuthError, OAuthErrorCode};
use crate::server::accept_language::AcceptLanguage;
use crate::server::browser_session::BrowserSession;
use crate::server::clock::now;
use crate::server::crypto::{random_token, sha256_b64};
use crate::server::db::audit_events::record_audit_event;
use crate::server::db::authorization_codes::{CodeRow, insert_authorization_code};
use crate::server::db::clients::find_client;
use crate::server::db::op_sessions::ActiveOpSession;
use crate::server::db::rp_sessions::upsert_rp_session;
use crate::server::db::spent_authorization_requests::insert_spent_authorization_request;
use crate::server::error::AppError;
use crate::server::headers::DIALOG_CSP;
use crate::server::respond::Redirect;
use crate::server::sessions::add_frontchannel_origin;
use crate::server::signed::Purpose;
use crate::server::state::AppState;
use crate::server::urls::local_url;

/// `GET /authorize` (OIDC Core §3.1.2.1).
pub async fn authorize(
    State(state): State<AppState>,
    session: BrowserSession,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(query.as_deref().unwrap_or_default().as_bytes()).map_err(|_| {
        AppError::BadRequest("The sign-in request has a repeated or oversized parameter.")
    })?;
    let client = match params.get("client_id") {
        Some(id) => find_client(&state.pool, id)
            .await
            .context("loading the client")?,
        None => None,
    };
    let registration = client.as_ref().map(|c| ClientRegistration {
        client_id: &c.client_id,
        redirect_uris: &c.redirect_uris.0,
        is_public: c.secret_hash.is_none(),
        allows_refresh: c.allows(GrantType::RefreshToken),
    });
    let request = match validate_authorization_request(&params, registration) {
        Ok(request) => request,
        Err(Rejection::ShowPage(why)) => return Err(AppError::BadRequest(why)),
        Err(Rejection::Redirect {
            redirect_uri,
            state: client_state,
            error,
        }) => return redirect_with_error(&state, &redirect_uri, client_state.as_deref(), &error),
    };
    let existing = session.active_op_session(&state.pool).await?;
    proceed(&state, request, existing, None).await
}

#[derive(Deserialize)]
pub struct ContinueQuery {
    request: String,
}

/// How long an authorization request may wait for the user to sign in.
const PENDING_AUTHORIZATION_SECS: i64 = 30 * 60;

/// An authorization request waiting for a sign-in, carried signed through
/// `/login?request=…` and back to `/authorize/continue?request=…`, so an
/// anonymous `GET /authorize` stores nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub request: AuthorizationRequest,
    /// When it started waiting: a login after this satisfies `prompt=login`
    /// and `max_age`.
    pub since: i64,
    /// Random: two requests alike in every parameter and second are still
    /// two requests, each continued once.
    pub id: String,
}

/// `GET /authorize/continue?request=…`: where login sends the browser back to.
pub async fn continue_authorization(
    State(state): State<AppState>,
    session: BrowserSession,
    Query(query): Query<ContinueQuery>,
) -> Result<Response, AppError> {
    let pending: PendingAuthorization = state
        .signer
        .open(Purpose::PendingAuthorization, &query.request, now())
        .ok_or(AppError::BadRequest(
            "This sign-in request has expired or is not valid. Start again from the application.",
        ))?;
    let existing = session.active_op_session(&state.pool).await?;
    // Single use once someone is signed in: a replay of the same link (from
    // the history, say) must not count an old login as fresh for this request.
    if existing.is_some() {
        let fresh = insert_spent_authorization_request(
            &state.pool,
            &sha256_b64(&query.request),
            pending.since + PENDING_AUTHORIZATION_SECS,
        )
        .await
        .context("recording the continued request")?;
        if !fresh {
            return Err(AppError::BadRequest(
                "This sign-in request was already used. Start again from the application.",
            ));
        }
    }
    proceed(&state, pending.request, existing, Some(pending.since)).await
}

/// `waiting_since` is set when the request waited for a login: a login after
/// that moment counts as fresh for `prompt=login` and `max_age`.
async fn proceed(
    state: &AppState,
    request: AuthorizationRequest,
    existing: Option<ActiveOpSession>,
    waiting_since: Option<i64>,
) -> Result<Response, AppError> {
    let now = now();
    let login = existing.as_ref().map(|s| ExistingLogin {
        auth_time: s.auth_time,
    });
    let just_authenticated = match (waiting_since, login) {
        (Some(since), Some(login)) => login.auth_time >= since,
        _ => false,
    };
    match (
        decide_login(&request, login, just_authenticated, now),
        existing,
    ) {
        (LoginDecision::Proceed, Some(op_session)) if needs_consent(&request) => {
            // Nothing is stored: the request waits, signed and bound to this
            // OP session, in the consent page's URL.
            let pending = state.signer.seal(
                Purpose::PendingConsent,
                &PendingConsent {
                    request,
                    sid: op_session.sid,
                    id: random_token(),
                },
                now + CONSENT_WAIT_SECS,
            );
            let url = local_url(
                &state.settings.issuer,
                CONSENT_PATH,
                &[("request", &pending)],
            )
            .context("building the consent URL")?;
            Ok(Redirect::see_other(&url).into_response())
        }
        (LoginDecision::Proceed, Some(op_session)) => {
            issue_code(state, &request, &op_session, now).await
        }
        (LoginDecision::LoginRequired, _) => redirect_with_error(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            &OAuthError::new(OAuthErrorCode::LoginRequired, "the user is not signed in"),
        ),
        (LoginDecision::Login | LoginDecision::Proceed, _) => {
            // Nothing is stored: the request waits, signed, in the login URL.
            let pending = state.signer.seal(
                Purpose::PendingAuthorization,
                &PendingAuthorization {
                    request,
                    since: now,
                    id: random_token(),
                },
                now + PENDING_AUTHORIZATION_SECS,
            );
            let url = local_url(&state.settings.issuer, "/login", &[("request", &pending)])
                .context("building the login URL")?;
            Ok(Redirect::see_other(&url).into_response())
        }
    }
}

/// How long the consent page may wait for an answer.
const CONSENT_WAIT_SECS: i64 = 10 * 60;

/// An authorization request with `offline_access` waiting for the user's
/// answer, carried signed in the consent page: bound to the OP session it was
/// asked in, so only that signed-in browser can answer it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingConsent {
    pub request: AuthorizationRequest,
    pub sid: String,
    pub id: String,
}

#[derive(Deserialize)]
pub struct ConsentQuery {
    request: String,
}

/// The sealed request, if it is valid and this browser's OP session is the
/// one it was asked in.
async fn open_consent(
    state: &AppState,
    session: &BrowserSession,
    sealed: &str,
) -> Result<(PendingConsent, ActiveOpSession), AppError> {
    const STALE: &str =
        "This question has expired or is not valid. Start again from the application.";
    let pending: PendingConsent = state
        .signer
        .open(Purpose::PendingConsent, sealed, now())
        .ok_or(AppError::BadRequest(STALE))?;
    match session.active_op_session(&state.pool).await? {
        Some(op_session) if op_session.sid == pending.sid => Ok((pending, op_session)),
        _ => Err(AppError::BadRequest(STALE)),
    }
}

/// `GET /consent?request=…`: "Allow <client> to stay connected while you are
/// signed out?" (OIDC Core §11). Script-free, so the same with JS on or off.
pub async fn consent_page(
    State(state): State<AppState>,
    session: BrowserSession,
    accept_language: AcceptLanguage,
    Query(query): Query<ConsentQuery>,
) -> Result<Response, AppError> {
    let (pending, _) = open_consent(&state, &session, &query.request).await?;
    let client = find_client(&state.pool, &pending.request.client_id)
        .await
        .context("loading the client")?
        .ok_or(AppError::BadRequest(
            "The application that asked is no longer registered.",
        ))?;
    let html = render_consent(accept_language.locale(None), client.name, query.request);
    Ok(page_response(html))
}

#[derive(Deserialize)]
pub struct ConsentForm {
    request: String,
    decision: String,
}

/// `POST /consent`: the answer. Allowed keeps `offline_access` in the code's
/// scope; refused drops it, and the sign-in goes on without it. Each question
/// is answered once (a replayed form is refused), and the answer is audited.
pub async fn answer_consent(
    State(state): State<AppState>,
    session: BrowserSession,
    Form(form): Form<ConsentForm>,
) -> Result<Response, AppError> {
    let allowed = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => return Err(AppError::BadRequest("Choose Allow or Don't allow.")),
    };
    let (pending, op_session) = open_consent(&state, &session, &form.request).await?;
    let now = now();
    let fresh = insert_spent_authorization_request(
        &state.pool,
        &sha256_b64(&form.request),
        now + CONSENT_WAIT_SECS,
    )
    .await
    .context("recording the answer")?;
    if !fresh {
        return Err(AppError::BadRequest(
            "This question was already answered. Start again from the application.",
        ));
    }
    let mut request = pending.request;
    if !allowed {
        request.scope = request
            .scope
            .split(' ')
            .filter(|s| *s != OFFLINE_ACCESS)
            .collect::<Vec<_>>()
            .join(" ");
    }
    record_audit_event(
        &state.pool,
        Some(&op_session.username),
        "consent.offline_access",
        Some(&request.client_id),
        serde_json::json!({ "client_id": request.client_id, "allowed": allowed }),
        now,
    )
    .await
    .context("auditing the answer")?;
    issue_code(&state, &request, &op_session, now).await
}

/// A script-free page: never cached, and with the dialog's policy (no
/// `form-action`, since the answer redirects to the client).
fn page_response(html: String) -> Response {
    let mut response = (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(DIALOG_CSP),
    );
    response
}

async fn issue_code(
    state: &AppState,
    request: &AuthorizationRequest,
    op_session: &ActiveOpSession,
    now: i64,
) -> Result<Response, AppError> {
    let code = random_token();
    let row = CodeRow {
        client_id: request.client_id.clone(),
        sid: op_session.sid.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scope.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        expires_at: now + CODE_LIFETIME_SECS,
    };
    let mut tx = crate::server::db::begin_write(&state.pool)
        .await
        .context("starting a transaction")?;
    insert_authorization_code(&mut *tx, &sha256_b64(&code), &row)
        .await
        .context("storing the code")?;
    // The client is now part of this OP session: logout will notify it.
    let frontchannel_uri = upsert_rp_session(&mut *tx, &op_session.sid, &request.client_id, now)
        .await
        .context("recording the client in the session")?;
    tx.commit().await.context("committing the code")?;
    // Its cached copy names the session's front-channel origins (the
    // dialog's CSP): this client's goes in, so that the logout after a
    // sign-in still finds the session in the cache.
    let origin = frontchannel_uri
        .as_deref()
        .and_then(|uri| Url::parse(uri).ok())
        .map(|uri| frame_origin(&uri));
    if let Some(origin) = origin {
        add_frontchannel_origin(state, &op_session.sid, origin);
    }
    let url = code_redirect(request, &code, &state.settings.issuer)
        .context("building the code redirect")?;
    Ok(Redirect::see_other(&url).into_response())
}

fn redirect_with_error(
    state: &AppState,
    redirect_uri: &str,
    client_state: Option<&str>,
    error: &OAuthError,
) -> Result<Response, AppError> {
    let url = error_redirect(redirect_uri, client_state, error, &state.settings.issuer)
        .context("building the error redirect")?;
    Ok(Redirect::see_other(&url).into_response())
}
