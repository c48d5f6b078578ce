//! The end-session endpoint: OpenID Connect RP-Initiated Logout 1.0.
//!
//! [`EndSessionRequest`] holds the §2 parameters; [`check_hint`] validates an
//! `id_token_hint` whose signature a [`HintVerifier`] has checked; [`plan_logout`]
//! applies the decision table (spec digest §8) to what the caller loaded.

use url::Url;

use super::issuer::Issuer;
use super::params::Params;
use super::redirect_uri::{matches_registered, with_query};

/// How long an ended OP session still counts as "recent" for an expired hint
/// (RP-Initiated Logout §2: accept hints whose RP has a "current or recent"
/// session). Ended sessions are kept at least this long.
pub const RECENT_SESSION_SECS: i64 = 24 * 3600;

/// The request parameters of RP-Initiated Logout §2, from GET or POST.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndSessionRequest {
    pub id_token_hint: Option<String>,
    pub logout_hint: Option<String>,
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub ui_locales: Option<String>,
}

/// The §2 parameters and the longest value each may have. Real ID tokens are
/// about a kilobyte; a registered URI is at most 2000 characters (as client
/// registration enforces); `state` has the same 2 KiB cap as at /authorize.
const PARAMETER_CAPS: [(&str, usize); 6] = [
    ("id_token_hint", 4096),
    ("logout_hint", 256),
    ("client_id", 256),
    ("post_logout_redirect_uri", 2000),
    ("state", 2048),
    ("ui_locales", 128),
];

/// An end-session request with a parameter over its cap (§2 values are
/// small; a request that is not is refused, never stored or echoed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the end-session parameter {0} is too long")]
pub struct TooLong(pub &'static str);

impl EndSessionRequest {
    /// Unknown parameters are ignored; repeats were already refused by
    /// [`Params::parse`], and a value over its cap is refused here.
    pub fn from_params(params: &Params) -> Result<Self, TooLong> {
        for (name, cap) in PARAMETER_CAPS {
            if params.get(name).is_some_and(|v| v.len() > cap) {
                return Err(TooLong(name));
            }
        }
        let get = |name| params.get(name).map(str::to_owned);
        Ok(Self {
            id_token_hint: get("id_token_hint"),
            logout_hint: get("logout_hint"),
            client_id: get("client_id"),
            post_logout_redirect_uri: get("post_logout_redirect_uri"),
            state: get("state"),
            ui_locales: get("ui_locales"),
        })
    }

    /// The request as a form body with only the §2 parameters: what is worth
    /// keeping of a POSTed request while the browser comes back for it.
    pub fn to_form(&self) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("id_token_hint", &self.id_token_hint),
            ("logout_hint", &self.logout_hint),
            ("client_id", &self.client_id),
            ("post_logout_redirect_uri", &self.post_logout_redirect_uri),
            ("state", &self.state),
            ("ui_locales", &self.ui_locales),
        ] {
            if let Some(value) = value {
                form.append_pair(name, value);
            }
        }
        form.finish()
    }
}

/// Claims of an `id_token_hint` whose signature and algorithm were verified
/// against one of our published keys. Expiry is *not* checked yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HintClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub sid: Option<String>,
    pub exp: i64,
}

/// Verifies a hint's signature with our keys (any published `kid`), accepting
/// only the algorithms we issue: never `none`, never HMAC. Implemented by the
/// server with its key set, so this module stays free of crypto back-ends.
pub trait HintVerifier {
    fn verify_signature(&self, jwt: &str) -> Result<HintClaims, HintError>;
}

/// Why a hint is not used (RP-Initiated Logout §4: "MUST NOT be used").
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HintError {
    #[error("the ID token is malformed")]
    Malformed,
    #[error("the ID token's signature or algorithm is not one of ours")]
    BadSignature,
    #[error("the token is not an ID token (a logout token, or another typed JWT)")]
    NotAnIdToken,
    #[error("the ID token was issued by someone else")]
    WrongIssuer,
    #[error("the ID token names no client registered here")]
    UnknownClient,
    #[error("the client_id does not match the ID token")]
    ClientMismatch,
    #[error("the ID token has expired and its session is neither current nor recent")]
    ExpiredAndNotRecent,
}

