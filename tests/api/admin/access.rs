//! Who may use the console: sign-in, roles, CSRF, caching and framing.

use super::*;

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
    ("/api/admin/overview", &[]),
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
    let user = Browser::signed_in(&app, demo::USER, demo::PASSWORD).await;
    for path in PAGES {
        let (status, html) = user.page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("Access denied"), "{path}");
    }
    // The user's own valid CSRF token: only the role can refuse these.
    let csrf = user.csrf_on("/login").await;
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
        count(&app, "SELECT COUNT(*) FROM users WHERE is_admin = TRUE").await,
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
    let admin = Browser::admin(&app).await;
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
    let admin = Browser::admin(&app).await;
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
