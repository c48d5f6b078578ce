//! Front-channel logout: the page of iframes between the logout and where it goes.

use reqwest::StatusCode;
use signoff::server::commands::demo;

use crate::helpers::{
    POST_LOGOUT, TestApp, claims_of, dialog_form, header, location, query_param, spawn_app,
};

const FC_URI: &str = "http://127.0.0.1:8080/fc?tenant=a";

async fn with_frontchannel(app: &TestApp) {
    sqlx::query("UPDATE clients SET frontchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(FC_URI)
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Signs in, says Yes to the logout, and returns the ID token and where the
/// confirmation sent the browser.
async fn yes(app: &TestApp) -> (String, url::Url) {
    let id_token = app.signed_in_id_token().await;
    let path = app.logout_path(&[
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT),
        ("state", "fc & state"),
    ]);
    let html = app.get(&path).await.text().await.unwrap();
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);
    (id_token, target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_shows_an_iframe_per_client_then_continues_to_the_post_logout_uri() {
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    let (id_token, target) = yes(&app).await;
    assert_eq!(target.path(), "/logout/frontchannel");

    let path = format!("/logout/frontchannel?{}", target.query().unwrap());
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let csp = header(&response, "content-security-policy").to_owned();
    assert!(csp.contains("frame-src http://127.0.0.1:8080;"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    let html = response.text().await.unwrap();

    let sid = claims_of(&id_token)["sid"].as_str().unwrap().to_owned();
    let mut expected = url::Url::parse(FC_URI).unwrap();
    expected
        .query_pairs_mut()
        .append_pair("iss", &app.address)
        .append_pair("sid", &sid);
    let src = format!("src=\"{}\"", expected.as_str().replace('&', "&amp;"));
    assert!(
        html.contains(&src),
        "the iframe keeps tenant=a and adds iss and sid: {html}"
    );
    assert!(
        html.contains("<noscript>"),
        "the iframes load without JavaScript too"
    );
    let mut continue_to = url::Url::parse(POST_LOGOUT).unwrap();
    continue_to
        .query_pairs_mut()
        .append_pair("state", "fc & state");
    let link = format!("href=\"{}\"", continue_to.as_str().replace('&', "&amp;"));
    assert!(
        html.contains(&link),
        "Continue goes to the post-logout URI with its state"
    );
    assert!(html.contains("Demo relying party"), "the client is named");

    // Read-only: it can be loaded again.
    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_a_frontchannel_uri_is_redirected_directly() {
    let app = spawn_app().await;
    let (_, target) = yes(&app).await;
    assert!(target.as_str().starts_with(POST_LOGOUT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signout_continues_to_the_login_page_through_the_frontchannel_page() {
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    app.signed_in_id_token().await;
    let target = location(&app.get("/signout").await);
    assert_eq!(target.path(), "/logout/frontchannel");
    let html = app
        .get(&format!("/logout/frontchannel?{}", target.query().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"{}/login\"", app.address)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_expired_page_frames_nothing() {
    let app = spawn_app().await;
    for path in ["/logout/frontchannel?id=nope", "/logout/frontchannel"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, "content-security-policy").contains("frame-src 'none'"));
        let html = response.text().await.unwrap();
        assert!(!html.contains("<iframe"));
        assert!(html.contains("You are signed out"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_id_is_unguessable_and_the_plan_is_not_in_the_url() {
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    let (id_token, target) = yes(&app).await;
    let id = query_param(&target, "id").unwrap();
    assert!(id.len() >= 43, "256 random bits");
    let sid = claims_of(&id_token)["sid"].as_str().unwrap().to_owned();
    assert!(!target.as_str().contains(&sid));
}

/// The dialog's Yes as the hydrated island sends it.
async fn confirm_live(app: &TestApp, form: &crate::helpers::DialogForm) -> reqwest::Response {
    app.client
        .post(app.url("/api/logout/confirm-live"))
        .form(&[
            ("csrf", form.csrf.as_str()),
            ("request", form.request.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in (again, by single sign-on, once signed in) and shows the
/// dialog for a logout to the post-logout URI.
async fn dialog(app: &TestApp) -> (String, reqwest::Response) {
    let id_token = app.id_token().await;
    let path = app.logout_path(&[
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", POST_LOGOUT),
        ("state", "live"),
    ]);
    (id_token, app.get(&path).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialog_may_frame_and_probe_exactly_its_sessions_front_channel_origins() {
    let app = spawn_app().await;
    let (_, response) = dialog(&app).await;
    let csp = header(&response, "content-security-policy").to_owned();
    assert!(csp.contains("frame-src 'none'"), "{csp}");
    assert!(csp.contains("connect-src 'self';"), "{csp}");

    // The client gains a front-channel URI; its next sign-in into the same
    // session refreshes what the endpoint keeps of it.
    with_frontchannel(&app).await;
    let (_, response) = dialog(&app).await;
    let csp = header(&response, "content-security-policy").to_owned();
    assert!(csp.contains("frame-src http://127.0.0.1:8080;"), "{csp}");
    assert!(
        csp.contains("connect-src 'self' http://127.0.0.1:8080;"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_yes_ends_the_session_and_names_each_app_with_what_the_server_knows() {
    use crate::receiver::{Answer, Receiver};
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    let down = Receiver::start(&[Answer::Status(503)]).await;
    sqlx::query("UPDATE clients SET backchannel_logout_uri = $1 WHERE client_id = $2")
        .bind(down.uri())
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
    let (id_token, response) = dialog(&app).await;
    let form = dialog_form(&response.text().await.unwrap());

    let answer = confirm_live(&app, &form).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let live: serde_json::Value = answer.json().await.unwrap();
    let mut continue_to = url::Url::parse(POST_LOGOUT).unwrap();
    continue_to.query_pairs_mut().append_pair("state", "live");
    assert_eq!(live["continue_to"], continue_to.as_str());
    let sid = claims_of(&id_token)["sid"].as_str().unwrap().to_owned();
    let apps = live["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 2, "{live}");
    assert_eq!(apps[0]["name"], "Demo relying party");
    let front = apps[0]["channel"]["Front"]["url"].as_str().unwrap();
    let front = url::Url::parse(front).unwrap();
    assert_eq!(query_param(&front, "sid").as_deref(), Some(sid.as_str()));
    assert_eq!(
        query_param(&front, "iss").as_deref(),
        Some(app.address.as_str())
    );
    assert_eq!(
        apps[1]["channel"]["Back"]["Retrying"]["reason"], "HTTP 503",
        "{live}"
    );

    // The session is over: the same request now redirects at once, and a
    // second Yes with the used form changes nothing.
    let again = app
        .get(&app.logout_path(&[("post_logout_redirect_uri", POST_LOGOUT)]))
        .await;
    assert_ne!(again.status(), StatusCode::OK);
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM op_sessions WHERE sid = $1 AND ended_at IS NOT NULL",
    )
    .bind(&sid)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(ended, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_yes_without_this_browsers_csrf_token_is_refused_and_ends_nothing() {
    let app = spawn_app().await;
    let (_, response) = dialog(&app).await;
    let mut form = dialog_form(&response.text().await.unwrap());
    form.csrf = "forged".into();
    let answer = confirm_live(&app, &form).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.headers().get("location").is_none());
    let (_, still) = dialog(&app).await;
    assert_eq!(still.status(), StatusCode::OK, "still signed in");
}

async fn report(app: &TestApp, ticket: &str, outcomes: &str) -> StatusCode {
    app.client
        .post(app.url("/api/logout/frontchannel-report"))
        .form(&[("report", ticket), ("outcomes", outcomes)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn outcome_counts(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT client_id, outcome, count FROM frontchannel_outcomes ORDER BY outcome")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pages_report_counts_each_frame_once_and_a_forged_or_malformed_one_counts_nothing() {
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    let (_, response) = dialog(&app).await;
    let form = dialog_form(&response.text().await.unwrap());
    let live: serde_json::Value = confirm_live(&app, &form).await.json().await.unwrap();
    let ticket = live["report"].as_str().unwrap().to_owned();
    assert!(!ticket.is_empty(), "{live}");

    // Malformed: a report needs exactly one known outcome per frame.
    assert_eq!(
        report(&app, &ticket, "sent,sent").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(report(&app, &ticket, "gone").await, StatusCode::BAD_REQUEST);
    // Forged or tampered tickets.
    assert_eq!(report(&app, "x.y", "sent").await, StatusCode::BAD_REQUEST);
    let tampered = format!("{}A", ticket);
    assert_eq!(
        report(&app, &tampered, "sent").await,
        StatusCode::BAD_REQUEST
    );
    assert!(outcome_counts(&app).await.is_empty());

    assert_eq!(report(&app, &ticket, "no_answer").await, StatusCode::OK);
    // Sent again (a retry, or a replay): counted once.
    assert_eq!(report(&app, &ticket, "no_answer").await, StatusCode::OK);
    assert_eq!(
        outcome_counts(&app).await,
        [(demo::CLIENT_ID.to_owned(), "no_answer".to_owned(), 1)]
    );

    // The overview shows it.
    let admin = crate::helpers::Browser::admin(&app).await;
    let (_, html) = admin.page("/admin").await;
    let rows = crate::helpers::texts(&html, ".frontchannel-outcomes tbody tr");
    assert_eq!(rows, ["Demo relying party 0 0 1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_front_channel_page_carries_a_report_ticket_for_its_frames() {
    let app = spawn_app().await;
    with_frontchannel(&app).await;
    let (_, target) = yes(&app).await;
    let path = format!("/logout/frontchannel?{}", target.query().unwrap());
    let html = app.get(&path).await.text().await.unwrap();
    // The island's props name the ticket; it counts like the dialog's.
    let props = html
        .split("data-props=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the island's props")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let props: serde_json::Value = serde_json::from_str(&props).unwrap();
    let ticket = props["report"].as_str().unwrap();
    assert_eq!(report(&app, ticket, "unreachable").await, StatusCode::OK);
    assert_eq!(
        outcome_counts(&app).await,
        [(demo::CLIENT_ID.to_owned(), "unreachable".to_owned(), 1)]
    );
}