/// The OP session a hint's `sid` names, as the caller found it (if at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HintedSession {
    pub ended_at: Option<i64>,
}

/// A hint that passed every check: the client it identifies, and whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidHint {
    pub client_id: String,
    pub sub: String,
    pub sid: Option<String>,
}

/// RP-Initiated Logout §2 and §4 on a signature-checked hint:
/// - `iss` must be us (§2: "the OP ... was the issuer of the ID Token");
/// - the client is `azp`, or the single `aud` (Core §2), and must be registered;
/// - a `client_id` parameter must match it (§2: "MUST verify that it matches");
/// - an expired hint counts only while its `sid` is current or recent (§2).
pub fn check_hint(
    claims: HintClaims,
    issuer: &Issuer,
    client_id_param: Option<&str>,
    is_registered: impl Fn(&str) -> bool,
    hinted_session: Option<HintedSession>,
    now: i64,
) -> Result<ValidHint, HintError> {
    if claims.iss != issuer.as_ref() {
        return Err(HintError::WrongIssuer);
    }
    let client_id = match (&claims.azp, claims.aud.as_slice()) {
        (Some(azp), aud) if aud.contains(azp) => azp.clone(),
        (None, [only]) => only.clone(),
        _ => return Err(HintError::UnknownClient),
    };
    if !is_registered(&client_id) {
        return Err(HintError::UnknownClient);
    }
    if client_id_param.is_some_and(|param| param != client_id) {
        return Err(HintError::ClientMismatch);
    }
    if claims.exp <= now {
        let recent = hinted_session.is_some_and(|s| {
            s.ended_at
                .is_none_or(|ended| now - ended <= RECENT_SESSION_SECS)
        });
        if !recent {
            return Err(HintError::ExpiredAndNotRecent);
        }
    }
    Ok(ValidHint {
        client_id,
        sub: claims.sub,
        sid: claims.sid,
    })
}

/// A client's logout settings, loaded by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutClient {
    pub client_id: String,
    pub name: String,
    pub post_logout_redirect_uris: Vec<String>,
    pub confirmation: ConfirmationPolicy,
}

/// Per-client: may a logout that proves itself skip the dialog?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmationPolicy {
    /// Always ask (the default; RP-Initiated Logout §2 "SHOULD ask").
    Always,
    /// Ask only when §2 requires it: no valid hint, or a hint for another
    /// session or user, or a `logout_hint` that does not match.
    WhenRequired,
}

impl ConfirmationPolicy {
    /// Reads a stored value; anything unknown asks, the safe default.
    pub fn parse(raw: &str) -> Self {
        Self::from_name(raw).unwrap_or(Self::Always)
    }

    /// The strict form for registration: only the two names are accepted.
    pub fn from_name(raw: &str) -> Option<Self> {
        match raw {
            "always" => Some(Self::Always),
            "when_required" => Some(Self::WhenRequired),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::WhenRequired => "when_required",
        }
    }
}

/// The browser's live OP session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentSession {
    pub sid: String,
    pub subject: String,
    pub username: String,
}

/// Something wrong with the request, told to the user on a 400 page. Any
/// problem rules out redirecting (§4: "MUST NOT perform post-logout redirection").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    InvalidHint(HintError),
    UnknownClient,
    /// A post_logout_redirect_uri without a hint or client_id to check it against (§3).
    UnverifiableRedirect,
    /// Not exactly one of the client's registered URIs (§3).
    UnregisteredRedirect,
}

