use super::Executor;

/// A front-channel page can be loaded for this long after the logout.
pub const FRONTCHANNEL_PAGE_TTL_SECS: i64 = 600;

pub async fn insert_frontchannel_page(
    db: impl Executor<'_>,
    id: &str,
    plan: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO frontchannel_pages (id, plan, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(plan)
        .bind(now)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn find_frontchannel_page(
    db: impl Executor<'_>,
    id: &str,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT plan FROM frontchannel_pages WHERE id = $1 AND created_at > $2")
            .bind(id)
            .bind(now - FRONTCHANNEL_PAGE_TTL_SECS)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(p,)| p))
}

pub async fn delete_expired_frontchannel_pages(
    db: impl Executor<'_>,
    now: i64,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM frontchannel_pages WHERE created_at <= $1")
        .bind(now - FRONTCHANNEL_PAGE_TTL_SECS)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
