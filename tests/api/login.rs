use signoff::server::commands::demo;

use crate::helpers::{form_field, location, query_param, spawn_app};

async fn count_op_sessions(pool: &signoff::server::db::Pool) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM op_sessions")
        .fetch_one(pool)
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_has_labelled_fields_and_a_sign_in_button() {
    let app = spawn_app().await;

    let response = app.get("/login").await;

    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains(r#"<label for="username">Username</label>"#));
    assert!(body.contains(r#"<label for="password">Password</label>"#));
    assert!(body.contains(">Sign in</button>"));
    assert!(body.contains(r#"action="/api/login""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_gets_the_generic_error_and_no_session() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;

    let target = location(
        &app.post_login(demo::USER, "wrong-password", &csrf, None)
            .await,
    );

    assert_eq!(target.path(), "/login");
    assert_eq!(query_param(&target, "error").as_deref(), Some("invalid"));
    let page = app
        .get(&format!("/login?{}", target.query().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("The username or password is incorrect."));
    assert_eq!(count_op_sessions(&app.pool).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;

    let target = location(&app.post_login("nobody", "whatever1", &csrf, None).await);

    assert_eq!(query_param(&target, "error").as_deref(), Some("invalid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_csrf_token_signs_nobody_in() {
    let app = spawn_app().await;
    app.login_csrf(None).await;

    let target = location(
        &app.post_login(demo::USER, demo::PASSWORD, "forged", None)
            .await,
    );

    assert_eq!(query_param(&target, "error").as_deref(), Some("expired"));
    assert_eq!(count_op_sessions(&app.pool).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;
    for _ in 0..6 {
        app.post_login(demo::USER, "wrong-password", &csrf, None)
            .await;
    }

    let target = location(
        &app.post_login(demo::USER, demo::PASSWORD, &csrf, None)
            .await,
    );

    assert_eq!(query_param(&target, "error").as_deref(), Some("throttled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_login_creates_an_op_session_and_the_first_browser_session_row() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;
    let before: Vec<(String,)> = sqlx::query_as("SELECT id FROM browser_sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();

    let target = location(
        &app.post_login(demo::USER, demo::PASSWORD, &csrf, None)
            .await,
    );

    assert_eq!(target.path(), "/");
    let after: Vec<(String,)> = sqlx::query_as("SELECT id FROM browser_sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(before.is_empty(), "showing the login form stores nothing");
    assert_eq!(after.len(), 1, "the sign-in stores the browser session");
    let (sid_len,): (i64,) = sqlx::query_as("SELECT length(sid) FROM op_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sid_len, 43, "256-bit sid");
    let (action,): (String,) =
        sqlx::query_as("SELECT action FROM audit_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(action, "login.succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_sets_no_cookie_and_the_session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    let page = app.get("/login").await;
    assert!(
        page.headers().get("set-cookie").is_none(),
        "showing the form stores nothing, not even a cookie"
    );
    let csrf = form_field(&page.text().await.unwrap(), "csrf");
    let signed_in = app
        .post_login(demo::USER, demo::PASSWORD, &csrf, None)
        .await;
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("signoff="))
        .expect("the browser session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_posted_from_another_site_signs_nobody_in_even_with_a_valid_token() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let response = app
            .client
            .post(app.url("/api/login"))
            .header("accept", "text/html")
            .header(name, value)
            .form(&[
                ("username", demo::USER),
                ("password", demo::PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            query_param(&location(&response), "error").as_deref(),
            Some("expired"),
            "{name}: {value}"
        );
    }
    assert_eq!(count_op_sessions(&app.pool).await, 0);
    let same_origin = app
        .client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .header("origin", app.address.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("username", demo::USER),
            ("password", demo::PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&same_origin).path(), "/");
}
