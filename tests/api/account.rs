//! `/account`: a user's own sessions, "Sign out" and "Sign out everywhere",
//! each through the termination path; and the admin's "Sign out everywhere".

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use signoff::server::commands::demo;

use crate::helpers::{Browser, TestApp, form_field, location, spawn_app};
use crate::receiver::{Answer, Receiver};

/// A browser signed in as the demo user, with the demo client (whose
/// back-channel logout goes to `receiver`) in its session.
async fn signed_in_with_app(app: &TestApp, user_agent: &str) -> Browser {
    let browser = Browser::signed_in_with_agent(app, demo::USER, demo::PASSWORD, user_agent).await;
    let callback = browser
        .get(browser.url(&app.authorize_path(&[])))
        .send()
        .await
        .unwrap();
    assert!(location(&callback).query().unwrap().contains("code="));
    browser
}

async fn logged_in(browser: &Browser) -> bool {
    let (_, body) = browser.page("/userStatus.json").await;
    serde_json::from_str::<Value>(&body).unwrap()["loggedIn"] == true
}

async fn set_backchannel_uri(app: &TestApp, uri: &str) {
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(uri)
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_ends_every_session_and_tells_every_app() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    set_backchannel_uri(&app, &receiver.uri()).await;
    let laptop = signed_in_with_app(
        &app,
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )
    .await;
    let phone = signed_in_with_app(
        &app,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    )
    .await;

    let (status, html) = laptop.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Firefox on Linux"), "{html}");
    assert!(html.contains("Safari on iPhone"));
    assert!(!html.contains("Mozilla/5.0"), "never the raw User-Agent");
    assert_eq!(html.matches("data-this-device").count(), 1);
    assert_eq!(html.matches("Demo relying party").count(), 2);

    let csrf = form_field(&html, "csrf");
    let forged = laptop
        .post(laptop.url("/api/account/sign-out-everywhere"))
        .header("accept", "text/html")
        .form(&[("csrf", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(logged_in(&phone).await, "a forged form ends nothing");

    let done = laptop
        .post(laptop.url("/api/account/sign-out-everywhere"))
        .header("accept", "text/html")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let result = location(&done);
    assert_eq!(result.path(), "/account");
    assert!(!logged_in(&laptop).await);
    assert!(!logged_in(&phone).await);
    let tokens = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(tokens.len(), 2, "one back-channel logout per session");
    let mut sids: Vec<String> = sqlx::query_scalar(
        "SELECT sid FROM backchannel_deliveries WHERE reason = 'user_signed_out_everywhere'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    sids.dedup();
    assert_eq!(sids.len(), 2);

    let (_, page) = laptop
        .page(&format!("{}?{}", result.path(), result.query().unwrap()))
        .await;
    // Without the hydration markers between text nodes.
    let page = page.replace("<!>", "");
    assert!(page.contains("Sessions signed out: 2"), "{page}");
    assert!(page.contains("These apps were told"));
    assert!(page.contains("Demo relying party"));
    assert!(page.contains("You are not signed in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_out_one_of_their_sessions_and_no_one_elses() {
    let app = spawn_app().await;
    let laptop = signed_in_with_app(&app, "curl/8.5.0").await;
    let phone = signed_in_with_app(&app, "curl/8.5.0").await;
    let admin = Browser::admin(&app).await;
    let admin_sid: String = sqlx::query_scalar(
        "SELECT s.sid FROM op_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1",
    )
    .bind(demo::ADMIN)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (_, html) = laptop.page("/account").await;
    let csrf = form_field(&html, "csrf");
    let sign_out = |sid: String| {
        let csrf = csrf.clone();
        let laptop = &laptop;
        async move {
            laptop
                .post(laptop.url("/api/account/sign-out"))
                .header("accept", "text/html")
                .form(&[("csrf", csrf.as_str()), ("sid", sid.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    // Another user's session is not one of mine: nothing ends.
    let answer = sign_out(admin_sid).await;
    assert!(answer.status().is_redirection());
    assert!(logged_in(&admin).await);

    // The phone's own page marks its session as "this device".
    let (_, phone_page) = phone.page("/account").await;
    let at = phone_page.find("data-this-device").unwrap();
    let phone_sid = form_field(&phone_page[at..], "sid");
    let answer = sign_out(phone_sid).await;
    assert_eq!(location(&answer).path(), "/account");
    assert!(!logged_in(&phone).await);
    assert!(logged_in(&laptop).await, "only that session ended");
    let (_, html) = laptop.page("/account").await;
    assert_eq!(html.matches("name=\"sid\"").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_a_user_out_everywhere_and_sees_what_is_still_retried() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[Answer::Status(503)]).await;
    set_backchannel_uri(&app, &receiver.uri()).await;
    let laptop = signed_in_with_app(&app, "curl/8.5.0").await;
    let phone = signed_in_with_app(&app, "curl/8.5.0").await;
    let admin = Browser::admin(&app).await;
    let done = admin
        .submit(
            "/api/admin/user/change",
            &[("username", demo::USER), ("action", "sign_out_everywhere")],
        )
        .await;
    assert_eq!(location(&done).path(), "/admin/users");
    assert!(!logged_in(&laptop).await && !logged_in(&phone).await);
    let (_, html) = admin.page("/admin/users").await;
    assert!(html.contains("is signed out of 2 session(s)"), "{html}");
    assert!(html.contains(&format!(
        "href=\"/admin/deliveries?client_id={}\"",
        demo::CLIENT_ID
    )));
    let (event,): (String,) = sqlx::query_as(
        "SELECT action FROM audit_events WHERE action = 'logout.op_session_ended' \
         AND detail LIKE '%admin_signed_out_everywhere%' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(event, "logout.op_session_ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_asks_a_stranger_to_sign_in() {
    let app = spawn_app().await;
    let (status, html) = Browser::new(&app).page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You are not signed in"));
    let stranger = Browser::new(&app);
    let answer = stranger
        .post(stranger.url("/api/account/sign-out-everywhere"))
        .header("accept", "text/html")
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}
