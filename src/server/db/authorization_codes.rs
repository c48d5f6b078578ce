use sqlx::{FromRow, SqliteExecutor};

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
    db: impl SqliteExecutor<'_>,
    code_hash: &str,
    code: &CodeRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO authorization_codes \
         (code_hash, client_id, sid, redirect_uri, scope, nonce, code_challenge, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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

/// What redeeming a code found.
#[derive(Debug)]
pub enum Consumed {
    /// First use: the code is now spent.
    Fresh(CodeRow),
    /// The code exists but was spent before: a replay.
    Replayed,
    Unknown,
}

/// Marks the code used in one statement, so two concurrent redemptions cannot
/// both succeed.
pub async fn consume_authorization_code(
    db: &mut sqlx::SqliteConnection,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<Consumed> {
    let fresh: Option<CodeRow> = sqlx::query_as(
        "UPDATE authorization_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL \
         RETURNING client_id, sid, redirect_uri, scope, nonce, code_challenge, expires_at",
    )
    .bind(now)
    .bind(code_hash)
    .fetch_optional(&mut *db)
    .await?;
    if let Some(row) = fresh {
        return Ok(Consumed::Fresh(row));
    }
    let exists: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM authorization_codes WHERE code_hash = ?")
            .bind(code_hash)
            .fetch_optional(&mut *db)
            .await?;
    Ok(if exists.is_some() {
        Consumed::Replayed
    } else {
        Consumed::Unknown
    })
}

/// Codes live a minute; spent and expired ones are of no further use.
pub async fn delete_expired_authorization_codes(
    db: impl SqliteExecutor<'_>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM authorization_codes WHERE expires_at < ?")
        .bind(now - 3600)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
