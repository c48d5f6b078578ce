//! Settings: built-in defaults, overlaid by an optional TOML file, overlaid by
//! `SIGNOFF_*` environment variables or command-line flags (clap merges those two).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::oidc::{Issuer, IssuerError};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/signoff.db?mode=rwc";
pub const DEFAULT_LOG: &str = "info";

/// The resolved, validated configuration of one signoff process.
///
/// It holds no secrets today. Any secret added later must be wrapped so that the
/// `Debug` output, which is logged at start-up, cannot show it.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub issuer: Issuer,
    pub database_url: String,
    pub log: String,
    /// Seed the demo data into an empty database at start-up.
    pub demo: bool,
    /// SameSite of the browser-session cookie.
    pub cookie_same_site: CookieSameSite,
    /// Deliver back-channel logout to loopback, private, link-local and
    /// metadata addresses. Off by default (SSRF guard); for development and tests.
    pub allow_private_logout_targets: bool,
}

/// `Lax` (default) keeps the cookie off cross-site subrequests, so cross-site
/// JSONP/CORS calls to /userStatus.json see no session. `None` (https only)
/// lets them work, at the price of cross-site requests carrying the cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSameSite {
    Lax,
    Strict,
    None,
}

/// One layer of optional values: the TOML file, or the environment and flags.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    pub listen: Option<String>,
    pub issuer: Option<String>,
    pub database_url: Option<String>,
    pub log: Option<String>,
    pub demo: Option<bool>,
    pub cookie_same_site: Option<String>,
    pub allow_private_logout_targets: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {source}")]
    ParseFile {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("listen address {0:?} is not a socket address such as 127.0.0.1:3000")]
    Listen(String),
    #[error("issuer {value:?}: {source}")]
    Issuer { value: String, source: IssuerError },
    #[error("database URL {0:?} must start with sqlite:")]
    DatabaseUrl(String),
    #[error("cookie SameSite {0:?} must be lax, strict, or none (none needs an https issuer)")]
    SameSite(String),
}

impl SettingsLayer {
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::ParseFile {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }
}

impl Settings {
    /// Resolves the settings: `overrides` beat `file`, which beats the defaults.
    pub fn resolve(file: SettingsLayer, overrides: SettingsLayer) -> Result<Self, ConfigError> {
        let pick = |over: Option<String>, file: Option<String>, default: &str| {
            over.or(file).unwrap_or_else(|| default.to_owned())
        };
        let listen = pick(overrides.listen, file.listen, DEFAULT_LISTEN);
        let issuer = pick(overrides.issuer, file.issuer, DEFAULT_ISSUER);
        let database_url = pick(
            overrides.database_url,
            file.database_url,
            DEFAULT_DATABASE_URL,
        );
        let log = pick(overrides.log, file.log, DEFAULT_LOG);
        let demo = overrides.demo.or(file.demo).unwrap_or(false);
        let allow_private_logout_targets = overrides
            .allow_private_logout_targets
            .or(file.allow_private_logout_targets)
            .unwrap_or(false);
        let same_site = pick(overrides.cookie_same_site, file.cookie_same_site, "lax");

        let listen = listen
            .trim()
            .parse()
            .map_err(|_| ConfigError::Listen(listen.clone()))?;
        let issuer = Issuer::parse(&issuer).map_err(|source| ConfigError::Issuer {
            value: issuer.clone(),
            source,
        })?;
        if !database_url.starts_with("sqlite:") {
            return Err(ConfigError::DatabaseUrl(database_url));
        }
        let cookie_same_site = match same_site.to_ascii_lowercase().as_str() {
            "lax" => CookieSameSite::Lax,
            "strict" => CookieSameSite::Strict,
            "none" if issuer.is_https() => CookieSameSite::None,
            _ => return Err(ConfigError::SameSite(same_site)),
        };
        Ok(Self {
            listen,
            issuer,
            database_url,
            log,
            demo,
            cookie_same_site,
            allow_private_logout_targets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(toml_text: &str) -> SettingsLayer {
        toml::from_str(toml_text).expect("test TOML parses")
    }

    #[test]
    fn with_nothing_configured_the_documented_defaults_apply() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(s.issuer.as_ref(), "http://127.0.0.1:3000");
        assert_eq!(s.database_url, "sqlite://data/signoff.db?mode=rwc");
        assert_eq!(s.log, "info");
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let file = layer(
            r#"
            listen = "0.0.0.0:8080"
            issuer = "https://id.example.com"
            log = "debug"
            "#,
        );
        let env = SettingsLayer {
            listen: Some("127.0.0.1:9000".into()),
            ..Default::default()
        };
        let s = Settings::resolve(file, env).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(s.issuer.as_ref(), "https://id.example.com");
        assert_eq!(s.log, "debug");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_not_silently_ignored() {
        let err = toml::from_str::<SettingsLayer>("listne = \"1.2.3.4:1\"").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }

    #[test]
    fn a_bad_listen_address_is_reported_with_its_value() {
        let env = SettingsLayer {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        let err = Settings::resolve(SettingsLayer::default(), env).unwrap_err();
        assert!(matches!(err, ConfigError::Listen(ref v) if v == "localhost"));
    }

    #[test]
    fn a_non_loopback_http_issuer_is_refused() {
        let env = SettingsLayer {
            issuer: Some("http://id.example.com".into()),
            ..Default::default()
        };
        let err = Settings::resolve(SettingsLayer::default(), env).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Issuer {
                source: IssuerError::InsecureScheme,
                ..
            }
        ));
    }

    #[test]
    fn same_site_none_needs_an_https_issuer() {
        let none_on_http = SettingsLayer {
            cookie_same_site: Some("none".into()),
            ..Default::default()
        };
        assert!(matches!(
            Settings::resolve(SettingsLayer::default(), none_on_http.clone()),
            Err(ConfigError::SameSite(_))
        ));
        let none_on_https = SettingsLayer {
            issuer: Some("https://id.example.com".into()),
            ..none_on_http
        };
        let s = Settings::resolve(SettingsLayer::default(), none_on_https).unwrap();
        assert_eq!(s.cookie_same_site, CookieSameSite::None);
    }

    #[test]
    fn a_database_url_for_another_engine_is_refused() {
        let env = SettingsLayer {
            database_url: Some("postgres://localhost/signoff".into()),
            ..Default::default()
        };
        assert!(matches!(
            Settings::resolve(SettingsLayer::default(), env),
            Err(ConfigError::DatabaseUrl(_))
        ));
    }

    #[test]
    fn private_logout_targets_are_refused_unless_allowed() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert!(!s.allow_private_logout_targets);
        let s = Settings::resolve(
            layer("allow_private_logout_targets = true"),
            SettingsLayer::default(),
        )
        .unwrap();
        assert!(s.allow_private_logout_targets);
    }

    #[test]
    fn a_missing_config_file_names_the_path() {
        let err =
            SettingsLayer::from_toml_file(Path::new("/nonexistent/signoff.toml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/signoff.toml"));
    }
}
