//! Admin: the audit log, newest first, filtered.

use super::{AdminContext, format_time};
use crate::app::admin::Access;
use crate::app::admin::audit::{AuditEntry, AuditFilterInput, AuditPage};
use crate::app::error::FnError;
use crate::server::audit::{AuditFilter, AuditQuery, readable_fields};
use crate::server::db::audit_events::list_audit_events;
use anyhow::Context;

pub const PAGE_SIZE: i64 = 50;

/// The typed filter in the store's terms.
pub fn parse_filter(input: &AuditFilterInput) -> Result<AuditFilter, String> {
    AuditFilter::parse(&AuditQuery {
        action: &input.action,
        actor: &input.actor,
        subject: &input.subject,
        from: &input.from,
        to: &input.to,
    })
}

pub async fn page(page: u32, filter: AuditFilterInput) -> Result<Access<AuditPage>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let page = page.max(1);
    let frame = ctx.frame(None).await?;
    let parsed = match parse_filter(&filter) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Ok(Access::Granted(AuditPage {
                frame,
                filter,
                filter_error: Some(error),
                page,
                has_older: false,
                entries: Vec::new(),
            }));
        }
    };
    // One row more than a page tells whether an older page exists.
    let mut rows = list_audit_events(
        &ctx.state.pool,
        &parsed,
        i64::from(page - 1) * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await
    .context("listing audit events failed")?;
    let has_older = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(Access::Granted(AuditPage {
        frame,
        filter,
        filter_error: None,
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
                fields: serde_json::from_str(&r.detail)
                    .map(|detail| readable_fields(&detail))
                    .unwrap_or_else(|_| vec![("detail".to_owned(), r.detail)]),
            })
            .collect(),
    }))
}
