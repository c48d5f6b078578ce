//! What the CLI subcommands and the demo seed do, on the same database and
//! rules as the server.

use crate::server::db::Pool;
use anyhow::{Context, bail};

use super::accounts::{UserSpec, add_user};
use super::clients::register_client;
use super::clock::now;
use super::config::DemoRpPorts;
use super::crypto::random_token;
use super::db::audit_events::record_audit_event;
use super::db::clients::count_clients;
use super::db::signing_keys::{Retired, insert_signing_key, list_signing_algs, retire_signing_key};
use super::db::users::count_users;
use super::keys;
use crate::oidc::client_metadata::{ClientInput, ClientType, check_client_secret, validate_client};
use crate::oidc::jwk::SigningAlg;

/// A new client: `signoff client add`'s arguments, and what the demo seed
/// passes. A confidential client without a secret gets a generated one.
#[derive(Debug, clap::Args)]
pub struct ClientSpec {
    /// The client's identifier, as it sends it.
    #[arg(long)]
    pub client_id: String,
    /// Display name (defaults to the client_id).
    #[arg(long)]
    pub name: Option<String>,
    /// At least 32 characters; stored only as a hash.
    #[arg(
        long,
        env = "SIGNOFF_NEW_CLIENT_SECRET",
        hide_env_values = true,
        conflicts_with = "public"
    )]
    pub secret: Option<String>,
    /// A public client (no secret; PKCE is then required).
    #[arg(long)]
    pub public: bool,
    /// Exact redirect URI (repeatable); https unless the host is loopback.
    #[arg(long = "redirect-uri", required = true)]
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URI (repeatable).
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Front-channel logout URI; its scheme, host and port must be those of
    /// a redirect URI. signoff always sends it `iss` and `sid`.
    #[arg(long)]
    pub frontchannel_logout_uri: Option<String>,
    /// Back-channel logout URI. signoff always puts `sid` in the logout token.
    #[arg(long)]
    pub backchannel_logout_uri: Option<String>,
    /// Whether logout always asks the user, or only when the request does not prove itself.
    #[arg(long, default_value = "always", value_parser = ["always", "when_required"])]
    pub confirmation: String,
    /// The grants the client may use, comma-separated: `authorization_code`
    /// (always), and `refresh_token` to be issued refresh tokens.
    #[arg(long, value_delimiter = ',', default_value = "authorization_code")]
    pub grant_types: Vec<String>,
    /// What signs its ID tokens and logout tokens: RS256, ES256 or EdDSA.
    /// A key of that algorithm must be active (`signoff keys rotate --alg`).
    #[arg(long = "id-token-alg", default_value = "RS256")]
    pub id_token_alg: String,
}

/// Validates (by the same rules as the admin console) and stores a client,
/// audited as done by `actor`. Returns the secret when one was generated, for
/// the caller to show once.
pub async fn add_client(
    pool: &Pool,
    spec: ClientSpec,
    actor: &str,
) -> anyhow::Result<Option<String>> {
    let client_type = if spec.public {
        ClientType::Public
    } else {
        ClientType::Confidential
    };
    let input = ClientInput {
        name: spec.name.clone().unwrap_or_else(|| spec.client_id.clone()),
        client_id: spec.client_id,
        client_type: client_type.as_str().into(),
        redirect_uris: spec.redirect_uris,
        post_logout_redirect_uris: spec.post_logout_redirect_uris,
        frontchannel_logout_uri: spec.frontchannel_logout_uri.unwrap_or_default(),
        backchannel_logout_uri: spec.backchannel_logout_uri.unwrap_or_default(),
        logout_confirmation: spec.confirmation,
        grant_types: spec.grant_types,
        id_token_signed_response_alg: spec.id_token_alg,
        ..ClientInput::new_client()
    }
    .normalized();
    let metadata = validate_client(&input).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the client is not valid:\n  {}", lines.join("\n  "))
    })?;
    let (secret, generated) = match (spec.public, spec.secret) {
        (true, Some(_)) => bail!("a public client has no secret"),
        (true, None) => (None, None),
        (false, Some(secret)) => {
            check_client_secret(&secret).map_err(|why| anyhow::anyhow!(why))?;
            (Some(secret), None)
        }
        (false, None) => {
            let secret = random_token();
            (Some(secret.clone()), Some(secret))
        }
    };
    register_client(pool, &metadata, secret.as_deref(), actor).await?;
    Ok(generated)
}

/// Adds a new signing key. Every instance publishes it at its next reload
/// (within a minute); it signs from [`keys::PUBLISH_BEFORE_SIGNING`] later,
/// or at once with `at_once` (one instance only: another one's `/jwks.json`
/// may not list it yet). The old keys stay published, so issued tokens
/// still verify. Returns the new key's kid.
pub async fn rotate_keys(pool: &Pool, alg: SigningAlg, at_once: bool) -> anyhow::Result<String> {
    let now = now();
    let sign_from = match at_once {
        true => now,
        false => now + keys::PUBLISH_BEFORE_SIGNING.as_secs() as i64,
    };
    let row = keys::generate_key_off_runtime(alg, sign_from).await?;
    let mut tx = super::db::begin_exclusive(pool, "signing_keys").await?;
    insert_signing_key(&mut *tx, &row, now).await?;
    audit(
        &mut tx,
        "keys.rotated",
        &row.kid,
        serde_json::json!({ "alg": alg.as_str(), "sign_from": sign_from }),
        now,
    )
    .await?;
    super::changes::announce(&mut tx).await?;
    tx.commit().await?;
    Ok(row.kid)
}

