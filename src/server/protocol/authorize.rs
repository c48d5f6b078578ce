use anyhow::Context;
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::oidc::Params;
use crate::oidc::authorize::{
    AuthorizationRequest, ClientRegistration, ExistingLogin, LoginDecision, Rejection,
    code_redirect, decide_login, error_redirect, validate_authorization_request,
};
use crate::oidc::token::CODE_LIFETIME_SECS;
use crate::oidc::{OAuthError, OAuthErrorCode};
use crate::server::browser_session::BrowserSession;
use crate::server::clock::now;
use crate::server::crypto::{random_token, sha256_b64};
use crate::server::db::authorization_codes::{CodeRow, insert_authorization_code};
use crate::server::db::clients::find_client;
use crate::server::db::op_sessions::ActiveOpSession;
use crate::server::db::rp_sessions::upsert_rp_session;
use crate::server::db::spent_authorization_requests::insert_spent_authorization_request;
use crate::server::error::AppError;
use crate::server::respond::Redirect;
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
    upsert_rp_session(&mut *tx, &op_session.sid, &request.client_id, now)
        .await
        .context("recording the client in the session")?;
    tx.commit().await.context("committing the code")?;
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
