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