/// Adds a key of `alg` that signs at once, unless one is active already
/// (the demo seed, before it registers a client of that algorithm).
pub async fn ensure_signing_key(pool: &Pool, alg: SigningAlg) -> anyhow::Result<()> {
    let active = list_signing_algs(pool).await?;
    if active.iter().any(|a| a == alg.as_str()) {
        return Ok(());
    }
    let row = keys::generate_key_off_runtime(alg, now()).await?;
    let mut tx = super::db::begin_exclusive(pool, "signing_keys").await?;
    if !list_signing_algs(&mut *tx)
        .await?
        .iter()
        .any(|a| a == alg.as_str())
    {
        insert_signing_key(&mut *tx, &row, now()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How long a retired key stays published unless `--now`: tokens it signed
/// must still verify, and an expired `id_token_hint` counts for 24 hours
/// after its session ended (RP-Initiated Logout §2).
pub const RETIRED_KEY_GRACE_SECS: i64 = 2 * 24 * 3600;

/// Stops a key from signing and, after [`RETIRED_KEY_GRACE_SECS`] (or at
/// once with `now`), removes it from `/jwks.json`. Audited.
pub async fn retire_key(pool: &Pool, kid: &str, at_once: bool) -> anyhow::Result<()> {
    let now = now();
    let unpublish_at = if at_once {
        now
    } else {
        now + RETIRED_KEY_GRACE_SECS
    };
    let mut tx = super::db::begin_write(pool).await?;
    match retire_signing_key(&mut tx, kid, now, unpublish_at).await? {
        Retired::Done => {}
        Retired::NoSuchKey => bail!("no signing key {kid:?} that is not already unpublished"),
        Retired::LastSigningKey => bail!(
            "{kid} is the only key of its algorithm that signs, and RS256 must always sign or \
             clients use it; run `signoff keys rotate --alg <its algorithm>` first, then retire it"
        ),
    }
    audit(
        &mut tx,
        "keys.retired",
        kid,
        serde_json::json!({ "unpublish_at": unpublish_at, "now": at_once }),
        now,
    )
    .await?;
    super::changes::announce(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo data the README documents.
pub mod demo {
    use crate::server::config::DemoRpPorts;

    pub const USER: &str = "demo";
    pub const PASSWORD: &str = "signoff-demo";
    pub const ADMIN: &str = "admin";
    pub const ADMIN_PASSWORD: &str = "signoff-admin";
    pub const CLIENT_ID: &str = "demo-rp";
    pub const CLIENT_SECRET: &str = "demo-rp-secret-0123456789abcdef0123456789abcdef";
    pub const REDIRECT_URIS: &[&str] = &[
        "http://127.0.0.1:8080/callback",
        "http://localhost:8080/callback",
    ];
    pub const POST_LOGOUT_REDIRECT_URI: &str = "http://127.0.0.1:8080/signed-out";
    pub const PUBLIC_CLIENT_ID: &str = "demo-spa";
    pub const PUBLIC_REDIRECT_URI: &str = "http://127.0.0.1:8080/spa/callback";
    /// A client told of logouts by a front-channel iframe.
    pub const FRONTCHANNEL_CLIENT_ID: &str = "demo-fc-rp";
    pub const FRONTCHANNEL_LOGOUT_URI: &str = "http://127.0.0.1:8080/frontchannel-logout";
    /// A client told of logouts by a back-channel logout token, on another port.
    pub const BACKCHANNEL_CLIENT_ID: &str = "demo-bc-rp";
    pub const BACKCHANNEL_REDIRECT_URI: &str = "http://127.0.0.1:8081/callback";
    pub const BACKCHANNEL_POST_LOGOUT_REDIRECT_URI: &str = "http://127.0.0.1:8081/signed-out";
    pub const BACKCHANNEL_LOGOUT_URI: &str = "http://127.0.0.1:8081/backchannel-logout";
    /// The back-channel client signs with ES256 (the others with RS256).
    pub const BACKCHANNEL_ID_TOKEN_ALG: &str = "ES256";

    /// A demo URI above (written for the default ports, 8080 and 8081) on
    /// the ports the demo relying parties really use.
    pub fn on_ports(uri: &str, ports: DemoRpPorts) -> String {
        let Ok(mut url) = url::Url::parse(uri) else {
            return uri.to_owned();
        };
        let port = match url.port() {
            Some(8080) => ports.front,
            Some(8081) => ports.back,
            _ => return uri.to_owned(),
        };
        // Cannot fail: these are http URLs with a host.
        let _ = url.set_port(Some(port));
        url.into()
    }
}

/// The actor the audit log names for what signoff does by itself.
pub const SYSTEM: &str = "system";

/// Seeds the demo user, admin and clients, but only into an empty database.
/// Its relying parties' URIs use `ports`.
pub async fn seed_demo(pool: &Pool, ports: DemoRpPorts) -> anyhow::Result<bool> {
    let at = |uri: &str| demo::on_ports(uri, ports);
    // Every demo client may hold refresh tokens, so they can be tried.
    let refresh = || vec!["authorization_code".to_owned(), "refresh_token".to_owned()];
    if count_users(pool).await? > 0 || count_clients(pool).await? > 0 {
        return Ok(false);
    }
    let user = |name: &str, password: &str, admin| UserSpec {
        username: name.into(),
        password: password.into(),
        admin,
    };
    // Seeding is the system's doing, and is audited as such.
    add_user(pool, user(demo::USER, demo::PASSWORD, false), SYSTEM).await?;
    // A demo client signs with ES256, so there must be a key for it.
    ensure_signing_key(pool, SigningAlg::Es256).await?;
    add_user(pool, user(demo::ADMIN, demo::ADMIN_PASSWORD, true), SYSTEM).await?;
    add_client(
        pool,
        ClientSpec {
            client_id: demo::CLIENT_ID.into(),
            name: Some("Demo relying party".into()),
            secret: Some(demo::CLIENT_SECRET.into()),
            public: false,
            redirect_uris: demo::REDIRECT_URIS.iter().map(|s| at(s)).collect(),
            post_logout_redirect_uris: vec![at(demo::POST_LOGOUT_REDIRECT_URI)],
            frontchannel_logout_uri: None,
            backchannel_logout_uri: None,
            confirmation: "always".into(),
            grant_types: refresh(),
            id_token_alg: "RS256".into(),
        },
        SYSTEM,
    )
    .await?;
    let confidential =
        |client_id: &str, name: &str, redirect: &str, post_logout: &str| ClientSpec {
            client_id: client_id.into(),
            name: Some(name.into()),
            secret: Some(demo::CLIENT_SECRET.into()),
            public: false,
            redirect_uris: vec![at(redirect)],
            post_logout_redirect_uris: vec![at(post_logout)],
            frontchannel_logout_uri: None,
            backchannel_logout_uri: None,
            confirmation: "always".into(),
            grant_types: refresh(),
            id_token_alg: "RS256".into(),
        };
    add_client(
        pool,
        ClientSpec {
            frontchannel_logout_uri: Some(at(demo::FRONTCHANNEL_LOGOUT_URI)),
            ..confidential(
                demo::FRONTCHANNEL_CLIENT_ID,
                "Front-channel demo RP",
                demo::REDIRECT_URIS[0],
                demo::POST_LOGOUT_REDIRECT_URI,
            )
        },
        SYSTEM,
    )
    .await?;
    add_client(
        pool,
        ClientSpec {
            backchannel_logout_uri: Some(at(demo::BACKCHANNEL_LOGOUT_URI)),
            // Its ID tokens and logout tokens are ES256.
            id_token_alg: demo::BACKCHANNEL_ID_TOKEN_ALG.into(),
            ..confidential(
                demo::BACKCHANNEL_CLIENT_ID,
                "Back-channel demo RP",
                demo::BACKCHANNEL_REDIRECT_URI,
                demo::BACKCHANNEL_POST_LOGOUT_REDIRECT_URI,
            )
        },
        SYSTEM,
    )
    .await?;
    add_client(
        pool,
        ClientSpec {
            client_id: demo::PUBLIC_CLIENT_ID.into(),
            name: Some("Demo single-page app".into()),
            secret: None,
            public: true,
            redirect_uris: vec![at(demo::PUBLIC_REDIRECT_URI)],
            post_logout_redirect_uris: vec![],
            frontchannel_logout_uri: None,
            backchannel_logout_uri: None,
            confirmation: "always".into(),
            grant_types: refresh(),
            id_token_alg: "RS256".into(),
        },
        SYSTEM,
    )
    .await?;
    Ok(true)
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, crate::server::db::Db>,
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
    fn demo_uris_move_to_the_demo_rps_ports_and_nothing_else_changes() {
        let ports = DemoRpPorts {
            front: 8081,
            back: 41001,
        };
        assert_eq!(
            demo::on_ports(demo::REDIRECT_URIS[1], ports),
            "http://localhost:8081/callback"
        );
        assert_eq!(
            demo::on_ports(demo::BACKCHANNEL_LOGOUT_URI, ports),
            "http://127.0.0.1:41001/backchannel-logout"
        );
        let default = DemoRpPorts::default();
        assert_eq!(
            demo::on_ports(demo::POST_LOGOUT_REDIRECT_URI, default),
            demo::POST_LOGOUT_REDIRECT_URI
        );
        assert_eq!(
            demo::on_ports("http://example.com/x", ports),
            "http://example.com/x"
        );
    }
}