/// Everything the dialog and the confirm step need, decided once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutPlan {
    /// The client identified by a valid hint or by `client_id` (our "other means", §3).
    pub client: Option<LogoutClient>,
    /// The validated post-logout redirect, with `state` appended iff it was sent.
    pub redirect: Option<Url>,
    pub problem: Option<Problem>,
    /// The hint or `logout_hint` names another session or user than the
    /// browser's: the dialog must say so, and nothing may be skipped (§2).
    pub session_mismatch: bool,
    /// Whether the user must be asked (only meaningful with a current session).
    pub must_confirm: bool,
    /// The client was identified by a valid `id_token_hint`, not only by a
    /// `client_id` anyone can write into a link.
    pub client_proven: bool,
}

impl LogoutPlan {
    /// Where to send the browser at once, with no click (RP-Initiated Logout
    /// §3): only to a URI validated against a client a valid hint identified.
    /// A request identified only by `client_id` (spec digest §8, "no hint, URI
    /// present") never redirects by itself; the user clicks first.
    pub fn redirect_without_click(&self) -> Option<&Url> {
        self.redirect.as_ref().filter(|_| self.client_proven)
    }

    /// The client the dialog's "No" (stay signed in) signs out of: only one a
    /// valid hint identified, so a bare `client_id` in a crafted link cannot
    /// make "stay signed in" log the user out of an app of an attacker's choosing.
    pub fn client_leaving_on_no(&self) -> Option<&LogoutClient> {
        self.client.as_ref().filter(|_| self.client_proven)
    }
}

