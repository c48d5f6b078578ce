use crate::helpers::{header, spawn_app};

fn assert_common_headers(response: &reqwest::Response) {
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert!(
        header(response, "content-security-policy").contains("frame-ancestors 'none'"),
        "{response:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/nope", "/healthz"] {
        let response = app.get(path).await;
        assert_common_headers(&response);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_allows_only_its_own_nonced_inline_script() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    let csp = header(&response, "content-security-policy").to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page CSP carries a nonce")
        .to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'"));
    assert!(!csp.contains("unsafe-inline"));
    let body = response.text().await.unwrap();
    let scripts = body.matches("<script").count();
    let nonced = body.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(scripts > 0);
    assert!(nonced >= scripts, "{scripts} scripts but {nonced} nonces");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_gets_a_fresh_nonce() {
    let app = spawn_app().await;

    let first = app.get("/").await;
    let second = app.get("/").await;

    assert_ne!(
        header(&first, "content-security-policy"),
        header(&second, "content-security-policy")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_error_page_also_forbids_framing() {
    let app = spawn_app().await;
    app.pool.close().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 500);
    assert_common_headers(&response);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_when_the_issuer_is_https_and_only_then() {
    let plain = crate::helpers::spawn_app().await;
    let response = plain.get("/healthz").await;
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );

    let https = crate::helpers::spawn_app_configured(signoff::server::config::SettingsLayer {
        issuer: Some("https://id.example.test".into()),
        demo: Some(false),
        rate_limit: Some(0),
        ..Default::default()
    })
    .await;
    for path in [
        "/healthz",
        "/logout",
        "/.well-known/openid-configuration",
        "/no-such-page",
    ] {
        let response = https.get(path).await;
        assert_eq!(
            crate::helpers::header(&response, "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}
