//! Refresh tokens (RFC 6749 §6, OIDC Core §11–12): rotation, reuse
//! detection, binding to the OP session, offline access after consent, and
//! revocation and introspection of refresh tokens (RFC 7009, RFC 7662).

use reqwest::StatusCode;
use serde_json::{Value, json};
use signoff::server::commands::demo;

use crate::helpers::{
    Browser, TestApp, Tokens, browser, call, claims_of, dialog_form, form_field, location,
    query_param, spawn_app,
};

/// POSTs `form` to `path` as the demo client (HTTP Basic).
async fn as_client(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    call(app, path, demo::CLIENT_ID, Some(demo::CLIENT_SECRET), form).await
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (StatusCode, Value) {
    as_client(
        app,
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

async fn introspect(app: &TestApp, token: &str) -> Value {
    as_client(app, "/introspect", &[("token", token)]).await.1
}

fn refresh_token_of(tokens: &Tokens) -> String {
    tokens.refresh_token.clone().expect("a refresh token")
}

async fn signed_in_tokens(app: &TestApp) -> Tokens {
    app.tokens_for(&app.sign_in_and_authorize(&[]).await).await
}

/// Signs in asking for offline access with `prompt=consent`, answers the
/// consent page with `decision`, and redeems the code.
async fn offline_tokens(app: &TestApp, decision: &str) -> (Tokens, Value) {
    let consent = app
        .sign_in_and_authorize(&[
            ("scope", "openid profile offline_access"),
            ("prompt", "consent"),
        ])
        .await;
    assert_eq!(consent.path(), "/consent", "{consent}");
    let page = app
        .get(&format!("{}?{}", consent.path(), consent.query().unwrap()))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["cache-control"],
        "no-store",
        "the page carries a sealed request"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo relying party"), "names the client");
    let request = form_field(&html, "request");
    let callback = location(&answer_consent(&app.client, app, &request, decision).await);
    let tokens = app.tokens_for(&callback).await;
    let granted = introspect(app, &tokens.access_token).await;
    let again = answer_consent(&app.client, app, &request, decision).await;
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "answered once only"
    );
    (tokens, granted)
}

/// Posts the consent form as `browser` does.
async fn answer_consent(
    browser: &reqwest::Client,
    app: &TestApp,
    request: &str,
    decision: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/consent"))
        .form(&[("request", request), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_rotates_the_token_and_a_reused_one_revokes_the_whole_grant() {
    let app = spawn_app().await;
    let discovery: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["grant_types_supported"],
        json!(["authorization_code", "refresh_token"])
    );
    let first = signed_in_tokens(&app).await;
    let first_refresh = refresh_token_of(&first);
    let (status, second) = refresh(&app, &first_refresh).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh, "rotated");
    // OIDC Core §12.2: same iss, sub, aud, sid and auth_time; no nonce.
    let (old, new) = (
        claims_of(&first.id_token),
        claims_of(second["id_token"].as_str().unwrap()),
    );
    for claim in ["iss", "sub", "aud", "sid", "auth_time"] {
        assert_eq!(old[claim], new[claim], "{claim}");
    }
    assert!(new.get("nonce").is_none());
    let second_access = second["access_token"].as_str().unwrap();
    assert_eq!(app.userinfo_status(second_access).await, StatusCode::OK);
    let narrowed = as_client(
        &app,
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &second_refresh),
            ("scope", "openid email"),
        ],
    )
    .await;
    assert_eq!(
        (narrowed.0, narrowed.1["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope")),
        "no scope beyond the grant's, and the token is not spent by it"
    );

    // The first token again: someone else holds a copy. The grant dies.
    let (status, answer) = refresh(&app, &first_refresh).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = refresh(&app, &second_refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the family is revoked");
    assert_eq!(
        introspect(&app, second_access).await,
        json!({ "active": false })
    );
    assert_eq!(
        introspect(&app, &first.access_token).await,
        json!({ "active": false })
    );
    let (reuses,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE action = 'token.refresh_reused'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(reuses, 1);
    // The user is still signed in: only the grant died.
    let status: Value = app.get("/userStatus.json").await.json().await.unwrap();
    assert_eq!(status["loggedIn"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refreshes_with_one_token_at_once_give_one_new_token() {
    let app = spawn_app().await;
    let token = refresh_token_of(&signed_in_tokens(&app).await);
    let (a, b) = tokio::join!(refresh(&app, &token), refresh(&app, &token));
    let ok = [&a, &b].iter().filter(|r| r.0 == StatusCode::OK).count();
    assert!(ok <= 1, "{a:?} {b:?}");
}

/// Each way an OP session ends, as the browser of `app` does it.
async fn end_session(app: &TestApp, trigger: &str, tokens: &Tokens) {
    match trigger {
        "orcid" => {
            app.get("/userStatus.json?logUserOut=true").await;
        }
        "signout" => {
            app.get("/signout").await;
        }
        "dialog_yes" | "dialog_no" => {
            let path = app.logout_path(&[
                ("id_token_hint", &tokens.id_token),
                ("post_logout_redirect_uri", demo::POST_LOGOUT_REDIRECT_URI),
            ]);
            let html = app.get(&path).await.text().await.unwrap();
            let choice = if trigger == "dialog_yes" { "yes" } else { "no" };
            let answer = app.confirm(&dialog_form(&html), choice).await;
            assert!(answer.status().is_redirection(), "{trigger}");
        }
        "expiry" => {
            sqlx::query("UPDATE op_sessions SET auth_time = auth_time - 13 * 3600")
                .execute(&app.pool)
                .await
                .unwrap();
            signoff::server::maintenance::expire_op_sessions(app.state())
                .await
                .unwrap();
        }
        other => panic!("no trigger {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_logout_revokes_the_sessions_tokens_but_an_offline_one_survives() {
    for trigger in ["orcid", "signout", "dialog_yes", "dialog_no", "expiry"] {
        let app = spawn_app().await;
        let (offline, granted) = offline_tokens(&app, "allow").await;
        assert_eq!(
            granted["scope"], "openid profile offline_access",
            "{trigger}"
        );
        assert!(
            granted.get("sid").is_none(),
            "an offline grant is not bound"
        );
        let bound = app
            .tokens_for(&location(&app.get(&app.authorize_path(&[])).await))
            .await;
        let bound_refresh = refresh_token_of(&bound);
        assert_eq!(
            introspect(&app, &bound_refresh).await["token_type"],
            "refresh_token"
        );

        end_session(&app, trigger, &bound).await;

        for token in [&bound.access_token, &bound_refresh] {
            assert_eq!(
                introspect(&app, token).await,
                json!({ "active": false }),
                "{trigger}"
            );
        }
        let (status, answer) = refresh(&app, &bound_refresh).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{trigger}"
        );
        // The offline grant goes on, without an ID token once no sign-in vouches for it.
        let (status, answer) = refresh(&app, &refresh_token_of(&offline)).await;
        assert_eq!(status, StatusCode::OK, "{trigger}: {answer}");
        if trigger != "dialog_no" {
            assert!(answer.get("id_token").is_none(), "{trigger}: {answer}");
        }
        let access = answer["access_token"].as_str().unwrap();
        assert_eq!(
            app.userinfo_status(access).await,
            StatusCode::OK,
            "{trigger}"
        );
        assert_eq!(introspect(&app, access).await["active"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_access_is_dropped_when_the_user_declines_or_consent_was_not_asked() {
    let app = spawn_app().await;
    let (declined, granted) = offline_tokens(&app, "deny").await;
    assert_eq!(granted["scope"], "openid profile");
    assert!(granted["sid"].is_string(), "bound to the session");
    app.get("/userStatus.json?logUserOut=true").await;
    let (status, _) = refresh(&app, &refresh_token_of(&declined)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Without prompt=consent the scope is ignored (OIDC Core §11), no page.
    let callback = app
        .sign_in_and_authorize(&[("scope", "openid offline_access")])
        .await;
    assert_eq!(query_param(&callback, "state").as_deref(), Some("st-1"));
    let tokens = app.tokens_for(&callback).await;
    assert_eq!(
        introspect(&app, &tokens.access_token).await["scope"],
        "openid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_question_is_only_answered_by_the_browser_it_was_asked_in() {
    let app = spawn_app().await;
    let consent = app
        .sign_in_and_authorize(&[("scope", "openid offline_access"), ("prompt", "consent")])
        .await;
    let path = format!("{}?{}", consent.path(), consent.query().unwrap());
    let stranger = Browser::new(&app);
    assert_eq!(stranger.page(&path).await.0, StatusCode::BAD_REQUEST);
    let request = query_param(&consent, "request").unwrap();
    let tampered = format!("{request}x");
    for (browser, request, decision) in [
        (&*stranger, request.as_str(), "allow"),
        (&app.client, tampered.as_str(), "allow"),
        (&app.client, request.as_str(), "maybe"),
    ] {
        let answer = answer_consent(browser, &app, request, decision).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{decision}");
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM authorization_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing was issued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_refresh_token_revokes_its_grant_and_unknown_tokens_are_still_200() {
    let app = spawn_app().await;
    let tokens = signed_in_tokens(&app).await;
    let refresh_token = refresh_token_of(&tokens);
    let (status, _) = as_client(&app, "/revoke", &[("token", "no-such-token")]).await;
    assert_eq!(status, StatusCode::OK, "RFC 7009 §2.2");
    // Another client cannot revoke it, and is told nothing.
    let other = browser()
        .post(app.url("/revoke"))
        .basic_auth(demo::FRONTCHANNEL_CLIENT_ID, Some(demo::CLIENT_SECRET))
        .form(&[("token", refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(introspect(&app, &refresh_token).await["active"], true);
    // A wrong secret is refused.
    let bad = browser()
        .post(app.url("/revoke"))
        .basic_auth(demo::CLIENT_ID, Some("wrong"))
        .form(&[("token", refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(introspect(&app, &refresh_token).await["active"], true);

    let (status, _) = as_client(
        &app,
        "/revoke",
        &[
            ("token", &refresh_token),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        introspect(&app, &refresh_token).await,
        json!({ "active": false })
    );
    assert_eq!(
        introspect(&app, &tokens.access_token).await,
        json!({ "active": false }),
        "the access token of the same grant (RFC 7009 §2.1)"
    );
    let (status, _) = refresh(&app, &refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_not_registered_for_refresh_tokens_gets_none_and_may_not_use_one() {
    let app = spawn_app().await;
    let tokens = signed_in_tokens(&app).await;
    let refresh_token = refresh_token_of(&tokens);
    sqlx::query("UPDATE clients SET grant_types = '[\"authorization_code\"]' WHERE client_id = $1")
        .bind(demo::CLIENT_ID)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, answer) = refresh(&app, &refresh_token).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
    let next = app
        .tokens_for(&location(&app.get(&app.authorize_path(&[])).await))
        .await;
    assert!(next.refresh_token.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_or_resetting_their_password_revokes_even_offline_tokens() {
    for action in ["disable", "reset_password"] {
        let app = spawn_app().await;
        let (offline, _) = offline_tokens(&app, "allow").await;
        let admin = Browser::admin(&app).await;
        let mut form = vec![("username", demo::USER), ("action", action)];
        if action == "reset_password" {
            form.push(("password", "a brand new long passphrase"));
        }
        let done = admin.submit("/api/admin/user/change", &form).await;
        assert!(done.status().is_redirection(), "{action}");
        if action == "disable" {
            let enable = [("username", demo::USER), ("action", "enable")];
            admin.submit("/api/admin/user/change", &enable).await;
        }
        let (status, answer) = refresh(&app, &refresh_token_of(&offline)).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{action}"
        );
        assert_eq!(
            introspect(&app, &offline.access_token).await,
            json!({ "active": false }),
            "{action}"
        );
    }
}
