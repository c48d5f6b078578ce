//! The command line: `signoff [serve]` plus the settings flags, each of which
//! can also come from its `SIGNOFF_*` environment variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::config::{ConfigError, Settings, SettingsLayer};

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
    #[arg(long, env = "SIGNOFF_CONFIG", global = true)]
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
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        #[arg(long)]
        username: String,
        /// At least 8 characters.
        #[arg(long, env = "SIGNOFF_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Let the user use the admin console.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client. A confidential client without --secret gets a
    /// generated one, printed once.
    Add {
        #[arg(long)]
        client_id: String,
        /// Display name (defaults to the client_id).
        #[arg(long)]
        name: Option<String>,
        /// At least 32 characters; stored only as a hash.
        #[arg(
            long,
            env = "SIGNOFF_NEW_CLIENT_SECRET",
            hide_env_values = true,
            conflicts_with = "public"
        )]
        secret: Option<String>,
        /// A public client (no secret; PKCE is then required).
        #[arg(long)]
        public: bool,
        /// Exact redirect URI (repeatable); https unless the host is loopback.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Exact post-logout redirect URI (repeatable).
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Front-channel logout URI; its scheme, host and port must be those of
        /// a redirect URI. signoff always sends it `iss` and `sid`.
        #[arg(long)]
        frontchannel_logout_uri: Option<String>,
        /// Back-channel logout URI. signoff always puts `sid` in the logout token.
        #[arg(long)]
        backchannel_logout_uri: Option<String>,
        /// Whether logout always asks the user, or only when the request does not prove itself.
        #[arg(long, default_value = "always", value_parser = ["always", "when_required"])]
        confirmation: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new active signing key; older keys stay published for verification.
    Rotate,
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
}
