//! A browser carries at most one live OP session: a second sign-in renews it
//! (same user) or ends it through the termination path (another user), and
//! an admin's password reset ends a user's sessions with their clients told.

use signoff::server::commands::demo;

use crate::helpers::{Browser, POST_LOGOUT, TestApp, claims_of, dialog_form, spawn_app};

fn sid_of(jwt: &str) -> String {
    claims_of(jwt)["sid"].as_str().expect("a sid").to_owned()
}

/// The demo client gets a back-channel logout URI (nobody listens there:
/// a queued delivery is what these tests look for).
async fn with_backchannel(app: &TestApp) {
    sqlx::query(
        "UPDATE clients SET backchannel_logout_uri = 'http://127.0.0.1:9/bc' WHERE client_id = $1",
    )
    .bind(demo::CLIENT_ID)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn end_of(app: &TestApp, sid: &str) -> (Option<i64>, Option<String>) {
    sqlx::query_as("SELECT ended_at, end_reason FROM op_sessions WHERE sid = $1")
        .bind(sid)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn deliveries_for(app: &TestApp, sid: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT client_id, reason FROM backchannel_deliveries WHERE sid = $1 ORDER BY id",
    )
    .bind(sid)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn live_sessions(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM op_sessions WHERE ended_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    n
}

async fn log_out_with(app: &TestApp, id_token: &str) {
    let path = app.logout_path(&[
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", POST_LOGOUT),
    ]);
    let html = app.get(&path).await.text().await.unwrap();
    let response = app.confirm(&dialog_form(&html), "yes").await;
    assert!(response.status().is_redirection(), "{}", response.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_user_signing_in_again_keeps_one_session_that_logout_ends_whole() {
    let app = spawn_app().await;
    with_backchannel(&app).await;
    let first = app.tokens_for(&app.sign_in_and_authorize(&[]).await).await;
    let sid = sid_of(&first.id_token);
    let first_auth = claims_of(&first.id_token)["auth_time"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let again = app
        .tokens_for(&app.sign_in_and_authorize(&[("prompt", "login")]).await)
        .await;

    assert_eq!(sid_of(&again.id_token), sid, "the OP session is reused");
    assert!(claims_of(&again.id_token)["auth_time"].as_i64().unwrap() > first_auth);
    assert_eq!(live_sessions(&app).await, 1);
    log_out_with(&app, &again.id_token).await;
    assert_eq!(app.userinfo_status(&first.access_token).await, 401);
    assert_eq!(app.userinfo_status(&again.access_token).await, 401);
    assert!(end_of(&app, &sid).await.0.is_some(), "the sid is ended");
    assert_eq!(
        deliveries_for(&app, &sid).await,
        vec![(demo::CLIENT_ID.to_owned(), "rp_initiated_logout".to_owned())],
        "one back-channel delivery for the client of the first sign-in"
    );
    assert_eq!(live_sessions(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_signing_in_ends_the_first_users_session_and_tells_its_clients() {
    let app = spawn_app().await;
    with_backchannel(&app).await;
    let first = app.tokens_for(&app.sign_in_and_authorize(&[]).await).await;
    let first_sid = sid_of(&first.id_token);

    let second = app
        .tokens_for(
            &app.sign_in_and_authorize_as(
                demo::ADMIN,
                demo::ADMIN_PASSWORD,
                &[("prompt", "login")],
            )
            .await,
        )
        .await;

    let second_sid = sid_of(&second.id_token);
    assert_ne!(second_sid, first_sid);
    assert_eq!(
        end_of(&app, &first_sid).await.1.as_deref(),
        Some("replaced_by_login")
    );
    assert_eq!(app.userinfo_status(&first.access_token).await, 401);
    assert_eq!(
        deliveries_for(&app, &first_sid).await,
        vec![(demo::CLIENT_ID.to_owned(), "replaced_by_login".to_owned())]
    );
    assert_eq!(live_sessions(&app).await, 1, "only the second user's");
    assert_eq!(app.userinfo_status(&second.access_token).await, 200);

    log_out_with(&app, &second.id_token).await;
    assert_eq!(app.userinfo_status(&second.access_token).await, 401);
    assert_eq!(live_sessions(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_login_page_again_and_signing_in_keeps_the_session() {
    let app = spawn_app().await;
    let first = app.signed_in_id_token().await;
    let csrf = app.login_csrf(None).await;
    let response = app
        .post_login(demo::USER, demo::PASSWORD, &csrf, None)
        .await;
    assert!(response.status().is_redirection());
    assert_eq!(live_sessions(&app).await, 1);
    assert!(end_of(&app, &sid_of(&first)).await.0.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_password_reset_ends_the_users_sessions_and_tells_their_clients() {
    let app = spawn_app().await;
    with_backchannel(&app).await;
    let tokens = app.tokens_for(&app.sign_in_and_authorize(&[]).await).await;
    let sid = sid_of(&tokens.id_token);
    let admin = Browser::admin(&app).await;

    let form = [
        ("username", demo::USER),
        ("action", "reset_password"),
        ("password", "a brand new passphrase"),
    ];
    let response = admin.submit("/api/admin/user/change", &form).await;

    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        end_of(&app, &sid).await.1.as_deref(),
        Some("password_reset")
    );
    assert_eq!(app.userinfo_status(&tokens.access_token).await, 401);
    assert_eq!(
        deliveries_for(&app, &sid).await,
        vec![(demo::CLIENT_ID.to_owned(), "password_reset".to_owned())]
    );
    assert_eq!(
        app.silent_authorize().await,
        Err("login_required".to_owned())
    );
}
