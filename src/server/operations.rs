//! What operators do to users, clients and deliveries, by the same rules
//! whether the admin console or the CLI asks. Leptos-free. Each function
//! works inside the caller's transaction, audits as `actor`, and leaves the
//! commit to the caller: the console commits and forgets its own cached
//! rows, the CLI commits with `server::changes::announce`.

use anyhow::Context;

use super::db::Tx;
use super::db::audit_events::record_audit_event;
use super::db::backchannel_deliveries::insert_resend;
use super::db::clients::delete_client;
use super::db::rp_sessions::end_rp_sessions_for_client;
use super::db::users::{UserRow, update_user_admin, update_user_disabled, update_user_password};
use super::sessions::{Cause, Terminations};

/// A change to an existing user's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserChange {
    /// A new password, already hashed.
    ResetPassword(String),
    GrantAdmin,
    RevokeAdmin,
    Disable,
    Enable,
}

impl UserChange {
    /// The audit log's name for it.
    pub fn audit_action(&self) -> &'static str {
        match self {
            UserChange::ResetPassword(_) => "user.password_reset",
            UserChange::GrantAdmin => "user.admin_granted",
            UserChange::RevokeAdmin => "user.admin_revoked",
            UserChange::Disable => "user.disabled",
            UserChange::Enable => "user.enabled",
        }
    }

    /// Why the user's sessions end with it, if they do: a disabled account
    /// must not stay signed in, and a password reset is what an admin does
    /// when a password leaked.
    fn ends_sessions(&self) -> Option<&'static str> {
        match self {
            UserChange::Disable => Some("user_disabled"),
            UserChange::ResetPassword(_) => Some("password_reset"),
            _ => None,
        }
    }
}

/// What a user change ended: sessions (each through the termination path)
/// and tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct UserChanged {
    pub ended_sessions: usize,
    pub tokens_revoked: u64,
}

/// Applies `change` to `user`; a disable or a password reset also ends
/// every session of the user through the termination path (their apps are
/// told) and revokes all their tokens, offline ones too. Audited.
pub async fn change_user(
    ends: &mut Terminations,
    user: &UserRow,
    change: &UserChange,
    actor: &str,
) -> anyhow::Result<UserChanged> {
    let now = ends.now_ms() / 1000;
    let tx = ends.tx();
    match change {
        UserChange::ResetPassword(hash) => update_user_password(&mut **tx, user.id, hash).await,
        UserChange::GrantAdmin => update_user_admin(&mut **tx, user.id, true).await,
        UserChange::RevokeAdmin => update_user_admin(&mut **tx, user.id, false).await,
        UserChange::Enable => update_user_disabled(&mut **tx, user.id, None).await,
        UserChange::Disable => update_user_disabled(&mut **tx, user.id, Some(now)).await,
    }
    .context("updating the user")?;
    let mut changed = UserChanged::default();
    let mut detail = serde_json::json!({});
    if let Some(reason) = change.ends_sessions() {
        let cause = Cause {
            actor: Some(actor),
            reason,
        };
        let ended = ends
            .end_user_sessions(user.id, cause, serde_json::json!({ "user": user.username }))
            .await
            .context("ending the user's sessions")?;
        // Offline grants too: they outlive a sign-out, not a leaked password
        // or a disabled account.
        let tokens = ends
            .revoke_user_tokens(user.id)
            .await
            .context("revoking the user's tokens")?;
        changed = UserChanged {
            ended_sessions: ended.len(),
            tokens_revoked: tokens,
        };
        detail = serde_json::to_value(changed).unwrap_or_default();
    }
    record_audit_event(
        &mut **ends.tx(),
        Some(actor),
        change.audit_action(),
        Some(&user.username),
        detail,
        now,
    )
    .await
    .context("writing the audit event")?;
    Ok(changed)
}

/// Deletes a client: its client sessions end, and its codes, tokens and
/// deliveries go with it (the foreign keys cascade). The users' OP sessions
/// stay. Returns how many client sessions ended, or `None` when there is no
/// such client. The caller forgets its cached copy after the commit.
pub async fn remove_client(
    tx: &mut Tx,
    client_id: &str,
    actor: &str,
    now: i64,
) -> anyhow::Result<Option<usize>> {
    let ended = end_rp_sessions_for_client(&mut **tx, client_id, now)
        .await
        .context("ending the client's sessions")?;
    if !delete_client(&mut **tx, client_id)
        .await
        .context("deleting the client")?
    {
        return Ok(None);
    }
    record_audit_event(
        &mut **tx,
        Some(actor),
        "client.deleted",
        Some(client_id),
        serde_json::json!({ "ended_client_sessions": ended.len() }),
        now,
    )
    .await
    .context("writing the audit event")?;
    Ok(Some(ended.len()))
}

/// Queues the same logout again (a new token, a new `jti`) as a new
/// delivery, due now. Returns its id, or `None` when there is no delivery
/// `id`. The caller starts or announces it after the commit.
pub async fn resend_delivery(
    tx: &mut Tx,
    id: i64,
    actor: &str,
    now_ms: i64,
) -> anyhow::Result<Option<i64>> {
    let Some(new_id) = insert_resend(&mut **tx, id, now_ms)
        .await
        .context("queueing the resend")?
    else {
        return Ok(None);
    };
    record_audit_event(
        &mut **tx,
        Some(actor),
        "backchannel.resent",
        Some(&id.to_string()),
        serde_json::json!({ "delivery": new_id }),
        now_ms / 1000,
    )
    .await
    .context("writing the audit event")?;
    Ok(Some(new_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_change_has_its_own_audit_name_and_only_disabling_and_resets_end_sessions() {
        let all = [
            UserChange::ResetPassword("hash".into()),
            UserChange::GrantAdmin,
            UserChange::RevokeAdmin,
            UserChange::Disable,
            UserChange::Enable,
        ];
        let names: std::collections::HashSet<_> = all.iter().map(|c| c.audit_action()).collect();
        assert_eq!(names.len(), all.len());
        assert!(names.iter().all(|n| n.starts_with("user.")));
        let ending: Vec<_> = all.iter().filter_map(|c| c.ends_sessions()).collect();
        assert_eq!(ending, ["password_reset", "user_disabled"]);
    }
}
