//! The writes that end an OP session (or one client's part of it), as one
//! unit: the back-channel outbox rows, the client sessions, their tokens,
//! the session row, and the row of the browser session that carried it.
//! Each statement is its table's own. On SQLite they go to the database
//! together, in one round trip through the connection's worker thread
//! instead of up to six (those hand-offs, not the SQL, are what a logout's
//! CPU goes on); on PostgreSQL, whose protocol takes one statement with
//! parameters at a time, one after another. Run them in a write transaction.

use std::sync::LazyLock;

use futures_util::TryStreamExt as _;
use sqlx::{Either, FromRow as _};

use super::backchannel_deliveries::{DeliveryRow, FirstAttempt, Lease, insert_for_session};
use super::rp_sessions::{END_RP_SESSIONS, EndedRpSession};
use super::{Backend, Connection, renumbered};

/// What to end.
#[derive(Clone, Copy, Debug)]
pub struct SessionEnd<'a> {
    pub sid: &'a str,
    /// Only this client's part; `None` ends every client's and the session itself.
    pub only_client: Option<&'a str>,
    /// The reason the session row and the outbox rows record.
    pub reason: &'a str,
    /// Seconds, as the session and token rows record time.
    pub now: i64,
    /// Milliseconds, as the outbox rows do.
    pub now_ms: i64,
    /// The outbox rows' lease, when this instance attempts them after the commit.
    pub lease: Option<Lease<'a>>,
    /// The row of the browser session that carried the OP session, when it ends too.
    pub browser_session: Option<&'a str>,
}

/// What [`end_session_rows`] wrote.
#[derive(Debug, Default)]
pub struct EndedRows {
    /// Whether the session row ended here (false when it had already, or
    /// only a client's part ended).
    pub op_session_ended: bool,
    pub rp_sessions: Vec<EndedRpSession>,
    pub access_tokens_revoked: u64,
    pub refresh_tokens_revoked: u64,
    pub deliveries: Vec<DeliveryRow>,
}

/// Which statements a batch has.
#[derive(Clone, Copy)]
struct Shape {
    only_client: bool,
    browser_session: bool,
}

impl Shape {
    fn of(end: &SessionEnd<'_>) -> Self {
        Self {
            only_client: end.only_client.is_some(),
            browser_session: end.browser_session.is_some(),
        }
    }

    /// The statements of the SQLite batch, in order: the outbox rows are
    /// written from the client sessions still live, so they come first.
    fn statements(self) -> Vec<&'static str> {
        let mut all = vec![
            insert_for_session(Backend::Sqlite),
            END_RP_SESSIONS,
            super::access_tokens::REVOKE_ACCESS_TOKENS_FOR_SESSION,
            super::refresh_tokens::REVOKE_REFRESH_TOKENS_FOR_SESSION,
        ];
        if !self.only_client {
            all.push(super::op_sessions::END_OP_SESSION);
        }
        if self.browser_session {
            all.push(super::browser_sessions::DELETE_BROWSER_SESSION);
        }
        all
    }

    /// Where the session row's statement is in the batch, if it is.
    fn op_session_statement(self) -> Option<usize> {
        (!self.only_client).then_some(4)
    }

    /// The batch: the statements joined, each one's `$n` moved past the
    /// parameters of those before it.
    fn sqlite_batch(self) -> &'static str {
        static BATCHES: [LazyLock<String>; 4] = [
            LazyLock::new(|| Shape::from_index(0).joined()),
            LazyLock::new(|| Shape::from_index(1).joined()),
            LazyLock::new(|| Shape::from_index(2).joined()),
            LazyLock::new(|| Shape::from_index(3).joined()),
        ];
        &BATCHES[usize::from(self.only_client) * 2 + usize::from(self.browser_session)]
    }

    fn from_index(index: usize) -> Self {
        Self {
            only_client: index / 2 == 1,
            browser_session: index % 2 == 1,
        }
    }

    fn joined(self) -> String {
        let mut sql = String::new();
        let mut offset = 0;
        for statement in self.statements() {
            let (renumbered, count) = renumbered(statement, offset);
            sql.push_str(&renumbered);
            sql.push_str(";\n");
            offset += count;
        }
        sql
    }
}

/// Ends what `end` names; see the module doc.
pub async fn end_session_rows(
    conn: &mut Connection,
    backend: Backend,
    end: &SessionEnd<'_>,
) -> sqlx::Result<EndedRows> {
    match backend {
        Backend::Sqlite => end_in_one_batch(conn, end).await,
        Backend::Postgres => end_one_by_one(conn, end).await,
    }
}

