use super::Executor;

/// A POSTed end-session request is usable for this long.
pub const LOGOUT_REQUEST_TTL_SECS: i64 = 600;

/// At most this many parked requests per client address; a new one beyond
/// it replaces the oldest. Real browsers come back within seconds.
pub const MAX_PARKED_PER_CLIENT: i64 = 32;

/// Parks a request for `client_key` (the client's address, as throttles key
/// it), dropping that address's oldest beyond [`MAX_PARKED_PER_CLIENT`].
pub async fn insert_logout_request(
    db: &mut super::Connection,
    id: &str,
    params: &str,
    client_key: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO logout_requests (id, params, client_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(params)
    .bind(client_key)
    .bind(now)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "DELETE FROM logout_requests WHERE client_key = $1 AND id NOT IN \
         (SELECT id FROM logout_requests WHERE client_key = $1 \
          ORDER BY created_at DESC, rowid DESC LIMIT $2)",
    )
    .bind(client_key)
    .bind(MAX_PARKED_PER_CLIENT)
    .execute(&mut *db)
    .await
    .map(|_| ())
}

pub async fn find_logout_request(
    db: impl Executor<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT params FROM logout_requests WHERE id = $1 AND created_at > $2")
            .bind(id)
            .bind(now - LOGOUT_REQUEST_TTL_SECS)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(p,)| p))
}

/// Finds and deletes the request in one statement: a parked request is used once.
pub async fn take_logout_request(
    db: impl Executor<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "DELETE FROM logout_requests WHERE id = $1 AND created_at > $2 RETURNING params",
    )
    .bind(id)
    .bind(now - LOGOUT_REQUEST_TTL_SECS)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(p,)| p))
}

pub async fn delete_logout_request(db: impl Executor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM logout_requests WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn delete_expired_logout_requests(db: impl Executor<'_>, now: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM logout_requests WHERE created_at <= $1")
        .bind(now - LOGOUT_REQUEST_TTL_SECS)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
