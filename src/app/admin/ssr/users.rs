//! Admin: users. Creating, resetting passwords, the admin role, disabling.
//! Disabling a user ends their OP sessions in the same transaction.

use super::{AdminContext, AdminFlash, format_time};
use crate::app::admin::Access;
use crate::app::admin::users::{UserAction, UserList, UserSummary};
use crate::app::error::FnError;
use crate::server::accounts::{UserSpec, add_user, validate_password};
use crate::server::db::users::UserRow;
use crate::server::db::users::{
    find_user_by_username, list_users, update_user_admin, update_user_disabled,
    update_user_password,
};
use crate::server::passwords::hash_password;
use crate::server::sessions::{Cause, Terminations, sign_out_user};
use anyhow::Context;

const LIST_LIMIT: i64 = 1000;

pub async fn list() -> Result<Access<UserList>, FnError> {
    let ctx = match AdminContext::for_page().await? {
        Ok(ctx) => ctx,
        Err(denial) => return Ok(Access::Denied(denial)),
    };
    let flash = ctx.take_flash().await?;
    let users = list_users(&ctx.state.pool, LIST_LIMIT)
        .await
        .context("listing users failed")?
        .into_iter()
        .map(|u| UserSummary {
            is_self: u.username.eq_ignore_ascii_case(&ctx.username),
            username: u.username,
            is_admin: u.is_admin,
            disabled: u.disabled_at.is_some(),
            created: format_time(u.created_at),
            active_sessions: u.active_sessions,
        })
        .collect();
    let (error, error_user) = match &flash {
        Some(AdminFlash::UserError { username, message }) => {
            (Some(message.clone()), Some(username.clone()))
        }
        _ => (None, None),
    };
    Ok(Access::Granted(UserList {
        frame: ctx.frame(flash.as_ref()).await?,
        users,
        error,
        error_user,
    }))
}

fn refused(username: &str, message: impl Into<String>) -> AdminFlash {
    AdminFlash::UserError {
        username: username.to_owned(),
        message: message.into(),
    }
}

pub async fn create(
    csrf: String,
    username: String,
    password: String,
    admin: bool,
) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let username = username.trim().to_owned();
    let spec = UserSpec {
        username: username.clone(),
        password,
        admin,
    };
    let flash = match add_user(&ctx.state.pool, spec, &ctx.username).await {
        Ok(()) => AdminFlash::Notice(format!("User {username} created.")),
        Err(e) => refused(&username, e.to_string()),
    };
    ctx.done("/admin/users", &[], flash).await
}

/// One change to an existing user. An admin cannot revoke their own role or
/// disable themselves, so a console never locks out its last admin by accident.
pub async fn change(
    csrf: String,
    username: String,
    action: UserAction,
    password: String,
) -> Result<(), FnError> {
    let ctx = AdminContext::for_change(&csrf).await?;
    let Some(user) = find_user_by_username(&ctx.state.pool, &username)
        .await
        .context("loading the user failed")?
    else {
        return ctx
            .done(
                "/admin/users",
                &[],
                refused(&username, "There is no such user."),
            )
            .await;
    };
    let is_self = user.username.eq_ignore_ascii_case(&ctx.username);
    if is_self && matches!(action, UserAction::RevokeAdmin | UserAction::Disable) {
        return ctx
            .done(
                "/admin/users",
                &[],
                refused(&user.username, "You cannot do this to your own account."),
            )
            .await;
    }
    let hash = match action {
        UserAction::ResetPassword => match validate_password(&password) {
            Ok(()) => Some(
                hash_password(password)
                    .await
                    .context("hashing the password failed")?,
            ),
            Err(e) => {
                return ctx
                    .done("/admin/users", &[], refused(&user.username, e.to_string()))
                    .await;
            }
        },
        _ => None,
    };

    if action == UserAction::SignOutEverywhere {
        return sign_out_everywhere(&ctx, &user).await;
    }
    let mut ends = Terminations::begin(&ctx.state)
        .await
        .context("starting a transaction failed")?;
    let now = ends.now_ms() / 1000;
    let tx = ends.tx();
    let mut detail = serde_json::json!({});
    match action {
        UserAction::ResetPassword => {
            update_user_password(&mut **tx, user.id, hash.as_deref().unwrap_or_default()).await
        }
        UserAction::GrantAdmin => update_user_admin(&mut **tx, user.id, true).await,
        UserAction::RevokeAdmin => update_user_admin(&mut **tx, user.id, false).await,
        UserAction::Enable => update_user_disabled(&mut **tx, user.id, None).await,
        UserAction::Disable => update_user_disabled(&mut **tx, user.id, Some(now)).await,
        // Answered above, before this transaction began.
        UserAction::SignOutEverywhere => Ok(()),
    }
    .context("updating the user failed")?;
    // Both end every session of the user, with their clients told: a
    // disabled account must not stay signed in, and a password reset is what
    // an admin does when a password leaked.
    let ending = match action {
        UserAction::Disable => Some("user_disabled"),
        UserAction::ResetPassword => Some("password_reset"),
        _ => None,
    };
    if let Some(reason) = ending {
        let cause = Cause {
            actor: Some(&ctx.username),
            reason,
        };
        let ended = ends
            .end_user_sessions(user.id, cause, serde_json::json!({ "user": user.username }))
            .await
            .context("ending the user's sessions failed")?;
        // Offline grants too: they outlive a sign-out, not a leaked password
        // or a disabled account.
        let tokens = ends
            .revoke_user_tokens(user.id)
            .await
            .context("revoking the user's tokens failed")?;
        detail = serde_json::json!({ "ended_sessions": ended.len(), "tokens_revoked": tokens });
    }
    ctx.audit(
        ends.tx(),
        action.audit_action(),
        &user.username,
        detail,
        now,
    )
    .await?;
    ends.commit(&ctx.state)
        .await
        .context("committing the change failed")?;
    ctx.done(
        "/admin/users",
        &[],
        AdminFlash::Notice(format!("{} {}.", user.username, action.done_text())),
    )
    .await
}

/// Ends every session of `user` through the termination path, and says
/// which apps were told and which deliveries are still retried, each linked
/// to its delivery log.
async fn sign_out_everywhere(ctx: &AdminContext, user: &UserRow) -> Result<(), FnError> {
    let cause = Cause {
        actor: Some(&ctx.username),
        reason: "admin_signed_out_everywhere",
    };
    let report = sign_out_user(&ctx.state, user.id, None, cause)
        .await
        .context("signing the user out failed")?;
    let mut notice = format!(
        "{} is signed out of {} session(s).",
        user.username,
        report.ended.len()
    );
    if !report.told.is_empty() {
        notice.push_str(&format!(" Apps told: {}.", report.told.join(", ")));
    }
    if !report.retrying.is_empty() {
        notice.push_str(" Back-channel logouts still being retried:");
    }
    ctx.done(
        "/admin/users",
        &[],
        AdminFlash::SignedOut {
            notice,
            retrying: report.retrying,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_action_has_its_own_audit_name() {
        let all = [
            UserAction::ResetPassword,
            UserAction::GrantAdmin,
            UserAction::RevokeAdmin,
            UserAction::Disable,
            UserAction::Enable,
            UserAction::SignOutEverywhere,
        ];
        let names: std::collections::HashSet<_> = all.iter().map(|a| a.audit_action()).collect();
        assert_eq!(names.len(), all.len());
        assert!(names.iter().all(|n| n.starts_with("user.")));
    }
}
