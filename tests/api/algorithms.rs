//! Signing keys of three algorithms (RS256, ES256, EdDSA): each client's ID
//! tokens and logout tokens use the algorithm it registered, verify against
//! `/jwks.json`, and serve as `id_token_hint`; a client is refused for an
//! algorithm no active key has.

use std::time::Duration;

use signoff::server::commands::{ClientSpec, add_client, retire_key, rotate_keys};
use signoff::server::keys::SigningAlg;

use crate::helpers::{
    TestApp, VERIFIER, call, claims_of, dialog_form, location, query_param, spawn_app,
    verify_with_jwks,
};
use crate::receiver::{Answer, Receiver};

const SECRET: &str = "algorithm-test-secret-0123456789abcdef0123456789";

/// Registers `client_id` signing with `alg`, told of logouts at `backchannel`.
async fn register(
    app: &TestApp,
    client_id: &str,
    alg: &str,
    backchannel: &str,
) -> anyhow::Result<()> {
    add_client(
        &app.pool,
        ClientSpec {
            client_id: client_id.into(),
            name: Some(format!("{alg} app")),
            secret: Some(SECRET.into()),
            public: false,
            redirect_uris: vec![format!("http://127.0.0.1:9/{client_id}/cb")],
            post_logout_redirect_uris: vec![],
            frontchannel_logout_uri: None,
            backchannel_logout_uri: Some(backchannel.into()),
            confirmation: "always".into(),
            grant_types: vec![],
            id_token_alg: alg.into(),
        },
        "cli",
    )
    .await
    .map(|_| ())
}

/// Signs in (or in again, by single sign-on) to `client_id`; its ID token.
async fn id_token_for(app: &TestApp, client_id: &str) -> String {
    let redirect_uri = format!("http://127.0.0.1:9/{client_id}/cb");
    let extra = [
        ("client_id", client_id),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    let next = location(&app.get(&app.authorize_path(&extra)).await);
    let callback = match next.path() {
        "/login" => app.sign_in_and_authorize(&extra).await,
        _ => next,
    };
    let code = query_param(&callback, "code").expect("a code");
    let (status, body) = call(
        app,
        "/token",
        client_id,
        Some(SECRET),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

fn header_alg(jwt: &str) -> jsonwebtoken::Algorithm {
    jsonwebtoken::decode_header(jwt).unwrap().alg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_and_eddsa_clients_get_id_and_logout_tokens_of_their_algorithm() {
    let app = spawn_app().await;
    rotate_keys(&app.pool, SigningAlg::EdDsa, true)
        .await
        .unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    let receiver = Receiver::start(&[Answer::Status(200)]).await;
    register(&app, "ec-app", "ES256", &receiver.uri())
        .await
        .unwrap();
    register(&app, "ed-app", "EdDSA", &receiver.uri())
        .await
        .unwrap();

    let ec = id_token_for(&app, "ec-app").await;
    let ed = id_token_for(&app, "ed-app").await;
    assert_eq!(header_alg(&ec), jsonwebtoken::Algorithm::ES256);
    assert_eq!(header_alg(&ed), jsonwebtoken::Algorithm::EdDSA);
    // Checked against the published JWK of its kid, with its own algorithm.
    assert_eq!(verify_with_jwks(&app, &ec, "ec-app").await["aud"], "ec-app");
    assert_eq!(verify_with_jwks(&app, &ed, "ed-app").await["aud"], "ed-app");
    let sid = claims_of(&ec)["sid"].as_str().unwrap().to_owned();
    assert_eq!(claims_of(&ed)["sid"], sid.as_str(), "one session, two apps");

    // An ES256 hint opens the dialog like an RS256 one.
    let logout = app.logout_path(&[("id_token_hint", ec.as_str())]);
    let page = app.get(&logout).await;
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("ES256 app"), "the hint names its client");

    // Yes: each app's logout token is signed with that app's algorithm.
    app.confirm(&dialog_form(&html), "yes").await;
    let received = receiver.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 2);
    let mut algs = Vec::new();
    for token in received.iter().map(|r| r.logout_token.clone()) {
        let aud = claims_of(&token)["aud"].as_str().unwrap().to_owned();
        let claims = verify_with_jwks(&app, &token, &aud).await;
        assert_eq!(claims["sid"], sid.as_str());
        algs.push((aud, header_alg(&token)));
    }
    algs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        algs,
        [
            ("ec-app".to_owned(), jsonwebtoken::Algorithm::ES256),
            ("ed-app".to_owned(), jsonwebtoken::Algorithm::EdDSA)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_refused_for_an_algorithm_without_an_active_key() {
    let app = spawn_app().await;
    let refused = register(&app, "ed-app", "EdDSA", "http://127.0.0.1:9/bc")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("no EdDSA signing key is active"),
        "{refused:#}"
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE client_id = 'ed-app'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // Unknown names are refused by the rules of every client.
    assert!(
        register(&app, "x", "HS256", "http://127.0.0.1:9/bc")
            .await
            .is_err()
    );
    assert!(
        register(&app, "y", "none", "http://127.0.0.1:9/bc")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_key_a_client_signs_with_cannot_be_retired_and_discovery_lists_what_signs() {
    let app = spawn_app().await;
    let discovery = |app: &TestApp| {
        let url = app.url("/.well-known/openid-configuration");
        async move {
            let m: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            m["id_token_signing_alg_values_supported"].clone()
        }
    };
    assert_eq!(discovery(&app).await, serde_json::json!(["RS256", "ES256"]));
    // The demo's back-channel client signs with the only ES256 key.
    let es256 = app.state().keys.active_kid(SigningAlg::Es256).unwrap();
    let refused = retire_key(&app.pool, &es256, true).await.unwrap_err();
    assert!(refused.to_string().contains("rotate"), "{refused:#}");

    let ed = rotate_keys(&app.pool, SigningAlg::EdDsa, true)
        .await
        .unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    assert_eq!(
        discovery(&app).await,
        serde_json::json!(["RS256", "ES256", "EdDSA"])
    );
    // No client uses EdDSA: its only key may go.
    retire_key(&app.pool, &ed, true).await.unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    assert_eq!(discovery(&app).await, serde_json::json!(["RS256", "ES256"]));
}
