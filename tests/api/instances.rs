//! Two instances on one PostgreSQL database act as one signoff. These run
//! only when the API tests run on PostgreSQL (`SIGNOFF_TEST_POSTGRES`).

use signoff::server::keys::SigningAlg;
use std::time::Duration;

use reqwest::StatusCode;
use signoff::server::commands::{demo, retire_key, rotate_keys};
use signoff::server::db::op_sessions::OP_SESSION_LIFETIME_SECS;
use signoff::server::maintenance::expire_op_sessions;

use crate::helpers::{
    POST_LOGOUT, TestApp, dialog_form, insert_sessions, location, on_postgres, spawn_app,
    spawn_instance_of, texts, verify_with_jwks_of,
};
use crate::receiver::{Answer, Receiver};

/// Two instances on one fresh PostgreSQL database, or `None` when the API
/// tests run on SQLite (one process per SQLite database).
async fn two_instances() -> Option<(TestApp, TestApp)> {
    if !on_postgres() {
        return None;
    }
    let a = spawn_app().await;
    let b = spawn_instance_of(&a).await;
    Some((a, b))
}

/// The dialog for `hint` as the instance `app` shows it: its status and HTML.
async fn dialog(app: &TestApp, hint: &str) -> (StatusCode, String) {
    let response = app
        .get(&app.logout_path(&[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ]))
        .await;
    (response.status(), response.text().await.unwrap())
}

/// 200 rounds, alternating which instance ends the session: the other one,
/// asked with no pause after the answer, never treats it as live. No dialog
/// (the validated redirect at once), `loggedIn:false`, and `prompt=none`
/// gets `login_required`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_seen_at_once_by_the_other() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    for round in 0..200 {
        let (ender, other) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let hint = a.signed_in_id_token().await;
        // The session A created is live on B at once, too.
        let (status, html) = dialog(other, &hint).await;
        assert_eq!(status, StatusCode::OK, "round {round}: {html}");
        assert_eq!(
            texts(&html, ".question"),
            ["Do you also want to sign out of signoff?"],
            "round {round}"
        );
        // The form one instance rendered is answered by the other (CSRF and
        // the browser session are in the shared database).
        let answer = ender.confirm(&dialog_form(&html), "yes").await;
        assert!(
            location(&answer).as_str().starts_with(POST_LOGOUT),
            "round {round}"
        );

        let status = other.get("/userStatus.json").await.text().await.unwrap();
        assert_eq!(status, r#"{"loggedIn":false}"#, "round {round}");
        let (status, _) = dialog(other, &hint).await;
        assert_eq!(status, StatusCode::FOUND, "round {round}: no dialog");
        assert_eq!(
            other.silent_authorize().await,
            Err("login_required".to_owned()),
            "round {round}"
        );
    }
}

/// A client's settings changed through one instance (here: in the shared
/// database) are what the other instance applies within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_edit_is_seen_by_the_other_instance_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let hint = a.signed_in_id_token().await;
    assert_eq!(dialog(&b, &hint).await.0, StatusCode::OK, "warms B's cache");

    sqlx::query("UPDATE clients SET post_logout_redirect_uris = '[]' WHERE client_id = $1")
        .bind(demo::CLIENT_ID)
        .execute(&a.pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (status, html) = dialog(&b, &hint).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("not registered"), "{html}");
}

