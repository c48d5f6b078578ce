//! What browsers saw of front-channel logouts, counted per client and hour.

use super::Executor;
use crate::oidc::frontchannel::FrontchannelOutcome;

/// Adds one to `outcome` of `client_id` in `hour` (Unix time / 3600).
pub async fn add_frontchannel_outcome(
    db: impl Executor<'_>,
    client_id: &str,
    hour: i64,
    outcome: FrontchannelOutcome,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO frontchannel_outcomes (client_id, hour, outcome, count) \
         VALUES ($1, $2, $3, 1) ON CONFLICT (client_id, hour, outcome) \
         DO UPDATE SET count = frontchannel_outcomes.count + 1",
    )
    .bind(client_id)
    .bind(hour)
    .bind(outcome.as_str())
    .execute(db)
    .await
    .map(|_| ())
}

/// Outcomes since `since_hour`, per client: (client_id, client name,
/// outcome, count).
pub async fn count_frontchannel_outcomes_by_client(
    db: impl Executor<'_>,
    since_hour: i64,
) -> sqlx::Result<Vec<(String, String, String, i64)>> {
    sqlx::query_as(
        "SELECT o.client_id, c.name, o.outcome, CAST(SUM(o.count) AS BIGINT) FROM frontchannel_outcomes o \
         JOIN clients c ON c.client_id = o.client_id WHERE o.hour >= $1 \
         GROUP BY o.client_id, c.name, o.outcome",
    )
    .bind(since_hour)
    .fetch_all(db)
    .await
}

/// Deletes counts of hours before `before_hour` (past their retention).
pub async fn delete_frontchannel_outcomes_before(
    db: impl Executor<'_>,
    before_hour: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM frontchannel_outcomes WHERE hour < $1")
        .bind(before_hour)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
