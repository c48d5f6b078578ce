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