/// The ID token `signer` issues now, checked against the JWK Set `verifier`
/// publishes at this moment.
async fn verifies_across(signer: &TestApp, verifier: &TestApp, step: &str) {
    let issuer = signer.state().settings.issuer.to_string();
    let token = signer.id_token().await;
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let published: serde_json::Value = verifier.get("/jwks.json").await.json().await.unwrap();
    assert!(
        published["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid.as_str()),
        "{step}: {kid} signed on {} is not in {}'s /jwks.json",
        signer.address,
        verifier.address
    );
    verify_with_jwks_of(
        verifier,
        &token,
        demo::CLIENT_ID,
        issuer.trim_end_matches('/'),
    )
    .await;
}

/// A token signed by either instance verifies against the other's
/// `/jwks.json` at every step of a rotation and a retirement, whichever
/// instance reloads its keys first (each reloads on its own timer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_either_instance_verify_against_the_others_keys_through_rotation_and_retirement()
 {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let both = |step: &'static str| {
        let (a, b) = (&a, &b);
        async move {
            verifies_across(a, b, step).await;
            verifies_across(b, a, step).await;
        }
    };
    both("at start").await;
    let old = a.state().keys.active_kid(SigningAlg::Rs256).unwrap();
    assert_eq!(
        b.state().keys.active_kid(SigningAlg::Rs256).unwrap(),
        old,
        "one key between them"
    );

    let new = rotate_keys(&a.pool, SigningAlg::Rs256, false)
        .await
        .unwrap();
    a.state().keys.reload(&a.pool).await.unwrap();
    both("rotated; A reloaded, B not yet").await;
    b.state().keys.reload(&b.pool).await.unwrap();
    both("rotated; both reloaded").await;

    // The new key's time comes; A notices first.
    crate::helpers::let_key_sign_now(&a, &new).await;
    assert_eq!(a.state().keys.active_kid(SigningAlg::Rs256).unwrap(), new);
    both("the new key signs on A").await;

    retire_key(&a.pool, &old, false).await.unwrap();
    a.state().keys.reload(&a.pool).await.unwrap();
    both("the old key retired; B not reloaded").await;
    b.state().keys.reload(&b.pool).await.unwrap();
    assert_eq!(b.state().keys.active_kid(SigningAlg::Rs256).unwrap(), new);
    both("the old key retired; both reloaded").await;
}

/// Two instances starting together on an empty database store one signing
/// key between them, not one each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_create_one_signing_key() {
    if !on_postgres() {
        return;
    }
    let data_dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(&data_dir).await;
    let pool = signoff::server::db::connect_and_migrate(&url)
        .await
        .unwrap()
        .pool;
    let issuer = signoff::server::keys::Issuer::parse("https://op.example.com").unwrap();
    let (a, b) = tokio::join!(
        signoff::server::keys::SigningKeys::load_or_create(&pool, &issuer),
        signoff::server::keys::SigningKeys::load_or_create(&pool, &issuer),
    );
    assert_eq!(
        a.unwrap().active_kid(SigningAlg::Rs256).unwrap(),
        b.unwrap().active_kid(SigningAlg::Rs256).unwrap()
    );
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM signing_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

/// Expiry runs on every instance with no leader: both sweeping the same
/// expired sessions at once end each session once, with one audit event and
/// one back-channel delivery per session, and neither sweep fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_on_two_instances_at_once_ends_each_session_once() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(receiver.uri())
        .bind(demo::CLIENT_ID)
        .execute(&a.pool)
        .await
        .unwrap();
    let long_ago = crate::helpers::now() - OP_SESSION_LIFETIME_SECS - 60;
    for round in 0..5 {
        let sids = insert_sessions(&a.pool, 40, demo::CLIENT_ID, long_ago).await;
        let (on_a, on_b) =
            tokio::join!(expire_op_sessions(a.state()), expire_op_sessions(b.state()));
        on_a.unwrap();
        on_b.unwrap();
        for sid in &sids {
            let (ended, events, deliveries): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM op_sessions WHERE sid = $1 AND ended_at IS NOT NULL), \
                 (SELECT COUNT(*) FROM audit_events WHERE subject = $1 \
                  AND action = 'logout.op_session_ended'), \
                 (SELECT COUNT(*) FROM backchannel_deliveries WHERE sid = $1)",
            )
            .bind(sid)
            .fetch_one(&a.pool)
            .await
            .unwrap();
            assert_eq!(
                (ended, events, deliveries),
                (1, 1, 1),
                "round {round}, {sid}"
            );
        }
    }
    let got = receiver.wait_for(200, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 200, "one logout token per session");
}

/// The login throttle counts in the shared database: the guesses one
/// instance counted hold on the other, so two instances do not double an
/// attacker's allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_on_one_instance_throttle_the_next_on_the_other() {
    use signoff::server::throttle::{FREE_PER_USER_AT_ADDR, Reserved};
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let addr: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    let now = crate::helpers::now_ms();
    for i in 0..FREE_PER_USER_AT_ADDR {
        let on = if i % 2 == 0 { &a } else { &b };
        let reserved = on
            .state()
            .throttle
            .reserve("demo", addr, now)
            .await
            .unwrap();
        assert!(matches!(reserved, Reserved::Yes(_)), "guess {i}");
    }
    for on in [&a, &b] {
        let reserved = on
            .state()
            .throttle
            .reserve("demo", addr, now)
            .await
            .unwrap();
        assert!(matches!(reserved, Reserved::Wait(_)), "{}", on.address);
    }
}
