use sqlx::FromRow;

use super::{Executor, Flag};

/// A user row. Holds the password hash, so it is neither `Debug` nor `Serialize`.
#[derive(Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub subject: String,
    pub username: String,
    pub password_hash: String,
    #[sqlx(try_from = "Flag")]
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

pub async fn insert_user(db: impl Executor<'_>, user: &NewUser<'_>) -> sqlx::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (subject, username, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
    db: impl Executor<'_>,
    username: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(
        "SELECT id, subject, username, password_hash, is_admin, disabled_at \
         FROM users WHERE lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(db)
    .await
}

/// Whether the user exists and is not disabled.
pub async fn is_user_active(db: impl Executor<'_>, user_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE id = $1 AND disabled_at IS NULL")
        .bind(user_id)
        .fetch_optional(db)
        .await
        .map(|found| found.is_some())
}

pub async fn count_users(db: impl Executor<'_>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// A user as the admin console lists it.
#[derive(Clone, Debug, FromRow)]
pub struct UserListing {
    pub username: String,
    #[sqlx(try_from = "Flag")]
    pub is_admin: bool,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub active_sessions: i64,
}

pub async fn list_users(db: impl Executor<'_>, limit: i64) -> sqlx::Result<Vec<UserListing>> {
    sqlx::query_as(
        "SELECT u.username, u.is_admin, u.disabled_at, u.created_at, \
         (SELECT COUNT(*) FROM op_sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL) \
         AS active_sessions \
         FROM users u ORDER BY lower(u.username), u.username LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn update_user_password(
    db: impl Executor<'_>,
    user_id: i64,
    password_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn update_user_admin(
    db: impl Executor<'_>,
    user_id: i64,
    is_admin: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
        .bind(is_admin)
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// `Some(now)` disables the user, `None` enables them again.
pub async fn update_user_disabled(
    db: impl Executor<'_>,
    user_id: i64,
    disabled_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(disabled_at)
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}
