//! ORCID-compatible forced logout: /userStatus.json and /signout.

use crate::helpers::{TestApp, header, location, spawn_app};

async fn status(app: &TestApp, query: &str) -> reqwest::Response {
    app.get(&format!("/userStatus.json{query}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_status_reports_the_session_without_changing_it() {
    let app = spawn_app().await;
    assert_eq!(
        status(&app, "").await.text().await.unwrap(),
        r#"{"loggedIn":false}"#
    );
    app.signed_in_id_token().await;

    let response = status(&app, "").await;

    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(response.text().await.unwrap(), r#"{"loggedIn":true}"#);
    assert!(app.silent_authorize().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_user_out_ends_the_op_session_by_get_and_by_post() {
    for post in [false, true] {
        let app = spawn_app().await;
        app.signed_in_id_token().await;

        let response = if post {
            app.client
                .post(app.url("/userStatus.json?logUserOut=true"))
                .send()
                .await
                .unwrap()
        } else {
            status(&app, "?logUserOut=true").await
        };

        assert_eq!(response.text().await.unwrap(), r#"{"loggedIn":false}"#);
        assert_eq!(
            app.silent_authorize().await,
            Err("login_required".to_owned()),
            "post={post}"
        );
        let (reason,): (String,) = sqlx::query_as("SELECT end_reason FROM op_sessions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(reason, "forced_logout_user_status");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_callback_gets_jsonp() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;

    let response = status(&app, "?logUserOut=true&callback=handle_Callback$1").await;

    assert_eq!(
        header(&response, "content-type"),
        "application/javascript; charset=utf-8"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(
        response.text().await.unwrap(),
        "/* jsonp callback */ \nhandle_Callback$1({\"loggedIn\":false});"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_callback_is_a_400_and_the_user_stays_signed_in() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    for bad in [
        "%22exampleCallBack%22",
        "a.b",
        "alert(1)",
        "x%3Cscript%3E",
        &"a".repeat(65),
    ] {
        let response = status(&app, &format!("?logUserOut=true&callback={bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert!(header(&response, "content-type").starts_with("text/html"));
        let body = response.text().await.unwrap();
        assert!(!body.contains("loggedIn"), "{bad}");
    }
    assert!(
        app.silent_authorize().await.is_ok(),
        "no bad callback logged the user out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentialed_cors_only_for_registered_client_origins() {
    let app = spawn_app().await;
    let ask = |origin: &'static str| {
        app.client
            .get(app.url("/userStatus.json"))
            .header("origin", origin)
            .send()
    };

    let known = ask("http://127.0.0.1:8080").await.unwrap();
    assert_eq!(
        header(&known, "access-control-allow-origin"),
        "http://127.0.0.1:8080"
    );
    assert_eq!(header(&known, "access-control-allow-credentials"), "true");

    // A native app's private-use scheme redirect URI has an opaque origin
    // ("null"): a sandboxed frame's `Origin: null` must not match it. Nor may
    // any third-party or non-http(s) origin.
    let (uris,): (String,) =
        sqlx::query_as("SELECT redirect_uris FROM clients WHERE client_id = $1")
            .bind(signoff::server::commands::demo::PUBLIC_CLIENT_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let mut uris: Vec<String> = serde_json::from_str(&uris).unwrap();
    uris.push("com.example.app:/cb".into());
    sqlx::query("UPDATE clients SET redirect_uris = $1 WHERE client_id = $2")
        .bind(serde_json::to_string(&uris).unwrap())
        .bind(signoff::server::commands::demo::PUBLIC_CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
    for stranger in [
        "https://evil.example",
        "null",
        "https://oidcdebugger.com",
        "file://",
        "http://127.0.0.1:8080/",
        "HTTP://127.0.0.1:8080",
    ] {
        let response = ask(stranger).await.unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{stranger}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signout_ends_the_session_and_sends_the_user_to_login() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;

    let response = app.get("/signout").await;

    assert_eq!(response.status(), 302);
    assert_eq!(location(&response).path(), "/login");
    assert_eq!(
        app.silent_authorize().await,
        Err("login_required".to_owned())
    );
    let (reason,): (String,) = sqlx::query_as("SELECT end_reason FROM op_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "forced_logout_signout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signout_without_a_session_still_goes_to_login() {
    let app = spawn_app().await;
    let response = app.get("/signout").await;
    assert_eq!(location(&response).path(), "/login");
}
