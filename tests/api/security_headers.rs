use crate::helpers::{TestApp, header, spawn_app};

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
    app.sign_in_and_authorize(&[]).await;
    // A page, a 404, plain text, the logout dialog, JSON, JSONP, a redirect.
    for path in [
        "/",
        "/nope",
        "/healthz",
        "/logout",
        "/.well-known/openid-configuration",
        "/userStatus.json?callback=cb",
        "/authorize",
        "/signout",
    ] {
        let response = app.get(path).await;
        assert_common_headers(&response);
    }
    // A server function's answers: an error for a fetch-style caller, and a form's 303.
    let error = app
        .client
        .post(app.url("/api/logout/confirm"))
        .header("accept", "application/json")
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(error.status(), 400);
    assert_common_headers(&error);
    let redirect = app
        .client
        .post(app.url("/api/logout/confirm"))
        .header("accept", "text/html")
        .form(&[("csrf", ""), ("request", ""), ("choice", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        redirect.status(),
        303,
        "signed out by /signout: a stale dialog"
    );
    assert_common_headers(&redirect);
}

/// The script sources a response's CSP allows (`script-src`, else `default-src`).
fn script_sources(response: &reqwest::Response) -> Vec<String> {
    let csp = header(response, "content-security-policy");
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .map(|d| d.split_whitespace().skip(1).map(str::to_owned).collect())
    };
    directive("script-src")
        .or_else(|| directive("default-src"))
        .unwrap_or_default()
}

/// Asserts that `path` lets no script run but its own: no host, no `'self'`
/// (the JSONP endpoint would be a gadget), no inline script without the
/// response's nonce. Returns the page.
async fn assert_only_its_own_scripts(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    let sources = script_sources(&response);
    let nonce = sources
        .iter()
        .find_map(|s| s.strip_prefix("'nonce-"))
        .map(|n| n.trim_end_matches('\'').to_owned());
    for source in &sources {
        let allowed = source.starts_with("'nonce-")
            || ["'strict-dynamic'", "'wasm-unsafe-eval'", "'none'"].contains(&source.as_str());
        assert!(allowed, "{path}: script source {source} in {sources:?}");
    }
    let html = response.text().await.unwrap();
    let tags: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .collect();
    match &nonce {
        Some(nonce) => {
            let attribute = format!("nonce=\"{nonce}\"");
            for tag in &tags {
                assert!(
                    tag.contains(&attribute),
                    "{path}: <script{tag}> lacks the nonce"
                );
            }
        }
        None => assert!(tags.is_empty(), "{path}: no script source, yet {tags:?}"),
    }
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialog_and_every_page_run_no_script_but_their_own_nonce() {
    let app = spawn_app().await;
    assert_only_its_own_scripts(&app, "/login").await;
    app.sign_in_and_authorize(&[]).await;

    // The dialog runs its island with a nonce of its own, fresh each time.
    let dialog = assert_only_its_own_scripts(&app, "/logout").await;
    assert!(dialog.contains("name=\"choice\""), "the dialog itself");
    assert!(dialog.contains("<leptos-island"), "the dialog's island");
    let first = script_sources(&app.get("/logout").await);
    let second = script_sources(&app.get("/logout").await);
    assert!(first[0].starts_with("'nonce-"), "{first:?}");
    assert_ne!(first[0], second[0], "the nonce is per response");
    // Without a session the signed-out page runs no script at all.
    let stranger = crate::helpers::browser();
    let signed_out = stranger.get(app.url("/logout")).send().await.unwrap();
    assert!(script_sources(&signed_out).iter().all(|s| s == "'none'"));
    for path in ["/", "/logout/done?outcome=signed_out", "/admin"] {
        assert_only_its_own_scripts(&app, path).await;
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

/// The public endpoints (discovery, JWKS, token, userinfo) may be called by
/// any origin's script, without credentials; the browser-session endpoints
/// get no such header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_endpoints_allow_any_origin_without_credentials() {
    let app = spawn_app().await;
    for path in ["/.well-known/openid-configuration", "/jwks.json"] {
        let response = app
            .client
            .get(app.url(path))
            .header("origin", "https://rp.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "access-control-allow-origin"), "*");
        assert!(header(&response, "vary").contains("origin"), "{response:?}");
        assert!(
            response
                .headers()
                .get("access-control-allow-credentials")
                .is_none()
        );
        assert_common_headers(&response);
    }
    for path in ["/token", "/userinfo"] {
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", "https://rp.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 200, "{path}");
        assert_eq!(header(&preflight, "access-control-allow-origin"), "*");
        assert_eq!(
            header(&preflight, "access-control-allow-methods"),
            "GET,POST"
        );
        assert_eq!(
            header(&preflight, "access-control-allow-headers"),
            "authorization,content-type"
        );
        assert_common_headers(&preflight);
    }
    // An OAuth error from the token endpoint (no client authentication:
    // 401 invalid_client, RFC 6749 §5.2) is readable cross-origin too.
    let refused = app
        .client
        .post(app.url("/token"))
        .header("origin", "https://rp.example")
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(header(&refused, "access-control-allow-origin"), "*");
    let dialog = app.get("/logout").await;
    assert!(
        dialog
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

/// The site's files and the pages, fetched at once by one browser (as a page
/// and its stylesheet, script and icon are): each page keeps its own CSP and
/// `no-store`, and no file carries a page's. Files used to be answered inside
/// a reactive owner that inherited the page render in flight on the same
/// thread, and took that page's headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_served_beside_pages_never_take_a_pages_headers() {
    // The icon cargo-leptos copies into the site, for a run before the site is built.
    let site = concat!(env!("CARGO_MANIFEST_DIR"), "/target/site");
    let icon = format!("{site}/favicon.ico");
    if !std::path::Path::new(&icon).exists() {
        std::fs::create_dir_all(site).unwrap();
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/public/favicon.ico"),
            &icon,
        )
        .unwrap();
    }
    let app = std::sync::Arc::new(spawn_app().await);
    let admin = crate::helpers::Browser::admin(&app).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut wrong = Vec::new();
            for _ in 0..40 {
                let path = if i % 2 == 0 {
                    "/admin/clients/demo-rp"
                } else {
                    "/favicon.ico"
                };
                let response = admin.get(admin.url(path)).send().await.unwrap();
                assert_eq!(response.status(), 200, "{path}");
                let value = |name| {
                    response
                        .headers()
                        .get(name)
                        .map_or("", |v| v.to_str().unwrap())
                        .to_owned()
                };
                let (csp, cache) = (value("content-security-policy"), value("cache-control"));
                let page = path.starts_with("/admin");
                if page != csp.contains("'nonce-") || page != (cache == "no-store") {
                    wrong.push(format!("{path}: {csp} / {cache}"));
                }
                response.bytes().await.unwrap();
            }
            wrong
        }));
    }
    let mut wrong = Vec::new();
    for task in tasks {
        wrong.extend(task.await.unwrap());
    }
    assert!(
        wrong.is_empty(),
        "{} wrong: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(3)]
    );
}
