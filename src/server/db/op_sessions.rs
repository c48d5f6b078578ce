use sqlx::{FromRow, SqliteExecutor};

/// A live OP session together with the user it belongs to.
#[derive(Clone, Debug, FromRow)]
pub struct ActiveOpSession {
    pub sid: String,
    pub auth_time: i64,
    pub user_id: i64,
    pub subject: String,
    pub username: String,
}

pub async fn insert_op_session(
    db: impl SqliteExecutor<'_>,
    sid: &str,
    user_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO op_sessions (sid, user_id, auth_time, created_at) VALUES (?, ?, ?, ?)")
        .bind(sid)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ())
}

/// The session if it has not ended and its user is not disabled.
pub async fn find_active_op_session(
    db: impl SqliteExecutor<'_>,
    sid: &str,
) -> sqlx::Result<Option<ActiveOpSession>> {
    sqlx::query_as(
        "SELECT s.sid, s.auth_time, u.id AS user_id, u.subject, u.username \
         FROM op_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.sid = ? AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(sid)
    .fetch_optional(db)
    .await
}

/// Any OP session by sid, live or ended (for hints naming recent sessions).
pub async fn find_op_session_end(
    db: impl SqliteExecutor<'_>,
    sid: &str,
) -> sqlx::Result<Option<Option<i64>>> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT ended_at FROM op_sessions WHERE sid = ?")
            .bind(sid)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(ended_at,)| ended_at))
}

/// Marks the session ended; returns false if it had already ended.
pub async fn end_op_session(
    db: impl SqliteExecutor<'_>,
    sid: &str,
    reason: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE op_sessions SET ended_at = ?, end_reason = ? WHERE sid = ? AND ended_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(sid)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}
