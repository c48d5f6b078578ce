use super::Executor;
use crate::server::audit::{ActorFilter, AuditFilter};

/// One audit record to write. `detail` is a JSON object.
#[derive(Clone, Debug)]
pub struct NewAuditEvent<'a> {
    pub occurred_at: i64,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub async fn insert_audit_event(
    db: impl Executor<'_>,
    event: &NewAuditEvent<'_>,
) -> sqlx::Result<i64> {
    let row: (i64,) = sqlx::query_as(
        "INSERT INTO audit_events (occurred_at, actor, action, subject, detail) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(event.occurred_at)
    .bind(event.actor)
    .bind(event.action)
    .bind(event.subject)
    .bind(event.detail.to_string())
    .fetch_one(db)
    .await?;
    Ok(row.0)
}

/// Records one event in the caller's transaction or connection.
pub async fn record_audit_event(
    db: impl Executor<'_>,
    actor: Option<&str>,
    action: &str,
    subject: Option<&str>,
    detail: serde_json::Value,
    now: i64,
) -> sqlx::Result<()> {
    let event = NewAuditEvent {
        occurred_at: now,
        actor,
        action,
        subject,
        detail,
    };
    insert_audit_event(db, &event).await.map(|_| ())
}

/// A stored audit event.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEventRow {
    pub id: i64,
    pub occurred_at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: String,
}

/// The events `filter` matches, newest first, `limit` rows after skipping `offset`.
pub async fn list_audit_events(
    db: impl Executor<'_>,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<AuditEventRow>> {
    let (anonymous, actor) = match &filter.actor {
        None => (false, None),
        Some(ActorFilter::Anonymous) => (true, None),
        Some(ActorFilter::Named(name)) => (false, Some(name.as_str())),
    };
    sqlx::query_as(
        "SELECT id, occurred_at, actor, action, subject, detail FROM audit_events \
         WHERE ($3 IS NULL OR action LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR lower(actor) = lower($4)) \
         AND ($5 = 0 OR actor IS NULL) \
         AND ($6 IS NULL OR subject = $6) \
         AND ($7 IS NULL OR occurred_at >= $7) \
         AND ($8 IS NULL OR occurred_at < $8) \
         ORDER BY occurred_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .bind(filter.action_pattern.as_deref())
    .bind(actor)
    .bind(i64::from(anonymous))
    .bind(filter.subject.as_deref())
    .bind(filter.since)
    .bind(filter.until)
    .fetch_all(db)
    .await
}

/// Deletes events that occurred before `before` (past their retention).
pub async fn delete_audit_events_before(db: impl Executor<'_>, before: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM audit_events WHERE occurred_at < $1")
        .bind(before)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// How many events of each of `actions` occurred in each hour since `since`
/// (Unix seconds): (action, hour as Unix seconds / 3600, count), in no
/// particular order; hours without events are absent.
pub async fn count_events_per_hour(
    db: impl Executor<'_>,
    actions: &[&str],
    since: i64,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    if actions.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT action, occurred_at / 3600 AS hour, COUNT(*) FROM audit_events \
         WHERE action IN ({}) AND occurred_at >= $1 GROUP BY action, occurred_at / 3600",
        super::placeholders(2, actions.len())
    );
    let mut query = sqlx::query_as(&sql).bind(since);
    for action in actions {
        query = query.bind(*action);
    }
    query.fetch_all(db).await
}
