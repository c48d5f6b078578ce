//! Settings: built-in defaults, overlaid by an optional TOML file, overlaid by
//! `SIGNOFF_*` environment variables or command-line flags (clap merges those two).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::client_addr::{Cidr, CidrError};
use crate::oidc::{Issuer, IssuerError};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/signoff.db?mode=rwc";
pub const DEFAULT_LOG: &str = "info";

/// The resolved, validated configuration of one signoff process.
///
/// Its `Debug` output is logged at start-up, so a secret in it is wrapped: the
/// database URL's password shows as `***`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub issuer: Issuer,
    pub database_url: DatabaseUrl,
    pub log: String,
    /// How log lines are written: readable text, or one JSON object per line.
    pub log_format: LogFormat,
    /// Seed the demo data into an empty database at start-up.
    pub demo: bool,
    /// SameSite of the browser-session cookie.
    pub cookie_same_site: CookieSameSite,
    /// Deliver back-channel logout to loopback, private, link-local and
    /// metadata addresses. Off by default (SSRF guard); for development and tests.
    pub allow_private_logout_targets: bool,
    /// Requests per minute per client address on the anonymous entry points
    /// (`0`: no limit, for load tests and benches).
    pub rate_limit: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<Cidr>,
    /// The proxy back-channel logout goes through, if any; without one,
    /// `HTTP(S)_PROXY` and `ALL_PROXY` are ignored and the SSRF guard applies.
    pub logout_proxy: Option<String>,
    /// Back-channel deliveries are kept this long, then deleted.
    pub delivery_retention_days: u32,
    /// Audit events are kept this long, then deleted.
    pub audit_retention_days: u32,
    /// Where the demo data's relying parties listen.
    pub demo_rp_ports: DemoRpPorts,
    /// Threads that serve requests: 1 runs tokio's current_thread runtime,
    /// more a multi-thread runtime with that many workers.
    pub worker_threads: usize,
    /// How long access and refresh tokens live.
    pub token_lifetimes: crate::oidc::token::TokenLifetimes,
    /// Where Prometheus metrics are served, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
}

/// `sqlite:…` or `postgres:…`/`postgresql:…`, read as text; its `Debug` hides
/// the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: String) -> Result<Self, ConfigError> {
        if ["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            Ok(Self(url))
        } else {
            Err(ConfigError::DatabaseUrl(redact_password(&url)))
        }
    }
}

impl std::ops::Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&redact_password(&self.0), f)
    }
}

/// The URL with its password, if any, replaced by `***`.
fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password at all.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The ports on 127.0.0.1 of the demo relying parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoRpPorts {
    /// demo-rp, demo-fc-rp and demo-spa (code flow, front-channel logout).
    pub front: u16,
    /// demo-bc-rp (back-channel logout).
    pub back: u16,
}

impl Default for DemoRpPorts {
    fn default() -> Self {
        Self {
            front: 8080,
            back: 8081,
        }
    }
}

impl DemoRpPorts {
    fn parse(text: &str) -> Option<Self> {
        let (front, back) = text.split_once(',')?;
        Some(Self {
            front: front.trim().parse().ok().filter(|p| *p != 0)?,
            back: back.trim().parse().ok().filter(|p| *p != 0)?,
        })
    }
}

pub const DEFAULT_RATE_LIMIT: u32 = 600;
/// One event loop: measured on a 2-core machine, it costs the least CPU per
/// request at every load, and serves as many requests per second at saturation
/// as a work-stealing pool (README, "Performance").
pub const DEFAULT_WORKER_THREADS: usize = 1;
/// More serving threads than this is a typo, not a machine.
const MAX_WORKER_THREADS: usize = 1024;
pub const DEFAULT_DELIVERY_RETENTION_DAYS: u32 = 30;
pub const DEFAULT_AUDIT_RETENTION_DAYS: u32 = 365;

/// `Lax` (default) keeps the cookie off cross-site subrequests, so cross-site
/// JSONP/CORS calls to /userStatus.json see no session. `None` (https only)
/// lets them work, at the price of cross-site requests carrying the cookie.
/// `Strict` is refused: RP-initiated logout is a cross-site navigation, so a
/// strict cookie would never arrive and the logout would silently do nothing.
/// `SIGNOFF_LOG_FORMAT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line, with the request's id and route.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSameSite {
    Lax,
    None,
}

