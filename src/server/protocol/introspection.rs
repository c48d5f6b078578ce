//! Token revocation (RFC 7009) and introspection (RFC 7662): a client ends
//! or asks about its own access and refresh tokens. Both authenticate the
//! client as the token endpoint does.

use anyhow::Context;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::no_store;
use super::token::{Failure, INVALID_CLIENT, authenticate_client, form_params, revoke_grant};
use crate::oidc::token::{Introspection, LiveToken, TokenKind, introspect, token_param};
use crate::server::clock::now;
use crate::server::crypto::sha256_b64;
use crate::server::db::access_tokens::{find_token_owner, revoke_access_token};
use crate::server::db::refresh_tokens::{find_grant_of_refresh_token, find_live_refresh_token};
use crate::server::state::AppState;

/// `POST /revoke` (RFC 7009 §2). 200 whether or not the token was one of the
/// client's (§2.2: "invalid tokens do not cause an error response"), so the
/// answer tells nobody whether a token exists.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match revocation(&state, &headers, &body).await {
        Ok(()) => (StatusCode::OK, no_store()).into_response(),
        Err(failure) => failure.into_response("token revocation"),
    }
}

async fn revocation(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), Failure> {
    let params = form_params(headers, body)?;
    let client = authenticate_client(state, headers, &params).await?;
    let token_hash = sha256_b64(token_param(&params)?);
    let now = now();
    let mut tx = crate::server::db::begin_write(&state.pool)
        .await
        .context("starting a transaction")?;
    if revoke_access_token(&mut *tx, &token_hash, &client.client_id, now)
        .await
        .context("revoking the token")?
    {
        tx.commit().await.context("committing the revocation")?;
        tracing::info!(client_id = %client.client_id, "an access token was revoked by its client");
        return Ok(());
    }
    // RFC 7009 §2.1: revoking a refresh token revokes the access tokens of
    // the same grant too, and (rotation) the rest of its family.
    if let Some(grant_id) = find_grant_of_refresh_token(&mut *tx, &token_hash, &client.client_id)
        .await
        .context("loading the refresh token")?
    {
        let revoked = revoke_grant(&mut tx, &grant_id, now)
            .await
            .context("revoking the grant")?;
        tx.commit().await.context("committing the revocation")?;
        tracing::info!(client_id = %client.client_id, revoked, "a refresh token's grant was revoked by its client");
    }
    Ok(())
}

/// `POST /introspect` (RFC 7662 §2), for confidential clients: a public
/// client cannot authenticate, and is refused with `invalid_client`.
pub async fn introspect_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match introspection(&state, &headers, &body).await {
        Ok(answer) => (no_store(), Json(answer)).into_response(),
        Err(failure) => failure.into_response("token introspection"),
    }
}

async fn introspection(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Introspection, Failure> {
    let params = form_params(headers, body)?;
    let client = authenticate_client(state, headers, &params).await?;
    if client.secret_hash.is_none() {
        return Err(INVALID_CLIENT.into());
    }
    let token = token_param(&params)?;
    let now = now();
    let token_hash = sha256_b64(token);
    let access = find_token_owner(&state.pool, &token_hash, now)
        .await
        .context("loading the token")?
        .map(|owner| LiveToken {
            kind: TokenKind::Access,
            client_id: owner.client_id,
            sid: owner.sid,
            subject: owner.subject,
            scope: owner.scope,
            issued_at: owner.issued_at,
            expires_at: owner.expires_at,
        });
    let found = match access {
        Some(token) => Some(token),
        None => find_live_refresh_token(&state.pool, &token_hash, now)
            .await
            .context("loading the refresh token")?
            .map(|r| LiveToken {
                kind: TokenKind::Refresh,
                client_id: r.client_id,
                sid: (!r.offline).then_some(r.sid),
                subject: r.subject,
                scope: r.scope,
                issued_at: r.issued_at,
                expires_at: r.expires_at,
            }),
    };
    Ok(introspect(
        found,
        &client.client_id,
        state.settings.issuer.as_ref(),
        now,
    ))
}
