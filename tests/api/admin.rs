//! The admin console: access, validation, and what each change does.

use reqwest::StatusCode;
use signoff::server::commands::demo;
use signoff::server::crypto::sha256_b64;

use crate::helpers::{
    POST_LOGOUT, TestApp, VERIFIER, admin, browser, csrf_on, dialog_form, header, location, page,
    post, query_param, signed_in, spawn_app,
};

/// demo-rp, demo-fc-rp, demo-bc-rp, demo-spa.
const DEMO_CLIENTS: i64 = 4;

/// Every page of the console.
const PAGES: &[&str] = &[
    "/admin",
    "/admin/clients",
    "/admin/clients/new",
    "/admin/clients/demo-rp",
    "/admin/clients/demo-rp/delete",
    "/admin/sessions",
    "/admin/users",
    "/admin/audit",
    "/admin/deliveries",
    "/admin/deliveries?client_id=demo-rp",
];

/// Every admin server fn, with a form that would otherwise be acted on.
const SERVER_FNS: &[(&str, &[(&str, &str)])] = &[
    ("/api/admin/clients", &[]),
    ("/api/admin/client", &[("client_id", "demo-rp")]),
    ("/api/admin/client/deletion", &[("client_id", "demo-rp")]),
    (
        "/api/admin/client/save",
        &[
            ("client[name]", "Evil"),
            ("client[client_type]", "public"),
            ("client[redirect_uris][]", "https://evil.example/cb"),
            ("client[logout_confirmation]", "always"),
            ("client[id_token_signed_response_alg]", "RS256"),
        ],
    ),
    ("/api/admin/client/secret", &[("client_id", "demo-rp")]),
    ("/api/admin/client/delete", &[("client_id", "demo-rp")]),
    ("/api/admin/sessions", &[]),
    ("/api/admin/session/end", &[("sid", "x")]),
    ("/api/admin/users", &[]),
    (
        "/api/admin/user/create",
        &[
            ("username", "mallory"),
            ("password", "mallory-pw"),
            ("admin", "true"),
        ],
    ),
    (
        "/api/admin/user/change",
        &[("username", "demo"), ("action", "grant_admin")],
    ),
    ("/api/admin/audit", &[]),
    ("/api/admin/deliveries", &[]),
    ("/api/admin/delivery/resend", &[("id", "1")]),
];

/// A complete, valid client form; `overrides` replace fields of the same name.
fn client_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("client[client_id]", "shop"),
        ("client[name]", "The shop"),
        ("client[client_type]", "confidential"),
        ("client[redirect_uris][]", "https://shop.example.com/cb"),
        ("client[redirect_uris][]", ""),
        (
            "client[post_logout_redirect_uris][]",
            "https://shop.example.com/bye",
        ),
        ("client[post_logout_redirect_uris][]", ""),
        ("client[frontchannel_logout_uri]", ""),
        ("client[backchannel_logout_uri]", ""),
        ("client[logout_confirmation]", "always"),
        ("client[id_token_signed_response_alg]", "RS256"),
    ];
    for (name, value) in overrides {
        match form.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => form.push((name, value)),
        }
    }
    form
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&app.pool).await.unwrap();
    n
}

