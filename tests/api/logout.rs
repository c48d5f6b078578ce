//! The end-session endpoint: the decision table (spec digest §8) and the OIDF
//! RP-initiated logout cases (§5.1), through HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use signoff::server::commands::demo;
use signoff::server::commands::{ClientSpec, add_client};

use crate::helpers::{
    Browser, POST_LOGOUT, TestApp, attribute, browser, claims_of, dialog_form, header, location,
    query_param, spawn_app, texts,
};

/// The OIDF suite's end-session state: 90 printable characters incl. & = # % ? / " < >.
fn oidf_state() -> String {
    let punct = "!\"#$%&'()*,-./:<=>?@[\\]^_`{|}~";
    let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX";
    format!("{letters}0123456789{punct}")
}

/// The claims of a JWT, without checking anything.
async fn op_session_ended(app: &TestApp) -> bool {
    let (ended,): (Option<i64>,) =
        sqlx::query_as("SELECT ended_at FROM op_sessions ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    ended.is_some()
}

async fn dialog(app: &TestApp, pairs: &[(&str, &str)]) -> (reqwest::StatusCode, String) {
    let response = app.get(&app.logout_path(pairs)).await;
    let status = response.status();
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(header(&response, "content-security-policy").contains("frame-ancestors 'none'"));
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_ends_the_op_session_and_redirects_with_the_exact_state() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let state = oidf_state();

    let (status, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", &state),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&html, "[data-testid=client-name]"),
        ["Demo relying party"]
    );
    assert_eq!(texts(&html, "[data-testid=username]"), ["demo"]);
    assert_eq!(
        texts(&html, ".question"),
        ["Do you also want to sign out of signoff?"]
    );
    assert_eq!(
        texts(&html, "button[name=choice]"),
        ["Yes, sign out of signoff", "No, stay signed in"]
    );
    let (browsers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM browser_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(browsers, 1, "the signed-in browser's session is stored");
    let confirmed = app.confirm(&dialog_form(&html), "yes").await;
    let target = location(&confirmed);

    assert!(target.as_str().starts_with(POST_LOGOUT));
    assert_eq!(
        query_param(&target, "state").as_deref(),
        Some(state.as_str()),
        "state byte-identical"
    );
    assert!(op_session_ended(&app).await);
    // The browser session ends with it: its row in the same transaction,
    // and its cookie.
    let (browsers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM browser_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(browsers, 0, "the browser session's row is gone");
    assert!(
        header(&confirmed, "set-cookie").contains("Max-Age=0"),
        "{}",
        header(&confirmed, "set-cookie")
    );
    assert_eq!(
        app.silent_authorize().await,
        Err("login_required".to_owned())
    );
    let (open,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rp_sessions WHERE ended_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(open, 0);
    let (action,): (String,) =
        sqlx::query_as("SELECT action FROM audit_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(action, "logout.op_session_ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_keeps_the_op_session_removes_the_client_and_still_redirects() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;

    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s1"),
        ],
    )
    .await;
    let target = location(&app.confirm(&dialog_form(&html), "no").await);

    assert_eq!(target.as_str(), format!("{POST_LOGOUT}?state=s1"));
    assert!(!op_session_ended(&app).await);
    let (ended,): (Option<i64>,) =
        sqlx::query_as("SELECT ended_at FROM rp_sessions WHERE client_id = $1")
            .bind(demo::CLIENT_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(ended.is_some(), "the initiating client left the session");
    assert!(
        app.silent_authorize().await.is_ok(),
        "the OP session is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_state_means_no_state_in_the_redirect() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;

    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);

    assert_eq!(target.as_str(), POST_LOGOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_post_logout_uri_the_user_sees_the_signed_out_page() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;

    let (_, html) = dialog(&app, &[("id_token_hint", &hint), ("state", "s")]).await;
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);

    assert_eq!(target.path(), "/logout/done");
    let page = app
        .get(&format!("/logout/done?{}", target.query().unwrap()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("You are signed out"));
    assert!(op_session_ended(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_parameters_or_only_state_ask_then_sign_out_without_redirect() {
    for pairs in [vec![], vec![("state", "only")]] {
        let app = spawn_app().await;
        app.signed_in_id_token().await;

        let (status, html) = dialog(&app, &pairs).await;
        assert_eq!(status, 200);
        let target = location(&app.confirm(&dialog_form(&html), "yes").await);

        assert_eq!(target.path(), "/logout/done", "{pairs:?}");
        assert!(op_session_ended(&app).await);
        assert_eq!(
            app.silent_authorize().await,
            Err("login_required".to_owned())
        );
    }
}

/// OIDF negative cases: a 400 page that still offers to sign out, and no redirect.
async fn assert_refused_without_redirect(app: &TestApp, pairs: &[(&str, &str)], expected: &str) {
    let (status, html) = dialog(app, pairs).await;
    assert_eq!(status, 400, "{pairs:?}");
    assert!(html.contains(expected), "{expected:?} not in {html}");
    assert!(
        html.contains("Do you also want to sign out of signoff?"),
        "it still offers to sign out"
    );
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);
    assert_eq!(
        target.path(),
        "/logout/done",
        "never redirected to the RP for {pairs:?}"
    );
    assert!(op_session_ended(app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_uri_or_one_with_an_added_query_is_refused() {
    for bad in [
        "http://127.0.0.1:8080/bad_post_logout_redirect_uri",
        &format!("{POST_LOGOUT}?foo=bar"),
    ] {
        let app = spawn_app().await;
        let hint = app.signed_in_id_token().await;
        assert_refused_without_redirect(
            &app,
            &[
                ("id_token_hint", &hint),
                ("post_logout_redirect_uri", bad),
                ("state", "s"),
            ],
            "has not registered",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hint_with_alg_none_is_refused() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let payload = hint.split('.').nth(1).unwrap();
    let forged = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));

    assert_refused_without_redirect(
        &app,
        &[
            ("id_token_hint", &forged),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ],
        "could not verify",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hint_signed_by_a_foreign_key_is_refused() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    // Same claims and kid, but signed by another RSA key (the suite's bad-hint case).
    let pem = signoff::server::keys::generate_key(signoff::server::keys::SigningAlg::Rs256, 0)
        .unwrap()
        .private_key_pem;
    let claims = claims_of(&hint);
    let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jwt_header.kid = jsonwebtoken::decode_header(&hint).unwrap().kid;
    let forged = jsonwebtoken::encode(
        &jwt_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();

    assert_refused_without_redirect(
        &app,
        &[
            ("id_token_hint", &forged),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ],
        "could not verify",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uri_without_hint_or_client_id_is_not_followed() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    assert_refused_without_redirect(
        &app,
        &[("post_logout_redirect_uri", POST_LOGOUT), ("state", "s")],
        "did not say which application",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_that_contradicts_the_hint_is_refused() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    assert_refused_without_redirect(
        &app,
        &[
            ("id_token_hint", &hint),
            ("client_id", demo::PUBLIC_CLIENT_ID),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
        "could not verify",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_id_is_enough_to_validate_the_uri_but_the_user_is_asked() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;

    let (status, html) = dialog(
        &app,
        &[
            ("client_id", demo::CLIENT_ID),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);

    assert_eq!(target.as_str(), format!("{POST_LOGOUT}?state=s"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_hint_for_a_recent_session_still_counts() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let mut claims = claims_of(&hint);
    claims["exp"] = serde_json::json!(claims["iat"].as_i64().unwrap() - 3600);
    let expired = app
        .state()
        .keys
        .sign_id_token(&claims, signoff::server::keys::SigningAlg::Rs256)
        .await
        .unwrap();

    let (status, html) = dialog(
        &app,
        &[
            ("id_token_hint", &expired),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);
    assert_eq!(target.as_str(), POST_LOGOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_uri_with_its_own_query_keeps_it() {
    let app = spawn_app().await;
    let with_query = "https://rp.example.com/bye?tenant=a";
    sqlx::query("UPDATE clients SET post_logout_redirect_uris = $1 WHERE client_id = $2")
        .bind(serde_json::json!([POST_LOGOUT, with_query]).to_string())
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
    let hint = app.signed_in_id_token().await;

    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", with_query),
            ("state", "x y"),
        ],
    )
    .await;
    let target = location(&app.confirm(&dialog_form(&html), "yes").await);

    assert_eq!(
        target.as_str(),
        "https://rp.example.com/bye?tenant=a&state=x+y"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_csrf_token_ends_nothing() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    let mut form = dialog_form(&html);
    form.csrf = "forged".into();

    let response = app.confirm(&form, "yes").await;

    assert_eq!(response.status(), 400);
    assert!(!op_session_ended(&app).await);
    assert!(app.silent_authorize().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_dialog_still_honours_the_validated_redirect() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ],
    )
    .await;
    let form = dialog_form(&html);
    app.confirm(&form, "yes").await;

    let target = location(&app.confirm(&form, "yes").await);

    assert_eq!(target.as_str(), format!("{POST_LOGOUT}?state=s"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_a_valid_request_redirects_at_once_and_others_see_signed_out() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    // Another browser, with no cookie.
    let stranger = Browser::new(&app);

    let response = stranger
        .get(app.url(&app.logout_path(&[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "z"),
        ])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&response).as_str(),
        format!("{POST_LOGOUT}?state=z")
    );
    assert!(!op_session_ended(&app).await, "nothing was ended");

    let page = stranger.get(app.url("/logout")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("You are signed out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_required_skips_the_dialog_only_for_a_request_that_proves_itself() {
    let app = spawn_app().await;
    sqlx::query("UPDATE clients SET logout_confirmation = 'when_required'")
        .execute(&app.pool)
        .await
        .unwrap();
    let hint = app.signed_in_id_token().await;

    let (_, html) = dialog(
        &app,
        &[
            ("id_token_hint", &hint),
            ("logout_hint", "someone-else"),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    assert!(
        html.contains("different account or session"),
        "a mismatching logout_hint forces the dialog"
    );

    let target = location(
        &app.get(&app.logout_path(&[
            ("id_token_hint", &hint),
            ("logout_hint", demo::USER),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ]))
        .await,
    );
    assert_eq!(target.as_str(), POST_LOGOUT);
    assert!(op_session_ended(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_locales_picks_german_and_unknown_tags_are_no_error() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;

    let (status, html) = dialog(
        &app,
        &[("id_token_hint", &hint), ("ui_locales", "tlh de-CH en")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Möchten Sie sich auch bei signoff abmelden?"),
        "{html}"
    );

    let (status, html) = dialog(&app, &[("id_token_hint", &hint), ("ui_locales", "tlh")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Do you also want to sign out of signoff?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_or_oversized_parameters_get_a_400_page() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    let huge = "h".repeat(9000);
    for path in [
        "/logout?state=a&state=b".to_owned(),
        app.logout_path(&[("id_token_hint", &huge)]),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 400, "{path}");
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_advertises_the_end_session_endpoint() {
    let app = spawn_app().await;
    let m: serde_json::Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["end_session_endpoint"], app.url("/logout"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_registered_with_the_cli_policy_is_honoured() {
    let app = spawn_app().await;
    add_client(
        &app.pool,
        ClientSpec {
            client_id: "quiet".into(),
            name: None,
            secret: None,
            public: false,
            redirect_uris: vec!["https://quiet.example/cb".into()],
            post_logout_redirect_uris: vec![],
            frontchannel_logout_uri: None,
            backchannel_logout_uri: None,
            confirmation: "when_required".into(),
            grant_types: vec![],
            id_token_alg: "RS256".into(),
        },
        "cli",
    )
    .await
    .unwrap();
    let (policy,): (String,) =
        sqlx::query_as("SELECT logout_confirmation FROM clients WHERE client_id = 'quiet'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(policy, "when_required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_after_a_bare_client_id_signs_the_user_out_of_no_client() {
    let app = spawn_app().await;
    let tokens = app.tokens_for(&app.sign_in_and_authorize(&[]).await).await;

    // A link anyone could write: client_id, no hint.
    let (_, html) = dialog(
        &app,
        &[
            ("client_id", demo::CLIENT_ID),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    let target = location(&app.confirm(&dialog_form(&html), "no").await);

    assert_eq!(
        target.as_str(),
        POST_LOGOUT,
        "the click may go on to the validated URI"
    );
    let (ended,): (Option<i64>,) =
        sqlx::query_as("SELECT ended_at FROM rp_sessions WHERE client_id = $1")
            .bind(demo::CLIENT_ID)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(ended, None, "the client stays in the session");
    assert_eq!(app.userinfo_status(&tokens.access_token).await, 200);
    assert!(!op_session_ended(&app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_named_only_by_client_id_never_redirects_without_a_click() {
    let app = spawn_app().await;
    let stranger = Browser::new(&app);

    let response = stranger
        .get(app.url(&app.logout_path(&[
            ("client_id", demo::CLIENT_ID),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "z 1"),
        ])))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert_eq!(texts(&html, "h1"), ["You are signed out"]);
    assert_eq!(
        texts(&html, "[data-testid=return-to]"),
        ["Return to Demo relying party"]
    );
    assert_eq!(
        attribute(&html, "[data-testid=return-to]", "href").as_deref(),
        Some(format!("{POST_LOGOUT}?state=z+1").as_str()),
        "the button goes to the validated URI with its state"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_post_is_used_once_and_its_hint_never_reaches_a_page() {
    let app = spawn_app().await;
    let hint = app.signed_in_id_token().await;
    let response = app
        .client
        .post(app.url("/logout"))
        .form(&[
            ("id_token_hint", hint.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "p"),
            ("unrelated", "kept nowhere"),
        ])
        .send()
        .await
        .unwrap();
    let next = location(&response);
    assert_eq!(next.path(), "/logout");
    assert!(
        !next.as_str().contains(&hint[..20]),
        "the hint stays out of the URL"
    );
    let pending = format!("/logout?{}", next.query().unwrap());
    let (params,): (String,) = sqlx::query_as("SELECT params FROM logout_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        !params.contains("unrelated"),
        "only §2 parameters are parked: {params}"
    );

    let html = app.get(&pending).await.text().await.unwrap();
    assert!(
        !html.contains(&hint[hint.len() - 30..]),
        "no hint in the page"
    );
    let form = dialog_form(&html);
    assert!(form.request.starts_with("pending="), "{}", form.request);
    let target = location(&app.confirm(&form, "yes").await);
    assert_eq!(target.as_str(), format!("{POST_LOGOUT}?state=p"));

    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM logout_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the parked request was used up");
    // The next person at this computer, from the history: nothing to see.
    let again = app.get(&pending).await;
    assert_eq!(again.status(), 400);
    let html = again.text().await.unwrap();
    assert!(!html.contains("Demo relying party"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_with_an_oversized_parameter_parks_nothing() {
    let app = spawn_app().await;
    let state = "s".repeat(2049);
    let response = app
        .client
        .post(app.url("/logout"))
        .form(&[("client_id", demo::CLIENT_ID), ("state", state.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let (parked,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM logout_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(parked, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_confirmation_writes_no_audit_row() {
    let app = spawn_app().await;
    let audit_rows = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        n
    };
    let before = audit_rows().await;

    for _ in 0..20 {
        let response = browser()
            .post(app.url("/api/logout/confirm"))
            .header("accept", "text/html")
            .form(&[
                ("csrf", "x"),
                ("request", "client_id=demo-rp"),
                ("choice", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
    }

    assert_eq!(audit_rows().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_result_page_names_nobody_from_the_url() {
    let app = spawn_app().await;
    let page = app
        .get("/logout/done?outcome=still_signed_in&lang=en&user=Mallory")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("You stay signed in"), "{page}");
    assert!(!page.contains("Mallory"));
}
