//! The audit log: filters, readable details, the JSON Lines export, and the
//! demo seed recorded as the system's doing.

use reqwest::StatusCode;
use serde_json::Value;

use super::*;

/// The first of two days, 30 days ago: after the retention window began,
/// before the demo seed's own events.
fn first_day() -> i64 {
    (crate::helpers::now() / 86_400 - 30) * 86_400
}

/// A day as the filter form takes it: `YYYY-MM-DD` (UTC).
fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap()
        .date()
        .to_string()
}

/// Events at known times on two days, by three actors.
async fn seed_events(app: &TestApp) {
    let day = first_day();
    for (at, actor, action, subject, detail) in [
        (
            day + 10,
            Some("alice"),
            "logout.op_session_ended",
            "sid-1",
            r#"{"reason":"rp_initiated_logout","clients":["shop","blog"]}"#,
        ),
        (
            day + 20,
            None,
            "login.failed",
            "",
            r#"{"username":"mallory","address":"192.0.2.1"}"#,
        ),
        (
            day + 86_400 + 5,
            Some("admin"),
            "client.updated",
            "shop",
            r#"{"changed":{"name":"Shop"}}"#,
        ),
        (
            day + 86_400 + 6,
            Some("alice"),
            "logout.client_session_ended",
            "sid-2",
            r#"{"client_id":"shop"}"#,
        ),
    ] {
        sqlx::query(
            "INSERT INTO audit_events (occurred_at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind((!subject.is_empty()).then_some(subject))
        .bind(detail)
        .execute(&app.pool)
        .await
        .unwrap();
    }
}

fn rows(html: &str) -> usize {
    html.matches("<tr id=\"event-").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_filters_by_action_actor_subject_and_day() {
    let app = spawn_app().await;
    seed_events(&app).await;
    let admin = Browser::admin(&app).await;
    let (first, second, third) = (
        date(first_day()),
        date(first_day() + 86_400),
        date(first_day() + 2 * 86_400),
    );
    for (query, expected) in [
        ("action=logout.".to_owned(), 2),
        ("action=logout.&actor=ALICE".to_owned(), 2),
        (format!("actor=anonymous&from={first}&to={first}"), 1),
        ("subject=shop".to_owned(), 1),
        (format!("from={second}&to={second}"), 2),
        (format!("from={first}&to={second}&action=logout.client"), 1),
        ("action=%25".to_owned(), 0),
    ] {
        let (status, html) = admin.page(&format!("/admin/audit?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(rows(&html), expected, "{query}");
    }
    let (_, html) = admin.page("/admin/audit?action=logout.op").await;
    let html = html.replace("<!>", "");
    assert!(
        html.contains("<dt>clients</dt><dd>shop, blog</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>reason</dt><dd>rp_initiated_logout</dd>"));
    assert!(!html.contains("{&quot;reason"), "no raw JSON");
    assert!(
        html.contains("value=\"logout.op\""),
        "the form shows the filter"
    );

    let (status, html) = admin
        .page(&format!("/admin/audit?from={third}&to={first}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("role=\"alert\""));
    assert_eq!(rows(&html), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filtered_view_exports_as_json_lines_for_admins_only() {
    let app = spawn_app().await;
    seed_events(&app).await;
    let admin = Browser::admin(&app).await;
    let response = admin
        .get(admin.url("/admin/audit/export?actor=alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("application/jsonl"));
    assert!(header(&response, "content-disposition").contains("audit.jsonl"));
    let body = response.text().await.unwrap();
    let events: Vec<Value> = body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0]["action"], "logout.client_session_ended",
        "newest first"
    );
    assert_eq!(
        events[0]["occurred_at"],
        format!("{}T00:00:06Z", date(first_day() + 86_400))
    );
    assert_eq!(
        events[1]["detail"]["clients"][1], "blog",
        "the detail as JSON"
    );

    let bad = admin
        .get(admin.url("/admin/audit/export?from=tomorrow"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let user = Browser::signed_in(&app, demo::USER, demo::PASSWORD).await;
    let (status, _) = user.page("/admin/audit/export").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let anonymous = Browser::new(&app);
    let response = anonymous
        .get(anonymous.url("/admin/audit/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response).path(), "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_the_demo_data_is_recorded_as_the_system() {
    let app = spawn_app().await;
    let (seeded, by_others): (i64, i64) = sqlx::query_as(
        "SELECT \
         (SELECT COUNT(*) FROM audit_events WHERE actor = 'system' AND action IN ('user.created', 'client.created')), \
         (SELECT COUNT(*) FROM audit_events WHERE actor IN ('demo', 'cli'))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(seeded, 2 + DEMO_CLIENTS);
    assert_eq!(by_others, 0);
}
