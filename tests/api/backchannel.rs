//! Back-channel logout: the token as the OIDF back-channel test checks it,
//! delivery, retries, refusals, the SSRF guard and every trigger.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use jsonwebtoken::decode_header;
use reqwest::StatusCode;
use serde_json::json;
use signoff::server::commands::demo;
use signoff::server::sessions::{Cause, Scope, terminate};

use crate::helpers::{
    Browser, POST_LOGOUT, TestApp, claims_of, dialog_form, form_field, location, spawn_app,
    spawn_app_with, verify_with_jwks,
};
use crate::receiver::{Answer, Receiver};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

async fn set_backchannel_uri(app: &TestApp, client_id: &str, uri: &str) {
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(uri)
        .bind(client_id)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The dialog's Yes for a logout the demo client starts with `id_token`.
async fn logout_yes(app: &TestApp, id_token: &str) -> reqwest::Response {
    let path = app.logout_path(&[
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", POST_LOGOUT),
        ("state", "bc-state"),
    ]);
    let html = app.get(&path).await.text().await.unwrap();
    app.confirm(&dialog_form(&html), "yes").await
}

#[derive(Debug, sqlx::FromRow)]
struct Delivery {
    client_id: String,
    status: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    reason: String,
}

async fn deliveries(app: &TestApp) -> Vec<Delivery> {
    sqlx::query_as(
        "SELECT client_id, status, attempts, last_status, last_error, reason \
         FROM backchannel_deliveries ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Waits until the only delivery leaves `pending`.
async fn settled(app: &TestApp, within: Duration) -> Delivery {
    let deadline = Instant::now() + within;
    loop {
        let mut rows = deliveries(app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        if rows[0].status != "pending" || Instant::now() > deadline {
            return rows.remove(0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logout_token_passes_the_oidf_back_channel_checks() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;
    let id_claims = claims_of(&id_token);

    let response = logout_yes(&app, &id_token).await;
    // The first attempt came before the redirect (RP-Initiated Logout §3).
    assert_eq!(receiver.received().len(), 1);
    let target = location(&response);
    assert!(target.as_str().starts_with(POST_LOGOUT));

    let got = receiver.received().remove(0);
    assert_eq!(got.content_type, "application/x-www-form-urlencoded");
    assert_eq!(got.fields, vec!["logout_token"]);
    let header = decode_header(&got.logout_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let claims = verify_with_jwks(&app, &got.logout_token, demo::CLIENT_ID).await;
    assert_eq!(
        claims["events"],
        json!({ EVENT: {} }),
        "events is exactly that"
    );
    assert!(
        claims.get("nonce").is_none(),
        "a logout token never has a nonce"
    );
    assert_eq!(claims["sid"], id_claims["sid"], "the ID token's sid");
    assert_eq!(claims["sub"], id_claims["sub"], "the ID token's sub");
    assert_eq!(claims["aud"], demo::CLIENT_ID);
    assert!(!claims["jti"].as_str().unwrap().is_empty());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(
        exp > iat && exp - iat <= 120,
        "exp at most two minutes ahead"
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - iat).abs() <= 5);

    let row = settled(&app, Duration::from_secs(1)).await;
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 1));
    assert_eq!(row.last_status, Some(200));
    assert_eq!(row.reason, "rp_initiated_logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_server_error_carries_a_new_jti() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(503), Answer::Status(204)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;
    logout_yes(&app, &id_token).await;

    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2, "retried after the 503");
    let jtis: HashSet<String> = got
        .iter()
        .map(|r| {
            claims_of(&r.logout_token)["jti"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 2, "every attempt is a new token");
    let row = settled(&app, Duration::from_secs(2)).await;
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 2));
    assert_eq!(row.last_status, Some(204));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_is_a_final_answer() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(400)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;
    logout_yes(&app, &id_token).await;

    let row = settled(&app, Duration::from_secs(2)).await;
    // Settled after one attempt: the worker claims only pending rows, so a
    // failed one is never tried again.
    assert_eq!(
        (row.status.as_str(), row.attempts, row.last_status),
        ("failed", 1, Some(400))
    );
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_answers_does_not_hold_the_user() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Hang]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;

    let started = Instant::now();
    let response = logout_yes(&app, &id_token).await;
    let waited = started.elapsed();
    assert!(location(&response).as_str().starts_with(POST_LOGOUT));
    // The bound is 2.5 s; the dialog's own requests add a little.
    assert!(
        waited < Duration::from_secs(4),
        "the user waited {waited:?}"
    );
    assert_eq!(receiver.received().len(), 1, "the attempt was made");
    assert_eq!(
        deliveries(&app).await[0].status,
        "pending",
        "and will be retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_refused_when_the_flag_is_off() {
    let app = spawn_app_with(false).await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    let port = receiver.addr.port();
    let targets = [
        format!("http://127.0.0.1:{port}/backchannel-logout"),
        "https://10.0.0.1/backchannel-logout".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        format!("http://localhost:{port}/backchannel-logout"),
    ];
    for target in &targets {
        set_backchannel_uri(&app, demo::CLIENT_ID, target).await;
        app.signed_in_id_token().await;
        // Forced logout: /userStatus.json?logUserOut=true is a trigger too.
        let status = app.get("/userStatus.json?logUserOut=true").await;
        assert_eq!(status.status(), StatusCode::OK);
        let rows = deliveries(&app).await;
        let row = rows.last().unwrap();
        assert_eq!(row.status, "failed", "{target}: {row:?}");
        let error = row.last_error.as_deref().unwrap_or_default();
        assert!(error.starts_with("refused"), "{target}: {error}");
        assert!(error.contains("SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS"));
    }
    assert!(
        receiver.received().is_empty(),
        "nothing reached the network"
    );
    assert_eq!(deliveries(&app).await.len(), targets.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_logout_notifies_the_session_clients() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let admin = Browser::admin(&app).await;
    let sid_of = |token: &str| claims_of(token)["sid"].as_str().unwrap().to_owned();

    // 1. /signout
    let sid = sid_of(&app.signed_in_id_token().await);
    app.get("/signout").await;
    // 2. the admin's "Sign out" of one session
    let sid2 = sid_of(&app.signed_in_id_token().await);
    admin
        .submit("/api/admin/session/end", &[("sid", &sid2)])
        .await;
    // 3. disabling the user
    let sid3 = sid_of(&app.signed_in_id_token().await);
    for action in ["disable", "enable"] {
        let form = [("username", demo::USER), ("action", action)];
        admin.submit("/api/admin/user/change", &form).await;
    }
    // 4. expiry: a session older than its lifetime, ended by the maintenance task
    let sid4 = sid_of(&app.signed_in_id_token().await);
    sqlx::query("UPDATE op_sessions SET auth_time = auth_time - 13 * 3600 WHERE sid = $1")
        .bind(&sid4)
        .execute(&app.pool)
        .await
        .unwrap();
    let ended = signoff::server::maintenance::expire_op_sessions(app.state())
        .await
        .unwrap();
    assert_eq!(ended, 1);

    let got = receiver.wait_for(4, Duration::from_secs(5)).await;
    let sids: Vec<String> = got.iter().map(|r| sid_of(&r.logout_token)).collect();
    assert_eq!(sids, vec![sid, sid2, sid3, sid4.clone()]);
    let reasons: Vec<String> = deliveries(&app)
        .await
        .into_iter()
        .map(|d| d.reason)
        .collect();
    assert_eq!(
        reasons,
        [
            "forced_logout_signout",
            "admin_signed_out",
            "user_disabled",
            "expired"
        ]
    );
    let (end_reason,): (String,) =
        sqlx::query_as("SELECT end_reason FROM op_sessions WHERE sid = $1")
            .bind(&sid4)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(end_reason, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_tells_only_the_client_that_asked() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;
    let path = app.logout_path(&[
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT),
    ]);
    let html = app.get(&path).await.text().await.unwrap();
    app.confirm(&dialog_form(&html), "no").await;

    let got = receiver.wait_for(1, Duration::from_secs(3)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        claims_of(&got[0].logout_token)["sid"],
        claims_of(&id_token)["sid"]
    );
    assert!(app.silent_authorize().await.is_ok(), "the OP session stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_from_the_console_sends_a_new_token() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(400), Answer::Status(200)]).await;
    set_backchannel_uri(&app, demo::CLIENT_ID, &receiver.uri()).await;
    let id_token = app.signed_in_id_token().await;
    logout_yes(&app, &id_token).await;
    assert_eq!(settled(&app, Duration::from_secs(2)).await.status, "failed");

    let admin = Browser::admin(&app).await;
    let client_page = admin
        .get(app.url("/admin/clients/demo-rp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(client_page.contains("of the latest back-channel logouts to this client failed"));
    assert!(client_page.contains("the client answered HTTP 400"));
    let response = admin
        .post(app.url("/api/admin/delivery/resend"))
        .header("accept", "text/html")
        .form(&[
            ("csrf", form_field(&client_page, "csrf").as_str()),
            ("id", "1"),
            ("back", "/admin/clients/demo-rp"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response).path(), "/admin/clients/demo-rp");

    let got = receiver.wait_for(2, Duration::from_secs(3)).await;
    assert_eq!(got.len(), 2);
    assert_ne!(
        claims_of(&got[0].logout_token)["jti"],
        claims_of(&got[1].logout_token)["jti"]
    );
    let rows = deliveries(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[1].status.as_str(), rows[1].reason.as_str()),
        ("delivered", "resent")
    );
    assert_eq!(rows[1].client_id, demo::CLIENT_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_a_back_channel_uri_gets_nothing() {
    let app = spawn_app().await;
    let id_token = app.signed_in_id_token().await;
    logout_yes(&app, &id_token).await;
    assert!(deliveries(&app).await.is_empty());
}

/// Ends `n` fresh OP sessions of the demo user at once, each with the demo
/// client (whose back-channel URI is `receiver`), and returns the sids the
/// receiver got once every sid has arrived and a duplicate had time to.
async fn burst_of_logouts(
    app: &TestApp,
    receiver: &Receiver,
    n: usize,
    at_once: usize,
) -> Vec<String> {
    set_backchannel_uri(app, demo::CLIENT_ID, &receiver.uri()).await;
    let (user_id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(demo::USER)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let now = crate::helpers::now();
    let sids: Vec<String> = (0..n).map(|i| format!("burst-sid-{i:04}")).collect();
    let mut tx = app.pool.begin().await.unwrap();
    for sid in &sids {
        sqlx::query(
            "INSERT INTO op_sessions (sid, user_id, auth_time, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sid)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO rp_sessions (sid, client_id, first_login_at, last_login_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sid)
        .bind(demo::CLIENT_ID)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    // At most `at_once` terminations waiting on the 8-connection pool: 2,000
    // together exceeded its 5 s acquire timeout on a busy CI machine. The
    // deliveries they queue still arrive as one burst.
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(at_once));
    let logouts: Vec<_> = sids
        .iter()
        .map(|sid| {
            let (state, sid) = (app.state().clone(), sid.clone());
            let in_flight = in_flight.clone();
            tokio::spawn(async move {
                let _turn = in_flight.acquire_owned().await.unwrap();
                let cause = Cause {
                    actor: None,
                    reason: "rp_initiated_logout",
                };
                terminate(&state, &sid, Scope::OpSession, cause, json!({}))
                    .await
                    .unwrap()
            })
        })
        .collect();
    for logout in logouts {
        logout.await.unwrap();
    }
    receiver.wait_for(n, Duration::from_secs(180)).await;
    // Until every attempt has been answered and recorded; then give a
    // duplicate, if there were one, time to arrive.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM backchannel_deliveries WHERE status = 'pending'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if pending == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver
        .received()
        .iter()
        .map(|r| {
            claims_of(&r.logout_token)["sid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn assert_each_sid_once(app: &TestApp, got: &[String], n: usize) {
    let distinct: HashSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), n, "every sid was delivered");
    assert_eq!(got.len(), n, "no sid was delivered twice");
    let (other,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM backchannel_deliveries WHERE status <> 'delivered' OR attempts <> 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(other, 0, "each row delivered in one attempt");
}

/// 2,000 logouts at once, each with a client that answers 200 at once: with
/// 64 attempts in flight at most, most rows wait for a slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_logouts_deliver_each_sid_exactly_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    let got = burst_of_logouts(&app, &receiver, 2000, 100).await;
    assert_each_sid_once(&app, &got, 2000).await;
}

/// A burst that keeps every slot busy for longer than a row's 30 s lease:
/// 640 logouts, 64 in flight, each answered after 3.5 s, so the last rows
/// wait about 35 s for a slot. A row's lease starts only with its attempt;
/// had it started when the row was queued, it would run out while the row
/// waits, and the worker would send that sid a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_waiting_for_a_slot_longer_than_a_lease_are_still_sent_once() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::SlowOk(Duration::from_millis(3500))]).await;
    let got = burst_of_logouts(&app, &receiver, 640, 640).await;
    assert_each_sid_once(&app, &got, 640).await;
}

/// An app whose demo client has a back-channel URI nobody answers, and a
/// live session of that client (nothing queued yet).
async fn app_with_a_back_channel_session() -> (TestApp, String) {
    let app = spawn_app().await;
    set_backchannel_uri(&app, demo::CLIENT_ID, "http://127.0.0.1:9/bc").await;
    let sid = crate::helpers::insert_sessions(&app.pool, 1, demo::CLIENT_ID, crate::helpers::now())
        .await
        .remove(0);
    (app, sid)
}

/// A lease is the claiming instance's: another instance neither claims the
/// row while it runs nor records over it; a stale holder's outcome is refused
/// (fencing); and an instance shutting down hands its leases back at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_fenced_and_handed_back_at_shutdown() {
    use signoff::server::db::Backend;
    use signoff::server::db::backchannel_deliveries::{
        AttemptResult, DeliveryStatus, Lease, claim_deliveries, insert_backchannel_deliveries,
        record_attempt, release_leases,
    };
    let (app, sid) = app_with_a_back_channel_session().await;
    // Due in the past, so the app's own worker (which only claims due rows
    // it finds) and this test race for nothing: the test claims it first.
    let now = crate::helpers::now_ms();
    let ids = insert_backchannel_deliveries(
        &app.pool,
        Backend::of(&app.pool),
        &sid,
        Some(demo::CLIENT_ID),
        "test",
        now + 3_600_000,
        None,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|row| row.id)
    .collect::<Vec<_>>();
    sqlx::query("UPDATE backchannel_deliveries SET next_attempt_at = $1 WHERE id = $2")
        .bind(now)
        .bind(ids[0])
        .execute(&app.pool)
        .await
        .unwrap();
    let backend = Backend::of(&app.pool);
    let lease = |owner| Lease {
        owner,
        now_ms: now,
        until_ms: now + 30_000,
    };
    let claimed = claim_deliveries(&app.pool, backend, Some(&ids), 10, lease("a"))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].lease_owner.as_deref(), Some("a"));
    let again = claim_deliveries(&app.pool, backend, Some(&ids), 10, lease("b"))
        .await
        .unwrap();
    assert!(again.is_empty(), "leased rows are not claimed again");

    let delivered = AttemptResult {
        status: DeliveryStatus::Delivered,
        next_attempt_at: now,
        last_status: Some(200),
        last_error: None,
        jti: "j",
    };
    let attempt = claimed[0].attempts;
    assert!(
        !record_attempt(&app.pool, ids[0], attempt, "b", &delivered, now)
            .await
            .unwrap(),
        "not b's lease"
    );

    assert_eq!(release_leases(&app.pool, "a", now).await.unwrap(), 1);
    assert!(
        !record_attempt(&app.pool, ids[0], attempt, "a", &delivered, now)
            .await
            .unwrap(),
        "a handed its lease back"
    );
    let taken_over = claim_deliveries(&app.pool, backend, Some(&ids), 10, lease("b"))
        .await
        .unwrap();
    assert_eq!(taken_over.len(), 1, "due again at once");
    assert!(
        record_attempt(&app.pool, ids[0], attempt + 1, "b", &delivered, now)
            .await
            .unwrap()
    );
    let (status, owner): (String, Option<String>) =
        sqlx::query_as("SELECT status, lease_owner FROM backchannel_deliveries WHERE id = $1")
            .bind(ids[0])
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), owner), ("delivered", None));
}

#[tokio::test]
async fn rows_written_leased_are_not_claimed_by_others_until_handed_back() {
    use signoff::server::db::Backend;
    use signoff::server::db::backchannel_deliveries::{
        Lease, claim_deliveries, hand_back_deliveries, insert_backchannel_deliveries,
    };
    let (app, sid) = app_with_a_back_channel_session().await;
    let now = crate::helpers::now_ms();
    let lease = |owner| Lease {
        owner,
        now_ms: now,
        until_ms: now + 30_000,
    };
    let rows = insert_backchannel_deliveries(
        &app.pool,
        Backend::of(&app.pool),
        &sid,
        Some(demo::CLIENT_ID),
        "test",
        now,
        Some(lease("a")),
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.lease_owner.as_deref(), Some("a"));
    assert_eq!(
        row.attempts, 1,
        "claimed for its first attempt as it is written"
    );
    assert_eq!(
        row.next_attempt_at,
        now + 30_000,
        "due again only when the lease runs out"
    );
    assert_eq!(row.uri, "http://127.0.0.1:9/bc");
    assert_eq!(
        row.signing_alg.as_deref(),
        Some("RS256"),
        "read with the row"
    );
    let ids = [row.id];

    let backend = Backend::of(&app.pool);
    assert!(
        claim_deliveries(&app.pool, backend, Some(&ids), 10, lease("b"))
            .await
            .unwrap()
            .is_empty(),
        "another instance cannot claim a leased row"
    );
    assert_eq!(
        hand_back_deliveries(&app.pool, &ids, "b", now)
            .await
            .unwrap(),
        0,
        "only the lease's owner hands it back"
    );
    assert_eq!(
        hand_back_deliveries(&app.pool, &ids, "a", now)
            .await
            .unwrap(),
        1
    );
    let claimed = claim_deliveries(&app.pool, backend, Some(&ids), 10, lease("b"))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "due again at once");
    assert_eq!(
        claimed[0].attempts, 1,
        "the attempt never made is not counted"
    );
}
