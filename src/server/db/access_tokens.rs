use sqlx::FromRow;

use super::Executor;

pub struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub client_id: &'a str,
    pub user_id: i64,
    /// The OP session it dies with; `None` for one an offline grant minted.
    pub sid: Option<&'a str>,
    pub scope: &'a str,
    /// The grant: the hash of the code it descends from.
    pub code_hash: &'a str,
    pub issued_at: i64,
    pub expires_at: i64,
}

pub async fn insert_access_token(
    db: impl Executor<'_>,
    token: &NewAccessToken<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_tokens (token_hash, client_id, user_id, sid, scope, code_hash, \
         issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token.token_hash)
    .bind(token.client_id)
    .bind(token.user_id)
    .bind(token.sid)
    .bind(token.scope)
    .bind(token.code_hash)
    .bind(token.issued_at)
    .bind(token.expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

#[derive(Clone, Debug, FromRow)]
pub struct TokenOwner {
    pub subject: String,
    pub username: String,
    pub scope: String,
    pub client_id: String,
    pub sid: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// The user behind a token that is unexpired, unrevoked, and whose user is
/// active and OP session (if it is bound to one) live.
pub async fn find_token_owner(
    db: impl Executor<'_>,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<TokenOwner>> {
    sqlx::query_as(
        "SELECT u.subject, u.username, t.scope, t.client_id, t.sid, t.issued_at, t.expires_at \
         FROM access_tokens t JOIN users u ON u.id = t.user_id \
         LEFT JOIN op_sessions s ON s.sid = t.sid \
         WHERE t.token_hash = $1 AND t.expires_at > $2 AND t.revoked_at IS NULL \
         AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Revokes one access token, if it is `client_id`'s (RFC 7009 §2.1: a client
/// revokes only its own tokens). Returns whether one was revoked.
pub async fn revoke_access_token(
    db: impl Executor<'_>,
    token_hash: &str,
    client_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE access_tokens SET revoked_at = $1 WHERE token_hash = $2 AND client_id = $3 \
         AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .bind(client_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Revokes every access token of a grant: the code it began with was
/// replayed (RFC 6749 §4.1.2), or a refresh token of it was revoked or
/// reused (RFC 7009 §2.1, RFC 9700 §4.14.2).
pub async fn revoke_access_tokens_for_code(
    db: impl Executor<'_>,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE access_tokens SET revoked_at = $1 WHERE code_hash = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(code_hash)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Tokens an hour past expiry are of no further use, not even for auditing.
pub async fn delete_expired_access_tokens(db: impl Executor<'_>, now: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM access_tokens WHERE expires_at < $1")
        .bind(now - 3600)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Revokes every access token of a user, offline ones too (the user was
/// disabled, or their password reset).
pub async fn revoke_access_tokens_for_user(
    db: impl Executor<'_>,
    user_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE access_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// [`revoke_access_tokens_for_session`]'s statement: `$1` now, `$2` sid,
/// `$3` the one client or NULL.
pub(super) const REVOKE_ACCESS_TOKENS_FOR_SESSION: &str = "UPDATE access_tokens \
     SET revoked_at = $1 WHERE sid = $2 AND revoked_at IS NULL AND ($3 IS NULL OR client_id = $3)";

/// Revokes the access tokens of an OP session (all clients, or one client's).
pub async fn revoke_access_tokens_for_session(
    db: impl Executor<'_>,
    sid: &str,
    only_client: Option<&str>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query(REVOKE_ACCESS_TOKENS_FOR_SESSION)
        .bind(now)
        .bind(sid)
        .bind(only_client)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
