//! Registering clients. Leptos-free: the CLI and the admin console both
//! register through [`register_client`], so both follow the same rules.

use crate::server::db::Pool;
use anyhow::Context;

use super::clock::now;
use super::crypto::sha256_b64;
use super::db::audit_events::record_audit_event;
use super::db::clients::{find_client, insert_client};
use super::db::signing_keys::list_signing_algs;
use crate::oidc::client_metadata::{ClientInput, ClientMetadata};
use crate::oidc::jwk::SigningAlg;

/// Stores a validated client and its audit event in one transaction. The
/// secret, if any, is stored only as its SHA-256 (it is a 256-bit random value
/// or one that passes [`crate::oidc::client_metadata::check_client_secret`]).
pub async fn register_client(
    pool: &Pool,
    client: &ClientMetadata,
    secret: Option<&str>,
    actor: &str,
) -> anyhow::Result<()> {
    let now = now();
    let mut tx = super::db::begin_write(pool).await?;
    if find_client(&mut *tx, &client.client_id).await?.is_some() {
        anyhow::bail!("a client with client_id {:?} exists", client.client_id);
    }
    if let Some(refusal) =
        missing_signing_key(&mut *tx, client.id_token_signed_response_alg).await?
    {
        anyhow::bail!("{refusal}");
    }
    insert_client(&mut *tx, client, secret.map(sha256_b64).as_deref(), now)
        .await
        .with_context(|| format!("cannot add client {:?}", client.client_id))?;
    record_audit_event(
        &mut *tx,
        Some(actor),
        "client.created",
        Some(&client.client_id),
        client_audit_detail(&client.to_input()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a client of `alg` cannot be registered now, if it cannot: no key of
/// that algorithm is active, so nothing could sign its tokens.
pub async fn missing_signing_key(
    db: impl crate::server::db::Executor<'_>,
    alg: SigningAlg,
) -> anyhow::Result<Option<String>> {
    let active = list_signing_algs(db)
        .await
        .context("listing the active signing keys")?;
    Ok((!active.iter().any(|a| a == alg.as_str())).then(|| {
        format!("no {alg} signing key is active; run `signoff keys rotate --alg {alg}` first")
    }))
}

/// What the audit log keeps of a registration: all of it (there is no
/// secret in it).
pub fn client_audit_detail(client: &ClientInput) -> serde_json::Value {
    serde_json::to_value(client).unwrap_or_default()
}
