use super::{Backend, Pool};

/// The version of the newest applied migration, and the database's own name
/// and version ("SQLite 3.46.0", "PostgreSQL 15.18 …").
pub async fn fetch_schema_version(pool: &Pool) -> sqlx::Result<(i64, String)> {
    let version = match Backend::of(pool) {
        Backend::Sqlite => "'SQLite ' || sqlite_version()",
        Backend::Postgres => "split_part(version(), ' on ', 1)",
    };
    sqlx::query_as(&format!(
        "SELECT COALESCE((SELECT MAX(version) FROM _sqlx_migrations WHERE success), 0), {version}"
    ))
    .fetch_one(pool)
    .await
}
