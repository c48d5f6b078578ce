//! Back-channel delivery survives a crash: the outbox row is committed with
//! the logout, so a server killed before it could deliver delivers after its
//! restart.
//!
//! A test binary of its own: it starts and SIGKILLs `signoff` processes on
//! ports it picks, which must not race the API tests' servers for ports.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "api/receiver.rs"]
mod receiver;

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use signoff::server::commands::demo;

use helpers::{TestApp, browser, claims_of};
use receiver::{Answer, Receiver};

/// A proxy address nothing listens on (the discard port).
const DEAD_PROXY: &str = "http://127.0.0.1:9";

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `signoff serve` as a child process on `port`, once it answers /healthz.
async fn start_signoff(database_url: &str, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .arg("serve")
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGNOFF_ISSUER", format!("http://127.0.0.1:{port}"))
        .env("SIGNOFF_DATABASE_URL", database_url)
        .env("SIGNOFF_DEMO", "true")
        .env("SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS", "true")
        .env("SIGNOFF_LOG", "warn")
        .env("SIGNOFF_RATE_LIMIT", "0")
        // A proxy from the environment that goes nowhere: back-channel
        // logout must ignore it (no SIGNOFF_LOGOUT_PROXY is set), or the
        // delivery this test waits for never arrives.
        .env("HTTP_PROXY", DEAD_PROXY)
        .env("http_proxy", DEAD_PROXY)
        .env("HTTPS_PROXY", DEAD_PROXY)
        .env("ALL_PROXY", DEAD_PROXY)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the signoff binary starts");
    let mut child = child;
    let health = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("signoff exited at start-up ({status}); is port {port} taken?");
        }
        if let Ok(r) = browser().get(&health).send().await
            && r.status().is_success()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("signoff did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_pending_when_the_server_is_killed_arrives_after_a_restart() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/signoff.db?mode=rwc", data_dir.path().display());
    let (op_port, rp_port) = (free_port(), free_port());
    let mut first = start_signoff(&database_url, op_port).await;
    let pool = signoff::server::db::connect_and_migrate(&database_url)
        .await
        .unwrap()
        .pool;
    let app = TestApp::external(format!("http://127.0.0.1:{op_port}"), pool, data_dir);
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(format!("http://127.0.0.1:{rp_port}/backchannel-logout"))
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();

    // The receiver is down: the first attempt fails, the row waits for a retry.
    let id_token = app.signed_in_id_token().await;
    let response = app.get("/userStatus.json?logUserOut=true").await;
    assert_eq!(response.text().await.unwrap(), r#"{"loggedIn":false}"#);
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let (status, attempts): (String, i64) =
        sqlx::query_as("SELECT status, attempts FROM backchannel_deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    assert!(attempts >= 1);

    // The receiver comes up, then signoff again: the row is delivered.
    let receiver = Receiver::on(
        tokio::net::TcpListener::bind(("127.0.0.1", rp_port))
            .await
            .unwrap(),
        &[Answer::Status(200)],
    );
    let mut second = start_signoff(&database_url, op_port).await;
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    // The server records the 200 just after the receiver has answered it.
    let mut status = String::new();
    for _ in 0..50 {
        (status,) = sqlx::query_as("SELECT status FROM backchannel_deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if status == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();

    assert_eq!(got.len(), 1, "the notification arrived after the restart");
    let (token, id) = (claims_of(&got[0].logout_token), claims_of(&id_token));
    assert_eq!((&token["iss"], &token["sid"]), (&id["iss"], &id["sid"]));
    assert_eq!(status, "delivered");
}
