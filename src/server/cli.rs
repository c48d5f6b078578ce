//! The command line: `signoff [serve]` plus the settings flags, each of which
//! can also come from its `SIGNOFF_*` environment variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::accounts::UserSpec;
use super::commands::ClientSpec;
use super::config::{ConfigError, Settings, SettingsLayer};
use crate::oidc::jwk::SigningAlg;

#[derive(Debug, Parser)]
#[command(
    name = "signoff",
    version,
    about = "signoff: an OpenID Provider that ends login sessions correctly",
    after_help = "Precedence: command-line flag, then environment variable, then the \
                  --config file, then the default. The Leptos site (JS, WASM, CSS) is \
                  read from LEPTOS_SITE_ROOT (default target/site)."
)]
pub struct Cli {
    /// Optional TOML file whose keys are the server settings' long names with
    /// underscores (listen, issuer, database_url, …).
    #[arg(
        long,
        env = "SIGNOFF_CONFIG",
        global = true,
        help_heading = "Server settings (all commands)"
    )]
    pub config: Option<PathBuf>,

    /// The server settings, each also a `SIGNOFF_*` variable or a key of
    /// the --config file.
    #[command(flatten, next_help_heading = "Server settings (all commands)")]
    pub settings: SettingsLayer,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default when no command is given).
    Serve,
    #[command(flatten)]
    Admin(AdminCommand),
}

/// Administrative commands: they change the database and exit.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage clients (relying parties).
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Manage ID-token signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// List and end OP sessions (users' sign-ins).
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Inspect and resend back-channel logout deliveries.
    Deliveries {
        #[command(subcommand)]
        command: DeliveriesCommand,
    },
}

/// How a command prints its result.
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct Output {
    /// Print JSON (one document) instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add(UserSpec),
    /// List users, with their number of live sessions.
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Disable a user: every session of theirs ends (their apps are told)
    /// and all their tokens are revoked.
    Disable {
        username: String,
        #[command(flatten)]
        output: Output,
    },
    /// Let a disabled user sign in again.
    Enable {
        username: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client. A confidential client without --secret gets a
    /// generated one, printed once.
    Add(Box<ClientSpec>),
    /// List clients.
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Show one client's registration, live sessions and failed deliveries.
    Show {
        client_id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete a client: its client sessions end, its tokens and deliveries
    /// go with it. Users stay signed in to the OP.
    Remove {
        client_id: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List live OP sessions, newest first.
    List {
        /// Only this user's sessions.
        #[arg(long)]
        user: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 500)]
        limit: i64,
        #[command(flatten)]
        output: Output,
    },
    /// End a session, or every session of a user, through the same
    /// termination path as every logout: their apps are told, their tokens
    /// revoked, and running servers see it within a second.
    End {
        #[arg(long, required_unless_present = "user", conflicts_with = "user")]
        sid: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// List back-channel logout deliveries, newest first.
    List {
        #[arg(long, value_parser = ["pending", "delivered", "failed"])]
        status: Option<String>,
        #[arg(long)]
        client: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
        #[command(flatten)]
        output: Output,
    },
    /// Send a delivery's logout again, with a new token, now.
    Resend {
        id: i64,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key. Running servers publish it within a minute and
    /// sign with it from 150 s on, so that with several instances every
    /// /jwks.json lists it before any token carries it. Older keys stay
    /// published for verification.
    Rotate {
        /// The new key's algorithm: RS256 (RSA-2048), ES256 (P-256) or
        /// EdDSA (Ed25519). Clients registered for it sign with it.
        #[arg(long, default_value = "RS256", value_parser = parse_alg)]
        alg: SigningAlg,
        /// Sign with it at once (a single instance, or an emergency).
        #[arg(long)]
        now: bool,
    },
    /// Stop a key from signing; it leaves /jwks.json after a 48-hour grace
    /// period (or at once with --now). The only signing key cannot be retired.
    Retire {
        #[arg(long)]
        kid: String,
        /// Unpublish at once: tokens it signed stop verifying now.
        #[arg(long)]
        now: bool,
    },
}

/// `RS256`, `ES256` or `EdDSA`, exactly.
pub fn parse_alg(name: &str) -> Result<SigningAlg, String> {
    SigningAlg::parse(name).ok_or_else(|| format!("{name:?}: choose RS256, ES256 or EdDSA"))
}

impl Cli {
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let file = match &self.config {
            Some(path) => SettingsLayer::from_toml_file(path)?,
            None => SettingsLayer::default(),
        };
        Settings::resolve(file, self.settings.clone())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_documents_every_environment_variable() {
        let help = Cli::command().render_long_help().to_string();
        for var in [
            "SIGNOFF_LISTEN",
            "SIGNOFF_ISSUER",
            "SIGNOFF_DATABASE_URL",
            "SIGNOFF_LOG",
            "SIGNOFF_CONFIG",
            "SIGNOFF_DEMO",
            "SIGNOFF_COOKIE_SAMESITE",
            "SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS",
            "SIGNOFF_LOG_FORMAT",
            "SIGNOFF_ACCESS_TOKEN_LIFETIME",
            "SIGNOFF_REFRESH_TOKEN_LIFETIME",
            "SIGNOFF_OFFLINE_TOKEN_LIFETIME",
        ] {
            assert!(help.contains(var), "--help does not mention {var}:\n{help}");
        }
    }

    #[test]
    fn flags_override_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("signoff.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:4000\"\nlog = \"warn\"\n").unwrap();
        let cli = Cli::try_parse_from([
            "signoff",
            "--config",
            path.to_str().unwrap(),
            "--log",
            "debug",
            "serve",
        ])
        .unwrap();
        let s = cli.settings().unwrap();
        assert_eq!(s.listen.port(), 4000);
        assert_eq!(s.log, "debug");
        assert!(matches!(cli.command, Some(Command::Serve)));
        let cli = Cli::try_parse_from(["signoff", "keys", "rotate"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Admin(AdminCommand::Keys { .. }))
        ));
    }

    #[test]
    fn a_subcommands_help_lists_its_own_options_before_the_server_settings() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        cli.build();
        let add = cli
            .find_subcommand_mut("client")
            .and_then(|c| c.find_subcommand_mut("add"))
            .expect("client add");
        let help = add.render_help().to_string();
        let at = |what: &str| {
            help.find(what)
                .unwrap_or_else(|| panic!("{what} in {help}"))
        };
        assert!(at("--confirmation") < at("Server settings (all commands):"));
        assert!(at("Server settings (all commands):") < at("--listen"));
        assert!(at("Server settings (all commands):") < at("--config"));
    }
}
