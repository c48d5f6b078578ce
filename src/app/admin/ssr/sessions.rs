//! Admin: live OP sessions, and ending one as an OP-initiated logout.

use super::{AdminContext, AdminFlash, format_time};
use crate::app::admin::Access;
use crate::app::admin::sessions::{SessionList, SessionSummary};
use crate::app::error::FnError;
use crate::server::db::op_sessions::list_active_op_sessions;
use crate::server::sessions::{Cause, Scope, terminate};
use anyhow::Context;

const LIST_LIMIT: i64 = 500;

pub async fn list(user: String) -> Result<Access<SessionList>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let user: String = user.trim().chars().take(64).collect();
    let sessions = list_active_op_sessions(&ctx.state.pool, &user, LIST_LIMIT)
        .await
        .context("listing sessions failed")?
        .into_iter()
        .map(|s| SessionSummary {
            sid_prefix: s.sid.chars().take(8).collect(),
            sid: s.sid,
            username: s.username,
            started: format_time(s.created_at),
            clients: s
                .clients
                .map(|c| c.split(' ').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
        .collect();
    Ok(Access::Granted(SessionList {
        frame: ctx.frame(flash.as_ref()).await?,
        user,
        sessions,
    }))
}

/// Ends one OP session through the same termination path as every logout.
pub async fn end(csrf: String, sid: String, user: String) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let cause = Cause {
        actor: Some(&ctx.username),
        reason: "admin_signed_out",
    };
    let ended = terminate(
        &ctx.state,
        &sid,
        Scope::OpSession,
        cause,
        serde_json::json!({}),
    )
    .await
    .context("ending the session failed")?;
    let notice = format!(
        "Session {} signed out ({} client sessions ended, {} back-channel logouts sent).",
        sid.chars().take(8).collect::<String>(),
        ended.clients.len(),
        ended.deliveries.len()
    );
    let pairs: Vec<(&str, &str)> = if user.is_empty() {
        vec![]
    } else {
        vec![("user", user.as_str())]
    };
    ctx.done("/admin/sessions", &pairs, AdminFlash::Notice(notice))
        .await
}
