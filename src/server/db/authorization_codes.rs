use sqlx::FromRow;

use super::Executor;

#[derive(Clone, Debug, FromRow)]
pub struct CodeRow {
    pub client_id: String,
    pub sid: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

pub async fn insert_authorization_code(
    db: impl Executor<'_>,
    code_hash: &str,
    code: &CodeRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO authorization_codes \
         (code_hash, client_id, sid, redirect_uri, scope, nonce, code_challenge, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(code_hash)
    .bind(&code.client_id)
    .bind(&code.sid)
    .bind(&code.redirect_uri)
    .bind(&code.scope)
    .bind(&code.nonce)
    .bind(&code.code_challenge)
    .bind(code.expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// A code as `/token` finds it for its client and redirect URI.
#[derive(Clone, Debug, FromRow)]
pub struct FoundCode {
    #[sqlx(flatten)]
    pub code: CodeRow,
    pub used_at: Option<i64>,
}

/// The code with this hash, issued to `client_id` for `redirect_uri`. Another
/// client's code, or one for another URI, is not found: presenting it spends
/// and revokes nothing.
pub async fn find_authorization_code(
    db: impl Executor<'_>,
    code_hash: &str,
    client_id: &str,
    redirect_uri: &str,
) -> sqlx::Result<Option<FoundCode>> {
    sqlx::query_as(
        "SELECT client_id, sid, redirect_uri, scope, nonce, code_challenge, expires_at, used_at \
         FROM authorization_codes WHERE code_hash = $1 AND client_id = $2 AND redirect_uri = $3",
    )
    .bind(code_hash)
    .bind(client_id)
    .bind(redirect_uri)
    .fetch_optional(db)
    .await
}

/// Spends the code in one statement; false when another redemption spent it
/// first, so two concurrent redemptions cannot both succeed.
pub async fn spend_authorization_code(
    db: impl Executor<'_>,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE authorization_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(code_hash)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Codes live a minute; spent and expired ones are of no further use.
pub async fn delete_expired_authorization_codes(
    db: impl Executor<'_>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM authorization_codes WHERE expires_at < $1")
        .bind(now - 3600)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