/// The decision table of the spec digest §8.
///
/// `hint` is the outcome of [`check_hint`] (`None` when no hint was sent);
/// `client` is the client it names, or else the one `client_id` names
/// (`Err(())` when `client_id` names no registered client).
pub fn plan_logout(
    request: &EndSessionRequest,
    hint: Option<Result<ValidHint, HintError>>,
    client: Result<Option<LogoutClient>, ()>,
    current: Option<&CurrentSession>,
) -> LogoutPlan {
    let mut problem = None;
    let valid_hint = match hint {
        Some(Ok(h)) => Some(h),
        Some(Err(e)) => {
            problem = Some(Problem::InvalidHint(e));
            None
        }
        None => None,
    };
    // A failed hint identifies nobody (§4), so neither does what it named.
    let client = match client {
        _ if problem.is_some() => None,
        Ok(client) => client,
        Err(()) => {
            problem = Some(Problem::UnknownClient);
            None
        }
    };

    let hint_mismatch = match (&valid_hint, current) {
        (Some(h), Some(c)) => {
            h.sub != c.subject || h.sid.as_deref().is_some_and(|sid| sid != c.sid)
        }
        _ => false,
    };
    let logout_hint_mismatch = match (&request.logout_hint, current) {
        (Some(lh), Some(c)) => lh != &c.username && lh != &c.sid,
        _ => false,
    };
    let session_mismatch = hint_mismatch || logout_hint_mismatch;

    let redirect = match (&request.post_logout_redirect_uri, &client) {
        (None, _) => None,
        (Some(_), None) => {
            problem = problem.or(Some(Problem::UnverifiableRedirect));
            None
        }
        (Some(uri), Some(c)) if !matches_registered(uri, &c.post_logout_redirect_uris) => {
            problem = problem.or(Some(Problem::UnregisteredRedirect));
            None
        }
        (Some(uri), Some(_)) => {
            let pairs: Vec<(&str, &str)> = request
                .state
                .iter()
                .map(|s| ("state", s.as_str()))
                .collect();
            with_query(uri, &pairs).ok()
        }
    };
    // §4: no redirect on any error; §2 (suspect hint): none for a hint that
    // names another session or user than the browser's.
    let redirect = redirect.filter(|_| problem.is_none() && !hint_mismatch);

    let proves_itself = valid_hint.is_some() && !session_mismatch && problem.is_none();
    let skip_allowed = proves_itself
        && client
            .as_ref()
            .is_some_and(|c| c.confirmation == ConfirmationPolicy::WhenRequired);
    let client_proven = valid_hint.is_some() && client.is_some();
    LogoutPlan {
        client,
        redirect,
        problem,
        session_mismatch,
        must_confirm: !skip_allowed,
        client_proven,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;
    const URI: &str = "https://rp.example.com/bye";

    fn issuer() -> Issuer {
        Issuer::parse("https://op.example.com").unwrap()
    }

    fn claims() -> HintClaims {
        HintClaims {
            iss: "https://op.example.com".into(),
            sub: "user-1".into(),
            aud: vec!["rp".into()],
            azp: Some("rp".into()),
            sid: Some("sid-1".into()),
            exp: NOW + 60,
        }
    }

    fn registered(id: &str) -> bool {
        id == "rp" || id == "other"
    }

    fn check(
        claims: HintClaims,
        client_id: Option<&str>,
        session: Option<HintedSession>,
    ) -> Result<ValidHint, HintError> {
        check_hint(claims, &issuer(), client_id, registered, session, NOW)
    }

    #[test]
    fn a_good_hint_identifies_its_client_and_user() {
        let hint = check(claims(), None, None).unwrap();
        assert_eq!(hint.client_id, "rp");
        assert_eq!(hint.sub, "user-1");
        assert_eq!(hint.sid.as_deref(), Some("sid-1"));
    }

    #[test]
    fn a_hint_from_another_issuer_is_refused() {
        let mut c = claims();
        c.iss = "https://evil.example.com".into();
        assert_eq!(check(c, None, None), Err(HintError::WrongIssuer));
    }

    #[test]
    fn a_hint_for_an_unregistered_client_or_with_an_odd_audience_is_refused() {
        let mut c = claims();
        c.aud = vec!["ghost".into()];
        c.azp = None;
        assert_eq!(check(c.clone(), None, None), Err(HintError::UnknownClient));
        c.aud = vec!["rp".into(), "other".into()];
        assert_eq!(
            check(c.clone(), None, None),
            Err(HintError::UnknownClient),
            "several audiences need azp"
        );
        c.azp = Some("rp".into());
        assert_eq!(check(c, None, None).unwrap().client_id, "rp");
    }

    #[test]
    fn a_client_id_that_differs_from_the_hint_is_a_validation_failure() {
        assert_eq!(
            check(claims(), Some("other"), None),
            Err(HintError::ClientMismatch)
        );
        assert!(check(claims(), Some("rp"), None).is_ok());
    }

    #[test]
    fn an_expired_hint_counts_only_while_its_session_is_current_or_recent() {
        let mut c = claims();
        c.exp = NOW - 3600;
        assert_eq!(
            check(c.clone(), None, None),
            Err(HintError::ExpiredAndNotRecent)
        );
        assert!(check(c.clone(), None, Some(HintedSession { ended_at: None })).is_ok());
        assert!(
            check(
                c.clone(),
                None,
                Some(HintedSession {
                    ended_at: Some(NOW - 60)
                })
            )
            .is_ok()
        );
        assert_eq!(
            check(
                c,
                None,
                Some(HintedSession {
                    ended_at: Some(NOW - RECENT_SESSION_SECS - 1)
                })
            ),
            Err(HintError::ExpiredAndNotRecent)
        );
    }

    fn client(policy: ConfirmationPolicy) -> LogoutClient {
        LogoutClient {
            client_id: "rp".into(),
            name: "The RP".into(),
            post_logout_redirect_uris: vec![
                URI.into(),
                "https://rp.example.com/bye?tenant=a".into(),
            ],
            confirmation: policy,
        }
    }

    fn current() -> CurrentSession {
        CurrentSession {
            sid: "sid-1".into(),
            subject: "user-1".into(),
            username: "alice".into(),
        }
    }

    fn valid_hint() -> Option<Result<ValidHint, HintError>> {
        Some(check(claims(), None, None))
    }

    fn request(uri: Option<&str>, state: Option<&str>) -> EndSessionRequest {
        EndSessionRequest {
            id_token_hint: Some("jwt".into()),
            post_logout_redirect_uri: uri.map(str::to_owned),
            state: state.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn row_1_a_valid_hint_and_registered_uri_redirect_with_state_after_confirmation() {
        let plan = plan_logout(
            &request(Some(URI), Some("s 1")),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::Always))),
            Some(&current()),
        );
        assert_eq!(plan.problem, None);
        assert_eq!(
            plan.redirect.unwrap().as_str(),
            "https://rp.example.com/bye?state=s+1"
        );
        assert!(plan.must_confirm, "policy always asks");
        assert!(!plan.session_mismatch);
    }

    #[test]
    fn row_1_with_when_required_the_dialog_is_skipped() {
        let plan = plan_logout(
            &request(Some(URI), None),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::WhenRequired))),
            Some(&current()),
        );
        assert!(!plan.must_confirm);
        assert_eq!(
            plan.redirect.unwrap().as_str(),
            URI,
            "no state sent, none added"
        );
    }

    #[test]
    fn row_2_without_a_uri_there_is_no_redirect() {
        let plan = plan_logout(
            &request(None, Some("s")),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::Always))),
            Some(&current()),
        );
        assert_eq!((plan.redirect, plan.problem), (None, None));
    }

    #[test]
    fn row_4_a_hint_for_another_session_forces_the_dialog_and_never_redirects() {
        let mut other = current();
        other.sid = "sid-2".into();
        let plan = plan_logout(
            &request(Some(URI), Some("s")),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::WhenRequired))),
            Some(&other),
        );
        assert!(plan.session_mismatch);
        assert!(plan.must_confirm);
        assert_eq!(plan.redirect, None);
    }

    #[test]
    fn row_5_an_invalid_hint_is_a_problem_identifies_nobody_and_never_redirects() {
        let plan = plan_logout(
            &request(Some(URI), Some("s")),
            Some(Err(HintError::BadSignature)),
            Ok(Some(client(ConfirmationPolicy::WhenRequired))),
            Some(&current()),
        );
        assert_eq!(
            plan.problem,
            Some(Problem::InvalidHint(HintError::BadSignature))
        );
        assert_eq!(plan.client, None);
        assert_eq!(plan.redirect, None);
        assert!(plan.must_confirm);
    }

    #[test]
    fn row_6_a_uri_without_hint_or_client_id_cannot_be_verified() {
        let mut req = request(Some(URI), Some("s"));
        req.id_token_hint = None;
        let plan = plan_logout(&req, None, Ok(None), Some(&current()));
        assert_eq!(plan.problem, Some(Problem::UnverifiableRedirect));
        assert_eq!(plan.redirect, None);
    }

    #[test]
    fn row_6_client_id_is_our_other_means_but_still_asks() {
        let mut req = request(Some(URI), Some("s"));
        req.id_token_hint = None;
        req.client_id = Some("rp".into());
        let plan = plan_logout(
            &req,
            None,
            Ok(Some(client(ConfirmationPolicy::WhenRequired))),
            Some(&current()),
        );
        assert!(plan.redirect.is_some());
        assert!(
            plan.must_confirm,
            "without a hint nothing proves the request"
        );
        assert_eq!(plan.redirect_without_click(), None, "only after a click");
        assert_eq!(
            plan.client_leaving_on_no(),
            None,
            "a bare client_id never makes No sign the user out of that client"
        );
    }

    #[test]
    fn a_client_a_valid_hint_identified_may_be_left_on_no_and_redirected_to() {
        let plan = plan_logout(
            &request(Some(URI), None),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::Always))),
            Some(&current()),
        );
        assert!(plan.client_proven);
        assert_eq!(
            plan.client_leaving_on_no().map(|c| c.client_id.as_str()),
            Some("rp")
        );
        assert_eq!(plan.redirect_without_click().map(Url::as_str), Some(URI));
    }

    #[test]
    fn parameters_over_their_caps_are_refused_and_only_section_2_parameters_are_kept() {
        let long_state = format!("state={}", "s".repeat(2049));
        let parsed = Params::parse(long_state.as_bytes()).unwrap();
        assert_eq!(
            EndSessionRequest::from_params(&parsed),
            Err(TooLong("state"))
        );
        let parsed =
            Params::parse(b"id_token_hint=a.b.c&state=s%201&junk=x&client_id=rp&other=y").unwrap();
        let request = EndSessionRequest::from_params(&parsed).unwrap();
        let kept = request.to_form();
        assert_eq!(kept, "id_token_hint=a.b.c&client_id=rp&state=s+1");
        let again = EndSessionRequest::from_params(&Params::parse(kept.as_bytes()).unwrap());
        assert_eq!(again, Ok(request));
    }

    #[test]
    fn row_7_a_uri_that_is_not_exactly_registered_is_a_problem() {
        for bad in [
            "https://rp.example.com/bye?foo=bar",
            "https://rp.example.com/bye/",
            "https://evil.example.com/bye",
        ] {
            let plan = plan_logout(
                &request(Some(bad), Some("s")),
                valid_hint(),
                Ok(Some(client(ConfirmationPolicy::Always))),
                Some(&current()),
            );
            assert_eq!(plan.problem, Some(Problem::UnregisteredRedirect), "{bad}");
            assert_eq!(plan.redirect, None);
        }
    }

    #[test]
    fn an_unknown_client_id_is_a_problem() {
        let plan = plan_logout(
            &EndSessionRequest {
                client_id: Some("ghost".into()),
                ..Default::default()
            },
            None,
            Err(()),
            Some(&current()),
        );
        assert_eq!(plan.problem, Some(Problem::UnknownClient));
    }

    #[test]
    fn row_9_no_parameters_ask_and_do_not_redirect() {
        let plan = plan_logout(
            &EndSessionRequest::default(),
            None,
            Ok(None),
            Some(&current()),
        );
        assert_eq!(
            (plan.redirect, plan.problem, plan.must_confirm),
            (None, None, true)
        );
        let only_state = EndSessionRequest {
            state: Some("s".into()),
            ..Default::default()
        };
        assert_eq!(
            plan_logout(&only_state, None, Ok(None), Some(&current())).redirect,
            None
        );
    }

    #[test]
    fn row_10_without_a_session_a_valid_request_still_redirects() {
        let plan = plan_logout(
            &request(Some(URI), Some("s")),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::Always))),
            None,
        );
        assert!(plan.redirect.is_some());
        assert!(plan.redirect_without_click().is_some());
        assert!(!plan.session_mismatch);
    }

    #[test]
    fn a_logout_hint_must_name_the_current_user_or_sid() {
        let mut req = request(Some(URI), None);
        for (hint, mismatch) in [("alice", false), ("sid-1", false), ("bob", true)] {
            req.logout_hint = Some(hint.into());
            let plan = plan_logout(
                &req,
                valid_hint(),
                Ok(Some(client(ConfirmationPolicy::WhenRequired))),
                Some(&current()),
            );
            assert_eq!(plan.session_mismatch, mismatch, "{hint}");
            assert_eq!(plan.must_confirm, mismatch, "{hint}");
        }
    }

    #[test]
    fn a_registered_uri_with_a_query_keeps_it_and_the_90_character_state_is_encoded() {
        let state: String = ('!'..='~')
            .filter(|c| !"+; ".contains(*c))
            .cycle()
            .take(90)
            .collect();
        let uri = "https://rp.example.com/bye?tenant=a";
        let plan = plan_logout(
            &request(Some(uri), Some(&state)),
            valid_hint(),
            Ok(Some(client(ConfirmationPolicy::Always))),
            Some(&current()),
        );
        let url = plan.redirect.unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![("tenant".into(), "a".into()), ("state".into(), state)]
        );
        assert!(url.fragment().is_none());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn any_hint() -> impl Strategy<Value = Option<Result<ValidHint, HintError>>> {
            prop_oneof![
                Just(None),
                Just(Some(Err(HintError::BadSignature))),
                Just(Some(Err(HintError::NotAnIdToken))),
                Just(Some(Err(HintError::ExpiredAndNotRecent))),
                ("[a-z]{1,3}", proptest::option::of("sid-[0-9]")).prop_map(|(sub, sid)| {
                    Some(Ok(ValidHint {
                        client_id: "rp".into(),
                        sub,
                        sid,
                    }))
                }),
            ]
        }

        proptest! {
            /// Any bytes as a query or form: parsing never panics, and what
            /// passes keeps every §2 parameter within its cap and survives
            /// being parked and read back.
            #[test]
            fn any_request_text_parses_or_is_refused_without_panicking(
                raw in proptest::collection::vec(any::<u8>(), 0..600),
                state_len in 0_usize..2100,
            ) {
                let mut text = raw;
                text.extend_from_slice(format!("&state={}", "s".repeat(state_len)).as_bytes());
                if let Ok(params) = Params::parse(&text)
                    && let Ok(request) = EndSessionRequest::from_params(&params)
                {
                    prop_assert!(request.state.as_ref().is_none_or(|s| s.len() <= 2048));
                    let parked = request.to_form();
                    let back = EndSessionRequest::from_params(
                        &Params::parse(parked.as_bytes()).unwrap(),
                    );
                    prop_assert_eq!(back, Ok(request));
                }
            }

            /// Whatever the request, hint outcome, client and session: no
            /// redirect with a problem, never to an unregistered URI, never
            /// without a click unless a valid hint named the client, and No
            /// leaves only a client such a hint named (spec digest §8, §7.1).
            #[test]
            fn the_decision_never_redirects_or_removes_a_client_it_should_not(
                uri in prop_oneof![
                    Just(None),
                    Just(Some(URI.to_owned())),
                    Just(Some(format!("{URI}?x=1"))),
                    "\\PC{0,40}".prop_map(Some),
                ],
                state in proptest::option::of("\\PC{0,20}"),
                hint in any_hint(),
                named in prop_oneof![
                    Just(Ok(None)),
                    Just(Err(())),
                    Just(Ok(Some(client(ConfirmationPolicy::Always)))),
                    Just(Ok(Some(client(ConfirmationPolicy::WhenRequired)))),
                ],
                with_session in any::<bool>(),
                logout_hint in proptest::option::of(prop_oneof![Just("alice".to_owned()), Just("bob".to_owned())]),
            ) {
                let request = EndSessionRequest {
                    id_token_hint: hint.as_ref().map(|_| "jwt".to_owned()),
                    post_logout_redirect_uri: uri.clone(),
                    state: state.clone(),
                    logout_hint,
                    ..Default::default()
                };
                let hint_was_valid = matches!(hint, Some(Ok(_)));
                let session = current();
                let plan = plan_logout(&request, hint, named, with_session.then_some(&session));
                if let Some(url) = &plan.redirect {
                    prop_assert!(plan.problem.is_none());
                    let c = plan.client.as_ref().expect("a redirect needs a client");
                    let base = uri.as_deref().expect("a redirect needs a URI");
                    prop_assert!(c.post_logout_redirect_uris.iter().any(|r| r == base));
                    let sent_state = url
                        .query_pairs()
                        .filter(|(k, _)| k == "state")
                        .map(|(_, v)| v.into_owned())
                        .last();
                    prop_assert_eq!(sent_state, state);
                }
                if plan.redirect_without_click().is_some() || plan.client_leaving_on_no().is_some() {
                    prop_assert!(hint_was_valid);
                }
                if !plan.must_confirm {
                    prop_assert!(hint_was_valid && plan.problem.is_none() && !plan.session_mismatch);
                }
            }
        }
    }
}
