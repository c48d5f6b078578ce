use anyhow::Context;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::{no_store, oauth_error};
use crate::oidc::client_metadata::GrantType;
use crate::oidc::id_token::{IdTokenSubject, id_token_claims};
use crate::oidc::token::{
    AuthMethod, CodeGrant, Grant, IssuedCode, RefreshGrant, TokenResponse, check_auth_method,
    check_code_redemption, is_offline, narrow_scope, parse_grant, presented_client,
};
use crate::oidc::{OAuthError, OAuthErrorCode, Params};
use crate::server::clock::now;
use crate::server::crypto::{constant_time_eq, random_token, sha256_b64};
use crate::server::db::access_tokens::{
    NewAccessToken, insert_access_token, revoke_access_tokens_for_code,
};
use crate::server::db::audit_events::record_audit_event;
use crate::server::db::authorization_codes::{find_authorization_code, spend_authorization_code};
use crate::server::db::clients::{ClientRow, find_client};
use crate::server::db::op_sessions::{ActiveOpSession, find_active_op_session};
use crate::server::db::refresh_tokens::{
    NewRefreshToken, find_reused_refresh_token, insert_refresh_token,
    revoke_refresh_tokens_for_grant, spend_refresh_token,
};
use crate::server::db::users::is_user_active;
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
    match revoke_grant(&mut *conn, code_hash, now).await {
        Ok(revoked) => {
            tracing::warn!(client_id, revoked, "authorization code replayed");
            INVALID_GRANT.into()
        }
        Err(err) => {
            Failure::Internal(anyhow::Error::new(err).context("revoking tokens of a replayed code"))
        }
    }
}

/// Revokes every token of a grant (the tokens descending from one code):
/// its access tokens and its refresh token family. Returns how many.
pub(super) async fn revoke_grant(
    conn: &mut crate::server::db::Connection,
    grant_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let access = revoke_access_tokens_for_code(&mut *conn, grant_id, now).await?;
    let refresh = revoke_refresh_tokens_for_grant(&mut *conn, grant_id, now).await?;
    Ok(access + refresh)
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
    match parse_grant(&params)? {
        Grant::Code(grant) => redeem_code(state, &client, grant).await,
        Grant::Refresh(grant) => refresh(state, &client, grant).await,
    }
}

/// The authorization code grant (RFC 6749 §4.1.3): an ID token and an access
/// token, and a refresh token for a client registered for that grant.
async fn redeem_code(
    state: &AppState,
    client: &ClientRow,
    grant: CodeGrant,
) -> Result<TokenResponse, Failure> {
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
        .ok_or(SESSION_ENDED)?;
    drop(conn);

    let id_token = sign_id_token(
        state,
        client,
        &op_session,
        op_session.auth_time,
        code.nonce.as_deref(),
        &code.scope,
        now,
    )
    .await?;
    let lifetimes = state.settings.token_lifetimes;
    let offline = is_offline(&code.scope);
    let mut tx = crate::server::db::begin_write(&state.pool)
        .await
        .context("starting a transaction")?;
    let refresh_expires_at = now
        + if offline {
            lifetimes.offline
        } else {
            lifetimes.refresh
        };
    let (access_token, refresh_token) = mint_tokens(
        &mut tx,
        client,
        &GrantTokens {
            grant_id: &code_hash,
            user_id: op_session.user_id,
            sid: &op_session.sid,
            offline,
            grant_scope: &code.scope,
            access_scope: &code.scope,
            auth_time: op_session.auth_time,
            refresh_expires_at: client
                .allows(GrantType::RefreshToken)
                .then_some(refresh_expires_at),
        },
        lifetimes.access,
        now,
    )
    .await?;
    tx.commit().await.context("committing the tokens")?;

    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetimes.access,
        id_token: Some(id_token),
        refresh_token,
        scope: code.scope,
    })
}

const SESSION_ENDED: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidGrant,
    "the sign-in session has ended",
);
const INVALID_REFRESH_TOKEN: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidGrant,
    "the refresh token is invalid, expired or revoked",
);

