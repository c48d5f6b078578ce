use serde_json::Value;
use signoff::server::commands::demo;

use crate::helpers::{CALLBACK, VERIFIER, now, query_param, spawn_app, verify_with_jwks};

async fn fresh_code(app: &crate::helpers::TestApp) -> String {
    let target = app.sign_in_and_authorize(&[]).await;
    query_param(&target, "code").expect("a code")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_exchanged_for_an_id_token_that_verifies_against_the_jwks() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;

    let response = app.redeem(&code, Some(VERIFIER)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let id_token = body["id_token"].as_str().unwrap();

    let claims = verify_with_jwks(&app, id_token, demo::CLIENT_ID).await;
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(claims["azp"], demo::CLIENT_ID);
    assert_eq!(claims["preferred_username"], demo::USER);
    let (sid,): (String,) = sqlx::query_as("SELECT sid FROM op_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(claims["sid"], sid);

    let userinfo: Value = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], claims["sub"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_code_is_refused_and_revokes_the_first_access_token() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;
    let first: Value = app
        .redeem(&code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();

    let second = app.redeem(&code, Some(VERIFIER)).await;

    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let userinfo = app
        .client
        .get(app.url("/userinfo"))
        .bearer_auth(first["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_wrong_pkce_verifier_is_invalid_grant() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;
    let response = app.redeem(&code, None).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    // Signed in already: the next authorization answers with a code at once.
    let code = query_param(
        &crate::helpers::location(&app.get(&app.authorize_path(&[])).await),
        "code",
    )
    .unwrap();
    let wrong = "x".repeat(43);
    let response = app.redeem(&code, Some(&wrong)).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_is_invalid_client_with_a_challenge() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;

    let response = app
        .client
        .post(app.url("/token"))
        .basic_auth(demo::CLIENT_ID, Some("not-the-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_post_is_accepted_too() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;

    let response = app
        .client
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
            ("client_id", demo::CLIENT_ID),
            ("client_secret", demo::CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_describes_the_endpoints_and_capabilities() {
    let app = spawn_app().await;

    let m: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(m["issuer"], app.address);
    for flag in [
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
    ] {
        assert_eq!(m[flag], true, "{flag}");
    }
    assert_eq!(m["token_endpoint"], app.url("/token"));
    assert_eq!(m["jwks_uri"], app.url("/jwks.json"));
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        m["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256", "ES256"]),
        "RS256 always, and ES256 for the demo back-channel client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_codes_and_tokens_are_purged_but_live_ones_stay() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;
    app.redeem(&code, Some(VERIFIER)).await;
    sqlx::query("UPDATE authorization_codes SET expires_at = 0")
        .execute(&app.pool)
        .await
        .unwrap();

    let purged = signoff::server::maintenance::purge_expired(app.state(), now())
        .await
        .unwrap();

    assert_eq!((purged.codes, purged.tokens), (1, 0));
}

/// Redeems `code` as another registered client (same secret, same redirect URI).
async fn redeem_as_other_client(app: &crate::helpers::TestApp, code: &str) -> reqwest::Response {
    app.client
        .post(app.url("/token"))
        .basic_auth(demo::FRONTCHANNEL_CLIENT_ID, Some(demo::CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_client_replaying_a_used_code_revokes_nothing_of_the_owner() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;
    let owner: Value = app
        .redeem(&code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let access_token = owner["access_token"].as_str().unwrap();

    let replay = redeem_as_other_client(&app, &code).await;

    assert_eq!(replay.status(), 400);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        app.userinfo_status(access_token).await,
        200,
        "the owner's token lives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mismatched_client_redirect_uri_or_verifier_does_not_spend_the_code() {
    let app = spawn_app().await;
    let code = fresh_code(&app).await;

    let foreign = redeem_as_other_client(&app, &code).await;
    assert_eq!(foreign.status(), 400);
    let wrong_verifier = app.redeem(&code, Some(&"x".repeat(43))).await;
    assert_eq!(wrong_verifier.status(), 400);
    let wrong_uri = app
        .client
        .post(app.url("/token"))
        .basic_auth(demo::CLIENT_ID, Some(demo::CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", demo::REDIRECT_URIS[1]),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_uri.status(), 400);

    let owner = app.redeem(&code, Some(VERIFIER)).await;
    assert_eq!(
        owner.status(),
        200,
        "the code is still the owner's to spend"
    );
}
