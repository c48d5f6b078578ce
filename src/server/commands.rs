//! What the CLI subcommands and the demo seed do, on the same database and
//! rules as the server.

use anyhow::{Context, bail};
use sqlx::SqlitePool;

use super::crypto::{random_token, sha256_b64};
use super::db::audit_events::record_audit_event;
use super::db::clients::{NewClient, count_clients, insert_client};
use super::db::users::{NewUser, count_users, insert_user};
use super::keys;
use super::passwords::hash_password;
use super::protocol::now;
use crate::oidc::redirect_uri::RegisteredUri;
use crate::oidc::token::AuthMethod;

/// Shortest client secret we store: secrets are hashed with SHA-256, which is
/// safe only for secrets nobody can guess.
pub const MIN_SECRET_LEN: usize = 32;
const MIN_PASSWORD_LEN: usize = 8;

pub struct UserSpec {
    pub username: String,
    pub password: String,
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

pub async fn add_user(pool: &SqlitePool, spec: UserSpec) -> anyhow::Result<()> {
    validate_username(&spec.username)?;
    if spec.password.chars().count() < MIN_PASSWORD_LEN {
        bail!("the password must have at least {MIN_PASSWORD_LEN} characters");
    }
    let hash = hash_password(spec.password).await?;
    let now = now();
    let mut tx = pool.begin().await?;
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
    audit(
        &mut tx,
        "user.created",
        &spec.username,
        serde_json::json!({ "admin": spec.admin }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub struct ClientSpec {
    pub client_id: String,
    pub name: Option<String>,
    /// `None` with `public == false` generates one.
    pub secret: Option<String>,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub confirmation: String,
}

/// Validates and stores a client. Returns the secret when one was generated,
/// for the caller to show exactly once.
pub async fn add_client(pool: &SqlitePool, spec: ClientSpec) -> anyhow::Result<Option<String>> {
    validate_username(&spec.client_id).context("client_id")?;
    let redirect_uris = validate_uris("--redirect-uri", &spec.redirect_uris)?;
    if redirect_uris.is_empty() {
        bail!("a client needs at least one --redirect-uri");
    }
    let post_logout = validate_uris(
        "--post-logout-redirect-uri",
        &spec.post_logout_redirect_uris,
    )?;
    if !matches!(spec.confirmation.as_str(), "always" | "when_required") {
        bail!("--confirmation must be always or when_required");
    }
    let (secret, generated) = match (spec.public, spec.secret) {
        (true, Some(_)) => bail!("a public client has no secret"),
        (true, None) => (None, None),
        (false, Some(secret)) if secret.chars().count() < MIN_SECRET_LEN => {
            bail!("the client secret must have at least {MIN_SECRET_LEN} characters")
        }
        (false, Some(secret)) => (Some(secret), None),
        (false, None) => {
            let secret = random_token();
            (Some(secret.clone()), Some(secret))
        }
    };
    let method = if spec.public {
        AuthMethod::None
    } else {
        AuthMethod::ClientSecretBasic
    };
    let now = now();
    let mut tx = pool.begin().await?;
    insert_client(
        &mut *tx,
        &NewClient {
            client_id: &spec.client_id,
            name: spec.name.as_deref().unwrap_or(&spec.client_id),
            secret_hash: secret.as_deref().map(sha256_b64).as_deref(),
            token_endpoint_auth_method: method.as_str(),
            redirect_uris: &redirect_uris,
            post_logout_redirect_uris: &post_logout,
            logout_confirmation: &spec.confirmation,
            created_at: now,
        },
    )
    .await
    .with_context(|| {
        format!(
            "cannot add client {:?} (does it exist already?)",
            spec.client_id
        )
    })?;
    audit(
        &mut tx,
        "client.created",
        &spec.client_id,
        serde_json::json!({ "public": spec.public }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(generated)
}

fn validate_uris(flag: &str, uris: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(uris.len());
    for uri in uris {
        let parsed =
            RegisteredUri::parse(uri).map_err(|e| anyhow::anyhow!("{flag} {uri:?} {e}"))?;
        if out.iter().any(|u| u == uri) {
            bail!("{flag} {uri:?} is given twice");
        }
        out.push(parsed.into());
    }
    Ok(out)
}

/// Adds a new signing key; it signs from now on (the server picks it up within
/// a minute) and the old keys stay published so issued tokens still verify.
pub async fn rotate_keys(pool: &SqlitePool) -> anyhow::Result<String> {
    let kid = keys::insert_new_key(pool).await?;
    let mut tx = pool.begin().await?;
    audit(&mut tx, "keys.rotated", &kid, serde_json::json!({}), now()).await?;
    tx.commit().await?;
    Ok(kid)
}

/// The demo data the README documents.
pub mod demo {
    pub const USER: &str = "demo";
    pub const PASSWORD: &str = "signoff-demo";
    pub const ADMIN: &str = "admin";
    pub const ADMIN_PASSWORD: &str = "signoff-admin";
    pub const CLIENT_ID: &str = "demo-rp";
    pub const CLIENT_SECRET: &str = "demo-rp-secret-0123456789abcdef0123";
    pub const REDIRECT_URIS: &[&str] = &[
        "http://127.0.0.1:8080/callback",
        "https://oidcdebugger.com/debug",
    ];
    pub const POST_LOGOUT_REDIRECT_URI: &str = "http://127.0.0.1:8080/signed-out";
    pub const PUBLIC_CLIENT_ID: &str = "demo-spa";
    pub const PUBLIC_REDIRECT_URI: &str = "http://127.0.0.1:8080/spa/callback";
}

/// Seeds the demo user, admin and clients, but only into an empty database.
pub async fn seed_demo(pool: &SqlitePool) -> anyhow::Result<bool> {
    if count_users(pool).await? > 0 || count_clients(pool).await? > 0 {
        return Ok(false);
    }
    let user = |name: &str, password: &str, admin| UserSpec {
        username: name.into(),
        password: password.into(),
        admin,
    };
    add_user(pool, user(demo::USER, demo::PASSWORD, false)).await?;
    add_user(pool, user(demo::ADMIN, demo::ADMIN_PASSWORD, true)).await?;
    add_client(
        pool,
        ClientSpec {
            client_id: demo::CLIENT_ID.into(),
            name: Some("Demo relying party".into()),
            secret: Some(demo::CLIENT_SECRET.into()),
            public: false,
            redirect_uris: demo::REDIRECT_URIS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            post_logout_redirect_uris: vec![demo::POST_LOGOUT_REDIRECT_URI.into()],
            confirmation: "always".into(),
        },
    )
    .await?;
    add_client(
        pool,
        ClientSpec {
            client_id: demo::PUBLIC_CLIENT_ID.into(),
            name: Some("Demo single-page app".into()),
            secret: None,
            public: true,
            redirect_uris: vec![demo::PUBLIC_REDIRECT_URI.into()],
            post_logout_redirect_uris: vec![],
            confirmation: "always".into(),
        },
    )
    .await?;
    Ok(true)
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
    now: i64,
) -> anyhow::Result<()> {
    record_audit_event(&mut **tx, Some("cli"), action, Some(subject), detail, now)
        .await
        .context("writing the audit event")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_restricted_to_a_safe_alphabet() {
        assert!(validate_username("alice.smith@example").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("a b").is_err());
        assert!(validate_username(&"a".repeat(65)).is_err());
        assert!(validate_username("<script>").is_err());
    }

    #[test]
    fn duplicate_or_insecure_uris_are_refused() {
        let dup = vec![
            "https://a.example/cb".to_owned(),
            "https://a.example/cb".to_owned(),
        ];
        assert!(validate_uris("--redirect-uri", &dup).is_err());
        assert!(validate_uris("--redirect-uri", &["http://a.example/cb".to_owned()]).is_err());
        assert!(validate_uris("--redirect-uri", &["http://127.0.0.1:8080/cb".to_owned()]).is_ok());
    }
}