/// One layer of optional settings: the TOML file, or the command line and
/// its `SIGNOFF_*` variables (flattened into `cli::Cli`). Each setting is
/// declared here once; [`Settings::resolve`] merges two layers and checks them.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    /// Socket address to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "SIGNOFF_LISTEN", global = true)]
    pub listen: Option<String>,

    /// Public issuer URL, exactly as clients see it; https unless the host is loopback
    /// [default: http://127.0.0.1:3000].
    #[arg(long, env = "SIGNOFF_ISSUER", global = true)]
    pub issuer: Option<String>,

    /// Database URL: sqlite://FILE?mode=rwc (the file and its directory are
    /// created if missing) or postgres://USER:PASSWORD@HOST/DB
    /// [default: sqlite://data/signoff.db?mode=rwc].
    #[arg(long, env = "SIGNOFF_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Log filter in tracing's EnvFilter syntax, e.g. "info,signoff=debug" [default: info].
    #[arg(long, env = "SIGNOFF_LOG", global = true)]
    pub log: Option<String>,

    /// Log lines as readable text, or as one JSON object per line carrying the
    /// request id and route: text or json [default: text].
    #[arg(long, env = "SIGNOFF_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,

    /// Seed demo users and clients at start-up when the database is empty [default: false].
    #[arg(long, env = "SIGNOFF_DEMO", global = true)]
    pub demo: Option<bool>,

    /// SameSite of the session cookie: lax, strict, or none (https only) [default: lax].
    #[arg(long, env = "SIGNOFF_COOKIE_SAMESITE", global = true)]
    pub cookie_same_site: Option<String>,

    /// Deliver back-channel logout to loopback, private, link-local and cloud
    /// metadata addresses too; for development and tests only [default: false].
    #[arg(long, env = "SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS", global = true)]
    pub allow_private_logout_targets: Option<bool>,

    /// Requests per minute per client address on /authorize, /login, /logout,
    /// /token, /userStatus.json, /signout and /api/*; 0 turns limiting off [default: 600].
    #[arg(long, env = "SIGNOFF_RATE_LIMIT", global = true)]
    pub rate_limit: Option<u32>,

    /// Reverse proxies (CIDRs, comma-separated) whose X-Forwarded-For is believed [default: none].
    #[arg(long, env = "SIGNOFF_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,

    /// Send back-channel logouts through this http(s) proxy, which then enforces
    /// the outbound policy; without it HTTP(S)_PROXY/ALL_PROXY are ignored [default: none].
    #[arg(long, env = "SIGNOFF_LOGOUT_PROXY", global = true)]
    pub logout_proxy: Option<String>,

    /// Days back-channel deliveries are kept [default: 30].
    #[arg(long, env = "SIGNOFF_DELIVERY_RETENTION_DAYS", global = true)]
    pub delivery_retention_days: Option<u32>,

    /// Days audit events are kept [default: 365].
    #[arg(long, env = "SIGNOFF_AUDIT_RETENTION_DAYS", global = true)]
    pub audit_retention_days: Option<u32>,

    /// Ports of the demo relying parties on 127.0.0.1 that the demo data
    /// registers: "FRONT,BACK" (front-channel and code flow, back-channel)
    /// [default: 8080,8081].
    #[arg(long, env = "SIGNOFF_DEMO_RP_PORTS", global = true)]
    pub demo_rp_ports: Option<String>,

    /// Threads that serve requests: 1 is a single event loop (the cheapest per
    /// request), more a work-stealing pool of that many; blocking work (password
    /// hashing, RSA signing) runs on a separate pool either way [default: 1].
    #[arg(long, env = "SIGNOFF_WORKER_THREADS", global = true)]
    pub worker_threads: Option<usize>,

    /// Serve Prometheus metrics at /metrics on this socket address, e.g.
    /// 127.0.0.1:9464; keep it private [default: off].
    #[arg(long, env = "SIGNOFF_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<String>,

    /// Seconds an access token lives, 60 to 86400 [default: 3600].
    #[arg(long, env = "SIGNOFF_ACCESS_TOKEN_LIFETIME", global = true)]
    pub access_token_lifetime: Option<i64>,

    /// Seconds a refresh token bound to the sign-in session lives at most; it
    /// dies with the session sooner [default: 1209600, 14 days].
    #[arg(long, env = "SIGNOFF_REFRESH_TOKEN_LIFETIME", global = true)]
    pub refresh_token_lifetime: Option<i64>,

    /// Seconds an offline_access refresh token lives unless used (each use
    /// gives it this long again) [default: 2592000, 30 days].
    #[arg(long, env = "SIGNOFF_OFFLINE_TOKEN_LIFETIME", global = true)]
    pub offline_token_lifetime: Option<i64>,
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
    #[error("database URL {0:?} must start with sqlite: or postgres:")]
    DatabaseUrl(String),
    #[error("cookie SameSite {0:?} must be lax or none (none needs an https issuer)")]
    SameSite(String),
    #[error(
        "cookie SameSite \"strict\" is refused: RP-initiated logout arrives as a cross-site \
         navigation, which never carries a strict cookie, so every logout from an application \
         would find no session and silently end nothing; use lax (the default)"
    )]
    StrictSameSite,
    #[error("trusted proxies: {0}")]
    TrustedProxies(#[from] CidrError),
    #[error("worker threads {0} must be between 1 and 1024")]
    WorkerThreads(usize),
    #[error("logout proxy {0:?} must be an http:// or https:// URL")]
    LogoutProxy(String),
    #[error(
        "demo mode is refused with an https issuer: its users and client secrets are published \
         in the README, so it is for a loopback development setup only"
    )]
    DemoOnHttps,
    #[error("{0} must be at least 1 day")]
    Retention(&'static str),
    #[error("demo RP ports {0:?} are not two ports such as 8080,8081")]
    DemoRpPorts(String),
    #[error("metrics listen address {0:?} is not a socket address such as 127.0.0.1:9464")]
    MetricsListen(String),
    #[error("log format {0:?} must be text or json")]
    LogFormat(String),
    #[error("{0} must be between {1} and {2} seconds")]
    TokenLifetime(&'static str, i64, i64),
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
        let database_url = DatabaseUrl::parse(database_url)?;
        let cookie_same_site = match same_site.to_ascii_lowercase().as_str() {
            "lax" => CookieSameSite::Lax,
            "strict" => return Err(ConfigError::StrictSameSite),
            "none" if issuer.is_https() => CookieSameSite::None,
            _ => return Err(ConfigError::SameSite(same_site)),
        };
        if demo && issuer.is_https() {
            return Err(ConfigError::DemoOnHttps);
        }
        let rate_limit = overrides
            .rate_limit
            .or(file.rate_limit)
            .unwrap_or(DEFAULT_RATE_LIMIT);
        let trusted_proxies = Cidr::parse_list(
            &overrides
                .trusted_proxies
                .or(file.trusted_proxies)
                .unwrap_or_default(),
        )?;
        let logout_proxy = overrides
            .logout_proxy
            .or(file.logout_proxy)
            .filter(|p| !p.trim().is_empty());
        if let Some(proxy) = &logout_proxy
            && !url::Url::parse(proxy).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Err(ConfigError::LogoutProxy(proxy.clone()));
        }
        let delivery_retention_days = overrides
            .delivery_retention_days
            .or(file.delivery_retention_days)
            .unwrap_or(DEFAULT_DELIVERY_RETENTION_DAYS);
        let audit_retention_days = overrides
            .audit_retention_days
            .or(file.audit_retention_days)
            .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS);
        if delivery_retention_days == 0 {
            return Err(ConfigError::Retention("SIGNOFF_DELIVERY_RETENTION_DAYS"));
        }
        if audit_retention_days == 0 {
            return Err(ConfigError::Retention("SIGNOFF_AUDIT_RETENTION_DAYS"));
        }
        let demo_rp_ports = match overrides.demo_rp_ports.or(file.demo_rp_ports) {
            None => DemoRpPorts::default(),
            Some(text) => DemoRpPorts::parse(&text).ok_or(ConfigError::DemoRpPorts(text))?,
        };
        let worker_threads = overrides
            .worker_threads
            .or(file.worker_threads)
            .unwrap_or(DEFAULT_WORKER_THREADS);
        if !(1..=MAX_WORKER_THREADS).contains(&worker_threads) {
            return Err(ConfigError::WorkerThreads(worker_threads));
        }
        let lifetime = |value: Option<i64>, default: i64, name, min: i64, max: i64| {
            let secs = value.unwrap_or(default);
            if (min..=max).contains(&secs) {
                Ok(secs)
            } else {
                Err(ConfigError::TokenLifetime(name, min, max))
            }
        };
        const YEAR: i64 = 366 * 24 * 3600;
        let defaults = crate::oidc::token::TokenLifetimes::default();
        let token_lifetimes = crate::oidc::token::TokenLifetimes {
            access: lifetime(
                overrides
                    .access_token_lifetime
                    .or(file.access_token_lifetime),
                defaults.access,
                "SIGNOFF_ACCESS_TOKEN_LIFETIME",
                60,
                24 * 3600,
            )?,
            refresh: lifetime(
                overrides
                    .refresh_token_lifetime
                    .or(file.refresh_token_lifetime),
                defaults.refresh,
                "SIGNOFF_REFRESH_TOKEN_LIFETIME",
                60,
                YEAR,
            )?,
            offline: lifetime(
                overrides
                    .offline_token_lifetime
                    .or(file.offline_token_lifetime),
                defaults.offline,
                "SIGNOFF_OFFLINE_TOKEN_LIFETIME",
                60,
                YEAR,
            )?,
        };
        let log_format = match overrides
            .log_format
            .or(file.log_format)
            .unwrap_or_else(|| "text".to_owned())
            .to_ascii_lowercase()
            .as_str()
        {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => return Err(ConfigError::LogFormat(other.to_owned())),
        };
        let metrics_listen = match overrides
            .metrics_listen
            .or(file.metrics_listen)
            .filter(|a| !a.trim().is_empty())
        {
            None => None,
            Some(text) => Some(
                text.trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| ConfigError::MetricsListen(text))?,
            ),
        };
        Ok(Self {
            metrics_listen,
            log_format,
            token_lifetimes,
            worker_threads,
            demo_rp_ports,
            rate_limit,
            trusted_proxies,
            logout_proxy,
            delivery_retention_days,
            audit_retention_days,
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
        assert_eq!(&*s.database_url, "sqlite://data/signoff.db?mode=rwc");
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
        assert_eq!(&*s.database_url, DEFAULT_DATABASE_URL);
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
    fn strict_same_site_is_refused_with_the_reason() {
        let strict = SettingsLayer {
            cookie_same_site: Some("Strict".into()),
            ..Default::default()
        };
        let err = Settings::resolve(SettingsLayer::default(), strict).unwrap_err();
        assert!(matches!(err, ConfigError::StrictSameSite));
        assert!(err.to_string().contains("cross-site"), "{err}");
    }

    #[test]
    fn demo_mode_is_refused_with_an_https_issuer() {
        let env = SettingsLayer {
            issuer: Some("https://id.example.com".into()),
            demo: Some(true),
            ..Default::default()
        };
        assert!(matches!(
            Settings::resolve(SettingsLayer::default(), env),
            Err(ConfigError::DemoOnHttps)
        ));
    }

    #[test]
    fn limits_proxies_and_retention_have_defaults_and_are_checked() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(s.rate_limit, DEFAULT_RATE_LIMIT);
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(s.delivery_retention_days, 30);
        assert_eq!(s.audit_retention_days, 365);
        assert_eq!(s.logout_proxy, None);
        let s = Settings::resolve(
            layer("rate_limit = 0\ntrusted_proxies = \"10.0.0.0/8, ::1\""),
            SettingsLayer::default(),
        )
        .unwrap();
        assert_eq!(s.rate_limit, 0);
        assert_eq!(s.trusted_proxies.len(), 2);
        for bad in [
            "trusted_proxies = \"10.0.0.0/33\"",
            "logout_proxy = \"socks5://x\"",
            "audit_retention_days = 0",
        ] {
            assert!(
                Settings::resolve(layer(bad), SettingsLayer::default()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn metrics_are_off_unless_given_an_address() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(s.metrics_listen, None);
        let s = Settings::resolve(
            layer("metrics_listen = \"127.0.0.1:9464\""),
            SettingsLayer::default(),
        )
        .unwrap();
        assert_eq!(s.metrics_listen, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(matches!(
            Settings::resolve(
                layer("metrics_listen = \"nowhere\""),
                SettingsLayer::default()
            ),
            Err(ConfigError::MetricsListen(_))
        ));
    }

    #[test]
    fn logs_are_text_unless_json_is_asked_for() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(s.log_format, LogFormat::Text);
        let s =
            Settings::resolve(layer("log_format = \"JSON\""), SettingsLayer::default()).unwrap();
        assert_eq!(s.log_format, LogFormat::Json);
        assert!(matches!(
            Settings::resolve(layer("log_format = \"xml\""), SettingsLayer::default()),
            Err(ConfigError::LogFormat(_))
        ));
    }

    #[test]
    fn token_lifetimes_have_defaults_and_are_bounded() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(
            s.token_lifetimes,
            crate::oidc::token::TokenLifetimes::default()
        );
        let s = Settings::resolve(
            layer("access_token_lifetime = 300\noffline_token_lifetime = 86400"),
            SettingsLayer::default(),
        )
        .unwrap();
        assert_eq!(s.token_lifetimes.access, 300);
        assert_eq!(s.token_lifetimes.offline, 86400);
        for bad in [
            "access_token_lifetime = 0",
            "access_token_lifetime = 86401",
            "refresh_token_lifetime = -5",
            "offline_token_lifetime = 99999999999",
        ] {
            assert!(
                matches!(
                    Settings::resolve(layer(bad), SettingsLayer::default()),
                    Err(ConfigError::TokenLifetime(..))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn one_worker_thread_serves_unless_told_otherwise_and_zero_is_refused() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(s.worker_threads, DEFAULT_WORKER_THREADS);
        let s = Settings::resolve(layer("worker_threads = 4"), SettingsLayer::default()).unwrap();
        assert_eq!(s.worker_threads, 4);
        for bad in [0, 1025] {
            let overrides = SettingsLayer {
                worker_threads: Some(bad),
                ..Default::default()
            };
            assert!(matches!(
                Settings::resolve(SettingsLayer::default(), overrides),
                Err(ConfigError::WorkerThreads(n)) if n == bad
            ));
        }
    }

    #[test]
    fn the_demo_rps_listen_on_8080_and_8081_unless_told_two_other_ports() {
        let s = Settings::resolve(SettingsLayer::default(), SettingsLayer::default()).unwrap();
        assert_eq!(
            s.demo_rp_ports,
            DemoRpPorts {
                front: 8080,
                back: 8081
            }
        );
        let s = Settings::resolve(
            layer("demo_rp_ports = \"41000, 41001\""),
            SettingsLayer::default(),
        )
        .unwrap();
        assert_eq!(
            s.demo_rp_ports,
            DemoRpPorts {
                front: 41000,
                back: 41001
            }
        );
        for bad in ["8080", "8080,", "0,8081", "8080,70000", "a,b"] {
            let layer = SettingsLayer {
                demo_rp_ports: Some(bad.into()),
                ..Default::default()
            };
            assert!(
                matches!(
                    Settings::resolve(SettingsLayer::default(), layer),
                    Err(ConfigError::DemoRpPorts(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_database_url_for_another_engine_is_refused() {
        let env = SettingsLayer {
            database_url: Some("mysql://root:hunter2@localhost/signoff".into()),
            ..Default::default()
        };
        let err = Settings::resolve(SettingsLayer::default(), env).unwrap_err();
        assert!(matches!(err, ConfigError::DatabaseUrl(_)));
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn a_postgres_url_is_accepted_and_its_password_never_shows_in_debug() {
        let env = SettingsLayer {
            database_url: Some("postgres://signoff:hunter2@db.internal/signoff".into()),
            ..Default::default()
        };
        let s = Settings::resolve(SettingsLayer::default(), env).unwrap();
        assert_eq!(
            &*s.database_url,
            "postgres://signoff:hunter2@db.internal/signoff"
        );
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("postgres://signoff:***@db.internal/signoff"),
            "{shown}"
        );
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
