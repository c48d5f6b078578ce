use sqlx::SqlitePool;

/// The version of the newest applied migration, and SQLite's own version.
pub async fn fetch_schema_version(pool: &SqlitePool) -> sqlx::Result<(i64, String)> {
    sqlx::query_as(
        "SELECT COALESCE((SELECT MAX(version) FROM _sqlx_migrations WHERE success), 0), \
                sqlite_version()",
    )
    .fetch_one(pool)
    .await
}
