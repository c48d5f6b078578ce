//! The console's overview: figures read from the shared database, charts
//! drawn on the server with a text equivalent each, failing clients first.

use crate::helpers::{attribute, now_ms, texts};

use super::*;

async fn insert_delivery(app: &TestApp, client_id: &str, status: &str) {
    sqlx::query(
        "INSERT INTO backchannel_deliveries (client_id, sid, subject, uri, reason, status, \
         attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, 'sid', 'sub', 'http://127.0.0.1:9/bc', 'rp_initiated_logout', $2, 1, $3, $3, $3)",
    )
    .bind(client_id)
    .bind(status)
    .bind(now_ms() + 3_600_000)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_this_hours_sign_ins_and_logouts_and_puts_failing_clients_first() {
    let app = spawn_app().await;
    // One sign-in that stays, and one that ends.
    app.signed_in_id_token().await;
    let leaving = Browser::signed_in(&app, demo::USER, demo::PASSWORD).await;
    let (status, _) = leaving.page("/signout").await;
    assert!(status.is_redirection() || status.is_success(), "{status}");
    for status in ["delivered", "delivered", "failed"] {
        insert_delivery(&app, demo::BACKCHANNEL_CLIENT_ID, status).await;
    }
    insert_delivery(&app, demo::FRONTCHANNEL_CLIENT_ID, "delivered").await;
    insert_delivery(&app, demo::FRONTCHANNEL_CLIENT_ID, "pending").await;

    let admin = Browser::admin(&app).await;
    let (status, html) = admin.page("/admin").await;
    assert_eq!(status, StatusCode::OK);
    let stats = texts(&html, ".stats li");
    // The admin's own sign-in counts too: three sign-ins, one ended.
    assert_eq!(
        stats,
        [
            "2 live sessions",
            "3 sign-ins in the last 24 hours",
            "1 logouts in the last 24 hours"
        ]
    );
    // Two charts, each an image with a name and a description, and a table.
    let names: Vec<String> = texts(&html, "figure.chart figcaption");
    assert_eq!(names.len(), 2, "{names:?}");
    let labelled = attribute(&html, "figure.chart svg", "aria-labelledby").unwrap();
    assert_eq!(labelled, "day-chart-title day-chart-desc");
    assert_eq!(
        attribute(&html, "figure.chart svg", "role").as_deref(),
        Some("img")
    );
    let summary = texts(&html, "#day-chart-desc");
    assert!(
        summary[0].starts_with("3 sign-ins and 1 logouts in all; the busiest hour began"),
        "{summary:?}"
    );
    // 24 hours, and a week by day (7 or 8 dates).
    let rows = texts(&html, "figure.chart table tbody tr");
    assert!((24 + 7..=24 + 8).contains(&rows.len()), "{}", rows.len());
    let bars = html.matches("class=\"sign-ins\"").count();
    assert_eq!(bars, 24 + 7 * 24);

    let clients = texts(&html, ".rates tbody th");
    assert_eq!(clients, ["Back-channel demo RP", "Front-channel demo RP"]);
    let rates = texts(&html, ".rates tbody td.rate");
    assert_eq!(rates, ["66 % (some failed)", "100 %"]);
    let link = attribute(&html, ".rates tbody tr.failing a", "href").unwrap();
    assert_eq!(
        link,
        format!(
            "/admin/deliveries?client_id={}",
            demo::BACKCHANNEL_CLIENT_ID
        )
    );
    assert!(
        html.contains("aria-current=\"page\""),
        "the nav marks Overview"
    );
}
