//! The admin console over HTTP, by area: who may use it (access), clients,
//! users and sessions, and how a change reaches the cached end-session data.

use reqwest::StatusCode;
use signoff::server::commands::demo;
use signoff::server::crypto::sha256_b64;

use crate::helpers::{
    Browser, POST_LOGOUT, TestApp, VERIFIER, browser, dialog_form, header, location, query_param,
    spawn_app,
};

/// demo-rp, demo-fc-rp, demo-bc-rp, demo-spa.
const DEMO_CLIENTS: i64 = 4;

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&app.pool).await.unwrap();
    n
}

/// The demo user's right password is refused like a wrong one (a disabled
/// account says no more than that).
async fn assert_demo_login_refused(app: &TestApp) {
    let csrf = app.login_csrf(None).await;
    let refused = app
        .post_login(demo::USER, demo::PASSWORD, &csrf, None)
        .await;
    assert_eq!(
        query_param(&location(&refused), "error").as_deref(),
        Some("invalid")
    );
}

async fn audit_count(app: &TestApp, actor: &str, action: &str, subject: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE actor = $1 AND action = $2 AND subject = $3",
    )
    .bind(actor)
    .bind(action)
    .bind(subject)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    n
}

/// A complete, valid client form; `overrides` replace fields of the same name.
fn client_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("client[client_id]", "shop"),
        ("client[name]", "The shop"),
        ("client[client_type]", "confidential"),
        ("client[redirect_uris][]", "https://shop.example.com/cb"),
        ("client[redirect_uris][]", ""),
        (
            "client[post_logout_redirect_uris][]",
            "https://shop.example.com/bye",
        ),
        ("client[post_logout_redirect_uris][]", ""),
        ("client[frontchannel_logout_uri]", ""),
        ("client[backchannel_logout_uri]", ""),
        ("client[logout_confirmation]", "always"),
        ("client[id_token_signed_response_alg]", "RS256"),
    ];
    for (name, value) in overrides {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

async fn user_sid(app: &TestApp) -> String {
    let (sid,): (String,) = sqlx::query_as(
        "SELECT s.sid FROM op_sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.username = 'demo' AND s.ended_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sid
}

/// The end-session endpoint keeps clients and sessions in memory; a change in
/// the console must reach it at once. This signs the demo user in and shows
/// the dialog for a logout to the demo client's post-logout URI, so both are
/// cached; it returns that logout's path.
async fn logout_shown_once(app: &TestApp) -> String {
    let hint = app.signed_in_id_token().await;
    let logout = app.logout_path(&[
        ("id_token_hint", &hint),
        ("post_logout_redirect_uri", POST_LOGOUT),
    ]);
    assert_eq!(app.get(&logout).await.status(), StatusCode::OK);
    logout
}

mod access;
mod audit;
mod cache;
mod cli;
mod clients;
mod overview;
mod users;
