//! `browser_sessions` is tower-sessions' table: its store reads and writes
//! the rows (`server::browser_session`). A logout deletes the browser's row
//! in the transaction that ends its OP session.

use super::Executor;

/// [`delete_browser_session`]'s statement: `$1` the row's id.
pub(super) const DELETE_BROWSER_SESSION: &str = "DELETE FROM browser_sessions WHERE id = $1";

/// Deletes a browser session's row; returns whether there was one.
pub async fn delete_browser_session(db: impl Executor<'_>, id: &str) -> sqlx::Result<bool> {
    sqlx::query(DELETE_BROWSER_SESSION)
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}
