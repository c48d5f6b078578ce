use sqlx::{FromRow, SqliteExecutor};

/// A signing key row. Holds the private key, so it is not `Debug`.
#[derive(Clone, FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_key_pem: String,
    pub public_jwk: String,
}

pub async fn insert_signing_key(
    db: impl SqliteExecutor<'_>,
    key: &SigningKeyRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, alg, private_key_pem, public_jwk, created_at) \
         VALUES (?, 'RS256', ?, ?, ?)",
    )
    .bind(&key.kid)
    .bind(&key.private_key_pem)
    .bind(&key.public_jwk)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

/// Keys not retired, newest first: the first one signs, all are published.
pub async fn list_published_signing_keys(
    db: impl SqliteExecutor<'_>,
) -> sqlx::Result<Vec<SigningKeyRow>> {
    sqlx::query_as(
        "SELECT kid, private_key_pem, public_jwk FROM signing_keys \
         WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC",
    )
    .fetch_all(db)
    .await
}
