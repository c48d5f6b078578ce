//! The end-session endpoint: OpenID Connect RP-Initiated Logout 1.0 (RIL).
//!
//! One logout goes through three pure steps; the server loads the data and
//! executes what they return:
//! 1. [`EndSessionRequest::from_params`]: the §2 parameters, capped.
//! 2. [`check_hint`] (an `id_token_hint` whose signature the server's key set
//!    checked), then [`plan_logout`]: the client, the validated redirect, the
//!    problem, and whether the user must be asked ([`LogoutPlan`]).
//! 3. [`next_step`]: what to do with the plan, on the request and on the
//!    dialog's answer ([`Step`]).
//!
//! # The decision table
//!
//! Each row cites the rules it follows (RIL sections) and names the unit
//! tests in this module that pin it; `tests/api/logout.rs` drives the same
//! rows over HTTP.
//!
//! | # | Situation | Ends the OP session? | Redirects? | Tests |
//! |---|---|---|---|---|
//! | 1 | valid hint for this session, URI exactly registered for its client (`client_id` matches if sent) | after Yes; without a dialog for a `when_required` client | yes, with `state` iff sent, after the back-channel notices (§3) | `row_1_*` |
//! | 2 | as row 1 without a URI | after Yes | no: result page | `row_2_*` |
//! | 3 | valid hint whose `exp` passed, its session current or ended < 24 h ago (§2) | as row 1 | as row 1 | `an_expired_hint_counts_only_while_its_session_is_current_or_recent` |
//! | 4 | valid hint for another session or user, or a `logout_hint` that is not the user's (§2: suspect) | after Yes; the dialog warns | no | `row_4_*`, `a_logout_hint_must_name_the_current_user_or_sid` |
//! | 5 | invalid hint: bad signature, `alg` none or HMAC, foreign `iss`, a logout token (§4) | after Yes; 400 dialog | no, and No removes no client | `row_5_*` |
//! | 6 | no hint, URI with `client_id` (our "other means", §3) | after Yes | after a click only; No removes no client | `row_6_*` |
//! | 6′ | no hint, URI without `client_id` (§3: unverifiable) | after Yes; 400 | no | `row_6_a_uri_without_hint_or_client_id_cannot_be_verified` |
//! | 7 | URI not exactly registered (an added query, a trailing slash) (§3) | after Yes; 400 | no | `row_7_*` |
//! | 8 | `client_id` is not the hint's client (§2) | after Yes; 400 | no | `a_client_id_that_differs_from_the_hint_is_a_validation_failure` |
//! | 9 | no parameters, or only `state` | after Yes | no: result page | `row_9_*` |
//! | 10 | no OP session, valid hint and URI (§4: idempotent) | nothing to end | yes, at once | `row_10_*`, `an_answer_on_a_stale_dialog_ends_nothing_and_goes_on` |
//! | 11 | unknown `ui_locales` (§2) | — | — | `i18n` tests, `ui_locales_picks_german_and_unknown_tags_are_no_error` |
//!
//! Unknown `client_id`: a 400 problem, like row 7 (`an_unknown_client_id_is_a_problem`).
//! The property test `the_decision_never_redirects_or_removes_a_client_it_should_not`
//! checks the table's safety columns over every combination.

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

    /// Whether `params` holds only §2 parameters, so that the text they were
    /// parsed from says exactly what [`Self::to_form`] would, and may be kept
    /// as it came instead of being encoded again.
    pub fn names_only_its_parameters(params: &Params) -> bool {
        params
            .names()
            .all(|name| PARAMETER_CAPS.iter().any(|(known, _)| *known == name))
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

/// The client a request names, as the caller looked it up: the one a valid
/// hint names, or else the one `client_id` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientLookup {
    /// Neither a valid hint nor `client_id` names a client.
    NotNamed,
    /// The named client is registered here.
    Found(LogoutClient),
    /// `client_id` names no registered client: a problem (§2).
    Unknown,
}

/// The decision table (module docs; spec digest §8).
///
/// `hint` is the outcome of [`check_hint`] (`None` when no hint was sent);
/// `client` is the client it names, or else the one `client_id` names
/// (see [`ClientLookup`]).
pub fn plan_logout(
    request: &EndSessionRequest,
    hint: Option<Result<ValidHint, HintError>>,
    client: ClientLookup,
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
        ClientLookup::NotNamed => None,
        ClientLookup::Found(client) => Some(client),
        ClientLookup::Unknown => {
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

/// The user's answer in the confirmation dialog (RP-Initiated Logout §2:
/// "ask the End-User whether to log out of the OP as well").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Log out of the OP too.
    Yes,
    /// Stay signed in at the OP.
    No,
}

impl Choice {
    /// The dialog's button values; anything else is not an answer.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "yes" => Some(Self::Yes),
            "no" => Some(Self::No),
            _ => None,
        }
    }
}

