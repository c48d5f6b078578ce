use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// The OP's Issuer Identifier: the exact string placed in `iss` and in discovery.
///
/// OpenID Connect Core 1.0 §2 and Discovery 1.0 §3: "a case-sensitive URL using
/// the https scheme that contains scheme, host, and optionally, port number and
/// path components and no query or fragment components." Plain `http` is accepted
/// only for a loopback host, so that development and tests can run without TLS.
///
/// A trailing `/` is removed, so endpoint URLs can be built by appending a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    #[error("the issuer must be an absolute URL: {0}")]
    NotAUrl(String),
    #[error("the issuer must use https (http is allowed only for a loopback host)")]
    InsecureScheme,
    #[error("the issuer must not have a query or a fragment")]
    QueryOrFragment,
    #[error("the issuer must not contain user information")]
    UserInfo,
}

impl Issuer {
    pub fn parse(raw: &str) -> Result<Self, IssuerError> {
        let url = Url::parse(raw.trim()).map_err(|e| IssuerError::NotAUrl(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(IssuerError::InsecureScheme),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(IssuerError::QueryOrFragment);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(IssuerError::UserInfo);
        }
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self(text))
    }

    /// Whether the issuer is served over TLS; cookies are then marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The absolute URL of an endpoint under this issuer, e.g. `/jwks.json`.
    pub fn endpoint(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "endpoint paths are absolute");
        format!("{}{path}", self.0)
    }
}

/// Loopback per RFC 8252 §8.3: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl AsRef<str> for Issuer {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_issuer_with_a_path_is_accepted_without_its_trailing_slash() {
        let issuer = Issuer::parse("https://id.example.com/tenant/").unwrap();
        assert_eq!(issuer.as_ref(), "https://id.example.com/tenant");
        assert!(issuer.is_https());
    }

    #[test]
    fn a_bare_origin_keeps_no_trailing_slash() {
        let issuer = Issuer::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(issuer.as_ref(), "http://127.0.0.1:3000");
        assert_eq!(
            issuer.endpoint("/jwks.json"),
            "http://127.0.0.1:3000/jwks.json"
        );
        assert!(!issuer.is_https());
    }

    #[test]
    fn plain_http_is_accepted_only_on_loopback() {
        assert!(Issuer::parse("http://localhost:8080").is_ok());
        assert!(Issuer::parse("http://[::1]:8080").is_ok());
        assert!(Issuer::parse("http://127.10.0.1").is_ok());
        assert_eq!(
            Issuer::parse("http://id.example.com"),
            Err(IssuerError::InsecureScheme)
        );
        assert_eq!(
            Issuer::parse("ftp://localhost"),
            Err(IssuerError::InsecureScheme)
        );
    }

    #[test]
    fn a_query_or_fragment_is_rejected() {
        assert_eq!(
            Issuer::parse("https://id.example.com/?a=b"),
            Err(IssuerError::QueryOrFragment)
        );
        assert_eq!(
            Issuer::parse("https://id.example.com/#x"),
            Err(IssuerError::QueryOrFragment)
        );
    }

    #[test]
    fn user_information_and_relative_urls_are_rejected() {
        assert_eq!(
            Issuer::parse("https://user:pw@id.example.com"),
            Err(IssuerError::UserInfo)
        );
        assert!(matches!(
            Issuer::parse("/relative"),
            Err(IssuerError::NotAUrl(_))
        ));
    }
}
