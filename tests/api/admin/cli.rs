//! The operator CLI, run as the real binary beside a running server on the
//! same database: what it lists, what it changes, and that the server sees
//! each change at once (the change counter, `server::changes`).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;
use crate::receiver::{Answer, Receiver};

/// The output of `signoff ARGS` run on `app`'s database.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert!(self.ok, "the command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

async fn signoff(app: &TestApp, args: &[&str]) -> Run {
    let database_url = app.state().settings.database_url.to_string();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_signoff"))
        .args(args)
        .env("SIGNOFF_DATABASE_URL", database_url)
        .env("SIGNOFF_LOG", "warn")
        .output()
        .await
        .expect("the signoff binary runs");
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asks until `check` holds or a second has passed; whether it held.
async fn within_a_second(mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_the_cli_ends_stop_counting_at_once_and_their_apps_are_told() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(receiver.uri())
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
    let logout = logout_shown_once(&app).await;
    let sid = user_sid(&app).await;

    let listed = signoff(&app, &["sessions", "list", "--user", "demo", "--json"])
        .await
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["sid"], sid.as_str());
    assert_eq!(listed[0]["username"], "demo");
    assert_eq!(listed[0]["clients"], serde_json::json!([demo::CLIENT_ID]));

    let ended = signoff(&app, &["sessions", "end", "--user", "demo", "--json"])
        .await
        .json();
    assert_eq!(ended[0]["sid"], sid.as_str());
    assert_eq!(ended[0]["backchannel_deliveries"], 1);

    // The server dropped its cached session: nothing is left to confirm,
    // so the logout redirects at once.
    assert!(
        within_a_second(async || app.get(&logout).await.status() == StatusCode::FOUND).await,
        "the server still offers the session the CLI ended"
    );
    // Its worker was woken for the queued logout (it would otherwise sleep
    // up to 30 s).
    let received = receiver.wait_for(1, Duration::from_secs(2)).await;
    assert_eq!(received.len(), 1, "the back-channel logout was not sent");
    assert_eq!(
        audit_count(&app, "cli", "logout.op_session_ended", &sid).await,
        1
    );
    let left = signoff(&app, &["sessions", "list", "--json"]).await.json();
    assert_eq!(left, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_an_unknown_or_ended_session_is_a_clear_error_that_changes_nothing() {
    let app = spawn_app().await;
    let run = signoff(&app, &["sessions", "end", "--sid", "no-such-sid"]).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("no live session"),
        "stderr: {}",
        run.stderr
    );
    let run = signoff(&app, &["sessions", "end"]).await;
    assert!(!run.ok, "sessions end needs --sid or --user");
    let run = signoff(&app, &["user", "disable", "nobody"]).await;
    assert!(!run.ok);
    assert!(run.stderr.contains("no user"), "stderr: {}", run.stderr);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE actor = 'cli'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_the_cli_disables_is_signed_out_at_once_and_cannot_sign_in_until_enabled() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let disabled = signoff(&app, &["user", "disable", "demo", "--json"])
        .await
        .json();
    assert_eq!(disabled["action"], "user.disabled");
    assert_eq!(disabled["ended_sessions"], 1);
    assert!(
        within_a_second(async || app.get(&logout).await.status() == StatusCode::FOUND).await,
        "the disabled user's session is still offered"
    );
    let users = signoff(&app, &["user", "list", "--json"]).await.json();
    let demo_user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "demo")
        .expect("demo is listed");
    assert_eq!(demo_user["disabled"], true);
    assert_eq!(demo_user["live_sessions"], 0);

    super::assert_demo_login_refused(&app).await;

    let enabled = signoff(&app, &["user", "enable", "demo"]).await;
    assert!(enabled.ok, "{}", enabled.stderr);
    assert_eq!(enabled.stdout.trim(), "demo is enabled");
    assert!(
        Browser::signed_in(&app, "demo", demo::PASSWORD)
            .await
            .page("/account")
            .await
            .1
            .contains("demo")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_listed_shown_and_removed_and_the_server_forgets_a_removed_one_at_once() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let clients = signoff(&app, &["client", "list", "--json"]).await.json();
    let ids: Vec<&str> = clients
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["client_id"].as_str())
        .collect();
    assert_eq!(ids.len() as i64, DEMO_CLIENTS, "{ids:?}");
    assert!(ids.contains(&demo::BACKCHANNEL_CLIENT_ID));
    let text = signoff(&app, &["client", "list"]).await;
    assert!(text.stdout.starts_with("CLIENT_ID"), "{}", text.stdout);
    assert!(!text.stdout.contains("secret"), "{}", text.stdout);

    let shown = signoff(&app, &["client", "show", demo::CLIENT_ID, "--json"])
        .await
        .json();
    assert_eq!(shown["client_type"], "confidential");
    assert_eq!(shown["live_client_sessions"], 1);
    assert_eq!(
        shown["post_logout_redirect_uris"],
        serde_json::json!([POST_LOGOUT])
    );
    assert!(shown.get("secret_hash").is_none());

    let removed = signoff(&app, &["client", "remove", demo::CLIENT_ID, "--json"])
        .await
        .json();
    assert_eq!(removed["ended_client_sessions"], 1);
    // The cached client is gone with it: its post-logout URI is refused.
    assert!(
        within_a_second(async || app.get(&logout).await.status() == StatusCode::BAD_REQUEST).await,
        "the server still redirects to a removed client"
    );
    assert_eq!(
        audit_count(&app, "cli", "client.deleted", demo::CLIENT_ID).await,
        1
    );
    let again = signoff(&app, &["client", "show", demo::CLIENT_ID]).await;
    assert!(!again.ok);
    assert!(again.stderr.contains("no client"), "{}", again.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_listed_and_resent_by_the_running_server() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    let sid = user_sid_after_sign_in(&app).await;
    // A delivery that failed for good, to an address that now answers.
    sqlx::query(
        "INSERT INTO backchannel_deliveries (client_id, sid, subject, uri, reason, status, \
         attempts, next_attempt_at, last_status, created_at, updated_at) \
         VALUES ($1, $2, 'sub', $3, 'rp_initiated_logout', 'failed', 5, 0, 503, $4, $4)",
    )
    .bind(demo::CLIENT_ID)
    .bind(&sid)
    .bind(receiver.uri())
    .bind(crate::helpers::now_ms())
    .execute(&app.pool)
    .await
    .unwrap();

    let failed = signoff(
        &app,
        &["deliveries", "list", "--status", "failed", "--json"],
    )
    .await
    .json();
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed}");
    assert_eq!(failed[0]["last_status"], 503);
    let id = failed[0]["id"].as_i64().unwrap();
    let delivered = signoff(
        &app,
        &["deliveries", "list", "--status", "delivered", "--json"],
    )
    .await
    .json();
    assert_eq!(delivered, serde_json::json!([]));

    let resent = signoff(&app, &["deliveries", "resend", &id.to_string(), "--json"])
        .await
        .json();
    assert_eq!(resent["resent"], id);
    assert_eq!(receiver.wait_for(1, Duration::from_secs(2)).await.len(), 1);
    assert!(
        within_a_second(async || {
            let delivered = signoff(
                &app,
                &["deliveries", "list", "--status", "delivered", "--json"],
            )
            .await
            .json();
            delivered.as_array().map(Vec::len) == Some(1)
        })
        .await
    );
    let unknown = signoff(&app, &["deliveries", "resend", "999999"]).await;
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("no delivery"), "{}", unknown.stderr);
}

async fn user_sid_after_sign_in(app: &TestApp) -> String {
    app.signed_in_id_token().await;
    user_sid(app).await
}