/// What the result page (`/logout/done`) tells the user when there is no
/// post-logout redirect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Outcome {
    #[default]
    SignedOut,
    StillSignedIn,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::StillSignedIn => "still_signed_in",
        }
    }

    /// The `outcome` query value; anything unknown reads as signed out.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "still_signed_in" => Self::StillSignedIn,
            _ => Self::SignedOut,
        }
    }
}

/// Where the browser goes once the step is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Then {
    /// The validated post-logout redirect (§3).
    Redirect(Url),
    /// Our result page, saying what happened.
    ResultPage(Outcome),
}

/// What the end-session endpoint does with a plan: the one place where the
/// decision table's rows turn into actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Show the confirmation dialog (§2: the OP SHOULD ask).
    Ask,
    /// No OP session and nothing that may redirect without a click: the
    /// signed-out page, with a button back to a client that only
    /// `client_id` identified (its name and validated URI).
    ShowSignedOut { return_to: Option<(String, Url)> },
    /// Nothing to end (§4: logout is idempotent); go on.
    GoOn(Then),
    /// End the OP session and every client in it, then go on.
    EndOpSession(Then),
    /// The OP session stays; only this client leaves it, then go on.
    EndClientSession { client_id: String, then: Then },
    /// Nothing ends (the user said No and no valid hint named a client); go on.
    StaySignedIn(Then),
}

