use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, FromRow, Sqlite, SqliteExecutor, Type};

pub use crate::oidc::logout_token::DeliveryStatus;

/// Stored as its name (the table's CHECK lists the three).
impl Type<Sqlite> for DeliveryStatus {
    fn type_info() -> SqliteTypeInfo {
        <str as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for DeliveryStatus {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'_>>) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Sqlite>>::encode(self.as_str(), buf)
    }
}

impl Decode<'_, Sqlite> for DeliveryStatus {
    fn decode(value: SqliteValueRef<'_>) -> Result<Self, BoxDynError> {
        let raw = <&str as Decode<Sqlite>>::decode(value)?;
        DeliveryStatus::parse(raw).ok_or_else(|| format!("unknown delivery status {raw:?}").into())
    }
}

/// One back-channel logout to deliver (or delivered, or given up on).
#[derive(Clone, Debug, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub client_id: String,
    pub sid: String,
    pub subject: String,
    pub uri: String,
    pub reason: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_jti: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, client_id, sid, subject, uri, reason, status, attempts, \
     next_attempt_at, last_status, last_error, last_jti, created_at, updated_at";

/// Queues a delivery to every client in `client_ids` that has a back-channel
/// logout URI, for OP session `sid`. Returns the new rows' ids.
pub async fn insert_backchannel_deliveries(
    db: impl SqliteExecutor<'_>,
    sid: &str,
    client_ids: &[String],
    reason: &str,
    now_ms: i64,
) -> sqlx::Result<Vec<i64>> {
    let ids = serde_json::to_string(client_ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<(i64,)> = sqlx::query_as(
        "INSERT INTO backchannel_deliveries \
         (client_id, sid, subject, uri, reason, next_attempt_at, created_at, updated_at) \
         SELECT c.client_id, s.sid, u.subject, c.backchannel_logout_uri, ?1, ?2, ?2, ?2 \
         FROM clients c, op_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.sid = ?3 AND c.backchannel_logout_uri IS NOT NULL \
         AND c.client_id IN (SELECT value FROM json_each(?4)) \
         RETURNING id",
    )
    .bind(reason)
    .bind(now_ms)
    .bind(sid)
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A new delivery like an earlier one (the admin's Resend), due now.
pub async fn insert_resend(
    db: impl SqliteExecutor<'_>,
    of: i64,
    now_ms: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO backchannel_deliveries \
         (client_id, sid, subject, uri, reason, next_attempt_at, created_at, updated_at) \
         SELECT d.client_id, d.sid, d.subject, COALESCE(c.backchannel_logout_uri, d.uri), \
         'resent', ?2, ?2, ?2 \
         FROM backchannel_deliveries d JOIN clients c ON c.client_id = d.client_id \
         WHERE d.id = ?1 RETURNING id",
    )
    .bind(of)
    .bind(now_ms)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Takes due deliveries for one attempt each: their next attempt moves
/// `lease_ms` ahead, so nobody else takes them meanwhile (and a crash
/// mid-attempt only delays them). Rows not pending or not due are skipped.
pub async fn claim_deliveries(
    db: impl SqliteExecutor<'_>,
    ids: &[i64],
    now_ms: i64,
    lease_ms: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    sqlx::query_as(&format!(
        "UPDATE backchannel_deliveries SET next_attempt_at = ?3, attempts = attempts + 1, \
         updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'pending' \
         AND next_attempt_at <= ?2 RETURNING {COLUMNS}"
    ))
    .bind(ids)
    .bind(now_ms)
    .bind(now_ms + lease_ms)
    .fetch_all(db)
    .await
}

/// The ids of pending deliveries that are due, oldest first.
pub async fn list_due_deliveries(
    db: impl SqliteExecutor<'_>,
    now_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM backchannel_deliveries WHERE status = 'pending' AND next_attempt_at <= ? \
         ORDER BY next_attempt_at LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// When the next pending delivery is due, if any is pending.
pub async fn next_due_at(db: impl SqliteExecutor<'_>) -> sqlx::Result<Option<i64>> {
    let (at,): (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(next_attempt_at) FROM backchannel_deliveries WHERE status = 'pending'",
    )
    .fetch_one(db)
    .await?;
    Ok(at)
}

/// What an attempt did to its row.
pub struct AttemptResult<'a> {
    /// `delivered`, `failed` or `pending` (to retry at `next_attempt_at`).
    pub status: DeliveryStatus,
    pub next_attempt_at: i64,
    pub last_status: Option<u16>,
    pub last_error: Option<&'a str>,
    pub jti: &'a str,
}

pub async fn record_attempt(
    db: impl SqliteExecutor<'_>,
    id: i64,
    result: &AttemptResult<'_>,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE backchannel_deliveries SET status = ?, next_attempt_at = ?, last_status = ?, \
         last_error = ?, last_jti = ?, updated_at = ? WHERE id = ?",
    )
    .bind(result.status)
    .bind(result.next_attempt_at)
    .bind(result.last_status.map(i64::from))
    .bind(result.last_error)
    .bind(result.jti)
    .bind(now_ms)
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// The delivery log, newest first, filtered by client and/or session.
pub async fn list_deliveries(
    db: impl SqliteExecutor<'_>,
    client_id: Option<&str>,
    sid: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM backchannel_deliveries \
         WHERE (?1 IS NULL OR client_id = ?1) AND (?2 IS NULL OR sid = ?2) \
         ORDER BY id DESC LIMIT ?3"
    ))
    .bind(client_id)
    .bind(sid)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many deliveries to each client have failed for good.
pub async fn count_failed_deliveries_by_client(
    db: impl SqliteExecutor<'_>,
) -> sqlx::Result<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT client_id, COUNT(*) FROM backchannel_deliveries WHERE status = 'failed' \
         GROUP BY client_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Deletes delivered and failed deliveries created before `before_ms` (past
/// their retention). Pending ones stay until they settle.
pub async fn delete_settled_backchannel_deliveries(
    db: impl SqliteExecutor<'_>,
    before_ms: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM backchannel_deliveries WHERE status <> 'pending' AND created_at < ?")
        .bind(before_ms)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
