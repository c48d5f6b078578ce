//! Registering clients. Leptos-free: the CLI and the admin console both
//! register through [`register_client`], so both follow the same rules.

use crate::server::db::Pool;
use anyhow::Context;

use super::clock::now;
use super::crypto::sha256_b64;
use super::db::audit_events::record_audit_event;
use super::db::clients::{find_client, insert_client};
use crate::oidc::client_metadata::{ClientInput, ClientMetadata};

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

/// What the audit log keeps of a registration: all of it (there is no
/// secret in it).
pub fn client_audit_detail(client: &ClientInput) -> serde_json::Value {
    serde_json::to_value(client).unwrap_or_default()
}
