//! The maintenance task: every due OP session ends in the sweep that finds
//! it, and what is past its retention is purged.

use serde_json::json;
use signoff::server::commands::demo;
use signoff::server::maintenance::{expire_op_sessions, purge_expired};

use crate::helpers::{TestApp, now, spawn_app};

async fn demo_user_id(app: &TestApp) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(demo::USER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    id
}

async fn insert_session(app: &TestApp, sid: &str, auth_time: i64, ended_at: Option<i64>) {
    sqlx::query(
        "INSERT INTO op_sessions (sid, user_id, auth_time, created_at, ended_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sid)
    .bind(demo_user_id(app).await)
    .bind(auth_time)
    .bind(auth_time)
    .bind(ended_at)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&app.pool).await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_due_session_ends_in_the_sweep_that_finds_it() {
    let app = spawn_app().await;
    let long_ago = now() - 13 * 3600;
    for i in 0..1200 {
        insert_session(&app, &format!("old-{i}"), long_ago, None).await;
    }
    insert_session(&app, "fresh", now(), None).await;

    // The background task may have taken some already; one call ends the rest.
    expire_op_sessions(app.state()).await.unwrap();

    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM op_sessions WHERE ended_at IS NULL"
        )
        .await,
        1,
        "only the fresh one lives"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM op_sessions WHERE end_reason = 'expired'"
        )
        .await,
        1200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_sessions_deliveries_and_audit_events_are_purged_after_their_retention() {
    let app = spawn_app().await;
    let now = now();
    let day = 24 * 3600;
    insert_session(&app, "ended-2-days-ago", now - 3 * day, Some(now - 2 * day)).await;
    insert_session(&app, "ended-an-hour-ago", now - day, Some(now - 3600)).await;
    insert_session(&app, "live", now, None).await;
    for (sid, status, age_days) in [
        ("ended-2-days-ago", "delivered", 31),
        ("ended-2-days-ago", "failed", 31),
        ("ended-2-days-ago", "pending", 31),
        ("ended-an-hour-ago", "delivered", 29),
    ] {
        let at = (now - age_days * day) * 1000;
        sqlx::query(
            "INSERT INTO backchannel_deliveries (client_id, sid, subject, uri, reason, status, \
             next_attempt_at, created_at, updated_at) VALUES ($1, $2, 's', 'https://rp.example/bc', 'x', $3, $4, $5, $6)",
        )
        .bind(demo::CLIENT_ID)
        .bind(sid)
        .bind(status)
        .bind(at)
        .bind(at)
        .bind(at)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    for age_days in [366, 364] {
        sqlx::query("INSERT INTO audit_events (occurred_at, actor, action, subject, detail) VALUES ($1, NULL, 'test.old', NULL, $2)")
            .bind(now - age_days * day)
            .bind(json!({}).to_string())
            .execute(&app.pool)
            .await
            .unwrap();
    }

    // The background task may purge first; either way this is the state after.
    purge_expired(app.state(), now).await.unwrap();

    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM backchannel_deliveries WHERE sid = 'ended-2-days-ago'"
        )
        .await,
        1,
        "settled deliveries past 30 days go; a pending one stays"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM backchannel_deliveries WHERE sid = 'ended-an-hour-ago'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'test.old'"
        )
        .await,
        1,
        "only the event within 365 days stays"
    );
    let sids: Vec<(String,)> = sqlx::query_as("SELECT sid FROM op_sessions ORDER BY sid")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        sids,
        vec![("ended-an-hour-ago".to_owned(),), ("live".to_owned(),)],
        "a session ended within the 24 h recent window stays for its hints"
    );
}
