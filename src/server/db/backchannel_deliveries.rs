use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use std::sync::LazyLock;

use sqlx::{Decode, Encode, FromRow, Type};

use super::{Backend, Db, Executor};

pub use crate::oidc::logout_token::DeliveryStatus;

/// Stored as its name (the table's CHECK lists the three).
impl Type<Db> for DeliveryStatus {
    fn type_info() -> AnyTypeInfo {
        <str as Type<Db>>::type_info()
    }
}

impl<'q> Encode<'q, Db> for DeliveryStatus {
    fn encode_by_ref(
        &self,
        buf: &mut <Db as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Db>>::encode(self.as_str(), buf)
    }
}

impl<'r> Decode<'r, Db> for DeliveryStatus {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let raw = <&str as Decode<Db>>::decode(value)?;
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
    /// The instance whose attempt is in flight (or was, when it died).
    pub lease_owner: Option<String>,
    /// What signs the client's logout tokens: read by [`claim_deliveries`]
    /// with the row, so an attempt needs no query of its own; `None` elsewhere.
    #[sqlx(default)]
    pub signing_alg: Option<String>,
}

const COLUMNS: &str = "id, client_id, sid, subject, uri, reason, status, attempts, \
     next_attempt_at, last_status, last_error, last_jti, created_at, updated_at, lease_owner";

/// [`insert_backchannel_deliveries`]'s statement: `$1` sid, `$2` the one
/// client or NULL, `$3` reason, `$4` when due, `$5` now (ms), `$6` attempts
/// so far, `$7` the lease's owner or NULL. On PostgreSQL it locks the client
/// sessions it reads, so that of two transactions ending the same session
/// at once the second waits, then finds them ended and queues nothing; a
/// SQLite write transaction excludes the others already.
pub(super) fn insert_for_session(backend: Backend) -> &'static str {
    static SQLITE: LazyLock<String> = LazyLock::new(|| insert_for_session_sql(""));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| insert_for_session_sql("FOR UPDATE OF r"));
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

fn insert_for_session_sql(lock: &str) -> String {
    format!(
        "INSERT INTO backchannel_deliveries \
         (client_id, sid, subject, uri, reason, next_attempt_at, created_at, updated_at, \
         attempts, lease_owner) \
         SELECT c.client_id, s.sid, u.subject, c.backchannel_logout_uri, $3, $4, $5, $5, $6, $7 \
         FROM rp_sessions r JOIN clients c ON c.client_id = r.client_id \
         JOIN op_sessions s ON s.sid = r.sid JOIN users u ON u.id = s.user_id \
         WHERE r.sid = $1 AND r.ended_at IS NULL AND ($2 IS NULL OR r.client_id = $2) \
         AND c.backchannel_logout_uri IS NOT NULL {lock} \
         RETURNING {COLUMNS}, (SELECT c.signing_alg FROM clients c \
         WHERE c.client_id = backchannel_deliveries.client_id) AS signing_alg"
    )
}

/// Queues a delivery for each live client session of OP session `sid` (or
/// only `only_client`'s) whose client has a back-channel logout URI: run it
/// before the client sessions end. Returns the new rows. With a `lease` they
/// are claimed for their first attempt as they are written, as
/// [`claim_deliveries`] would claim them (the instance that ends the session
/// attempts them right after the commit, and needs no claim of its own);
/// without one they are due now, for any instance's worker.
pub async fn insert_backchannel_deliveries(
    db: impl Executor<'_>,
    backend: Backend,
    sid: &str,
    only_client: Option<&str>,
    reason: &str,
    now_ms: i64,
    lease: Option<Lease<'_>>,
) -> sqlx::Result<Vec<DeliveryRow>> {
    let first = FirstAttempt::of(now_ms, lease);
    sqlx::query_as(insert_for_session(backend))
        .bind(sid)
        .bind(only_client)
        .bind(reason)
        .bind(first.due)
        .bind(now_ms)
        .bind(first.attempts)
        .bind(first.owner)
        .fetch_all(db)
        .await
}

/// How a new row starts: leased for its first attempt, or due now.
pub(super) struct FirstAttempt<'a> {
    pub due: i64,
    pub attempts: i64,
    pub owner: Option<&'a str>,
}

