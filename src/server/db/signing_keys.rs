use sqlx::FromRow;

use super::{Executor, Flag};

/// A signing key row. Holds the private key, so it is not `Debug`.
#[derive(Clone, FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    /// `RS256`, `ES256` or `EdDSA`: the key signs and verifies only with it.
    pub alg: String,
    pub private_key_pem: String,
    pub public_jwk: String,
    /// Not retired: it may sign (the newest such key does, from `sign_from`).
    #[sqlx(try_from = "Flag")]
    pub signing: bool,
    /// When it may start signing (Unix seconds): a rotated-in key is
    /// published first, so that every instance publishes it before any
    /// instance signs with it.
    pub sign_from: i64,
}

pub async fn insert_signing_key(
    db: impl Executor<'_>,
    key: &SigningKeyRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, alg, private_key_pem, public_jwk, created_at, sign_from) \
         VALUES ($1, $6, $2, $3, $4, $5)",
    )
    .bind(&key.kid)
    .bind(&key.private_key_pem)
    .bind(&key.public_jwk)
    .bind(now)
    .bind(key.sign_from)
    .bind(&key.alg)
    .execute(db)
    .await
    .map(|_| ())
}

/// Published keys: those not retired, newest first (the newest whose
/// `sign_from` has come signs), then retired ones still within their grace
/// period.
pub async fn list_published_signing_keys(
    db: impl Executor<'_>,
    now: i64,
) -> sqlx::Result<Vec<SigningKeyRow>> {
    sqlx::query_as(
        "SELECT kid, alg, private_key_pem, public_jwk, retired_at IS NULL AS signing, sign_from \
         FROM signing_keys \
         WHERE retired_at IS NULL OR unpublish_at > $1 \
         ORDER BY retired_at IS NULL DESC, created_at DESC, rowid DESC",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// How retiring a key went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    Done,
    /// No key has this kid, or it is already retired.
    NoSuchKey,
    /// It is the only key of its algorithm that may sign, and RS256 (which
    /// must always sign) or clients use it: rotate first.
    LastSigningKey,
}

/// The algorithms that have a key that may sign.
pub async fn list_signing_algs(db: impl Executor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT alg FROM signing_keys WHERE retired_at IS NULL")
        .fetch_all(db)
        .await
}

/// Stops `kid` from signing now, and from being published at `unpublish_at`.
pub async fn retire_signing_key(
    db: &mut super::Connection,
    kid: &str,
    now: i64,
    unpublish_at: i64,
) -> sqlx::Result<Retired> {
    let signing: Vec<(String, String)> =
        sqlx::query_as("SELECT kid, alg FROM signing_keys WHERE retired_at IS NULL")
            .fetch_all(&mut *db)
            .await?;
    let Some((_, alg)) = signing.iter().find(|(k, _)| k == kid) else {
        // An already retired key may still have its grace cut short (--now).
        let shortened = sqlx::query(
            "UPDATE signing_keys SET unpublish_at = $1 WHERE kid = $2 AND retired_at IS NOT NULL \
             AND unpublish_at > $3",
        )
        .bind(unpublish_at)
        .bind(kid)
        .bind(unpublish_at)
        .execute(&mut *db)
        .await?;
        return Ok(if shortened.rows_affected() == 1 {
            Retired::Done
        } else {
            Retired::NoSuchKey
        });
    };
    if signing.iter().filter(|(_, a)| a == alg).count() == 1 {
        let (used,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clients WHERE signing_alg = $1")
            .bind(alg)
            .fetch_one(&mut *db)
            .await?;
        if alg == "RS256" || used > 0 {
            return Ok(Retired::LastSigningKey);
        }
    }
    sqlx::query("UPDATE signing_keys SET retired_at = $1, unpublish_at = $2 WHERE kid = $3")
        .bind(now)
        .bind(unpublish_at)
        .bind(kid)
        .execute(&mut *db)
        .await?;
    Ok(Retired::Done)
}
