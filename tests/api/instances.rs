//! Two instances on one PostgreSQL database act as one signoff. These run
//! only when the API tests run on PostgreSQL (`SIGNOFF_TEST_POSTGRES`).

use std::time::Duration;

use reqwest::StatusCode;
use signoff::server::commands::demo;

use crate::helpers::{
    POST_LOGOUT, TestApp, dialog_form, location, on_postgres, spawn_app, spawn_instance_of, texts,
};

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
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_instance_of(&a).await;
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
    if !on_postgres() {
        return;
    }
    let a = spawn_app().await;
    let b = spawn_instance_of(&a).await;
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