/// Decides what to do with `plan`, for a browser with or without an OP
/// `session`. `choice` is `None` on the request itself (GET or POST
/// `/logout`) and the user's answer on the dialog's form.
///
/// - No session, no answer: redirect only where a valid hint proved the
///   client (rows 1 and 10); a URI only `client_id` vouches for waits for a
///   click on the signed-out page (row 6).
/// - A session whose request proves itself to a `when_required` client ends
///   without a dialog (row 1); any other asks (rows 4–9).
/// - An answer on a stale dialog (the session already ended) ends nothing
///   and goes on: the click was the confirmation.
/// - Yes ends the OP session; No ends only a client a valid hint named
///   ([`LogoutPlan::client_leaving_on_no`]). Either way the validated URI
///   follows, whatever the answer (§3).
pub fn next_step(
    plan: &LogoutPlan,
    session: Option<&CurrentSession>,
    choice: Option<Choice>,
) -> Step {
    let then = |outcome| match &plan.redirect {
        Some(url) => Then::Redirect(url.clone()),
        None => Then::ResultPage(outcome),
    };
    match (session, choice) {
        (None, None) => match (plan.redirect_without_click(), &plan.redirect, &plan.client) {
            (Some(url), _, _) => Step::GoOn(Then::Redirect(url.clone())),
            (None, Some(url), Some(client)) => Step::ShowSignedOut {
                return_to: Some((client.name.clone(), url.clone())),
            },
            _ => Step::ShowSignedOut { return_to: None },
        },
        (Some(_), None) if plan.must_confirm => Step::Ask,
        (Some(_), None) => Step::EndOpSession(then(Outcome::SignedOut)),
        (None, Some(_)) => Step::GoOn(then(Outcome::SignedOut)),
        (Some(_), Some(Choice::Yes)) => Step::EndOpSession(then(Outcome::SignedOut)),
        (Some(_), Some(Choice::No)) => match plan.client_leaving_on_no() {
            Some(client) => Step::EndClientSession {
                client_id: client.client_id.clone(),
                then: then(Outcome::StillSignedIn),
            },
            None => Step::StaySignedIn(then(Outcome::StillSignedIn)),
        },
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
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
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
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
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
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
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
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
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
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
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
        let plan = plan_logout(&req, None, ClientLookup::NotNamed, Some(&current()));
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
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
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
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
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
    fn a_request_of_only_section_2_parameters_may_be_kept_as_it_came_and_one_with_others_may_not() {
        let only = Params::parse(b"id_token_hint=a.b.c&state=s%201&state2=&ui_locales=de").unwrap();
        assert!(EndSessionRequest::names_only_its_parameters(&only));
        let with_junk = Params::parse(b"id_token_hint=a.b.c&junk=x").unwrap();
        assert!(!EndSessionRequest::names_only_its_parameters(&with_junk));
        let with_pending = Params::parse(b"pending=abc").unwrap();
        assert!(!EndSessionRequest::names_only_its_parameters(&with_pending));
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
                ClientLookup::Found(client(ConfirmationPolicy::Always)),
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
            ClientLookup::Unknown,
            Some(&current()),
        );
        assert_eq!(plan.problem, Some(Problem::UnknownClient));
    }

    #[test]
    fn row_9_no_parameters_ask_and_do_not_redirect() {
        let plan = plan_logout(
            &EndSessionRequest::default(),
            None,
            ClientLookup::NotNamed,
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
            plan_logout(&only_state, None, ClientLookup::NotNamed, Some(&current())).redirect,
            None
        );
    }

    #[test]
    fn row_10_without_a_session_a_valid_request_still_redirects() {
        let plan = plan_logout(
            &request(Some(URI), Some("s")),
            valid_hint(),
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
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
                ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
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
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
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

    // ---- What happens next (next_step), row by row ----

    fn plan(
        request: &EndSessionRequest,
        hint: bool,
        client: ClientLookup,
        session: bool,
    ) -> LogoutPlan {
        let hint = if hint { valid_hint() } else { None };
        plan_logout(request, hint, client, session.then(current).as_ref())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const WITH_STATE: &str = "https://rp.example.com/bye?state=s";

    #[test]
    fn row_1_asks_then_yes_ends_the_op_session_and_no_ends_the_client_both_redirecting() {
        let p = plan(
            &request(Some(URI), Some("s")),
            true,
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
            true,
        );
        let s = Some(&current());
        assert_eq!(next_step(&p, s, None), Step::Ask);
        assert_eq!(
            next_step(&p, s, Some(Choice::Yes)),
            Step::EndOpSession(Then::Redirect(url(WITH_STATE)))
        );
        assert_eq!(
            next_step(&p, s, Some(Choice::No)),
            Step::EndClientSession {
                client_id: "rp".into(),
                then: Then::Redirect(url(WITH_STATE))
            }
        );
    }

    #[test]
    fn row_1_with_when_required_ends_the_op_session_without_a_dialog() {
        let p = plan(
            &request(Some(URI), Some("s")),
            true,
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
            true,
        );
        assert_eq!(
            next_step(&p, Some(&current()), None),
            Step::EndOpSession(Then::Redirect(url(WITH_STATE)))
        );
    }

    #[test]
    fn row_2_without_a_uri_each_answer_ends_on_its_result_page() {
        let p = plan(
            &request(None, Some("s")),
            true,
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
            true,
        );
        let s = Some(&current());
        assert_eq!(
            next_step(&p, s, Some(Choice::Yes)),
            Step::EndOpSession(Then::ResultPage(Outcome::SignedOut))
        );
        assert_eq!(
            next_step(&p, s, Some(Choice::No)),
            Step::EndClientSession {
                client_id: "rp".into(),
                then: Then::ResultPage(Outcome::StillSignedIn)
            }
        );
    }

    #[test]
    fn row_4_a_hint_for_another_session_asks_and_yes_goes_to_the_result_page() {
        let mut other = current();
        other.sid = "sid-2".into();
        let p = plan_logout(
            &request(Some(URI), Some("s")),
            valid_hint(),
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
            Some(&other),
        );
        assert_eq!(next_step(&p, Some(&other), None), Step::Ask);
        assert_eq!(
            next_step(&p, Some(&other), Some(Choice::Yes)),
            Step::EndOpSession(Then::ResultPage(Outcome::SignedOut))
        );
    }

    #[test]
    fn row_5_with_an_invalid_hint_no_removes_no_client_and_nothing_redirects() {
        let p = plan_logout(
            &request(Some(URI), Some("s")),
            Some(Err(HintError::BadSignature)),
            ClientLookup::Found(client(ConfirmationPolicy::WhenRequired)),
            Some(&current()),
        );
        assert_eq!(next_step(&p, Some(&current()), None), Step::Ask);
        assert_eq!(
            next_step(&p, Some(&current()), Some(Choice::No)),
            Step::StaySignedIn(Then::ResultPage(Outcome::StillSignedIn))
        );
    }

    #[test]
    fn row_6_a_bare_client_id_redirects_only_after_a_click_and_no_removes_no_client() {
        let req = EndSessionRequest {
            client_id: Some("rp".into()),
            post_logout_redirect_uri: Some(URI.into()),
            ..Default::default()
        };
        let found = || ClientLookup::Found(client(ConfirmationPolicy::WhenRequired));
        let with = plan(&req, false, found(), true);
        assert_eq!(next_step(&with, Some(&current()), None), Step::Ask);
        assert_eq!(
            next_step(&with, Some(&current()), Some(Choice::No)),
            Step::StaySignedIn(Then::Redirect(url(URI)))
        );
        assert_eq!(
            next_step(&with, Some(&current()), Some(Choice::Yes)),
            Step::EndOpSession(Then::Redirect(url(URI)))
        );
        let without = plan(&req, false, found(), false);
        assert_eq!(
            next_step(&without, None, None),
            Step::ShowSignedOut {
                return_to: Some(("The RP".into(), url(URI)))
            }
        );
    }

    #[test]
    fn row_9_no_parameters_ask_and_no_stays_signed_in_on_the_result_page() {
        let p = plan(
            &EndSessionRequest::default(),
            false,
            ClientLookup::NotNamed,
            true,
        );
        assert_eq!(next_step(&p, Some(&current()), None), Step::Ask);
        assert_eq!(
            next_step(&p, Some(&current()), Some(Choice::No)),
            Step::StaySignedIn(Then::ResultPage(Outcome::StillSignedIn))
        );
        let signed_out = plan(
            &EndSessionRequest::default(),
            false,
            ClientLookup::NotNamed,
            false,
        );
        assert_eq!(
            next_step(&signed_out, None, None),
            Step::ShowSignedOut { return_to: None }
        );
    }

    #[test]
    fn row_10_without_a_session_a_valid_request_goes_straight_on() {
        let p = plan(
            &request(Some(URI), Some("s")),
            true,
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
            false,
        );
        assert_eq!(
            next_step(&p, None, None),
            Step::GoOn(Then::Redirect(url(WITH_STATE)))
        );
    }

    #[test]
    fn an_answer_on_a_stale_dialog_ends_nothing_and_goes_on() {
        let with_uri = plan(
            &request(Some(URI), Some("s")),
            true,
            ClientLookup::Found(client(ConfirmationPolicy::Always)),
            false,
        );
        let bare = plan(
            &EndSessionRequest::default(),
            false,
            ClientLookup::NotNamed,
            false,
        );
        for choice in [Choice::Yes, Choice::No] {
            assert_eq!(
                next_step(&with_uri, None, Some(choice)),
                Step::GoOn(Then::Redirect(url(WITH_STATE)))
            );
            assert_eq!(
                next_step(&bare, None, Some(choice)),
                Step::GoOn(Then::ResultPage(Outcome::SignedOut))
            );
        }
    }

    #[test]
    fn only_the_two_button_values_are_answers_and_unknown_outcomes_read_as_signed_out() {
        assert_eq!(Choice::parse("yes"), Some(Choice::Yes));
        assert_eq!(Choice::parse("no"), Some(Choice::No));
        for bad in ["", "Yes", "maybe", "yes "] {
            assert_eq!(Choice::parse(bad), None, "{bad:?}");
        }
        for o in [Outcome::SignedOut, Outcome::StillSignedIn] {
            assert_eq!(Outcome::parse(o.as_str()), o);
        }
        assert_eq!(Outcome::parse("<script>"), Outcome::SignedOut);
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
                    Just(ClientLookup::NotNamed),
                    Just(ClientLookup::Unknown),
                    Just(ClientLookup::Found(client(ConfirmationPolicy::Always))),
                    Just(ClientLookup::Found(client(ConfirmationPolicy::WhenRequired))),
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
                let current = with_session.then_some(&session);
                for choice in [None, Some(Choice::Yes), Some(Choice::No)] {
                    match next_step(&plan, current, choice) {
                        Step::EndOpSession(_) | Step::EndClientSession { .. } | Step::StaySignedIn(_) => {
                            prop_assert!(with_session, "nothing to end without a session");
                        }
                        Step::Ask => prop_assert!(with_session && choice.is_none()),
                        Step::GoOn(Then::Redirect(_)) if choice.is_none() => prop_assert!(hint_was_valid),
                        _ => {}
                    }
                    if let Step::EndClientSession { .. } = next_step(&plan, current, choice) {
                        prop_assert!(hint_was_valid && choice == Some(Choice::No));
                    }
                }
            }
        }
    }
}
