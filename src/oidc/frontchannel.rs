//! Front-Channel Logout 1.0: the URL each client's iframe loads, and the
//! page that loads them all before the browser goes on.

use serde::{Deserialize, Serialize};
use url::Url;

use super::issuer::Issuer;
use super::redirect_uri::{UriError, with_query};
use crate::i18n::Locale;

/// A client of an ended session with a front-channel logout URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontchannelTarget {
    pub client_id: String,
    pub client_name: String,
    /// Its registered `frontchannel_logout_uri`.
    pub uri: String,
}

/// One client's front-channel logout iframe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontchannelFrame {
    /// Empty in pages stored before it was recorded.
    #[serde(default)]
    pub client_id: String,
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
    /// The sealed ticket with which the page reports what became of each
    /// frame (set by the server; empty: nothing to report).
    #[serde(default)]
    pub report: String,
}

impl FrontchannelPlan {
    /// FCL §3: after a logout that ended `sid`, the OP renders one iframe per
    /// client with a front-channel logout URI (`targets`: name and URI), then
    /// goes on to `continue_to`. `None` when no client has one (or none of
    /// the URIs is usable), so the browser goes on at once.
    pub fn for_ended_session(
        targets: Vec<FrontchannelTarget>,
        issuer: &Issuer,
        sid: &str,
        locale: Locale,
        continue_to: &Url,
    ) -> Option<Self> {
        let frames: Vec<FrontchannelFrame> = targets
            .into_iter()
            .filter_map(|target| {
                frontchannel_logout_url(&target.uri, issuer, sid)
                    .ok()
                    .map(|url| FrontchannelFrame {
                        client_id: target.client_id,
                        client_name: target.client_name,
                        url: url.into(),
                    })
            })
            .collect();
        (!frames.is_empty()).then(|| Self {
            locale,
            frames,
            continue_to: continue_to.as_str().to_owned(),
            report: String::new(),
        })
    }

    /// The frames' clients, in frame order: what a report speaks of.
    pub fn client_ids(&self) -> Vec<String> {
        self.frames.iter().map(|f| f.client_id.clone()).collect()
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

/// What the browser saw of one front-channel request (README, "What the
/// sign-out page claims"). The page reports one per frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrontchannelOutcome {
    Sent,
    Unreachable,
    NoAnswer,
}

impl FrontchannelOutcome {
    pub const ALL: [Self; 3] = [Self::Sent, Self::Unreachable, Self::NoAnswer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Unreachable => "unreachable",
            Self::NoAnswer => "no_answer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// A page's report: one outcome per frame, comma-separated, in frame order.
/// `None` unless there is exactly one known outcome for each of `frames`.
pub fn parse_report(text: &str, frames: usize) -> Option<Vec<FrontchannelOutcome>> {
    let outcomes: Vec<FrontchannelOutcome> = text
        .split(',')
        .map(FrontchannelOutcome::parse)
        .collect::<Option<_>>()?;
    (outcomes.len() == frames && frames > 0).then_some(outcomes)
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
                target("A", "https://a.example.com/fc"),
                target("A again", "https://a.example.com/fc2?x=1"),
                target("Broken", "not a url"),
                target("B", "https://b.example.com:8443/fc"),
            ],
            &issuer(),
            "s-1",
            Locale::De,
            &next,
        )
        .unwrap();
        let names: Vec<&str> = plan.frames.iter().map(|f| f.client_name.as_str()).collect();
        assert_eq!(names, ["A", "A again", "B"]);
        assert_eq!(plan.client_ids(), ["a", "a-again", "b"]);
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
                vec![target("X", "::")],
                &issuer(),
                "s",
                Locale::En,
                &next
            ),
            None
        );
    }

    fn target(name: &str, uri: &str) -> FrontchannelTarget {
        FrontchannelTarget {
            client_id: name.to_lowercase().replace(' ', "-"),
            client_name: name.into(),
            uri: uri.into(),
        }
    }

    #[test]
    fn a_report_has_one_known_outcome_per_frame() {
        use FrontchannelOutcome::*;
        assert_eq!(
            parse_report("sent,unreachable,no_answer", 3),
            Some(vec![Sent, Unreachable, NoAnswer])
        );
        assert_eq!(parse_report("sent", 2), None, "too few");
        assert_eq!(parse_report("sent,sent", 1), None, "too many");
        assert_eq!(parse_report("sent,maybe", 2), None, "unknown outcome");
        assert_eq!(parse_report("", 0), None, "nothing to report");
        assert_eq!(parse_report("", 1), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_either_parses_to_exactly_the_frames_or_is_refused(text in ".{0,64}", frames in 0usize..5) {
            if let Some(outcomes) = parse_report(&text, frames) {
                proptest::prop_assert_eq!(outcomes.len(), frames);
                let again: Vec<&str> = outcomes.iter().map(|o| o.as_str()).collect();
                proptest::prop_assert_eq!(again.join(","), text);
            }
        }
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