async fn end_in_one_batch(conn: &mut Connection, end: &SessionEnd<'_>) -> sqlx::Result<EndedRows> {
    let shape = Shape::of(end);
    let first = FirstAttempt::of(end.now_ms, end.lease);
    let mut query = sqlx::query(shape.sqlite_batch())
        // the outbox rows
        .bind(end.sid)
        .bind(end.only_client)
        .bind(end.reason)
        .bind(first.due)
        .bind(end.now_ms)
        .bind(first.attempts)
        .bind(first.owner);
    // the client sessions, then their access and refresh tokens
    for _ in 0..3 {
        query = query.bind(end.now).bind(end.sid).bind(end.only_client);
    }
    if end.only_client.is_none() {
        query = query.bind(end.now).bind(end.reason).bind(end.sid);
    }
    if let Some(id) = end.browser_session {
        query = query.bind(id);
    }
    let mut ended = EndedRows::default();
    let mut statement = 0;
    // Several statements in one query string with parameters: only the
    // SQLite driver runs them, and sqlx 0.8 marks `fetch_many` deprecated
    // for that reason (launchbadge/sqlx#3108), to be replaced when a version
    // offers another way. It is the one call here that sees where each
    // statement ends; the API tests run this path on every end.
    #[allow(deprecated)]
    let mut results = query.fetch_many(&mut *conn);
    while let Some(result) = results.try_next().await? {
        match (statement, result) {
            (0, Either::Right(row)) => ended.deliveries.push(DeliveryRow::from_row(&row)?),
            (1, Either::Right(row)) => ended.rp_sessions.push(EndedRpSession::from_row(&row)?),
            (_, Either::Right(_)) => {}
            (done, Either::Left(result)) => {
                match done {
                    2 => ended.access_tokens_revoked = result.rows_affected(),
                    3 => ended.refresh_tokens_revoked = result.rows_affected(),
                    _ if Some(done) == shape.op_session_statement() => {
                        ended.op_session_ended = result.rows_affected() == 1;
                    }
                    _ => {}
                }
                statement += 1;
            }
        }
    }
    Ok(ended)
}

async fn end_one_by_one(conn: &mut Connection, end: &SessionEnd<'_>) -> sqlx::Result<EndedRows> {
    let deliveries = super::backchannel_deliveries::insert_backchannel_deliveries(
        &mut *conn,
        Backend::Postgres,
        end.sid,
        end.only_client,
        end.reason,
        end.now_ms,
        end.lease,
    )
    .await?;
    let rp_sessions =
        super::rp_sessions::end_rp_sessions(&mut *conn, end.sid, end.only_client, end.now).await?;
    let access_tokens_revoked = super::access_tokens::revoke_access_tokens_for_session(
        &mut *conn,
        end.sid,
        end.only_client,
        end.now,
    )
    .await?;
    let refresh_tokens_revoked = super::refresh_tokens::revoke_refresh_tokens_for_session(
        &mut *conn,
        end.sid,
        end.only_client,
        end.now,
    )
    .await?;
    let op_session_ended = match end.only_client {
        Some(_) => false,
        None => {
            super::op_sessions::end_op_session(&mut *conn, end.sid, end.reason, end.now).await?
        }
    };
    if let Some(id) = end.browser_session {
        super::browser_sessions::delete_browser_session(&mut *conn, id).await?;
    }
    Ok(EndedRows {
        op_session_ended,
        rp_sessions,
        access_tokens_revoked,
        refresh_tokens_revoked,
        deliveries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_numbers_each_statements_parameters_after_those_before_it() {
        let whole = Shape::from_index(0).sqlite_batch();
        assert_eq!(whole.matches(";\n").count(), 5);
        // 7 for the outbox rows, 3 for each of the next three, 3 for the session.
        assert!(whole.contains("$19"), "{whole}");
        assert!(!whole.contains("$20"), "{whole}");
        let with_browser = Shape::from_index(1).sqlite_batch();
        assert_eq!(with_browser.matches(";\n").count(), 6);
        assert!(
            with_browser.ends_with("DELETE FROM browser_sessions WHERE id = $20;\n"),
            "{with_browser}"
        );
        let client_only = Shape::from_index(2).sqlite_batch();
        assert_eq!(client_only.matches(";\n").count(), 4);
        assert!(
            !client_only.contains("op_sessions SET"),
            "the session stays"
        );
        assert!(!client_only.contains("$17"), "{client_only}");
    }

    #[test]
    fn each_shape_has_its_own_batch() {
        for index in 0..4 {
            let shape = Shape::from_index(index);
            assert_eq!(
                usize::from(shape.only_client) * 2 + usize::from(shape.browser_session),
                index
            );
            assert_eq!(shape.sqlite_batch(), shape.joined());
        }
    }
}
