//! Malformed or oversized input anywhere gets a 4xx, never a 500.

use crate::helpers::{Browser, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_or_oversized_authorize_parameter_is_a_400_page() {
    let app = spawn_app().await;
    let repeated = format!("{}&state=again", app.authorize_path(&[]));
    let huge = app.authorize_path(&[("nonce", &"n".repeat(9000))]);
    let garbage = "/authorize?%ZZ=%%%&client_id=\u{0}".to_owned();

    for path in [repeated, huge, garbage, "/authorize".to_owned()] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 400, "{path}");
        assert!(response.headers().get("location").is_none(), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_token_requests_are_oauth_errors() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "application/json",
            br#"{"grant_type":"authorization_code"}"#.to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"grant_type=authorization_code&grant_type=x".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, b'=', 0x00],
        ),
        (
            "application/x-www-form-urlencoded",
            b"client_id=demo-rp&grant_type=password".to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"".to_vec()),
    ];
    for (content_type, body) in cases {
        let response = app
            .client
            .post(app.url("/token"))
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{status} for {body:?}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert!(json["error"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let body = format!("code={}", "a".repeat(100 * 1024));

    let response = app
        .client
        .post(app.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bearer_tokens_are_401() {
    let app = spawn_app().await;
    for auth in [
        "Bearer",
        "Bearer ",
        "Basic abc",
        &format!("Bearer {}", "x".repeat(5000)),
    ] {
        let response = app
            .client
            .get(app.url("/userinfo"))
            .header("authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{auth}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_form_missing_fields_gets_an_html_400_page() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .form(&[("username", "demo")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_login_is_refused_without_a_500() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;
    let long = "a".repeat(5000);

    let response = app.post_login(&long, &long, &csrf, None).await;

    assert!(response.status().is_redirection());
}

/// Every server function (the registry lists them), called as a form and as
/// `fetch` would, with a body that is not UTF-8 and with an empty one: a
/// 4xx for the bad body, never a 5xx, and never server_fn's internal text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_answers_bad_bodies_with_a_4xx_for_every_caller() {
    let app = spawn_app().await;
    let admin = Browser::admin(&app).await;
    let mut paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    paths.sort_by_key(|(path, _)| *path);
    assert!(paths.len() >= 15, "{paths:?}");
    let anonymous = Browser::new(&app);
    for (path, method) in paths {
        for client in [&anonymous, &admin] {
            for accept in [Some("text/html"), None, Some("application/json")] {
                for (body, must_refuse) in [(&b"\xff\xfe=\xc3("[..], true), (&b""[..], false)] {
                    let mut request = client
                        .request(method.clone(), app.url(path))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.to_vec());
                    if let Some(accept) = accept {
                        request = request.header("accept", accept);
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let text = response.text().await.unwrap();
                    let what = format!(
                        "{method} {path} accept={accept:?} body={body:?}: {status} {text:.200}"
                    );
                    assert!(!status.is_server_error(), "{what}");
                    if must_refuse && method == reqwest::Method::POST {
                        assert!(status.is_client_error(), "{what}");
                    }
                    for internal in [
                        "Args|",
                        "Deserialization|",
                        "MissingArg|",
                        "missing field",
                        "invalid utf-8",
                    ] {
                        assert!(!text.contains(internal), "{what}");
                    }
                }
            }
        }
    }
}
