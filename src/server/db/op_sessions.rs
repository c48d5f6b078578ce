use sqlx::FromRow;

use super::{Executor, Flag};

/// A live OP session together with the user it belongs to.
#[derive(Clone, Debug, FromRow)]
pub struct ActiveOpSession {
    pub sid: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub user_id: i64,
    pub subject: String,
    pub username: String,
    #[sqlx(try_from = "Flag")]
    pub is_admin: bool,
}

/// `browser`: the summary of the User-Agent that signed in, for `/account`.
pub async fn insert_op_session(
    db: impl Executor<'_>,
    sid: &str,
    user_id: i64,
    browser: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO op_sessions (sid, user_id, auth_time, created_at, browser) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sid)
    .bind(user_id)
    .bind(now)
    .bind(now)
    .bind(browser)
    .execute(db)
    .await
    .map(|_| ())
}

/// An OP session lasts this long after its latest login (`auth_time`): as
/// long as the browser session that carries it, which idles out 12 hours
/// after its last change (the login). Expiry ends it through the termination
/// path.
pub const OP_SESSION_LIFETIME_SECS: i64 = 12 * 3600;

/// The same user signed in again in the same browser: the session lives on
/// (same `sid`, same clients) with a fresh `auth_time`. Returns false if it
/// had ended meanwhile.
pub async fn renew_op_session(db: impl Executor<'_>, sid: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE op_sessions SET auth_time = $1 WHERE sid = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(sid)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Deletes sessions that ended before `before` (past the "recent" window),
/// with their client sessions, codes and tokens (by cascade).
pub async fn delete_ended_op_sessions(db: impl Executor<'_>, before: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM op_sessions WHERE ended_at IS NOT NULL AND ended_at < $1")
        .bind(before)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Session `$1`, if it has not ended or expired (its login after `$2`) and
/// its user is not disabled.
const LIVE_SESSION: &str = "FROM op_sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.sid = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL AND s.auth_time > $2";

/// The session if it has not ended or expired and its user is not disabled.
pub async fn find_active_op_session(
    db: impl Executor<'_>,
    sid: &str,
    now: i64,
) -> sqlx::Result<Option<ActiveOpSession>> {
    sqlx::query_as(&format!(
        "SELECT s.sid, s.auth_time, s.created_at, u.id AS user_id, u.subject, u.username, \
         u.is_admin {LIVE_SESSION}"
    ))
    .bind(sid)
    .bind(now - OP_SESSION_LIFETIME_SECS)
    .fetch_optional(db)
    .await
}

/// A live session as the end-session endpoint keeps it: with the
/// front-channel logout URIs of the clients signed in within it (the
/// interactive dialog frames them, and its CSP must allow exactly those).
#[derive(Clone, Debug, FromRow)]
pub struct LiveOpSessionRow {
    pub sid: String,
    pub auth_time: i64,
    pub subject: String,
    pub username: String,
    /// Space-separated; `None` when no client in it has one.
    pub frontchannel_uris: Option<String>,
}

/// [`find_active_op_session`]'s session, for the end-session endpoint.
pub async fn find_live_op_session(
    db: impl Executor<'_>,
    sid: &str,
    now: i64,
) -> sqlx::Result<Option<LiveOpSessionRow>> {
    sqlx::query_as(&format!(
        "SELECT s.sid, s.auth_time, u.subject, u.username, \
         (SELECT string_agg(c.frontchannel_logout_uri, ' ') FROM rp_sessions r \
          JOIN clients c ON c.client_id = r.client_id \
          WHERE r.sid = s.sid AND r.ended_at IS NULL AND c.frontchannel_logout_uri IS NOT NULL) \
         AS frontchannel_uris {LIVE_SESSION}"
    ))
    .bind(sid)
    .bind(now - OP_SESSION_LIFETIME_SECS)
    .fetch_optional(db)
    .await
}

/// Live sessions past their lifetime, oldest first.
/// (In a fixed order, sid breaking ties, so that instances sweeping at once
/// lock rows in the same order and never deadlock.)
pub async fn list_expired_op_sessions(
    db: impl Executor<'_>,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT sid FROM op_sessions WHERE ended_at IS NULL AND auth_time <= $1 \
         ORDER BY auth_time, sid",
    )
    .bind(now - OP_SESSION_LIFETIME_SECS)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}

/// Any OP session by sid, live or ended (for hints naming recent sessions).
pub async fn find_op_session_end(
    db: impl Executor<'_>,
    sid: &str,
) -> sqlx::Result<Option<Option<i64>>> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT ended_at FROM op_sessions WHERE sid = $1")
            .bind(sid)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(ended_at,)| ended_at))
}

