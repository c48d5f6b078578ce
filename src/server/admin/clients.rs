//! Admin: registering, editing and deleting clients. `signoff client add`
//! registers through [`register_client`] too, so both follow the same rules.

use anyhow::Context;
use axum::http::StatusCode;
use leptos::prelude::ServerFnError;
use sqlx::SqlitePool;

use super::{AdminContext, AdminFlash, format_time, not_found};
use crate::app::admin::Access;
use crate::app::admin::clients::{ClientDeletion, ClientEditor, ClientList, ClientSummary};
use crate::oidc::client_metadata::{
    ClientInput, ClientMetadata, ClientType, Field, FieldError, validate_client,
};
use crate::server::crypto::{random_token, sha256_b64};
use crate::server::db::audit_events::record_audit_event;
use crate::server::db::backchannel_deliveries::count_failed_deliveries_by_client;
use crate::server::db::clients::{
    ClientRow, delete_client, find_client, insert_client, list_clients, update_client,
    update_client_secret,
};
use crate::server::db::rp_sessions::{
    count_active_rp_sessions_by_client, end_rp_sessions_for_client,
};
use crate::server::error::internal;
use crate::server::protocol::now;
use crate::server::respond::set_status;

/// The most clients one list page shows; search narrows it down.
const LIST_LIMIT: i64 = 500;
/// Generated client_ids: 22 base64url characters, 132 random bits.
const GENERATED_ID_LEN: usize = 22;

/// Stores a validated client and its audit event in one transaction. The
/// secret, if any, is stored only as its SHA-256 (it is a 256-bit random value
/// or one that passes [`crate::oidc::client_metadata::check_client_secret`]).
pub async fn register_client(
    pool: &SqlitePool,
    client: &ClientMetadata,
    secret: Option<&str>,
    actor: &str,
) -> anyhow::Result<()> {
    let now = now();
    let mut tx = crate::server::db::begin_write(pool).await?;
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
        audit_detail(&client.to_input()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the audit log keeps of a registration: all of it (there is no
/// secret in it).
fn audit_detail(client: &ClientInput) -> serde_json::Value {
    serde_json::to_value(client).unwrap_or_default()
}

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
    }
}

pub async fn list(search: String) -> Result<Access<ClientList>, ServerFnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let search: String = search.trim().chars().take(100).collect();
    let rows = list_clients(&ctx.state.pool, &search, LIST_LIMIT)
        .await
        .map_err(internal("listing clients failed"))?;
    let active = count_active_rp_sessions_by_client(&ctx.state.pool)
        .await
        .map_err(internal("counting client sessions failed"))?;
    let failed = count_failed_deliveries_by_client(&ctx.state.pool)
        .await
        .map_err(internal("counting failed deliveries failed"))?;
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

pub async fn editor(client_id: Option<String>) -> Result<Access<ClientEditor>, ServerFnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let row = match &client_id {
        None => None,
        Some(id) => match find_client(&ctx.state.pool, id)
            .await
            .map_err(internal("loading the client failed"))?
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

pub async fn deletion(client_id: String) -> Result<Access<ClientDeletion>, ServerFnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let Some(row) = find_client(&ctx.state.pool, &client_id)
        .await
        .map_err(internal("loading the client failed"))?
    else {
        return not_found().map(Access::from);
    };
    let active = count_active_rp_sessions_by_client(&ctx.state.pool)
        .await
        .map_err(internal("counting client sessions failed"))?;
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
) -> Result<(), ServerFnError> {
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
    let result = match &original {
        None => create(&ctx, &metadata).await?,
        Some(_) => update(&ctx, &metadata).await?,
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
) -> Result<Result<AdminFlash, FieldError>, ServerFnError> {
    let exists = find_client(&ctx.state.pool, &metadata.client_id)
        .await
        .map_err(internal("loading the client failed"))?
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
        .map_err(internal("registering the client failed"))?;
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
) -> Result<Result<AdminFlash, FieldError>, ServerFnError> {
    let now = now();
    let mut tx = ctx.begin().await?;
    let Some(before) = find_client(&mut *tx, &metadata.client_id)
        .await
        .map_err(internal("loading the client failed"))?
    else {
        set_status(StatusCode::NOT_FOUND);
        return Err(ServerFnError::new("no such client"));
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
    .map_err(internal("updating the client failed"))?;
    let detail = serde_json::json!({
        "after": audit_detail(&metadata.to_input()),
        "before": audit_detail(&input_of(&before)),
    });
    ctx.audit(&mut tx, "client.updated", &metadata.client_id, detail, now)
        .await?;
    tx.commit()
        .await
        .map_err(internal("committing the change failed"))?;
    ctx.state.logout_clients.forget(&metadata.client_id);
    Ok(Ok(match secret {
        Some(secret) => AdminFlash::Secret {
            client_id: metadata.client_id.clone(),
            secret,
        },
        None => AdminFlash::Notice(format!("Client {} saved.", metadata.client_id)),
    }))
}

pub async fn regenerate_secret(csrf: String, client_id: String) -> Result<(), ServerFnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let secret = random_token();
    let now = now();
    let mut tx = ctx.begin().await?;
    if !update_client_secret(&mut *tx, &client_id, &sha256_b64(&secret))
        .await
        .map_err(internal("updating the secret failed"))?
    {
        set_status(StatusCode::NOT_FOUND);
        return Err(ServerFnError::new("no such confidential client"));
    }
    ctx.audit(
        &mut tx,
        "client.secret_regenerated",
        &client_id,
        serde_json::json!({}),
        now,
    )
    .await?;
    tx.commit()
        .await
        .map_err(internal("committing the change failed"))?;
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
pub async fn delete(csrf: String, client_id: String) -> Result<(), ServerFnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let now = now();
    let mut tx = ctx.begin().await?;
    let ended = end_rp_sessions_for_client(&mut *tx, &client_id, now)
        .await
        .map_err(internal("ending the client's sessions failed"))?;
    if !delete_client(&mut *tx, &client_id)
        .await
        .map_err(internal("deleting the client failed"))?
    {
        set_status(StatusCode::NOT_FOUND);
        return Err(ServerFnError::new("no such client"));
    }
    ctx.audit(
        &mut tx,
        "client.deleted",
        &client_id,
        serde_json::json!({ "ended_client_sessions": ended.len() }),
        now,
    )
    .await?;
    tx.commit()
        .await
        .map_err(internal("committing the deletion failed"))?;
    ctx.state.logout_clients.forget(&client_id);
    ctx.done(
        "/admin/clients",
        &[],
        AdminFlash::Notice(format!(
            "Client {client_id} deleted; {} client sessions ended.",
            ended.len()
        )),
    )
    .await
}
