use url::Url;

use super::issuer::is_loopback;

/// Longest URI we register; long enough for real deployments, short enough
/// that nobody stores a payload in a client registration.
pub const MAX_URI_LEN: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("must be an absolute URI")]
    NotAbsolute,
    #[error("must not contain a fragment (#...)")]
    Fragment,
    #[error("must use https, or http only on a loopback host (localhost, 127.0.0.1, [::1])")]
    InsecureScheme,
    #[error("must not contain wildcards")]
    Wildcard,
    #[error("must not contain spaces or control characters")]
    Whitespace,
    #[error("must not contain a user name or password")]
    UserInfo,
    #[error("must be at most {MAX_URI_LEN} characters long")]
    TooLong,
    #[error(
        "must use https, http on a loopback host, or a reverse-domain private-use scheme such as com.example.app:/callback"
    )]
    InsecureNativeScheme,
}

/// A URI a client registers: a redirect URI or a post-logout redirect URI.
///
/// - Absolute, without fragment: RFC 6749 §3.1.2, OIDC Core §3.1.2.1.
/// - https, or http on loopback only: OIDC Registration §2 ("redirect_uris ...
///   MUST use the https scheme" for web clients), RFC 8252 §7.3 for loopback.
/// - No wildcards: RP-Initiated Logout §3 and Core §3.1.2.1 require exact matching.
///
/// The string is kept exactly as registered, because matching compares strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegisteredUri {
    raw: String,
    url: Url,
}

impl RegisteredUri {
    pub fn parse(raw: &str) -> Result<Self, UriError> {
        Self::check_shape(raw)?;
        let url = Url::parse(raw).map_err(|_| UriError::NotAbsolute)?;
        if url.cannot_be_a_base() || url.host().is_none() {
            return Err(UriError::NotAbsolute);
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => return Err(UriError::InsecureScheme),
        }
        Self::check_userinfo(&url)?;
        Ok(Self {
            raw: raw.to_owned(),
            url,
        })
    }

    /// As [`RegisteredUri::parse`], and also a private-use URI scheme of a
    /// native app (RFC 8252 §7.1): a reverse domain name such as
    /// `com.example.app:/oauth2redirect`. Only public clients may register one.
    pub fn parse_for_native_app(raw: &str) -> Result<Self, UriError> {
        Self::check_shape(raw)?;
        let url = Url::parse(raw).map_err(|_| UriError::NotAbsolute)?;
        if !is_private_use_scheme(url.scheme()) {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(UriError::InsecureNativeScheme);
            }
            return Self::parse(raw).map_err(|e| match e {
                UriError::InsecureScheme => UriError::InsecureNativeScheme,
                other => other,
            });
        }
        if url.cannot_be_a_base() {
            return Err(UriError::NotAbsolute);
        }
        Self::check_userinfo(&url)?;
        Ok(Self {
            raw: raw.to_owned(),
            url,
        })
    }

    /// The rules that need no parsing: length, characters, wildcards, fragment.
    fn check_shape(raw: &str) -> Result<(), UriError> {
        if raw.len() > MAX_URI_LEN {
            return Err(UriError::TooLong);
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UriError::Whitespace);
        }
        if raw.contains('*') {
            return Err(UriError::Wildcard);
        }
        if raw.contains('#') {
            return Err(UriError::Fragment);
        }
        Ok(())
    }

    fn check_userinfo(url: &Url) -> Result<(), UriError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UriError::UserInfo);
        }
        Ok(())
    }

    /// The registered string as a parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// RFC 8252 §7.1: a private-use scheme is a reverse domain name the app
/// controls, so it has at least one dot (`com.example.app`). Schemes the
/// browser itself gives a meaning to are never one.
fn is_private_use_scheme(scheme: &str) -> bool {
    scheme.contains('.')
        && !matches!(
            scheme,
            "http" | "https" | "javascript" | "data" | "file" | "blob" | "about"
        )
}

