//! Admin: users. Creating, resetting passwords, the admin role, disabling.
//! Disabling a user ends their OP sessions in the same transaction.

use super::{AdminContext, AdminFlash, format_time};
use crate::app::admin::Access;
use crate::app::admin::users::{UserAction, UserList, UserSummary};
use crate::app::error::FnError;
use crate::server::accounts::{UserSpec, add_user, validate_password};
use crate::server::db::users::UserRow;
use crate::server::db::users::{find_user_by_username, list_users};
use crate::server::operations::{UserChange, change_user};
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
    let change = match (action, hash) {
        (UserAction::ResetPassword, Some(hash)) => UserChange::ResetPassword(hash),
        (UserAction::GrantAdmin, _) => UserChange::GrantAdmin,
        (UserAction::RevokeAdmin, _) => UserChange::RevokeAdmin,
        (UserAction::Disable, _) => UserChange::Disable,
        (UserAction::Enable, _) => UserChange::Enable,
        // Answered above.
        (UserAction::ResetPassword | UserAction::SignOutEverywhere, _) => {
            return Err(FnError::BadRequest("no such change".into()));
        }
    };
    let mut ends = Terminations::begin(&ctx.state)
        .await
        .context("starting a transaction failed")?;
    change_user(&mut ends, &user, &change, &ctx.username)
        .await
        .context("changing the user failed")?;
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
