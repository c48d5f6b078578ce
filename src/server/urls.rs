//! URLs on this server, built with `url` from the issuer.

use url::Url;

use crate::oidc::Issuer;

/// A URL on this server, e.g. `/login?request=...`, with its query values
/// percent-encoded.
pub fn local_url(issuer: &Issuer, path: &str, pairs: &[(&str, &str)]) -> Option<Url> {
    crate::oidc::redirect_uri::with_query(&issuer.endpoint(path), pairs).ok()
}

/// Where a login may return to besides an authorization request: a page of
/// the admin console, as a path on this server (never another host: no `//`,
/// no backslash, no whitespace).
pub fn is_console_path(path: &str) -> bool {
    let rest = path.strip_prefix("/admin");
    rest.is_some_and(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'))
        && path.len() <= 512
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_returns_only_to_pages_of_the_console() {
        for ok in [
            "/admin",
            "/admin/clients",
            "/admin/clients?search=x",
            "/admin?x",
        ] {
            assert!(is_console_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example/admin",
            "/administrator",
            "https://evil.example/admin",
            "/admin//evil.example",
            "/admin/\\evil",
            "/admin/x y",
            "/",
            "",
        ] {
            assert!(!is_console_path(bad), "{bad}");
        }
    }
}
