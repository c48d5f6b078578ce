use super::Executor;

/// The secret called `name`, creating it from `fresh` if there is none yet.
/// Two processes starting together agree: the first insert wins.
pub async fn load_or_insert_server_secret(
    db: impl Executor<'_> + Copy,
    name: &str,
    fresh: &[u8],
    now: i64,
) -> sqlx::Result<Vec<u8>> {
    sqlx::query(
        "INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .bind(now)
    .execute(db)
    .await?;
    let (secret,): (Vec<u8>,) = sqlx::query_as("SELECT secret FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(db)
        .await?;
    Ok(secret)
}
