//! Admin: registering, editing and deleting clients, through the same
//! service as `signoff client add` (`server::clients`).

use anyhow::Context;

use super::{AdminContext, AdminFlash, format_time, not_found};
use crate::app::admin::Access;
use crate::app::admin::clients::{ClientDeletion, ClientEditor, ClientList, ClientSummary};
use crate::app::error::FnError;
use crate::oidc::client_metadata::{
    ClientInput, ClientMetadata, ClientType, Field, FieldError, validate_client,
};
use crate::server::clients::{client_audit_detail, missing_signing_key, register_client};
use crate::server::clock::now;
use crate::server::crypto::{random_token, sha256_b64};
use crate::server::db::backchannel_deliveries::count_failed_deliveries_by_client;
use crate::server::db::clients::{
    ClientRow, find_client, list_clients, update_client, update_client_secret,
};
use crate::server::db::rp_sessions::count_active_rp_sessions_by_client;
use crate::server::operations::remove_client;

/// The most clients one list page shows; search narrows it down.
const LIST_LIMIT: i64 = 500;
/// Generated client_ids: 22 base64url characters, 132 random bits.
const GENERATED_ID_LEN: usize = 22;

/// A stored client, as the form shows it.
fn input_of(row: &ClientRow) -> ClientInput {
    ClientInput {
        client_id: row.client_id.clone(),
        name: row.name.clone(),
        client_type: row.client_type().as_str().into(),
        redirect_uris: row.redirect_uris.0.clone(),
        post_logout_redirect_uris: row.post_logout_redirect_uris.0.clone(),
        frontchannel_logout_uri: row.frontchannel_logout_uri.clone().unwrap_or_default(),
        frontchannel_logout_session_required: row.frontchannel_logout_session_required,
        backchannel_logout_uri: row.backchannel_logout_uri.clone().unwrap_or_default(),
        backchannel_logout_session_required: row.backchannel_logout_session_required,
        logout_confirmation: row.logout_confirmation.clone(),
        id_token_signed_response_alg: row.id_token_signed_response_alg.clone(),
        grant_types: row.grant_types.0.clone(),
    }
}

pub async fn list(search: String) -> Result<Access<ClientList>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let search: String = search.trim().chars().take(100).collect();
    let rows = list_clients(&ctx.state.pool, &search, LIST_LIMIT)
        .await
        .context("listing clients failed")?;
    let active = count_active_rp_sessions_by_client(&ctx.state.pool)
        .await
        .context("counting client sessions failed")?;
    let failed = count_failed_deliveries_by_client(&ctx.state.pool)
        .await
        .context("counting failed deliveries failed")?;
    let clients = rows
        .into_iter()
        .map(|row| {
            let channels: Vec<&str> = [
                row.frontchannel_logout_uri
                    .as_ref()
                    .map(|_| "front-channel"),
                row.backchannel_logout_uri.as_ref().map(|_| "back-channel"),
            ]
            .into_iter()
            .flatten()
            .collect();
            ClientSummary {
                active_sessions: active.get(&row.client_id).copied().unwrap_or(0),
                failed_deliveries: failed.get(&row.client_id).copied().unwrap_or(0),
                client_type: row.client_type().as_str().into(),
                logout_channels: channels.join(", "),
                post_logout_redirect_uris: row.post_logout_redirect_uris.0,
                client_id: row.client_id,
                name: row.name,
            }
        })
        .collect();
    Ok(Access::Granted(ClientList {
        frame: ctx.frame(flash.as_ref()).await?,
        search,
        clients,
    }))
}

pub async fn editor(client_id: Option<String>) -> Result<Access<ClientEditor>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let row = match &client_id {
        None => None,
        Some(id) => match find_client(&ctx.state.pool, id)
            .await
            .context("loading the client failed")?
        {
            Some(row) => Some(row),
            None => return not_found().map(Access::from),
        },
    };
    let mut editor = ClientEditor {
        frame: ctx.frame(flash.as_ref()).await?,
        original: client_id.clone(),
        input: row.as_ref().map_or_else(ClientInput::new_client, input_of),
        errors: Vec::new(),
        created_at: row.as_ref().map(|r| format_time(r.created_at)),
        deliveries: match &client_id {
            Some(id) => super::deliveries::for_client(&ctx, id, 10).await?,
            None => Vec::new(),
        },
    };
    match flash {
        Some(AdminFlash::ClientForm {
            original,
            input,
            errors,
        }) if original == client_id => {
            editor.input = *input;
            editor.errors = errors;
        }
        _ => {}
    }
    Ok(Access::Granted(editor))
}

pub async fn deletion(client_id: String) -> Result<Access<ClientDeletion>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let Some(row) = find_client(&ctx.state.pool, &client_id)
        .await
        .context("loading the client failed")?
    else {
        return not_found().map(Access::from);
    };
    let active = count_active_rp_sessions_by_client(&ctx.state.pool)
        .await
        .context("counting client sessions failed")?;
    Ok(Access::Granted(ClientDeletion {
        frame: ctx.frame(None).await?,
        active_sessions: active.get(&row.client_id).copied().unwrap_or(0),
        client_id: row.client_id,
        name: row.name,
    }))
}

fn editor_path(original: Option<&str>) -> String {
    match original {
        Some(id) => format!("/admin/clients/{id}"),
        None => "/admin/clients/new".to_owned(),
    }
}

