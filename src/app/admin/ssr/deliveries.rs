//! Admin: the back-channel delivery log and Resend.

use anyhow::Context;

use super::{AdminContext, AdminFlash, format_time};
use crate::app::admin::Access;
use crate::app::admin::deliveries::{DeliveryLog, DeliverySummary};
use crate::app::error::FnError;
use crate::server::clock::now_ms;
use crate::server::db::backchannel_deliveries::{
    DeliveryFilter, DeliveryRow, last_result, list_deliveries,
};
use crate::server::operations::resend_delivery;
use crate::server::urls::is_console_path;

const LOG_LIMIT: i64 = 200;

/// A delivery row as the console shows it.
pub fn summary(row: DeliveryRow) -> DeliverySummary {
    let last_result = last_result(row.last_status, row.last_error.as_deref());
    DeliverySummary {
        id: row.id,
        sid_prefix: row.sid.chars().take(8).collect(),
        sid: row.sid,
        client_id: row.client_id,
        reason: row.reason,
        status: row.status,
        attempts: row.attempts,
        last_result,
        updated: format_time(row.updated_at / 1000),
    }
}

/// The latest deliveries to one client (for its page).
pub async fn for_client(
    ctx: &AdminContext,
    client_id: &str,
    limit: i64,
) -> Result<Vec<DeliverySummary>, FnError> {
    Ok(list_deliveries(
        &ctx.state.pool,
        DeliveryFilter {
            client_id: Some(client_id),
            ..DeliveryFilter::default()
        },
        limit,
    )
    .await
    .context("listing deliveries failed")?
    .into_iter()
    .map(summary)
    .collect())
}

pub async fn log(client_id: String, sid: String) -> Result<Access<DeliveryLog>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let filter = DeliveryFilter {
        client_id: Some(client_id.as_str()).filter(|c| !c.is_empty()),
        sid: Some(sid.as_str()).filter(|s| !s.is_empty()),
        status: None,
    };
    let deliveries = list_deliveries(&ctx.state.pool, filter, LOG_LIMIT)
        .await
        .context("listing deliveries failed")?
        .into_iter()
        .map(summary)
        .collect();
    Ok(Access::Granted(DeliveryLog {
        frame: ctx.frame(flash.as_ref()).await?,
        client_id,
        sid,
        deliveries,
    }))
}

/// A new delivery of the same logout (a new token, a new `jti`), attempted now.
pub async fn resend(csrf: String, id: i64, back: String) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let now = now_ms();
    let mut tx = ctx.begin().await?;
    let Some(new_id) = resend_delivery(&mut tx, id, &ctx.username, now)
        .await
        .context("queueing the resend failed")?
    else {
        return Err(FnError::NotFound);
    };
    tx.commit().await.context("committing the resend failed")?;
    ctx.state.notifier.deliver_now(&[new_id]).await;
    let back = if is_console_path(&back) {
        back
    } else {
        "/admin/deliveries".to_owned()
    };
    let (path, query) = back.split_once('?').unwrap_or((&back, ""));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ctx.done(
        path,
        &pairs,
        AdminFlash::Notice(format!("Logout sent again (delivery {new_id}).")),
    )
    .await
}
