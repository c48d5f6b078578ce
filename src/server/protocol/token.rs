use anyhow::Context;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::{no_store, oauth_error};
use crate::oidc::id_token::{IdTokenSubject, id_token_claims};
use crate::oidc::token::{
    ACCESS_TOKEN_LIFETIME_SECS, AuthMethod, IssuedCode, TokenResponse, check_auth_method,
    check_code_redemption, parse_code_grant, presented_client,
};
use crate::oidc::{OAuthError, OAuthErrorCode, Params};
use crate::server::clock::now;
use crate::server::crypto::{constant_time_eq, random_token, sha256_b64};
use crate::server::db::access_tokens::{
    NewAccessToken, insert_access_token, revoke_access_tokens_for_code,
};
use crate::server::db::authorization_codes::{find_authorization_code, spend_authorization_code};
use crate::server::db::clients::{ClientRow, find_client};
use crate::server::db::op_sessions::find_active_op_session;
use crate::server::state::AppState;

pub(super) const INVALID_CLIENT: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidClient,
    "client authentication failed",
);
const INVALID_GRANT: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidGrant,
    "the authorization code is invalid",
);

/// `POST /token` (RFC 6749 §3.2, §4.1.3; OIDC Core §3.1.3).
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match exchange(&state, &headers, &body).await {
        Ok(response) => (no_store(), Json(response)).into_response(),
        Err(failure) => failure.into_response("token request"),
    }
}

impl Failure {
    /// The OAuth error (RFC 6749 §5.2); an internal one is logged, not told.
    pub(super) fn into_response(self, what: &str) -> Response {
        match self {
            Failure::OAuth(error) => oauth_error(error),
            Failure::Internal(err) => {
                tracing::error!(error = ?err, "{what} failed");
                oauth_error(OAuthError::new(
                    OAuthErrorCode::ServerError,
                    "internal error",
                ))
            }
        }
    }
}

/// Why a request to the token, revocation or introspection endpoint failed.
pub(super) enum Failure {
    OAuth(OAuthError),
    Internal(anyhow::Error),
}

impl From<OAuthError> for Failure {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// RFC 6749 §4.1.2: a code its own client redeems twice revokes what it was
/// exchanged for.
async fn replayed(
    conn: &mut crate::server::db::Connection,
    client_id: &str,
    code_hash: &str,
    now: i64,
) -> Failure {
    match revoke_access_tokens_for_code(&mut *conn, code_hash, now).await {
        Ok(revoked) => {
            tracing::warn!(client_id, revoked, "authorization code replayed");
            INVALID_GRANT.into()
        }
        Err(err) => {
            Failure::Internal(anyhow::Error::new(err).context("revoking tokens of a replayed code"))
        }
    }
}

/// The form body of a token, revocation or introspection request (RFC 6749
/// §3.2, RFC 7009 §2.1, RFC 7662 §2.1).
pub(super) fn form_params<'b>(
    headers: &HeaderMap,
    body: &'b [u8],
) -> Result<Params<'b>, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    Params::parse(body).map_err(|_| {
        OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "a parameter is repeated or too long",
        )
    })
}

/// The client a request authenticates as (RFC 6749 §2.3): its registered
/// method, and its secret when it has one.
pub(super) async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params<'_>,
) -> Result<ClientRow, Failure> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let presented = presented_client(authorization, params)?;
    let client = find_client(&state.pool, presented.client_id())
        .await
        .context("loading the client")?
        .ok_or(INVALID_CLIENT)?;
    let method = AuthMethod::parse(&client.token_endpoint_auth_method).ok_or(INVALID_CLIENT)?;
    check_auth_method(method, &presented)?;
    if let (Some(stored), Some(secret)) = (&client.secret_hash, presented.secret())
        && !constant_time_eq(stored, &sha256_b64(secret))
    {
        return Err(INVALID_CLIENT.into());
    }
    Ok(client)
}

async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenResponse, Failure> {
    let params = form_params(headers, body)?;
    let client = authenticate_client(state, headers, &params).await?;

    let grant = parse_code_grant(&params)?;
    let now = now();
    let code_hash = sha256_b64(&grant.code);
    let mut conn = state
        .pool
        .acquire()
        .await
        .context("acquiring a connection")?;
    // Looked up with the authenticated client and the redirect URI: a code
    // presented by anyone else is unknown, and spends or revokes nothing.
    let found = find_authorization_code(
        &mut *conn,
        &code_hash,
        &client.client_id,
        &grant.redirect_uri,
    )
    .await
    .context("loading the code")?
    .ok_or(INVALID_GRANT)?;
    if found.used_at.is_some() {
        return Err(replayed(&mut conn, &client.client_id, &code_hash, now).await);
    }
    let code = found.code;
    // PKCE and expiry before spending: a wrong verifier leaves the code to
    // its owner.
    check_code_redemption(
        &IssuedCode {
            client_id: &code.client_id,
            redirect_uri: &code.redirect_uri,
            code_challenge: code.code_challenge.as_deref(),
            expires_at: code.expires_at,
        },
        &client.client_id,
        &grant,
        now,
    )?;
    if !spend_authorization_code(&mut *conn, &code_hash, now)
        .await
        .context("spending the code")?
    {
        return Err(replayed(&mut conn, &client.client_id, &code_hash, now).await);
    }
    let op_session = find_active_op_session(&mut *conn, &code.sid, now)
        .await
        .context("loading the OP session")?
        .ok_or(OAuthError::new(
            OAuthErrorCode::InvalidGrant,
            "the sign-in session has ended",
        ))?;

    let with_profile = code.scope.split(' ').any(|s| s == "profile");
    let claims = id_token_claims(
        &state.settings.issuer,
        &IdTokenSubject {
            client_id: &client.client_id,
            subject: &op_session.subject,
            sid: &op_session.sid,
            auth_time: op_session.auth_time,
            nonce: code.nonce.as_deref(),
            preferred_username: with_profile.then_some(op_session.username.as_str()),
        },
        now,
    );
    let id_token = state.keys.sign(&claims).await?;
    let access_token = random_token();
    insert_access_token(
        &mut *conn,
        &NewAccessToken {
            token_hash: &sha256_b64(&access_token),
            client_id: &client.client_id,
            sid: &op_session.sid,
            scope: &code.scope,
            code_hash: &code_hash,
            expires_at: now + ACCESS_TOKEN_LIFETIME_SECS,
        },
    )
    .await
    .context("storing the access token")?;

    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME_SECS,
        id_token,
        scope: code.scope,
    })
}