impl<'a> FirstAttempt<'a> {
    pub(super) fn of(now_ms: i64, lease: Option<Lease<'a>>) -> Self {
        match lease {
            Some(lease) => Self {
                due: lease.until_ms,
                attempts: 1,
                owner: Some(lease.owner),
            },
            None => Self {
                due: now_ms,
                attempts: 0,
                owner: None,
            },
        }
    }
}

/// A new delivery like an earlier one (the admin's Resend), due now.
pub async fn insert_resend(
    db: impl Executor<'_>,
    of: i64,
    now_ms: i64,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO backchannel_deliveries \
         (client_id, sid, subject, uri, reason, next_attempt_at, created_at, updated_at) \
         SELECT d.client_id, d.sid, d.subject, COALESCE(c.backchannel_logout_uri, d.uri), \
         'resent', $2, $2, $2 \
         FROM backchannel_deliveries d JOIN clients c ON c.client_id = d.client_id \
         WHERE d.id = $1 RETURNING id",
    )
    .bind(of)
    .bind(now_ms)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// A claim on deliveries for one attempt each, by one instance.
#[derive(Clone, Copy, Debug)]
pub struct Lease<'a> {
    /// The claiming instance ([`record_attempt`] is fenced on it).
    pub owner: &'a str,
    pub now_ms: i64,
    /// Nobody else claims the rows before this; an instance that dies
    /// mid-attempt only delays them until then.
    pub until_ms: i64,
}

/// Claims up to `limit` pending deliveries that are due (of `only`, when
/// given), oldest due first, for one attempt each: their next attempt moves
/// to the lease's end, their attempt count goes up, and the lease names its
/// owner. On PostgreSQL rows another instance is claiming right now are
/// skipped (`FOR UPDATE SKIP LOCKED`), so instances never wait on each other
/// nor claim a row twice; SQLite has one writer at a time anyway.
pub async fn claim_deliveries(
    db: impl Executor<'_>,
    backend: Backend,
    only: Option<&[i64]>,
    limit: usize,
    lease: Lease<'_>,
) -> sqlx::Result<Vec<DeliveryRow>> {
    if limit == 0 || only.is_some_and(<[i64]>::is_empty) {
        return Ok(Vec::new());
    }
    let only_clause = match only {
        Some(ids) => format!("AND id IN ({})", super::placeholders(5, ids.len())),
        None => String::new(),
    };
    let skip_locked = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE backchannel_deliveries SET next_attempt_at = $2, attempts = attempts + 1, \
         lease_owner = $3, updated_at = $1 \
         WHERE id IN (SELECT id FROM backchannel_deliveries \
         WHERE status = 'pending' AND next_attempt_at <= $1 {only_clause} \
         ORDER BY next_attempt_at, id LIMIT $4 {skip_locked}) \
         RETURNING {COLUMNS}, (SELECT c.signing_alg FROM clients c \
         WHERE c.client_id = backchannel_deliveries.client_id) AS signing_alg"
    );
    let mut query = sqlx::query_as(&sql)
        .bind(lease.now_ms)
        .bind(lease.until_ms)
        .bind(lease.owner)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    for id in only.unwrap_or_default() {
        query = query.bind(id);
    }
    query.fetch_all(db).await
}

/// Gives up the leases `owner` holds (it is shutting down): its rows are due
/// again at once, for any instance, instead of when the leases run out. An
/// attempt it had sent may be sent again: delivery is at least once.
pub async fn release_leases(db: impl Executor<'_>, owner: &str, now_ms: i64) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE backchannel_deliveries SET next_attempt_at = $1, lease_owner = NULL, \
         updated_at = $1 WHERE lease_owner = $2 AND status = 'pending'",
    )
    .bind(now_ms)
    .bind(owner)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Gives up `owner`'s leases on rows it claimed but will not attempt (it had
/// no free slot): they are due again at once, for any instance, with the
/// attempt they were claimed for not counted.
pub async fn hand_back_deliveries(
    db: impl Executor<'_>,
    ids: &[i64],
    owner: &str,
    now_ms: i64,
) -> sqlx::Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE backchannel_deliveries SET next_attempt_at = $1, lease_owner = NULL, \
         attempts = attempts - 1, updated_at = $1 \
         WHERE lease_owner = $2 AND status = 'pending' AND id IN ({})",
        super::placeholders(3, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(now_ms).bind(owner);
    for id in ids {
        query = query.bind(id);
    }
    query.execute(db).await.map(|r| r.rows_affected())
}