/// [`end_op_session`]'s statement: `$1` now, `$2` reason, `$3` sid.
pub(super) const END_OP_SESSION: &str =
    "UPDATE op_sessions SET ended_at = $1, end_reason = $2 WHERE sid = $3 AND ended_at IS NULL";

/// Marks the session ended; returns false if it had already ended.
pub async fn end_op_session(
    db: impl Executor<'_>,
    sid: &str,
    reason: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(END_OP_SESSION)
        .bind(now)
        .bind(reason)
        .bind(sid)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// A live OP session as the admin console lists it.
#[derive(Clone, Debug, FromRow)]
pub struct OpSessionListing {
    pub sid: String,
    pub username: String,
    pub created_at: i64,
    pub auth_time: i64,
    /// The clients signed in within it, space-separated.
    pub clients: Option<String>,
}

/// Live OP sessions, newest first; `user` filters by a part of the username.
pub async fn list_active_op_sessions(
    db: impl Executor<'_>,
    user: &str,
    limit: i64,
) -> sqlx::Result<Vec<OpSessionListing>> {
    sqlx::query_as(
        "SELECT s.sid, u.username, s.created_at, s.auth_time, \
         (SELECT string_agg(r.client_id, ' ') FROM rp_sessions r \
          WHERE r.sid = s.sid AND r.ended_at IS NULL) AS clients \
         FROM op_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.ended_at IS NULL AND u.disabled_at IS NULL \
         AND ($1 = '' OR lower(u.username) LIKE lower($3) ESCAPE '\\') \
         ORDER BY s.created_at DESC, s.sid LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .bind(super::contains_pattern(user))
    .fetch_all(db)
    .await
}

/// One of a user's live OP sessions, as `/account` lists it.
#[derive(Clone, Debug, FromRow)]
pub struct UserSession {
    pub sid: String,
    pub created_at: i64,
    pub auth_time: i64,
    pub browser: Option<String>,
}

/// A user's live OP sessions, newest first.
pub async fn list_user_sessions(
    db: impl Executor<'_>,
    user_id: i64,
) -> sqlx::Result<Vec<UserSession>> {
    sqlx::query_as(
        "SELECT sid, created_at, auth_time, browser FROM op_sessions \
         WHERE user_id = $1 AND ended_at IS NULL ORDER BY created_at DESC, sid",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// The apps (sid, client name) signed in within a user's live OP sessions.
pub async fn list_user_session_apps(
    db: impl Executor<'_>,
    user_id: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT r.sid, c.name FROM rp_sessions r \
         JOIN op_sessions s ON s.sid = r.sid JOIN clients c ON c.client_id = r.client_id \
         WHERE s.user_id = $1 AND s.ended_at IS NULL AND r.ended_at IS NULL \
         ORDER BY c.name",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// How many OP sessions are live (not ended).
pub async fn count_live_op_sessions(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM op_sessions WHERE ended_at IS NULL")
        .fetch_one(db)
        .await
}

/// The sids of a user's live OP sessions.
pub async fn list_active_sids_for_user(
    db: impl Executor<'_>,
    user_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT sid FROM op_sessions WHERE user_id = $1 AND ended_at IS NULL")
            .bind(user_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}
