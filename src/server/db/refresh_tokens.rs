//! Refresh tokens (RFC 6749 §6), stored as SHA-256 hashes. A grant (all the
//! tokens descending from one authorization code, `grant_id`) is a family:
//! each use rotates the token, and a rotated-out one presented again revokes
//! the family (RFC 9700 §4.14.2).

use sqlx::FromRow;

use super::{Executor, Flag};

pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    pub grant_id: &'a str,
    pub client_id: &'a str,
    pub user_id: i64,
    pub sid: &'a str,
    pub offline: bool,
    pub scope: &'a str,
    pub auth_time: i64,
    pub issued_at: i64,
    pub expires_at: i64,
}

pub async fn insert_refresh_token(
    db: impl Executor<'_>,
    token: &NewRefreshToken<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, sid, offline, \
         scope, auth_time, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(token.token_hash)
    .bind(token.grant_id)
    .bind(token.client_id)
    .bind(token.user_id)
    .bind(token.sid)
    .bind(token.offline)
    .bind(token.scope)
    .bind(token.auth_time)
    .bind(token.issued_at)
    .bind(token.expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// What a refresh token carries into the token it is rotated for.
#[derive(Clone, Debug, FromRow)]
pub struct RefreshGrantRow {
    pub grant_id: String,
    pub user_id: i64,
    pub sid: String,
    #[sqlx(try_from = "Flag")]
    pub offline: bool,
    pub scope: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// Spends a refresh token of `client_id` that is unused, unrevoked and
/// unexpired, in one statement: of two requests presenting it at once,
/// exactly one gets its grant.
pub async fn spend_refresh_token(
    db: impl Executor<'_>,
    token_hash: &str,
    client_id: &str,
    now: i64,
) -> sqlx::Result<Option<RefreshGrantRow>> {
    sqlx::query_as(
        "UPDATE refresh_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND client_id = $2 AND used_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $3 \
         RETURNING grant_id, user_id, sid, offline, scope, auth_time, expires_at",
    )
    .bind(token_hash)
    .bind(client_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// The grant of `client_id`'s refresh token that was already rotated out
/// and is not yet revoked: presenting it again is a reuse.
pub async fn find_reused_refresh_token(
    db: impl Executor<'_>,
    token_hash: &str,
    client_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT grant_id FROM refresh_tokens WHERE token_hash = $1 AND client_id = $2 \
         AND used_at IS NOT NULL AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// The grant of any refresh token of `client_id` (RFC 7009 §2.1: a client
/// revokes only its own tokens).
pub async fn find_grant_of_refresh_token(
    db: impl Executor<'_>,
    token_hash: &str,
    client_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT grant_id FROM refresh_tokens WHERE token_hash = $1 AND client_id = $2",
    )
    .bind(token_hash)
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// A refresh token that would be accepted now, with its user.
#[derive(Clone, Debug, FromRow)]
pub struct LiveRefreshToken {
    pub client_id: String,
    pub subject: String,
    pub sid: String,
    #[sqlx(try_from = "Flag")]
    pub offline: bool,
    pub scope: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// A refresh token that is unused, unrevoked, unexpired, of an active user,
/// and (unless offline) of a live OP session.
pub async fn find_live_refresh_token(
    db: impl Executor<'_>,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<LiveRefreshToken>> {
    sqlx::query_as(
        "SELECT r.client_id, u.subject, r.sid, r.offline, r.scope, r.issued_at, r.expires_at \
         FROM refresh_tokens r JOIN users u ON u.id = r.user_id \
         LEFT JOIN op_sessions s ON s.sid = r.sid \
         WHERE r.token_hash = $1 AND r.expires_at > $2 AND r.used_at IS NULL \
         AND r.revoked_at IS NULL AND u.disabled_at IS NULL \
         AND (r.offline OR (s.sid IS NOT NULL AND s.ended_at IS NULL))",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Revokes every refresh token of a grant; returns how many were live.
pub async fn revoke_refresh_tokens_for_grant(
    db: impl Executor<'_>,
    grant_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE grant_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(grant_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// [`revoke_refresh_tokens_for_session`]'s statement: `$1` now, `$2` sid,
/// `$3` the one client or NULL.
pub(super) const REVOKE_REFRESH_TOKENS_FOR_SESSION: &str = "UPDATE refresh_tokens \
     SET revoked_at = $1 WHERE sid = $2 AND NOT offline AND revoked_at IS NULL \
     AND ($3 IS NULL OR client_id = $3)";

/// Revokes the refresh tokens bound to an OP session (all clients', or one
/// client's); `offline_access` ones are not bound, and stay.
pub async fn revoke_refresh_tokens_for_session(
    db: impl Executor<'_>,
    sid: &str,
    only_client: Option<&str>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(REVOKE_REFRESH_TOKENS_FOR_SESSION)
        .bind(now)
        .bind(sid)
        .bind(only_client)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Revokes every refresh token of a user, offline ones too (the user was
/// disabled, or their password reset).
pub async fn revoke_refresh_tokens_for_user(
    db: impl Executor<'_>,
    user_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Refresh tokens an hour past expiry are of no further use: not even a
/// reuse of one would matter, since its family expired with it.
pub async fn delete_expired_refresh_tokens(db: impl Executor<'_>, now: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
        .bind(now - 3600)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
