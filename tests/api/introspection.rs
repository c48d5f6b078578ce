//! Token revocation (RFC 7009) and introspection (RFC 7662).

use reqwest::StatusCode;
use serde_json::{Value, json};
use signoff::server::commands::demo;

use crate::helpers::{TestApp, call, claims_of, location, spawn_app};

async fn introspect(app: &TestApp, token: &str) -> (StatusCode, Value) {
    call(
        app,
        "/introspect",
        demo::CLIENT_ID,
        Some(demo::CLIENT_SECRET),
        &[("token", token)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_active_with_its_claims_until_the_user_logs_out() {
    let app = spawn_app().await;
    let discovery: Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["revocation_endpoint"], app.url("/revoke"));
    assert_eq!(discovery["introspection_endpoint"], app.url("/introspect"));

    let callback = app.sign_in_and_authorize(&[]).await;
    let tokens = app.tokens_for(&callback).await;
    let (status, answer) = introspect(&app, &tokens.access_token).await;
    assert_eq!(status, StatusCode::OK);
    let id = claims_of(&tokens.id_token);
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], demo::CLIENT_ID);
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!((&answer["sub"], &answer["sid"]), (&id["sub"], &id["sid"]));
    assert_eq!(answer["iss"], id["iss"]);
    assert!(answer["scope"].as_str().unwrap().contains("openid"));
    let (iat, exp) = (
        answer["iat"].as_i64().unwrap(),
        answer["exp"].as_i64().unwrap(),
    );
    assert!(iat <= crate::helpers::now() && exp > crate::helpers::now());

    let status = app
        .get("/userStatus.json?logUserOut=true")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(status, r#"{"loggedIn":false}"#);
    assert_eq!(
        introspect(&app, &tokens.access_token).await,
        (StatusCode::OK, json!({ "active": false })),
        "after logout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_needs_a_confidential_client_and_tells_it_only_about_its_own_tokens() {
    let app = spawn_app().await;
    let tokens = app.tokens_for(&app.sign_in_and_authorize(&[]).await).await;
    let token = tokens.access_token.as_str();

    for (client, secret) in [
        (demo::CLIENT_ID, Some("wrong-secret")),
        (demo::PUBLIC_CLIENT_ID, None),
        ("nobody", Some(demo::CLIENT_SECRET)),
    ] {
        let (status, answer) = call(&app, "/introspect", client, secret, &[("token", token)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{client}");
        assert_eq!(answer["error"], "invalid_client", "{client}");
    }
    // Another client, with a right secret, learns nothing about this token.
    let (status, answer) = call(
        &app,
        "/introspect",
        demo::FRONTCHANNEL_CLIENT_ID,
        Some(demo::CLIENT_SECRET),
        &[("token", token)],
    )
    .await;
    assert_eq!(
        (status, answer),
        (StatusCode::OK, json!({ "active": false }))
    );
    assert_eq!(
        introspect(&app, "not-a-token").await,
        (StatusCode::OK, json!({ "active": false }))
    );
    let (status, answer) = call(
        &app,
        "/introspect",
        demo::CLIENT_ID,
        Some(demo::CLIENT_SECRET),
        &[("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(
        (status, &answer["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_request"))
    );
    assert_eq!(
        introspect(&app, token).await.1["active"],
        true,
        "still active"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_revokes_its_own_token_and_any_other_token_gets_200_and_stays() {
    let app = spawn_app().await;
    let mine = app
        .tokens_for(&app.sign_in_and_authorize(&[]).await)
        .await
        .access_token;
    // A second token of the same session, through single sign-on.
    let again = location(&app.get(&app.authorize_path(&[])).await);
    let other = app.tokens_for(&again).await.access_token;
    assert_eq!(app.userinfo_status(&mine).await, StatusCode::OK);

    // Bad authentication is refused and revokes nothing.
    let (status, answer) = call(
        &app,
        "/revoke",
        demo::CLIENT_ID,
        Some("wrong"),
        &[("token", &mine)],
    )
    .await;
    assert_eq!(
        (status, &answer["error"]),
        (StatusCode::UNAUTHORIZED, &json!("invalid_client"))
    );
    assert_eq!(app.userinfo_status(&mine).await, StatusCode::OK);

    // Another client cannot revoke it: 200, and the token still works.
    let (status, _) = call(
        &app,
        "/revoke",
        demo::FRONTCHANNEL_CLIENT_ID,
        Some(demo::CLIENT_SECRET),
        &[("token", &mine)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.userinfo_status(&mine).await, StatusCode::OK);

    for token in [mine.as_str(), mine.as_str(), "unknown-token"] {
        let (status, _) = call(
            &app,
            "/revoke",
            demo::CLIENT_ID,
            Some(demo::CLIENT_SECRET),
            &[("token", token), ("token_type_hint", "access_token")],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "revoked, again, or unknown: all 200"
        );
    }
    assert_eq!(app.userinfo_status(&mine).await, StatusCode::UNAUTHORIZED);
    assert_eq!(introspect(&app, &mine).await.1, json!({ "active": false }));
    assert_eq!(
        app.userinfo_status(&other).await,
        StatusCode::OK,
        "only that token"
    );
}
