use signoff::server::commands::demo;

use crate::helpers::{CALLBACK, header, location, query_param, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let path = app
        .authorize_path(&[])
        .replace("8080%2Fcallback", "8080%2Fevil");

    let response = app.get(&path).await;

    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert!(header(&response, "content-type").starts_with("text/html"));
    let body = response.text().await.unwrap();
    assert!(body.contains("not registered for this client"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_client_gets_an_error_page() {
    let app = spawn_app().await;
    let path = app
        .authorize_path(&[])
        .replace("client_id=demo-rp", "client_id=nobody");

    let response = app.get(&path).await;

    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_client_without_pkce_is_sent_back_invalid_request() {
    let app = spawn_app().await;
    let path = format!(
        "/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid&state=s",
        demo::PUBLIC_CLIENT_ID,
        url::form_urlencoded::byte_serialize(demo::PUBLIC_REDIRECT_URI.as_bytes())
            .collect::<String>()
    );

    let target = location(&app.get(&path).await);

    assert!(target.as_str().starts_with(demo::PUBLIC_REDIRECT_URI));
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some("s"));
    assert!(query_param(&target, "code").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_pkce_challenge_is_sent_back_invalid_request() {
    let app = spawn_app().await;
    let path = app
        .authorize_path(&[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");

    let target = location(&app.get(&path).await);

    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_none_without_a_session_returns_login_required() {
    let app = spawn_app().await;

    let target = location(&app.get(&app.authorize_path(&[("prompt", "none")])).await);

    assert!(target.as_str().starts_with(CALLBACK));
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(query_param(&target, "state").as_deref(), Some("st-1"));
    assert_eq!(
        query_param(&target, "iss").as_deref(),
        Some(app.address.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_none_with_a_session_issues_a_code_without_any_page() {
    let app = spawn_app().await;
    app.sign_in_and_authorize(&[]).await;

    let response = app.get(&app.authorize_path(&[("prompt", "none")])).await;

    let target = location(&response);
    assert!(target.as_str().starts_with(CALLBACK), "{target}");
    assert!(query_param(&target, "code").is_some());
    assert_eq!(query_param(&target, "state").as_deref(), Some("st-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_login_asks_a_signed_in_user_to_sign_in_again() {
    let app = spawn_app().await;
    app.sign_in_and_authorize(&[]).await;

    let target = location(&app.get(&app.authorize_path(&[("prompt", "login")])).await);

    assert_eq!(target.path(), "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_flow_returns_a_code_and_state_to_the_client() {
    let app = spawn_app().await;

    let target = app.sign_in_and_authorize(&[]).await;

    assert!(target.as_str().starts_with(CALLBACK));
    assert_eq!(query_param(&target, "state").as_deref(), Some("st-1"));
    assert_eq!(query_param(&target, "code").map(|c| c.len()), Some(43));
    let (clients,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM rp_sessions WHERE client_id = $1")
            .bind(demo::CLIENT_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(clients, 1, "the client is recorded in the OP session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_request_can_be_continued_only_once() {
    let app = spawn_app().await;
    let login = location(&app.get(&app.authorize_path(&[])).await);
    let request = query_param(&login, "request").expect("a waiting request");
    let csrf = app.login_csrf(Some(&request)).await;
    let next = location(
        &app.post_login(demo::USER, demo::PASSWORD, &csrf, Some(&request))
            .await,
    );
    let continued = format!("{}?{}", next.path(), next.query().unwrap());
    let first = location(&app.get(&continued).await);
    assert!(first.as_str().starts_with(CALLBACK), "{first}");

    let replay = app.get(&continued).await;

    assert_eq!(replay.status(), 400);
    assert!(replay.text().await.unwrap().contains("already used"));
    let forged = app.get("/authorize/continue?request=not-a-real-id").await;
    assert_eq!(forged.status(), 400);
}
