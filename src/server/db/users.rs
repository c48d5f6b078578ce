use sqlx::{FromRow, SqliteExecutor};

/// A user row. Holds the password hash, so it is neither `Debug` nor `Serialize`.
#[derive(Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub subject: String,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub disabled_at: Option<i64>,
}

pub struct NewUser<'a> {
    pub subject: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: i64,
}

pub async fn insert_user(db: impl SqliteExecutor<'_>, user: &NewUser<'_>) -> sqlx::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (subject, username, password_hash, is_admin, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(user.subject)
    .bind(user.username)
    .bind(user.password_hash)
    .bind(user.is_admin)
    .bind(user.created_at)
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub async fn find_user_by_username(
    db: impl SqliteExecutor<'_>,
    username: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(
        "SELECT id, subject, username, password_hash, is_admin, disabled_at \
         FROM users WHERE username = ?",
    )
    .bind(username)
    .fetch_optional(db)
    .await
}

pub async fn count_users(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    Ok(n)
}
