//! A change in the console reaches the end-session endpoint at once.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_logout_uri_removed_in_the_console_stops_redirecting_at_once() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let admin = Browser::admin(&app).await;
    let form = client_form(&[("original", demo::CLIENT_ID)]);
    admin.submit("/api/admin/client/save", &form).await;

    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("not registered"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_console_ends_is_no_longer_offered_in_the_dialog() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let sid = user_sid(&app).await;
    let admin = Browser::admin(&app).await;
    admin
        .submit("/api/admin/session/end", &[("sid", &sid)])
        .await;

    // Nothing left to end: the validated redirect at once (RIL §4), no dialog.
    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(location(&response).as_str().starts_with(POST_LOGOUT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_users_session_is_no_longer_offered_in_the_dialog() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let admin = Browser::admin(&app).await;
    admin
        .submit(
            "/api/admin/user/change",
            &[("username", demo::USER), ("action", "disable")],
        )
        .await;

    // The hint is still valid, so its redirect is honoured; no dialog.
    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(location(&response).as_str().starts_with(POST_LOGOUT));
}
