//! Admin: the audit log, newest first.

use super::{AdminContext, format_time};
use crate::app::admin::Access;
use crate::app::admin::audit::{AuditEntry, AuditPage};
use crate::app::error::FnError;
use crate::server::db::audit_events::list_audit_events;
use anyhow::Context;

pub const PAGE_SIZE: i64 = 50;

pub async fn page(page: u32) -> Result<Access<AuditPage>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let page = page.max(1);
    // One row more than a page tells whether an older page exists.
    let mut rows = list_audit_events(
        &ctx.state.pool,
        i64::from(page - 1) * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await
    .context("listing audit events failed")?;
    let has_older = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(Access::Granted(AuditPage {
        frame: ctx.frame(None).await?,
        page,
        has_older,
        entries: rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: format_time(r.occurred_at),
                actor: r.actor.unwrap_or_else(|| "anonymous".into()),
                action: r.action,
                subject: r.subject.unwrap_or_default(),
                detail: r.detail,
            })
            .collect(),
    }))
}
