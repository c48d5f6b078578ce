use super::Executor;

/// Records that `client_id` logged in within OP session `sid` (again, if it
/// had). Returns the client's front-channel logout URI, if it has one.
pub async fn upsert_rp_session(
    db: impl Executor<'_>,
    sid: &str,
    client_id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let (uri,): (Option<String>,) = sqlx::query_as(
        "INSERT INTO rp_sessions (sid, client_id, first_login_at, last_login_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sid, client_id) DO UPDATE SET last_login_at = excluded.last_login_at, ended_at = NULL \
         RETURNING (SELECT c.frontchannel_logout_uri FROM clients c \
         WHERE c.client_id = rp_sessions.client_id)",
    )
    .bind(sid)
    .bind(client_id)
    .bind(now)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(uri)
}

/// A client session [`end_rp_sessions`] closed, with what front-channel
/// logout needs of its client (read with the row: no second query).
#[derive(Debug, sqlx::FromRow)]
pub struct EndedRpSession {
    pub client_id: String,
    /// The client's name.
    pub name: String,
    /// Its registered `frontchannel_logout_uri`, if any.
    pub frontchannel_logout_uri: Option<String>,
}

/// [`end_rp_sessions`]'s statement: `$1` now, `$2` sid, `$3` the one client or NULL.
pub(super) const END_RP_SESSIONS: &str = "UPDATE rp_sessions SET ended_at = $1 \
     WHERE sid = $2 AND ended_at IS NULL AND ($3 IS NULL OR client_id = $3) RETURNING client_id, \
     (SELECT c.name FROM clients c WHERE c.client_id = rp_sessions.client_id) AS name, \
     (SELECT c.frontchannel_logout_uri FROM clients c \
     WHERE c.client_id = rp_sessions.client_id) AS frontchannel_logout_uri";

/// Closes the client sessions of an OP session: all of them, or one client's.
/// Returns the client sessions closed, in no particular order.
pub async fn end_rp_sessions(
    db: impl Executor<'_>,
    sid: &str,
    only_client: Option<&str>,
    now: i64,
) -> sqlx::Result<Vec<EndedRpSession>> {
    sqlx::query_as(END_RP_SESSIONS)
        .bind(now)
        .bind(sid)
        .bind(only_client)
        .fetch_all(db)
        .await
}

/// How many live client sessions each client has (clients with none are absent).
pub async fn count_active_rp_sessions_by_client(
    db: impl Executor<'_>,
) -> sqlx::Result<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT client_id, COUNT(*) FROM rp_sessions WHERE ended_at IS NULL GROUP BY client_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Closes every live session of one client, in all OP sessions; returns their sids.
pub async fn end_rp_sessions_for_client(
    db: impl Executor<'_>,
    client_id: &str,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "UPDATE rp_sessions SET ended_at = $1 WHERE client_id = $2 AND ended_at IS NULL RETURNING sid",
    )
    .bind(now)
    .bind(client_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}