/// The refresh token grant (RFC 6749 §6, OIDC Core §12): the token is
/// rotated (spent, and a new one of the same grant issued), with a new access
/// token and, while the grant's OP session lives, a new ID token (§12.2).
/// A rotated-out token presented again revokes its whole grant and is
/// audited (RFC 9700 §4.14.2): one of the two holders is not the client.
async fn refresh(
    state: &AppState,
    client: &ClientRow,
    grant: RefreshGrant,
) -> Result<TokenResponse, Failure> {
    if !client.allows(GrantType::RefreshToken) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "this client is not registered for the refresh_token grant",
        )
        .into());
    }
    let now = now();
    let lifetimes = state.settings.token_lifetimes;
    let token_hash = sha256_b64(&grant.refresh_token);
    let mut tx = crate::server::db::begin_write(&state.pool)
        .await
        .context("starting a transaction")?;
    let Some(spent) = spend_refresh_token(&mut *tx, &token_hash, &client.client_id, now)
        .await
        .context("spending the refresh token")?
    else {
        if let Some(grant_id) = find_reused_refresh_token(&mut *tx, &token_hash, &client.client_id)
            .await
            .context("looking for a reused refresh token")?
        {
            let revoked = revoke_grant(&mut tx, &grant_id, now)
                .await
                .context("revoking the reused token's grant")?;
            record_audit_event(
                &mut *tx,
                None,
                "token.refresh_reused",
                Some(&client.client_id),
                serde_json::json!({ "client_id": client.client_id, "tokens_revoked": revoked }),
                now,
            )
            .await
            .context("auditing the reuse")?;
            tx.commit().await.context("committing the revocation")?;
            tracing::warn!(client_id = %client.client_id, revoked, "a rotated-out refresh token was presented again; its grant is revoked");
        }
        return Err(INVALID_REFRESH_TOKEN.into());
    };
    // Whatever fails from here rolls the spend back: the client keeps its token.
    let scope = narrow_scope(&spent.scope, grant.scope.as_deref())?;
    let op_session = find_active_op_session(&mut *tx, &spent.sid, now)
        .await
        .context("loading the OP session")?;
    let user_active = match &op_session {
        Some(_) => true,
        None if spent.offline => is_user_active(&mut *tx, spent.user_id)
            .await
            .context("loading the user")?,
        // A bound token outlives its session only if a termination missed
        // it, which none does; refuse it all the same.
        None => false,
    };
    if !user_active {
        return Err(INVALID_REFRESH_TOKEN.into());
    }
    let (access_token, refresh_token) = mint_tokens(
        &mut tx,
        client,
        &GrantTokens {
            grant_id: &spent.grant_id,
            user_id: spent.user_id,
            sid: &spent.sid,
            offline: spent.offline,
            grant_scope: &spent.scope,
            access_scope: &scope,
            auth_time: spent.auth_time,
            // An offline grant lives on while it is used; a bound one ends
            // when it was due to, or with its session.
            refresh_expires_at: Some(if spent.offline {
                now + lifetimes.offline
            } else {
                spent.expires_at
            }),
        },
        lifetimes.access,
        now,
    )
    .await?;
    tx.commit().await.context("committing the rotation")?;

    let id_token = match &op_session {
        Some(session) => {
            Some(sign_id_token(state, client, session, spent.auth_time, None, &scope, now).await?)
        }
        None => None,
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetimes.access,
        id_token,
        refresh_token,
        scope,
    })
}

/// The tokens one step of a grant issues.
struct GrantTokens<'a> {
    /// The hash of the code the grant began with.
    grant_id: &'a str,
    user_id: i64,
    sid: &'a str,
    /// Not bound to `sid`: neither token dies with the session.
    offline: bool,
    /// The grant's scope, which its refresh tokens keep.
    grant_scope: &'a str,
    /// This access token's scope: the grant's, or a part of it.
    access_scope: &'a str,
    auth_time: i64,
    /// When the refresh token expires; `None` issues none.
    refresh_expires_at: Option<i64>,
}

/// Stores a new access token and (if asked) refresh token of a grant, in
/// the caller's transaction; returns them.
async fn mint_tokens(
    tx: &mut crate::server::db::Tx,
    client: &ClientRow,
    grant: &GrantTokens<'_>,
    access_lifetime: i64,
    now: i64,
) -> Result<(String, Option<String>), Failure> {
    let access_token = random_token();
    insert_access_token(
        &mut **tx,
        &NewAccessToken {
            token_hash: &sha256_b64(&access_token),
            client_id: &client.client_id,
            user_id: grant.user_id,
            sid: (!grant.offline).then_some(grant.sid),
            scope: grant.access_scope,
            code_hash: grant.grant_id,
            issued_at: now,
            expires_at: now + access_lifetime,
        },
    )
    .await
    .context("storing the access token")?;
    let Some(expires_at) = grant.refresh_expires_at else {
        return Ok((access_token, None));
    };
    let refresh_token = random_token();
    insert_refresh_token(
        &mut **tx,
        &NewRefreshToken {
            token_hash: &sha256_b64(&refresh_token),
            grant_id: grant.grant_id,
            client_id: &client.client_id,
            user_id: grant.user_id,
            sid: grant.sid,
            offline: grant.offline,
            scope: grant.grant_scope,
            auth_time: grant.auth_time,
            issued_at: now,
            expires_at,
        },
    )
    .await
    .context("storing the refresh token")?;
    Ok((access_token, Some(refresh_token)))
}

/// An ID token for `client` about `session` (OIDC Core §2, §3.1.3.3, §12.2).
async fn sign_id_token(
    state: &AppState,
    client: &ClientRow,
    session: &ActiveOpSession,
    auth_time: i64,
    nonce: Option<&str>,
    scope: &str,
    now: i64,
) -> Result<String, Failure> {
    let with_profile = scope.split(' ').any(|s| s == "profile");
    let claims = id_token_claims(
        &state.settings.issuer,
        &IdTokenSubject {
            client_id: &client.client_id,
            subject: &session.subject,
            sid: &session.sid,
            auth_time,
            nonce,
            preferred_username: with_profile.then_some(session.username.as_str()),
        },
        now,
    );
    Ok(state
        .keys
        .sign_id_token(&claims, client.signing_alg())
        .await?)
}
