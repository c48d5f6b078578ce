//! Registering, validating, editing and deleting clients.

use super::*;

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
    let admin = Browser::admin(&app).await;
    let response = admin
        .submit("/api/admin/client/save", &client_form(&[]))
        .await;
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
    let (_, again) = admin.page("/admin/clients/shop").await;
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
    let admin = Browser::admin(&app).await;
    let form = client_form(&[("client[client_id]", "  ")]);
    let response = admin.submit("/api/admin/client/save", &form).await;
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
async fn refused_form(admin: &Browser, form: &[(&str, &str)]) -> String {
    let response = admin.submit("/api/admin/client/save", form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response).path(), "/admin/clients/new");
    let (status, html) = admin.page("/admin/clients/new").await;
    assert_eq!(status, StatusCode::OK);
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_validation_rule_refuses_bad_input_next_to_its_field() {
    let app = spawn_app().await;
    let admin = Browser::admin(&app).await;
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
        (
            "client[id_token_signed_response_alg]",
            "none",
            "choose RS256, ES256 or EdDSA",
        ),
    ];
    for (field, value, message) in cases {
        let html = refused_form(&admin, &client_form(&[(field, value)])).await;
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
    assert!(refused_form(&admin, &dup).await.contains("is listed twice"));
    let none = client_form(&[("client[redirect_uris][]", " ")]);
    assert!(
        refused_form(&admin, &none)
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
        refused_form(&admin, &too_many)
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
    let admin = Browser::admin(&app).await;
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
        let response = admin
            .submit("/api/admin/client/save", &client_form(&form))
            .await;
        let target = saved_to(response).await;
        assert_ne!(target, "/admin/clients/new", "{form:?} was refused");
    }
    let (fc, fc_required, policy): (String, signoff::server::db::Flag, String) = sqlx::query_as(
        "SELECT frontchannel_logout_uri, frontchannel_logout_session_required, logout_confirmation \
         FROM clients WHERE client_id = 'channels'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(fc, "https://shop.example.com:443/fc?tenant=a");
    assert!(fc_required.0);
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

    let admin = Browser::admin(&app).await;
    let form = client_form(&[
        ("original", demo::CLIENT_ID),
        ("client[name]", "Demo relying party"),
        ("client[redirect_uris][]", demo::REDIRECT_URIS[0]),
        ("client[post_logout_redirect_uris][]", ""),
    ]);
    let response = admin.submit("/api/admin/client/save", &form).await;
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
    let admin = Browser::admin(&app).await;
    let form = client_form(&[
        ("original", demo::CLIENT_ID),
        ("client[client_id]", "renamed"),
        ("client[name]", "Renamed"),
    ]);
    admin.submit("/api/admin/client/save", &form).await;
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
    let admin = Browser::admin(&app).await;
    let response = admin
        .submit(
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

    let admin = Browser::admin(&app).await;
    let (status, html) = admin.page("/admin/clients/demo-rp/delete").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Delete Demo relying party?"),
        "a confirmation step first"
    );
    let response = admin
        .submit(
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
    let (status, _) = admin.page("/admin/clients/demo-rp").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
