use sqlx::SqliteExecutor;

/// Records that `client_id` logged in within OP session `sid` (again, if it had).
pub async fn upsert_rp_session(
    db: impl SqliteExecutor<'_>,
    sid: &str,
    client_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO rp_sessions (sid, client_id, first_login_at, last_login_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (sid, client_id) DO UPDATE SET last_login_at = excluded.last_login_at, ended_at = NULL",
    )
    .bind(sid)
    .bind(client_id)
    .bind(now)
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

/// Closes the client sessions of an OP session: all of them, or one client's.
/// Returns the client_ids closed (whom #6 notifies).
pub async fn end_rp_sessions(
    db: impl SqliteExecutor<'_>,
    sid: &str,
    only_client: Option<&str>,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "UPDATE rp_sessions SET ended_at = ?1 WHERE sid = ?2 AND ended_at IS NULL \
         AND (?3 IS NULL OR client_id = ?3) RETURNING client_id",
    )
    .bind(now)
    .bind(sid)
    .bind(only_client)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}
