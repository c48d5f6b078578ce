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

use helpers::{Browser, TestApp, browser, claims_of, insert_sessions};
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
    start_instance(database_url, port, &format!("http://127.0.0.1:{port}")).await
}

/// One of several instances serving `issuer`, on `port`.
async fn start_instance(database_url: &str, port: u16, issuer: &str) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .arg("serve")
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGNOFF_ISSUER", issuer)
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

/// Three instances on one PostgreSQL database; 500 sessions, each with one
/// back-channel client, ended by an admin through random instances; one
/// instance SIGKILLed halfway, with attempts in flight. Every sid is
/// delivered; nothing arrives after its 200 was recorded; a row the dead
/// instance held is taken over once its lease runs out; nothing stays
/// pending. Runs only on PostgreSQL (`SIGNOFF_TEST_POSTGRES`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_three_instances_and_one_killed_halfway_each_logout_is_delivered_once() {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use rand::Rng;

    const SESSIONS: usize = 500;
    if helpers::postgres_server().is_none() {
        return;
    }
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = helpers::fresh_database_url(&data_dir).await;
    // Each answer takes a while, so the killed instance has attempts in flight.
    let receiver = Receiver::start(&[Answer::SlowOk(Duration::from_millis(300))]).await;
    let ports = [free_port(), free_port(), free_port()];
    let issuer = format!("http://127.0.0.1:{}", ports[0]);
    let mut children = Vec::new();
    for port in ports {
        // One after the other: the first one seeds the demo data.
        children.push(start_instance(&database_url, port, &issuer).await);
    }
    let pool = signoff::server::db::connect_and_migrate(&database_url)
        .await
        .unwrap()
        .pool;
    let instances: Vec<TestApp> = ports
        .iter()
        .map(|port| {
            TestApp::external(
                format!("http://127.0.0.1:{port}"),
                pool.clone(),
                tempfile::tempdir().unwrap(),
            )
        })
        .collect();
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(receiver.uri())
        .bind(demo::CLIENT_ID)
        .execute(&pool)
        .await
        .unwrap();
    let sids = insert_sessions(&pool, SESSIONS, demo::CLIENT_ID, helpers::now()).await;
    let admin = Browser::admin(&instances[0]).await;
    let admins: Arc<Vec<Browser>> = Arc::new(instances.iter().map(|i| admin.at(i)).collect());

    // Eight admins' tabs at once; the third instance dies after half.
    let killed = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let sids = Arc::new(sids);
    let mut tabs = Vec::new();
    for _ in 0..8 {
        let (admins, killed, done, next, sids) = (
            admins.clone(),
            killed.clone(),
            done.clone(),
            next.clone(),
            sids.clone(),
        );
        tabs.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(sid) = sids.get(i) else { break };
                loop {
                    let alive = if killed.load(Ordering::SeqCst) { 2 } else { 3 };
                    let at = &admins[rand::thread_rng().gen_range(0..alive)];
                    let sent = at
                        .try_submit("/api/admin/session/end", &[("sid", sid), ("user", "")])
                        .await;
                    match sent {
                        Ok(response) => {
                            assert!(response.status().is_redirection(), "{}", response.status());
                            break;
                        }
                        // The instance died under this request: the next
                        // try goes to one that lives (ending an ended
                        // session again queues nothing).
                        Err(_) => continue,
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    while done.load(Ordering::SeqCst) < SESSIONS / 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Kill it while it holds a delivery in flight (its lease names its
    // port), so the takeover below is certain, not left to timing.
    let victim_lease = format!("%:{}/%", ports[2]);
    for _ in 0..500 {
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM backchannel_deliveries \
             WHERE status = 'pending' AND lease_owner LIKE $1",
        )
        .bind(&victim_lease)
        .fetch_one(&pool)
        .await
        .unwrap();
        if held > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    killed.store(true, Ordering::SeqCst);
    let mut victim = children.pop().unwrap();
    victim.kill().expect("SIGKILL");
    victim.wait().unwrap();
    for tab in tabs {
        tab.await.unwrap();
    }

    // The dead instance's leases run out (30 s); the others take its rows over.
    let mut pending = i64::MAX;
    for _ in 0..900 {
        (pending,) =
            sqlx::query_as("SELECT COUNT(*) FROM backchannel_deliveries WHERE status = 'pending'")
                .fetch_one(&pool)
                .await
                .unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for mut child in children {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert_eq!(pending, 0, "nothing stays pending");

    let rows: Vec<(String, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT sid, status, attempts, updated_at, last_jti FROM backchannel_deliveries",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), SESSIONS, "one delivery per session");
    let mut received: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for got in receiver.received() {
        let claims = claims_of(&got.logout_token);
        received
            .entry(claims["sid"].as_str().unwrap().to_owned())
            .or_default()
            .push((got.at_ms, claims["jti"].as_str().unwrap().to_owned()));
    }
    let mut taken_over = 0;
    for (sid, status, attempts, recorded_at, last_jti) in &rows {
        assert_eq!(status, "delivered", "{sid}");
        let arrivals = received.get(sid).map(Vec::as_slice).unwrap_or_default();
        assert!(!arrivals.is_empty(), "{sid} was never delivered");
        assert!(
            arrivals.len() as i64 <= *attempts,
            "{sid}: {} arrivals for {attempts} attempts",
            arrivals.len()
        );
        assert!(
            arrivals.iter().all(|(at, _)| at <= recorded_at),
            "{sid}: sent again after its 200 was recorded"
        );
        assert!(
            arrivals
                .iter()
                .any(|(_, jti)| Some(jti) == last_jti.as_ref()),
            "{sid}: the recorded attempt is one that arrived"
        );
        if *attempts > 1 {
            taken_over += 1;
        }
    }
    let arrivals: usize = received.values().map(Vec::len).sum();
    println!(
        "{SESSIONS} sessions: {arrivals} logout tokens arrived; {taken_over} rows taken over after the kill"
    );
    // Every answer is a 200, so a second attempt is a takeover.
    assert!(taken_over > 0, "the killed instance had rows in flight");
    assert!(sids.iter().all(|sid| received.contains_key(sid)));
}