async fn audit_count(app: &TestApp, actor: &str, action: &str, subject: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE actor = ? AND action = ? AND subject = ?",
    )
    .bind(actor)
    .bind(action)
    .bind(subject)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_visitor_is_sent_to_login_and_back() {
    let app = spawn_app().await;
    let response = app.get("/admin/clients?search=demo").await;
    let login = location(&response);
    assert_eq!(login.path(), "/login");
    let next = query_param(&login, "next").unwrap();
    assert_eq!(next, "/admin/clients?search=demo");

    let csrf = app.login_csrf(None).await;
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .form(&[
            ("username", demo::ADMIN),
            ("password", demo::ADMIN_PASSWORD),
            ("csrf", &csrf),
            ("next", &next),
        ])
        .send()
        .await
        .unwrap();
    let back = location(&response);
    assert_eq!(back.path(), "/admin/clients");
    assert_eq!(back.query(), Some("search=demo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_never_returns_to_another_host() {
    let app = spawn_app().await;
    let csrf = app.login_csrf(None).await;
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .form(&[
            ("username", demo::ADMIN),
            ("password", demo::ADMIN_PASSWORD),
            ("csrf", &csrf),
            ("next", "//evil.example/admin"),
        ])
        .send()
        .await
        .unwrap();
    let target = location(&response);
    assert_eq!(target.host_str(), Some("127.0.0.1"));
    assert_eq!(target.path(), "/");
}

#[test]
fn the_403_test_covers_every_admin_server_fn_the_registry_knows() {
    let mut registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .filter(|path| path.starts_with("/api/admin"))
        .collect();
    registered.sort_unstable();
    let mut listed: Vec<&str> = SERVER_FNS.iter().map(|(path, _)| *path).collect();
    listed.sort_unstable();
    assert_eq!(registered, listed, "add the new server fn to SERVER_FNS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_gets_403_on_every_page_and_every_server_fn() {
    let app = spawn_app().await;
    let user = signed_in(&app, demo::USER, demo::PASSWORD).await;
    for path in PAGES {
        let (status, html) = page(&app, &user, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("Access denied"), "{path}");
    }
    // The user's own valid CSRF token: only the role can refuse these.
    let csrf = csrf_on(&app, &user, "/login").await;
    for (path, form) in SERVER_FNS {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        for accept in ["text/html", "application/json"] {
            let response = user
                .post(app.url(path))
                .header("accept", accept)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} ({accept})"
            );
        }
        // Nobody signed in at all: the same.
        let response = browser()
            .post(app.url(path))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} anonymous");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM clients").await,
        DEMO_CLIENTS
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users WHERE is_admin = 1").await,
        1
    );
    // Only the seeded users and clients were ever created.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'client.%' OR action LIKE 'user.%'"
        )
        .await,
        DEMO_CLIENTS + 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_are_never_cached_or_framed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    for path in PAGES {
        let response = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        assert!(header(&response, "content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(header(&response, "x-frame-options"), "DENY");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_without_this_browsers_csrf_token_is_refused() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let mut form = vec![("csrf", "forged")];
    form.extend(client_form(&[]));
    let response = admin
        .post(app.url("/api/admin/client/save"))
        .header("accept", "text/html")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM clients WHERE client_id = 'shop'"
        )
        .await,
        0
    );
}

/// Where saving a client leads: the redirect to its page, or, when the save
/// created a secret, the secret page's link to it.
async fn saved_to(response: reqwest::Response) -> String {
    if response.status().is_redirection() {
        return location(&response).path().to_owned();
    }
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let start = html
        .find("href=\"/admin/clients/")
        .expect("a link to the client")
        + 6;
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_confidential_client_gets_a_secret_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let response = post(&app, &admin, "/api/admin/client/save", &client_form(&[])).await;
    // Shown in the response that created it, never kept for a later page.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("x-signoff-internal"))
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"/admin/clients/shop\""));
    let marker = "data-testid=\"client-secret\">";
    let start = html.find(marker).expect("the secret is shown") + marker.len();
    let secret = html[start..].split('<').next().unwrap().to_owned();
    assert!(secret.len() >= 43);
    let (stored,): (String,) =
        sqlx::query_as("SELECT secret_hash FROM clients WHERE client_id = 'shop'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, sha256_b64(&secret));
    let (_, again) = page(&app, &admin, "/admin/clients/shop").await;
    assert!(!again.contains(&secret), "the secret is shown only once");
    let sessions: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM browser_sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        sessions
            .iter()
            .all(|(data,)| !String::from_utf8_lossy(data).contains(&secret)),
        "the secret never entered a browser session"
    );
    assert_eq!(
        audit_count(&app, demo::ADMIN, "client.created", "shop").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_client_id_gets_a_generated_one() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let form = client_form(&[("client[client_id]", "  ")]);
    let response = post(&app, &admin, "/api/admin/client/save", &form).await;
    let target = saved_to(response).await;
    let id = target.strip_prefix("/admin/clients/").unwrap();
    assert_eq!(id.len(), 22);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM clients WHERE client_id = '{id}'")
        )
        .await,
        1
    );
}

