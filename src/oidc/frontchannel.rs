//! Front-Channel Logout 1.0: the URL each client's iframe loads, and the
//! page that loads them all before the browser goes on.

use serde::{Deserialize, Serialize};
use url::Url;

use super::issuer::Issuer;
use super::redirect_uri::{UriError, with_query};
use crate::i18n::Locale;

/// One client's front-channel logout iframe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontchannelFrame {
    pub client_name: String,
    /// The client's `frontchannel_logout_uri` with `iss` and `sid` added.
    pub url: String,
}

/// What the front-channel page does: load every frame, then go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontchannelPlan {
    pub locale: Locale,
    pub frames: Vec<FrontchannelFrame>,
    /// The validated post-logout redirect, or signoff's own result page.
    pub continue_to: String,
}

impl FrontchannelPlan {
    /// FCL §3: after a logout that ended `sid`, the OP renders one iframe per
    /// client with a front-channel logout URI (`targets`: name and URI), then
    /// goes on to `continue_to`. `None` when no client has one (or none of
    /// the URIs is usable), so the browser goes on at once.
    pub fn for_ended_session(
        targets: Vec<(String, String)>,
        issuer: &Issuer,
        sid: &str,
        locale: Locale,
        continue_to: &Url,
    ) -> Option<Self> {
        let frames: Vec<FrontchannelFrame> = targets
            .into_iter()
            .filter_map(|(client_name, uri)| {
                frontchannel_logout_url(&uri, issuer, sid)
                    .ok()
                    .map(|url| FrontchannelFrame {
                        client_name,
                        url: url.into(),
                    })
            })
            .collect();
        (!frames.is_empty()).then(|| Self {
            locale,
            frames,
            continue_to: continue_to.as_str().to_owned(),
        })
    }

    /// The origins the page's CSP `frame-src` must allow: exactly the
    /// frames', each once.
    pub fn frame_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .frames
            .iter()
            .filter_map(|f| Url::parse(&f.url).ok())
            .map(|u| frame_origin(&u))
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }
}

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

    #[test]
    fn the_page_frames_each_usable_uri_and_allows_exactly_their_origins() {
        let next = Url::parse("https://rp.example.com/bye?state=s").unwrap();
        let plan = FrontchannelPlan::for_ended_session(
            vec![
                ("A".into(), "https://a.example.com/fc".into()),
                ("A again".into(), "https://a.example.com/fc2?x=1".into()),
                ("Broken".into(), "not a url".into()),
                ("B".into(), "https://b.example.com:8443/fc".into()),
            ],
            &issuer(),
            "s-1",
            Locale::De,
            &next,
        )
        .unwrap();
        let names: Vec<&str> = plan.frames.iter().map(|f| f.client_name.as_str()).collect();
        assert_eq!(names, ["A", "A again", "B"]);
        assert_eq!(
            plan.frame_origins(),
            ["https://a.example.com", "https://b.example.com:8443"]
        );
        assert_eq!(plan.continue_to, next.as_str());
        assert_eq!(plan.locale, Locale::De);
    }

    #[test]
    fn without_a_usable_front_channel_uri_there_is_no_page() {
        let next = Url::parse("https://op.example.com/logout/done").unwrap();
        assert_eq!(
            FrontchannelPlan::for_ended_session(vec![], &issuer(), "s", Locale::En, &next),
            None
        );
        assert_eq!(
            FrontchannelPlan::for_ended_session(
                vec![("X".into(), "::".into())],
                &issuer(),
                "s",
                Locale::En,
                &next
            ),
            None
        );
    }

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