pub async fn save(
    csrf: String,
    original: Option<String>,
    client: ClientInput,
) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let original = original.filter(|id| !id.is_empty());
    let typed = client.normalized();
    let mut input = typed.clone();
    match &original {
        Some(id) => input.client_id = id.clone(),
        None if input.client_id.is_empty() => {
            input.client_id = random_token().chars().take(GENERATED_ID_LEN).collect();
        }
        None => {}
    }
    let back = editor_path(original.as_deref());
    let metadata = match validate_client(&input) {
        Ok(metadata) => metadata,
        Err(errors) => {
            return ctx
                .done(
                    &back,
                    &[],
                    AdminFlash::ClientForm {
                        original,
                        input: Box::new(typed),
                        errors,
                    },
                )
                .await;
        }
    };
    let missing_key = missing_signing_key(&ctx.state.pool, metadata.id_token_signed_response_alg)
        .await
        .context("checking the signing keys failed")?;
    let result = match (&original, missing_key) {
        (_, Some(message)) => Err(FieldError {
            field: Field::IdTokenSignedResponseAlg,
            index: None,
            message,
        }),
        (None, None) => create(&ctx, &metadata).await?,
        (Some(_), None) => update(&ctx, &metadata).await?,
    };
    match result {
        Ok(flash) => {
            ctx.done(&editor_path(Some(&metadata.client_id)), &[], flash)
                .await
        }
        Err(error) => {
            ctx.done(
                &back,
                &[],
                AdminFlash::ClientForm {
                    original,
                    input: Box::new(typed),
                    errors: vec![error],
                },
            )
            .await
        }
    }
}

/// A new client; a confidential one gets a generated secret, shown once.
async fn create(
    ctx: &AdminContext,
    metadata: &ClientMetadata,
) -> Result<Result<AdminFlash, FieldError>, FnError> {
    let exists = find_client(&ctx.state.pool, &metadata.client_id)
        .await
        .context("loading the client failed")?
        .is_some();
    // `/admin/clients/new` is the create form, so no client can be called that.
    let message = if exists {
        "a client with this client_id exists already"
    } else if metadata.client_id == "new" {
        "\"new\" is reserved; choose another client_id"
    } else {
        ""
    };
    if !message.is_empty() {
        return Ok(Err(FieldError {
            field: Field::ClientId,
            index: None,
            message: message.into(),
        }));
    }
    let secret = (metadata.client_type == ClientType::Confidential).then(random_token);
    register_client(&ctx.state.pool, metadata, secret.as_deref(), &ctx.username)
        .await
        .context("registering the client failed")?;
    Ok(Ok(match secret {
        Some(secret) => AdminFlash::Secret {
            client_id: metadata.client_id.clone(),
            secret,
        },
        None => AdminFlash::Notice(format!("Client {} created.", metadata.client_id)),
    }))
}

/// An edited client. Turning a public client confidential gives it a secret.
async fn update(
    ctx: &AdminContext,
    metadata: &ClientMetadata,
) -> Result<Result<AdminFlash, FieldError>, FnError> {
    let now = now();
    let mut tx = ctx.begin().await?;
    let Some(before) = find_client(&mut *tx, &metadata.client_id)
        .await
        .context("loading the client failed")?
    else {
        return Err(FnError::NotFound);
    };
    let becomes_confidential = before.client_type() == ClientType::Public
        && metadata.client_type == ClientType::Confidential;
    let secret = becomes_confidential.then(random_token);
    update_client(
        &mut *tx,
        metadata,
        secret.as_deref().map(sha256_b64).as_deref(),
    )
    .await
    .context("updating the client failed")?;
    let detail = serde_json::json!({
        "after": client_audit_detail(&metadata.to_input()),
        "before": client_audit_detail(&input_of(&before)),
    });
    ctx.audit(&mut tx, "client.updated", &metadata.client_id, detail, now)
        .await?;
    tx.commit().await.context("committing the change failed")?;
    ctx.state.logout_clients.forget(&metadata.client_id);
    // Cached sessions carry their clients' front-channel origins.
    ctx.state.op_sessions.forget_all();
    Ok(Ok(match secret {
        Some(secret) => AdminFlash::Secret {
            client_id: metadata.client_id.clone(),
            secret,
        },
        None => AdminFlash::Notice(format!("Client {} saved.", metadata.client_id)),
    }))
}

pub async fn regenerate_secret(csrf: String, client_id: String) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let secret = random_token();
    let now = now();
    let mut tx = ctx.begin().await?;
    if !update_client_secret(&mut *tx, &client_id, &sha256_b64(&secret))
        .await
        .context("updating the secret failed")?
    {
        return Err(FnError::NotFound);
    }
    ctx.audit(
        &mut tx,
        "client.secret_regenerated",
        &client_id,
        serde_json::json!({}),
        now,
    )
    .await?;
    tx.commit().await.context("committing the change failed")?;
    ctx.state.logout_clients.forget(&client_id);
    ctx.done(
        &editor_path(Some(&client_id)),
        &[],
        AdminFlash::Secret { client_id, secret },
    )
    .await
}

/// Deletes a client: its client sessions end, and its codes and tokens go
/// with it. The users' OP sessions stay.
pub async fn delete(csrf: String, client_id: String) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let now = now();
    let mut tx = ctx.begin().await?;
    let Some(ended) = remove_client(&mut tx, &client_id, &ctx.username, now)
        .await
        .context("deleting the client failed")?
    else {
        return Err(FnError::NotFound);
    };
    tx.commit()
        .await
        .context("committing the deletion failed")?;
    ctx.state.logout_clients.forget(&client_id);
    ctx.state.op_sessions.forget_all();
    ctx.done(
        "/admin/clients",
        &[],
        AdminFlash::Notice(format!(
            "Client {client_id} deleted; {ended} client sessions ended."
        )),
    )
    .await
}