/// When the next pending delivery is due, if any is pending.
pub async fn next_due_at(db: impl Executor<'_>) -> sqlx::Result<Option<i64>> {
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

/// Records an attempt's outcome and ends its lease, only if the row is still
/// this attempt's: pending, leased to `owner`, and not claimed again since
/// (its attempt count is still `attempt`). Returns false when the lease was
/// lost: another instance took the row over, and its outcome stands.
pub async fn record_attempt(
    db: impl Executor<'_>,
    id: i64,
    attempt: i64,
    owner: &str,
    result: &AttemptResult<'_>,
    now_ms: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE backchannel_deliveries SET status = $1, next_attempt_at = $2, last_status = $3, \
         last_error = $4, last_jti = $5, updated_at = $6, lease_owner = NULL \
         WHERE id = $7 AND status = 'pending' AND lease_owner = $8 AND attempts = $9",
    )
    .bind(result.status)
    .bind(result.next_attempt_at)
    .bind(result.last_status.map(i64::from))
    .bind(result.last_error)
    .bind(result.jti)
    .bind(now_ms)
    .bind(id)
    .bind(owner)
    .bind(attempt)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Which deliveries [`list_deliveries`] lists: every filter that is set.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeliveryFilter<'a> {
    pub client_id: Option<&'a str>,
    pub sid: Option<&'a str>,
    pub status: Option<DeliveryStatus>,
}

/// The delivery log, newest first, filtered by client, session and status.
pub async fn list_deliveries(
    db: impl Executor<'_>,
    filter: DeliveryFilter<'_>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM backchannel_deliveries \
         WHERE ($1 IS NULL OR client_id = $1) AND ($2 IS NULL OR sid = $2) \
         AND ($4 IS NULL OR status = $4) \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(filter.client_id)
    .bind(filter.sid)
    .bind(limit)
    .bind(filter.status.map(DeliveryStatus::as_str))
    .fetch_all(db)
    .await
}

/// Where a delivery stands, for the people waiting on it.
#[derive(Clone, Debug, FromRow)]
pub struct DeliveryOutcome {
    pub client_id: String,
    /// The client's name.
    pub name: String,
    pub status: DeliveryStatus,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

impl DeliveryOutcome {
    pub fn reason(&self) -> String {
        last_result(self.last_status, self.last_error.as_deref())
    }
}

/// A delivery's last attempt in words: "HTTP 503", "connection refused".
pub fn last_result(last_status: Option<i64>, last_error: Option<&str>) -> String {
    match (last_error, last_status) {
        (Some(error), _) => error.to_owned(),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => "not attempted yet".into(),
    }
}

/// Where each of `ids` stands, by client name.
pub async fn list_delivery_outcomes(
    db: impl Executor<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<DeliveryOutcome>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT d.client_id, c.name, d.status, d.last_status, d.last_error \
         FROM backchannel_deliveries d \
         JOIN clients c ON c.client_id = d.client_id WHERE d.id IN ({}) ORDER BY c.name",
        super::placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(db).await
}

/// How many deliveries are not settled yet.
pub async fn count_pending_deliveries(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM backchannel_deliveries WHERE status = 'pending'")
        .fetch_one(db)
        .await
}

/// How many deliveries to each client have failed for good.
pub async fn count_failed_deliveries_by_client(
    db: impl Executor<'_>,
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
    db: impl Executor<'_>,
    before_ms: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM backchannel_deliveries WHERE status <> 'pending' AND created_at < $1")
        .bind(before_ms)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Deliveries created since `since_ms`, counted by client and status:
/// (client_id, client name, status, count).
pub async fn count_deliveries_by_client(
    db: impl Executor<'_>,
    since_ms: i64,
) -> sqlx::Result<Vec<(String, String, DeliveryStatus, i64)>> {
    sqlx::query_as(
        "SELECT d.client_id, c.name, d.status, COUNT(*) FROM backchannel_deliveries d \
         JOIN clients c ON c.client_id = d.client_id WHERE d.created_at >= $1 \
         GROUP BY d.client_id, c.name, d.status",
    )
    .bind(since_ms)
    .fetch_all(db)
    .await
}