impl AsRef<str> for RegisteredUri {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl From<RegisteredUri> for String {
    fn from(uri: RegisteredUri) -> Self {
        uri.raw
    }
}

/// Exact, case-sensitive string comparison with the registered values, as
/// OIDC Core §3.1.2.1 ("MUST exactly match one of the Redirection URI values")
/// and RP-Initiated Logout §3 ("MUST NOT perform post-logout redirection if the
/// post_logout_redirect_uri value supplied does not exactly match") require.
/// No normalisation, no prefix, no wildcard.
pub fn matches_registered(requested: &str, registered: &[String]) -> bool {
    registered.iter().any(|r| r == requested)
}

/// Appends parameters to a redirect target, keeping any query it already has
/// (RFC 6749 §3.1.2: "MUST retain the query component when adding additional
/// query parameters"). Values are percent-encoded by `url`.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> Result<Url, UriError> {
    let mut url = Url::parse(base).map_err(|_| UriError::NotAbsolute)?;
    if !pairs.is_empty() {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn https_and_loopback_http_uris_are_accepted_verbatim() {
        for ok in [
            "https://rp.example.com/cb",
            "https://rp.example.com:8443/cb?tenant=a",
            "http://localhost:8080/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:9000/",
        ] {
            assert_eq!(RegisteredUri::parse(ok).unwrap().as_ref(), ok);
        }
    }

    #[test]
    fn each_bad_shape_is_rejected_with_its_reason() {
        let cases = [
            ("/relative/cb", UriError::NotAbsolute),
            ("https://rp.example.com/cb#frag", UriError::Fragment),
            ("https://rp.example.com/cb#", UriError::Fragment),
            ("http://rp.example.com/cb", UriError::InsecureScheme),
            ("javascript:alert(1)", UriError::NotAbsolute),
            ("https://*.example.com/cb", UriError::Wildcard),
            ("https://rp.example.com/cb*", UriError::Wildcard),
            ("https://rp.example.com/c b", UriError::Whitespace),
            ("https://u:p@rp.example.com/cb", UriError::UserInfo),
        ];
        for (raw, expected) in cases {
            assert_eq!(RegisteredUri::parse(raw), Err(expected), "{raw}");
        }
        let long = format!("https://rp.example.com/{}", "a".repeat(MAX_URI_LEN));
        assert_eq!(RegisteredUri::parse(&long), Err(UriError::TooLong));
    }

    #[test]
    fn a_native_app_may_register_a_reverse_domain_private_use_scheme() {
        for ok in [
            "com.example.app:/oauth2redirect",
            "com.example.app:/cb?x=1",
            "https://app.example.com/cb",
            "http://127.0.0.1:51004/cb",
        ] {
            assert_eq!(
                RegisteredUri::parse_for_native_app(ok).unwrap().as_ref(),
                ok
            );
        }
        let cases = [
            ("myapp:/cb", UriError::InsecureNativeScheme),
            ("http://app.example.com/cb", UriError::InsecureNativeScheme),
            ("com.example.app:/cb#x", UriError::Fragment),
            ("com.example.*:/cb", UriError::Wildcard),
            ("javascript:alert(1)", UriError::InsecureNativeScheme),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                RegisteredUri::parse_for_native_app(raw),
                Err(expected),
                "{raw}"
            );
        }
    }

    #[test]
    fn web_clients_may_not_register_a_private_use_scheme() {
        assert_eq!(
            RegisteredUri::parse("com.example.app:/cb"),
            Err(UriError::NotAbsolute)
        );
    }

    #[test]
    fn matching_is_exact_and_case_sensitive() {
        let registered = vec!["https://rp.example.com/cb".to_owned()];
        assert!(matches_registered("https://rp.example.com/cb", &registered));
        assert!(!matches_registered(
            "https://rp.example.com/cb/",
            &registered
        ));
        assert!(!matches_registered(
            "https://rp.example.com/cb?foo=bar",
            &registered
        ));
        assert!(!matches_registered(
            "https://RP.example.com/cb",
            &registered
        ));
        assert!(!matches_registered(
            "https://rp.example.com/CB",
            &registered
        ));
        assert!(!matches_registered("https://rp.example.com/c", &registered));
    }

    #[test]
    fn added_parameters_keep_the_existing_query_and_are_encoded() {
        let url = with_query(
            "https://rp.example.com/cb?tenant=a",
            &[("state", "x&y=z #")],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://rp.example.com/cb?tenant=a&state=x%26y%3Dz+%23"
        );
    }

    #[test]
    fn adding_nothing_leaves_the_uri_exactly_as_registered() {
        for uri in [
            "https://rp.example.com/bye",
            "https://rp.example.com/bye?tenant=a",
        ] {
            assert_eq!(with_query(uri, &[]).unwrap().as_str(), uri);
        }
    }

    proptest! {
        #[test]
        fn any_printable_state_survives_the_round_trip(state in "[ -~]{1,90}") {
            let url = with_query("https://rp.example.com/cb", &[("state", &state)]).unwrap();
            let back: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            prop_assert_eq!(back, vec![("state".to_owned(), state)]);
        }

        #[test]
        fn parse_never_panics(raw in "\\PC{0,300}") {
            let _ = RegisteredUri::parse(&raw);
            let _ = RegisteredUri::parse_for_native_app(&raw);
        }

        #[test]
        fn whatever_parses_is_kept_verbatim(raw in "(https://|http://127\\.0\\.0\\.1|com\\.ex\\.app:/)[a-z0-9/?=&.:-]{0,40}") {
            if let Ok(uri) = RegisteredUri::parse_for_native_app(&raw) {
                prop_assert_eq!(uri.as_ref(), raw.as_str());
            }
        }
    }
}
