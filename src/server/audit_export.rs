//! `GET /admin/audit/export?…`: the audit log, filtered as on its console
//! page, as JSON Lines (one event per line, newest first), for an admin.

use anyhow::Context;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::audit::rfc3339;
use super::browser_session::BrowserSession;
use super::db::audit_events::list_audit_events;
use super::error::AppError;
use super::respond::Redirect;
use super::state::AppState;
use super::urls::local_url;
use crate::app::admin::audit::AuditFilterInput;
use crate::app::admin::ssr::audit::parse_filter;

/// Most events one export holds; a narrower filter gets the rest.
pub const MAX_EXPORT: i64 = 100_000;
/// Events read per query.
const BATCH: i64 = 5_000;

pub async fn export_audit(
    State(state): State<AppState>,
    session: BrowserSession,
    Query(query): Query<AuditFilterInput>,
) -> Result<Response, AppError> {
    match session.active_op_session(&state.pool).await? {
        Some(s) if s.is_admin => {}
        Some(_) => return Err(AppError::Forbidden),
        None => {
            let login = local_url(
                &state.settings.issuer,
                "/login",
                &[("next", "/admin/audit")],
            )
            .context("building the login URL")?;
            return Ok(Redirect::see_other(&login).into_response());
        }
    }
    let filter =
        parse_filter(&query).map_err(|_| AppError::BadRequest("The audit filter is not valid."))?;
    let mut lines = String::new();
    let mut offset = 0;
    while offset < MAX_EXPORT {
        let rows = list_audit_events(&state.pool, &filter, offset, BATCH.min(MAX_EXPORT - offset))
            .await
            .context("reading audit events")?;
        let count = rows.len() as i64;
        for row in rows {
            let detail: serde_json::Value =
                serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::String(row.detail));
            let line = serde_json::json!({
                "id": row.id,
                "occurred_at": rfc3339(row.occurred_at),
                "actor": row.actor,
                "action": row.action,
                "subject": row.subject,
                "detail": detail,
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        if count < BATCH {
            break;
        }
        offset += count;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/jsonl; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.jsonl\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        lines,
    )
        .into_response())
}
