use jsonwebtoken::decode_header;
use serde_json::Value;
use signoff::server::commands::rotate_keys;
use signoff::server::keys::SigningAlg;

use crate::helpers::{spawn_app, spawn_app_configured};

/// `keys rotate` publishes the new key at the next reload, and signs with it
/// only once every instance has had time to publish it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_in_key_is_published_first_and_signs_only_later() {
    let app = spawn_app().await;
    let old_kid = app.state().keys.active_kid(SigningAlg::Rs256).unwrap();

    let new_kid = rotate_keys(&app.pool, SigningAlg::Rs256, false)
        .await
        .unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    assert_eq!(
        published_kids(&app).await,
        [new_kid.clone(), old_kid.clone()]
    );
    let header = decode_header(&app.id_token().await).unwrap();
    assert_eq!(header.kid.as_deref(), Some(old_kid.as_str()), "not yet");
    let (sign_from, audited): (i64, String) = sqlx::query_as(
        "SELECT k.sign_from, a.detail FROM signing_keys k \
         JOIN audit_events a ON a.subject = k.kid AND a.action = 'keys.rotated' WHERE k.kid = $1",
    )
    .bind(&new_kid)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let wait = signoff::server::keys::PUBLISH_BEFORE_SIGNING.as_secs() as i64;
    assert!((sign_from - crate::helpers::now() - wait).abs() <= 5);
    assert!(audited.contains(&sign_from.to_string()), "{audited}");

    // Its time comes (here: the row is moved back and reloaded): the next
    // signature uses it.
    crate::helpers::let_key_sign_now(&app, &new_kid).await;
    let header = decode_header(&app.id_token().await).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_rotation_now_new_tokens_use_the_new_key_and_the_old_key_stays_published() {
    let app = spawn_app().await;
    let old_kid = app.state().keys.active_kid(SigningAlg::Rs256).unwrap();

    let new_kid = rotate_keys(&app.pool, SigningAlg::Rs256, true)
        .await
        .unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();

    assert_eq!(
        published_kids(&app).await,
        [new_kid.clone(), old_kid.clone()]
    );

    let header = decode_header(&app.signed_in_id_token().await).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_creates_exactly_one_rsa_key() {
    let app = spawn_app_configured(signoff::server::config::SettingsLayer {
        demo: Some(false),
        ..Default::default()
    })
    .await;

    let jwks: Value = app.get("/jwks.json").await.json().await.unwrap();

    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "without the demo's ES256 key");
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["alg"], "RS256");
    assert_eq!(keys[0]["use"], "sig");
    assert!(keys[0].get("d").is_none(), "no private part is published");
}

/// The published RSA keys' kids, in order (the demo's ES256 key aside).
async fn published_kids(app: &crate::helpers::TestApp) -> Vec<String> {
    let jwks: Value = app.get("/jwks.json").await.json().await.unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["kty"] == "RSA")
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_key_stops_signing_at_once_and_leaves_the_jwks_after_its_grace_or_now() {
    use signoff::server::commands::retire_key;
    let app = spawn_app().await;
    let old_kid = app.state().keys.active_kid(SigningAlg::Rs256).unwrap();

    let err = retire_key(&app.pool, &old_kid, false).await.unwrap_err();
    assert!(
        err.to_string().contains("rotate"),
        "the only signing key stays: {err}"
    );

    let new_kid = rotate_keys(&app.pool, SigningAlg::Rs256, true)
        .await
        .unwrap();
    // Retire the new key: the older one signs again, both stay published.
    retire_key(&app.pool, &new_kid, false).await.unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    assert_eq!(
        app.state().keys.active_kid(SigningAlg::Rs256).unwrap(),
        old_kid
    );
    assert_eq!(
        published_kids(&app).await,
        vec![old_kid.clone(), new_kid.clone()]
    );

    retire_key(&app.pool, &new_kid, true).await.unwrap();
    app.state().keys.reload(&app.pool).await.unwrap();
    assert_eq!(published_kids(&app).await, vec![old_kid.clone()]);
    assert!(
        retire_key(&app.pool, &new_kid, true).await.is_err(),
        "already gone"
    );

    let audited: Vec<(String,)> =
        sqlx::query_as("SELECT subject FROM audit_events WHERE action = 'keys.retired'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited.len(), 2);
    let header = decode_header(&app.signed_in_id_token().await).unwrap();
    assert_eq!(header.kid.as_deref(), Some(old_kid.as_str()));
}
