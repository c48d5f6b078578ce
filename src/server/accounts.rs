//! User accounts: the rules a username and a password follow, and adding a
//! user. Leptos-free: the CLI, the demo seed and the admin console call it.

use crate::server::db::Pool;
use anyhow::{Context, bail};

use super::clock::now;
use super::crypto::random_token;
use super::db::audit_events::record_audit_event;
use super::db::users::{NewUser, insert_user};
use super::passwords::hash_password;

/// The longest password the login form accepts (Argon2 takes any length;
/// this bounds the work an anonymous POST can ask for).
pub const MAX_PASSWORD: usize = 1024;

const MIN_PASSWORD_LEN: usize = 8;

/// A new user: `signoff user add`'s arguments, and what the console and the
/// demo seed pass.
#[derive(Debug, clap::Args)]
pub struct UserSpec {
    /// 1–64 letters, digits, '.', '_', '@' or '-'.
    #[arg(long)]
    pub username: String,
    /// At least 8 characters.
    #[arg(long, env = "SIGNOFF_NEW_USER_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Let the user use the admin console.
    #[arg(long)]
    pub admin: bool,
}

/// Usernames: 1–64 characters from letters, digits and `. _ @ -`.
pub fn validate_username(username: &str) -> anyhow::Result<()> {
    let ok = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if !ok {
        bail!(
            "username {username:?} must be 1-64 characters of letters, digits, '.', '_', '@' or '-'"
        );
    }
    Ok(())
}

/// Passwords: at least 8 characters (NIST SP 800-63B §5.1.1.2), and at most
/// what the login form accepts.
pub fn validate_password(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        bail!("the password must have at least {MIN_PASSWORD_LEN} characters");
    }
    if password.len() > MAX_PASSWORD {
        bail!("the password must have at most 1024 bytes");
    }
    Ok(())
}

/// Adds a user; `actor` is who does it (an admin's username, or "cli").
pub async fn add_user(pool: &Pool, spec: UserSpec, actor: &str) -> anyhow::Result<()> {
    validate_username(&spec.username)?;
    validate_password(&spec.password)?;
    let hash = hash_password(spec.password).await?;
    let now = now();
    let mut tx = super::db::begin_write(pool).await?;
    insert_user(
        &mut *tx,
        &NewUser {
            subject: &random_token(),
            username: &spec.username,
            password_hash: &hash,
            is_admin: spec.admin,
            created_at: now,
        },
    )
    .await
    .with_context(|| {
        format!(
            "cannot add user {:?} (does it exist already?)",
            spec.username
        )
    })?;
    record_audit_event(
        &mut *tx,
        Some(actor),
        "user.created",
        Some(&spec.username),
        serde_json::json!({ "admin": spec.admin }),
        now,
    )
    .await
    .context("writing the audit event")?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_characters_and_fit_the_login_form() {
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password("1234567").is_err());
        assert!(validate_password(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn usernames_are_restricted_to_a_safe_alphabet() {
        assert!(validate_username("alice.smith@example").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
        assert!(validate_username(&"a".repeat(65)).is_err());
        assert!(validate_username("<script>").is_err());
    }
}
