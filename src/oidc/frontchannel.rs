//! Front-Channel Logout 1.0: the URL each client's iframe loads.

use url::Url;

use super::issuer::Issuer;
use super::redirect_uri::{UriError, with_query};

/// FCL §2: the OP "MAY add these query parameters": `iss` and `sid`, and "if
/// either is included, both MUST be". We always send both (the client may
/// require them, and we always have them; FCL §3 `frontchannel_logout_session_supported`).
/// A query the registered URI already has is kept ("MUST be retained").
pub fn frontchannel_logout_url(
    frontchannel_logout_uri: &str,
    issuer: &Issuer,
    sid: &str,
) -> Result<Url, UriError> {
    with_query(
        frontchannel_logout_uri,
        &[("iss", issuer.as_ref()), ("sid", sid)],
    )
}

/// The origin a page's CSP `frame-src` must allow for this URL
/// (scheme://host[:port]).
pub fn frame_origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::parse("https://op.example.com").unwrap()
    }

    #[test]
    fn both_iss_and_sid_are_added_and_the_registered_query_is_kept() {
        let url = frontchannel_logout_url("https://rp.example.com/fc?tenant=a", &issuer(), "s-1")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://rp.example.com/fc?tenant=a&iss=https%3A%2F%2Fop.example.com&sid=s-1"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("iss".into(), "https://op.example.com".into())));
        assert!(pairs.contains(&("sid".into(), "s-1".into())));
    }

    #[test]
    fn the_frame_origin_is_scheme_host_and_port() {
        let url = frontchannel_logout_url("http://127.0.0.1:8080/fc", &issuer(), "s").unwrap();
        assert_eq!(frame_origin(&url), "http://127.0.0.1:8080");
        let url = frontchannel_logout_url("https://rp.example.com/a/b", &issuer(), "s").unwrap();
        assert_eq!(frame_origin(&url), "https://rp.example.com");
    }
}
