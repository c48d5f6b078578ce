//! `/metrics` on its own listener (`SIGNOFF_METRICS_LISTEN`): Prometheus
//! text, with counters that move when users sign in and out.

use signoff::server::config::SettingsLayer;

use crate::helpers::{TestApp, browser, spawn_app_configured};

async fn scrape(app: &TestApp) -> String {
    let addr = app.metrics.expect("metrics are served");
    let response = browser()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    response.text().await.unwrap()
}

/// The value of the sample that starts with `name_and_labels` (0 if absent).
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find(|line| {
            line.starts_with(name_and_labels) && line[name_and_labels.len()..].starts_with(' ')
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_after_a_sign_in_and_a_logout_shows_the_counters_moved() {
    let app = spawn_app_configured(SettingsLayer {
        allow_private_logout_targets: Some(true),
        rate_limit: Some(0),
        metrics_listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    })
    .await;
    // The app's own port serves no metrics.
    assert_eq!(app.get("/metrics").await.status(), 404);
    let before = scrape(&app).await;
    let signed_in = r#"signoff_sign_ins_total{result="succeeded"}"#;
    let logged_out =
        r#"signoff_logouts_total{trigger="forced_logout_user_status",outcome="op_session_ended"}"#;
    let timed = r#"signoff_request_duration_seconds_count{route="/userStatus.json"}"#;

    app.sign_in_and_authorize(&[]).await;
    let during = scrape(&app).await;
    assert!(
        sample(&during, "signoff_live_op_sessions") >= 1.0,
        "{during}"
    );
    app.get("/userStatus.json?logUserOut=true").await;
    let after = scrape(&app).await;
    assert!(
        sample(&after, signed_in) >= sample(&before, signed_in) + 1.0,
        "{after}"
    );
    assert!(sample(&after, logged_out) >= sample(&before, logged_out) + 1.0);
    assert!(sample(&after, timed) >= sample(&before, timed) + 1.0);
    for name in [
        "# TYPE signoff_logout_to_delivery_seconds histogram",
        "# TYPE signoff_pending_backchannel_deliveries gauge",
        "# TYPE signoff_rate_limited_requests counter",
        "# TYPE signoff_frontchannel_frames counter",
    ] {
        assert!(after.contains(name), "{name}");
    }
}
