use sqlx::SqliteExecutor;

/// A POSTed end-session request is usable for this long.
pub const LOGOUT_REQUEST_TTL_SECS: i64 = 600;

pub async fn insert_logout_request(
    db: impl SqliteExecutor<'_>,
    id: &str,
    params: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO logout_requests (id, params, created_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(params)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn find_logout_request(
    db: impl SqliteExecutor<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT params FROM logout_requests WHERE id = ? AND created_at > ?")
            .bind(id)
            .bind(now - LOGOUT_REQUEST_TTL_SECS)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(p,)| p))
}

/// Finds and deletes the request in one statement: a parked request is used once.
pub async fn take_logout_request(
    db: impl SqliteExecutor<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "DELETE FROM logout_requests WHERE id = ? AND created_at > ? RETURNING params",
    )
    .bind(id)
    .bind(now - LOGOUT_REQUEST_TTL_SECS)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(p,)| p))
}

pub async fn delete_logout_request(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM logout_requests WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn delete_expired_logout_requests(
    db: impl SqliteExecutor<'_>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM logout_requests WHERE created_at <= ?")
        .bind(now - LOGOUT_REQUEST_TTL_SECS)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