/// Posts a create form that must fail and returns the form page shown after it.
async fn refused_form(app: &TestApp, admin: &reqwest::Client, form: &[(&str, &str)]) -> String {
    let response = post(app, admin, "/api/admin/client/save", form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response).path(), "/admin/clients/new");
    let (status, html) = page(app, admin, "/admin/clients/new").await;
    assert_eq!(status, StatusCode::OK);
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_validation_rule_refuses_bad_input_next_to_its_field() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let long_uri = format!("https://shop.example.com/{}", "a".repeat(2000));
    let long_name = "n".repeat(101);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("client[client_id]", "has space", "may contain only letters"),
        ("client[client_id]", "demo-rp", "exists already"),
        ("client[client_id]", "new", "is reserved"),
        ("client[name]", "", "enter the name"),
        ("client[name]", &long_name, "at most 100 characters"),
        (
            "client[client_type]",
            "secret",
            "choose confidential or public",
        ),
        (
            "client[redirect_uris][]",
            "/relative",
            "must be an absolute URI",
        ),
        (
            "client[redirect_uris][]",
            "https://shop.example.com/cb#x",
            "fragment",
        ),
        (
            "client[redirect_uris][]",
            "http://shop.example.com/cb",
            "must use https",
        ),
        (
            "client[redirect_uris][]",
            "https://*.example.com/cb",
            "wildcards",
        ),
        (
            "client[redirect_uris][]",
            "com.example.app:/cb",
            "must be an absolute URI",
        ),
        (
            "client[post_logout_redirect_uris][]",
            "http://shop.example.com/bye",
            "must use https",
        ),
        (
            "client[post_logout_redirect_uris][]",
            "https://shop.example.com/bye#top",
            "fragment",
        ),
        (
            "client[post_logout_redirect_uris][]",
            &long_uri,
            "at most 2000 characters",
        ),
        (
            "client[post_logout_redirect_uris][]",
            "https://u:p@shop.example.com/bye",
            "user name or password",
        ),
        (
            "client[frontchannel_logout_uri]",
            "https://other.example.com/fc",
            "scheme, host and port",
        ),
        (
            "client[frontchannel_logout_uri]",
            "https://shop.example.com/fc#x",
            "fragment",
        ),
        (
            "client[backchannel_logout_uri]",
            "http://backend.example.com/bc",
            "must use https",
        ),
        (
            "client[backchannel_logout_uri]",
            "https://backend.example.com/bc#x",
            "fragment",
        ),
        (
            "client[logout_confirmation]",
            "never",
            "choose always or when_required",
        ),
        ("client[id_token_signed_response_alg]", "none", "RS256 only"),
    ];
    for (field, value, message) in cases {
        let html = refused_form(&app, &admin, &client_form(&[(field, value)])).await;
        assert!(
            html.contains(message),
            "{field}={value:?} should say {message:?}"
        );
        assert!(
            html.contains("aria-invalid=\"true\""),
            "{field}: the field is marked"
        );
        // A radio button or a select cannot show a value it does not offer.
        let is_choice =
            field.contains("type") || field.contains("confirmation") || field.contains("alg");
        let shown = if is_choice {
            String::new()
        } else {
            value.replace('&', "&amp;")
        };
        assert!(
            html.contains(&shown),
            "{field}: the typed value {value:?} is kept"
        );
    }
    // Lists: duplicates, none at all, too many.
    let mut dup = client_form(&[]);
    dup.push((
        "client[post_logout_redirect_uris][]",
        "https://shop.example.com/bye",
    ));
    assert!(
        refused_form(&app, &admin, &dup)
            .await
            .contains("is listed twice")
    );
    let none = client_form(&[("client[redirect_uris][]", " ")]);
    assert!(
        refused_form(&app, &admin, &none)
            .await
            .contains("at least one redirect URI")
    );
    let many: Vec<String> = (0..21)
        .map(|i| format!("https://shop.example.com/bye/{i}"))
        .collect();
    let mut too_many = client_form(&[]);
    too_many.extend(
        many.iter()
            .map(|u| ("client[post_logout_redirect_uris][]", u.as_str())),
    );
    assert!(
        refused_form(&app, &admin, &too_many)
            .await
            .contains("at most 20 URIs")
    );

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM clients").await,
        DEMO_CLIENTS,
        "nothing was stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rule_accepts_what_it_should() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("client[client_id]", "loopback"),
            ("client[redirect_uris][]", "http://127.0.0.1:9000/cb"),
            (
                "client[post_logout_redirect_uris][]",
                "http://localhost:9000/bye",
            ),
        ],
        vec![
            ("client[client_id]", "native.app"),
            ("client[client_type]", "public"),
            ("client[redirect_uris][]", "com.example.app:/oauth2redirect"),
            (
                "client[post_logout_redirect_uris][]",
                "com.example.app:/signed-out",
            ),
        ],
        vec![
            ("client[client_id]", "channels"),
            (
                "client[frontchannel_logout_uri]",
                "https://shop.example.com:443/fc?tenant=a",
            ),
            ("client[frontchannel_logout_session_required]", "true"),
            (
                "client[backchannel_logout_uri]",
                "https://backend.example.com/bc?x=1",
            ),
            ("client[backchannel_logout_session_required]", "true"),
            ("client[logout_confirmation]", "when_required"),
        ],
        vec![
            ("client[client_id]", "no-logout-uris"),
            ("client[post_logout_redirect_uris][]", ""),
        ],
    ];
    for form in cases {
        let response = post(&app, &admin, "/api/admin/client/save", &client_form(&form)).await;
        let target = saved_to(response).await;
        assert_ne!(target, "/admin/clients/new", "{form:?} was refused");
    }
    let (fc, fc_required, policy): (String, bool, String) = sqlx::query_as(
        "SELECT frontchannel_logout_uri, frontchannel_logout_session_required, logout_confirmation \
         FROM clients WHERE client_id = 'channels'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(fc, "https://shop.example.com:443/fc?tenant=a");
    assert!(fc_required);
    assert_eq!(policy, "when_required");
    let (secret,): (Option<String>,) =
        sqlx::query_as("SELECT secret_hash FROM clients WHERE client_id = 'native.app'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(secret, None, "a public client has no secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_post_logout_uri_stops_logout_from_redirecting_to_it() {
    let app = spawn_app().await;
    let id_token = app.signed_in_id_token().await;
    let logout = app.logout_path(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", POST_LOGOUT),
        ("state", "s1"),
    ]);
    assert_eq!(app.get(&logout).await.status(), StatusCode::OK);

    let admin = admin(&app).await;
    let form = client_form(&[
        ("original", demo::CLIENT_ID),
        ("client[name]", "Demo relying party"),
        ("client[redirect_uris][]", demo::REDIRECT_URIS[0]),
        ("client[post_logout_redirect_uris][]", ""),
    ]);
    let response = post(&app, &admin, "/api/admin/client/save", &form).await;
    assert_eq!(location(&response).path(), "/admin/clients/demo-rp");
    assert_eq!(
        audit_count(&app, demo::ADMIN, "client.updated", demo::CLIENT_ID).await,
        1
    );

    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("has not registered"));
    let confirmed = app.confirm(&dialog_form(&html), "yes").await;
    assert_eq!(
        location(&confirmed).path(),
        "/logout/done",
        "never to the removed URI"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_keeps_the_client_id_and_the_secret() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let form = client_form(&[
        ("original", demo::CLIENT_ID),
        ("client[client_id]", "renamed"),
        ("client[name]", "Renamed"),
    ]);
    post(&app, &admin, "/api/admin/client/save", &form).await;
    let (name, secret): (String, String) =
        sqlx::query_as("SELECT name, secret_hash FROM clients WHERE client_id = 'demo-rp'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name, "Renamed");
    assert_eq!(secret, sha256_b64(demo::CLIENT_SECRET));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM clients WHERE client_id = 'renamed'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_secret_replaces_the_old_one() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let response = post(
        &app,
        &admin,
        "/api/admin/client/secret",
        &[("client_id", demo::CLIENT_ID)],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the page shows the new secret"
    );
    let html = response.text().await.unwrap();
    let marker = "data-testid=\"client-secret\">";
    let start = html.find(marker).expect("the secret is shown") + marker.len();
    let secret = html[start..].split('<').next().unwrap().to_owned();
    let (stored,): (String,) =
        sqlx::query_as("SELECT secret_hash FROM clients WHERE client_id = 'demo-rp'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, sha256_b64(&secret));
    let code = query_param(&app.sign_in_and_authorize(&[]).await, "code").unwrap();
    let response = app.redeem(&code, Some(VERIFIER)).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the old secret is refused"
    );
    assert_eq!(
        audit_count(
            &app,
            demo::ADMIN,
            "client.secret_regenerated",
            demo::CLIENT_ID
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_client_ends_its_client_sessions_and_revokes_its_tokens() {
    let app = spawn_app().await;
    let code = query_param(&app.sign_in_and_authorize(&[]).await, "code").unwrap();
    let tokens: serde_json::Value = app
        .redeem(&code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM rp_sessions WHERE client_id = 'demo-rp' AND ended_at IS NULL"
        )
        .await,
        1
    );

    let admin = admin(&app).await;
    let (status, html) = page(&app, &admin, "/admin/clients/demo-rp/delete").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Delete Demo relying party?"),
        "a confirmation step first"
    );
    let response = post(
        &app,
        &admin,
        "/api/admin/client/delete",
        &[("client_id", demo::CLIENT_ID)],
    )
    .await;
    assert_eq!(location(&response).path(), "/admin/clients");

    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM rp_sessions WHERE client_id = 'demo-rp' AND ended_at IS NULL"
        )
        .await,
        0
    );
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM audit_events WHERE action = 'client.deleted' AND actor = 'admin' AND subject = 'demo-rp'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&detail).unwrap()["ended_client_sessions"],
        1
    );
    // The user's OP session is not the client's to end.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM op_sessions WHERE ended_at IS NULL"
        )
        .await,
        2
    );
    let (status, _) = page(&app, &admin, "/admin/clients/demo-rp").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn user_sid(app: &TestApp) -> String {
    let (sid,): (String,) = sqlx::query_as(
        "SELECT s.sid FROM op_sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.username = 'demo' AND s.ended_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_a_session_ends_it_through_the_termination_path() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    let sid = user_sid(&app).await;
    let admin = admin(&app).await;
    let (_, html) = page(&app, &admin, "/admin/sessions?user=dem").await;
    assert!(
        html.contains(&sid[..8]) && html.contains("demo-rp"),
        "listed with its clients"
    );
    let (_, html) = page(&app, &admin, "/admin/sessions?user=nobody").await;
    assert!(!html.contains(&sid[..8]), "the filter applies");

    let response = post(
        &app,
        &admin,
        "/api/admin/session/end",
        &[("sid", &sid), ("user", "dem")],
    )
    .await;
    let back = location(&response);
    assert_eq!(
        (back.path(), back.query()),
        ("/admin/sessions", Some("user=dem"))
    );
    assert_eq!(app.silent_authorize().await, Err("login_required".into()));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM rp_sessions WHERE ended_at IS NULL"
        )
        .await,
        0
    );
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM audit_events WHERE action = 'logout.op_session_ended' AND actor = 'admin' AND subject = ?",
    )
    .bind(&sid)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(detail.contains("admin_signed_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_ends_their_sessions_and_stops_their_login() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    let admin = admin(&app).await;
    let response = post(
        &app,
        &admin,
        "/api/admin/user/change",
        &[("username", demo::USER), ("action", "disable")],
    )
    .await;
    assert_eq!(location(&response).path(), "/admin/users");
    assert_eq!(app.silent_authorize().await, Err("login_required".into()));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM op_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'demo' AND s.ended_at IS NULL").await,
        0
    );
    assert_eq!(
        audit_count(&app, demo::ADMIN, "user.disabled", demo::USER).await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'logout.op_session_ended' AND actor = 'admin'").await,
        1
    );
    let csrf = app.login_csrf(None).await;
    let refused = app
        .post_login(demo::USER, demo::PASSWORD, &csrf, None)
        .await;
    assert_eq!(
        query_param(&location(&refused), "error").as_deref(),
        Some("invalid")
    );

    post(
        &app,
        &admin,
        "/api/admin/user/change",
        &[("username", demo::USER), ("action", "enable")],
    )
    .await;
    signed_in(&app, demo::USER, demo::PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_disable_or_demote_themselves() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    for action in ["disable", "revoke_admin"] {
        post(
            &app,
            &admin,
            "/api/admin/user/change",
            &[("username", demo::ADMIN), ("action", action)],
        )
        .await;
        let (_, html) = page(&app, &admin, "/admin/users").await;
        assert!(
            html.contains("You cannot do this to your own account."),
            "{action}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE username = 'admin' AND is_admin = 1 AND disabled_at IS NULL").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_reset_and_promoted() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    post(
        &app,
        &admin,
        "/api/admin/user/create",
        &[("username", "carol"), ("password", "short")],
    )
    .await;
    let (_, html) = page(&app, &admin, "/admin/users").await;
    assert!(html.contains("at least 8 characters"));
    post(
        &app,
        &admin,
        "/api/admin/user/create",
        &[("username", "carol"), ("password", "carol-pw-1")],
    )
    .await;
    let carol = signed_in(&app, "carol", "carol-pw-1").await;
    assert_eq!(
        page(&app, &carol, "/admin/users").await.0,
        StatusCode::FORBIDDEN
    );

    post(
        &app,
        &admin,
        "/api/admin/user/change",
        &[
            ("username", "carol"),
            ("action", "reset_password"),
            ("password", "carol-pw-2"),
        ],
    )
    .await;
    post(
        &app,
        &admin,
        "/api/admin/user/change",
        &[("username", "carol"), ("action", "grant_admin")],
    )
    .await;
    let carol = signed_in(&app, "carol", "carol-pw-2").await;
    assert_eq!(page(&app, &carol, "/admin/users").await.0, StatusCode::OK);
    for action in ["user.created", "user.password_reset", "user.admin_granted"] {
        assert_eq!(
            audit_count(&app, demo::ADMIN, action, "carol").await,
            1,
            "{action}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_newest_first_and_paginated() {
    let app = spawn_app().await;
    for i in 0..60 {
        sqlx::query(
            "INSERT INTO audit_events (occurred_at, actor, action, subject) VALUES (?, 'test', 'test.event', ?)",
        )
        .bind(2_000_000_000_i64 + i)
        .bind(format!("subject-{i:02}"))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let admin = admin(&app).await;
    let (_, first) = page(&app, &admin, "/admin/audit").await;
    let newest = first.find("subject-59").expect("the newest is on page 1");
    let older = first.find("subject-58").unwrap();
    assert!(newest < older, "newest first");
    assert!(!first.contains("subject-09"));
    assert!(first.contains("href=\"/admin/audit?page=2\""));
    let (_, second) = page(&app, &admin, "/admin/audit?page=2").await;
    assert!(second.contains("subject-09") && second.contains("subject-00"));
    assert!(!second.contains("subject-10\"") && second.contains("href=\"/admin/audit?page=1\""));
}

/// The end-session endpoint keeps clients and sessions in memory; a change in
/// the console must reach it at once. This signs the demo user in and shows
/// the dialog for a logout to the demo client's post-logout URI, so both are
/// cached; it returns that logout's path.
async fn logout_shown_once(app: &TestApp) -> String {
    let hint = app.signed_in_id_token().await;
    let logout = app.logout_path(&[
        ("id_token_hint", &hint),
        ("post_logout_redirect_uri", POST_LOGOUT),
    ]);
    assert_eq!(app.get(&logout).await.status(), StatusCode::OK);
    logout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_logout_uri_removed_in_the_console_stops_redirecting_at_once() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let admin = admin(&app).await;
    let form = client_form(&[("original", demo::CLIENT_ID)]);
    post(&app, &admin, "/api/admin/client/save", &form).await;

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
    let admin = admin(&app).await;
    post(&app, &admin, "/api/admin/session/end", &[("sid", &sid)]).await;

    // Nothing left to end: the validated redirect at once (RIL §4), no dialog.
    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(location(&response).as_str().starts_with(POST_LOGOUT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_users_session_is_no_longer_offered_in_the_dialog() {
    let app = spawn_app().await;
    let logout = logout_shown_once(&app).await;

    let admin = admin(&app).await;
    post(
        &app,
        &admin,
        "/api/admin/user/change",
        &[("username", demo::USER), ("action", "disable")],
    )
    .await;

    // The hint is still valid, so its redirect is honoured; no dialog.
    let response = app.get(&logout).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(location(&response).as_str().starts_with(POST_LOGOUT));
}
