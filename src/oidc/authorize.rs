//! The authorization endpoint (OIDC Core §3.1.2, RFC 6749 §4.1, RFC 7636).

use url::Url;

use super::error::{OAuthError, OAuthErrorCode};
use super::issuer::Issuer;
use super::params::Params;
use super::pkce::CodeChallenge;
use super::redirect_uri::{matches_registered, with_query};

/// Scopes we grant; others are ignored (RFC 6749 §3.3 lets the server narrow
/// scope). `offline_access` only as [`offline_access_granted`] says.
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "profile", "offline_access"];

/// What the caller loaded about the client named by `client_id`.
#[derive(Clone, Copy, Debug)]
pub struct ClientRegistration<'a> {
    pub client_id: &'a str,
    pub redirect_uris: &'a [String],
    pub is_public: bool,
    /// Registered for the refresh_token grant.
    pub allows_refresh: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Prompt {
    /// No `prompt`: reuse the session if there is one, else ask to log in.
    Default,
    /// `prompt=none`: never show UI (Core §3.1.2.1).
    None,
    /// `prompt=login`: always reauthenticate (Core §3.1.2.1).
    Login,
}

/// Longest `state` accepted (2 KiB). Legitimate values are opaque handles of
/// a few dozen bytes; a cap keeps what a request can make us carry small.
pub const MAX_STATE_LEN: usize = 2048;
/// Longest `nonce` accepted (2 KiB); it is stored with the code and copied
/// into the ID token (Core §3.1.2.1).
pub const MAX_NONCE_LEN: usize = 2048;

/// A validated authentication request. Only built by [`validate_authorization_request`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Granted scopes, space-separated, always including `openid`.
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
}

/// Why a request is refused, and how the refusal must be delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The client or redirect URI cannot be trusted, so the error is shown to the
    /// user and never redirected (RFC 6749 §4.1.2.1: "MUST NOT automatically redirect").
    ShowPage(&'static str),
    /// The redirect URI is registered, so the error goes back to the client.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

/// Validates an authentication request against the client the caller loaded
/// (`None` when `client_id` names no client).
pub fn validate_authorization_request(
    params: &Params,
    client: Option<ClientRegistration<'_>>,
) -> Result<AuthorizationRequest, Rejection> {
    let Some(client_id) = params.get("client_id") else {
        return Err(Rejection::ShowPage(
            "The request does not name a client (client_id).",
        ));
    };
    let Some(client) = client.filter(|c| c.client_id == client_id) else {
        return Err(Rejection::ShowPage(
            "The client in this request is not registered here.",
        ));
    };
    let Some(redirect_uri) = params.get("redirect_uri") else {
        return Err(Rejection::ShowPage("The request has no redirect_uri."));
    };
    if !matches_registered(redirect_uri, client.redirect_uris) {
        return Err(Rejection::ShowPage(
            "The redirect_uri in this request is not registered for this client.",
        ));
    }

    let state = params.get("state").map(str::to_owned);
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
        // Refused, and not echoed: the client gets the error without it.
        return Err(Rejection::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: None,
            error: OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "state is longer than 2048 bytes",
            ),
        });
    }
    let fail = |code, description| Rejection::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone(),
        error: OAuthError::new(code, description),
    };

    if params.get("request").is_some() || params.get("request_uri").is_some() {
        return Err(fail(
            OAuthErrorCode::InvalidRequest,
            "request objects are not supported",
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        None => {
            return Err(fail(
                OAuthErrorCode::InvalidRequest,
                "response_type is required",
            ));
        }
        Some(_) => {
            return Err(fail(
                OAuthErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if !matches!(params.get("response_mode"), None | Some("query")) {
        return Err(fail(
            OAuthErrorCode::InvalidRequest,
            "only response_mode=query is supported",
        ));
    }
    let requested: Vec<&str> = params.get("scope").unwrap_or("").split(' ').collect();
    if !requested.contains(&"openid") {
        return Err(fail(
            OAuthErrorCode::InvalidScope,
            "scope must include openid",
        ));
    }
    let (prompt, consent) =
        parse_prompt(params.get("prompt")).map_err(|d| fail(OAuthErrorCode::InvalidRequest, d))?;
    let offline = offline_access_granted(&requested, consent, client.allows_refresh);
    let scope = SUPPORTED_SCOPES
        .iter()
        .filter(|s| requested.contains(s) && (**s != "offline_access" || offline))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");

    let code_challenge = match params.get("code_challenge") {
        Some(challenge) => Some(
            CodeChallenge::parse(challenge, params.get("code_challenge_method"))
                .map_err(|_| {
                    fail(
                        OAuthErrorCode::InvalidRequest,
                        "code_challenge must be an S256 PKCE challenge",
                    )
                })?
                .as_ref()
                .to_owned(),
        ),
        None if client.is_public => {
            return Err(fail(
                OAuthErrorCode::InvalidRequest,
                "public clients must use PKCE (code_challenge with S256)",
            ));
        }
        None => None,
    };

    if params.get("nonce").is_some_and(|n| n.len() > MAX_NONCE_LEN) {
        return Err(fail(
            OAuthErrorCode::InvalidRequest,
            "nonce is longer than 2048 bytes",
        ));
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            fail(
                OAuthErrorCode::InvalidRequest,
                "max_age must be a non-negative integer",
            )
        })?),
    };

    Ok(AuthorizationRequest {
        client_id: client.client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge,
        prompt,
        max_age,
    })
}

/// OIDC Core §11: `offline_access` is kept only when the request also has
/// `prompt=consent` (the user will be asked), and only for a client that may
/// hold refresh tokens at all; otherwise it is dropped ("the OP MUST ignore
/// the offline_access request unless the Client is using a response_type
/// value that would result in an Authorization Code being returned" and
/// "MUST ensure that the prompt parameter contains consent").
pub fn offline_access_granted(requested: &[&str], consent: bool, allows_refresh: bool) -> bool {
    requested.contains(&"offline_access") && consent && allows_refresh
}

/// Whether a granted scope (space-separated) still needs the user's consent
/// before a code is issued: it holds `offline_access` (Core §11).
pub fn needs_consent(request: &AuthorizationRequest) -> bool {
    request.scope.split(' ').any(|s| s == "offline_access")
}

/// Core §3.1.2.1: `prompt` is a space-delimited list; `none` with any other
/// value is an error. Returns the login prompt and whether `consent` was
/// asked for (which only `offline_access` acts on: clients are registered by
/// an admin). `select_account` needs no UI (one account per browser).
fn parse_prompt(raw: Option<&str>) -> Result<(Prompt, bool), &'static str> {
    let Some(raw) = raw else {
        return Ok((Prompt::Default, false));
    };
    let values: Vec<&str> = raw.split(' ').filter(|v| !v.is_empty()).collect();
    if values.contains(&"none") {
        return if values.len() == 1 {
            Ok((Prompt::None, false))
        } else {
            Err("prompt=none cannot be combined with other values")
        };
    }
    if values
        .iter()
        .any(|v| !matches!(*v, "login" | "consent" | "select_account"))
    {
        return Err("prompt has an unknown value");
    }
    let login = if values.contains(&"login") {
        Prompt::Login
    } else {
        Prompt::Default
    };
    Ok((login, values.contains(&"consent")))
}

/// What the browser's current OP session offers this request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExistingLogin {
    pub auth_time: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginDecision {
    /// Issue a code for the current session.
    Proceed,
    /// Show the login page, then come back.
    Login,
    /// `prompt=none` and a login would be needed: `login_required`.
    LoginRequired,
}

/// Core §3.1.2.1 (`prompt`, `max_age`) and §3.1.2.3 (reuse of an authenticated
/// session). `just_authenticated` is true when the user signed in for this very
/// request, which satisfies `prompt=login` and any `max_age`.
pub fn decide_login(
    request: &AuthorizationRequest,
    existing: Option<ExistingLogin>,
    just_authenticated: bool,
    now: i64,
) -> LoginDecision {
    if just_authenticated && existing.is_some() {
        return LoginDecision::Proceed;
    }
    let needs_login = match existing {
        None => true,
        Some(_) if request.prompt == Prompt::Login => true,
        Some(login) => request
            .max_age
            .is_some_and(|max_age| now.saturating_sub(login.auth_time) > max_age),
    };
    match (needs_login, request.prompt) {
        (false, _) => LoginDecision::Proceed,
        (true, Prompt::None) => LoginDecision::LoginRequired,
        (true, _) => LoginDecision::Login,
    }
}

/// The successful response (RFC 6749 §4.1.2) with `iss` (RFC 9207).
pub fn code_redirect(request: &AuthorizationRequest, code: &str, issuer: &Issuer) -> Option<Url> {
    let mut pairs = vec![("code", code)];
    if let Some(state) = &request.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", issuer.as_ref()));
    with_query(&request.redirect_uri, &pairs).ok()
}

/// The error response (RFC 6749 §4.1.2.1) with `iss` (RFC 9207).
pub fn error_redirect(
    redirect_uri: &str,
    state: Option<&str>,
    error: &OAuthError,
    issuer: &Issuer,
) -> Option<Url> {
    let mut pairs = vec![
        ("error", error.error.as_str()),
        ("error_description", error.error_description),
    ];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", issuer.as_ref()));
    with_query(redirect_uri, &pairs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn registered() -> Vec<String> {
        vec!["https://rp.example.com/cb".to_owned()]
    }

    fn client(uris: &[String], is_public: bool) -> ClientRegistration<'_> {
        ClientRegistration {
            client_id: "rp",
            redirect_uris: uris,
            is_public,
            allows_refresh: true,
        }
    }

    fn params(query: &str) -> Params<'_> {
        Params::parse(query.as_bytes()).unwrap()
    }

    const GOOD: &str = "client_id=rp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid+email+profile&state=s1&nonce=n1";
    const GOOD_WITHOUT_STATE: &str = "client_id=rp&redirect_uri=https%3A%2F%2Frp.example.com%2Fcb&response_type=code&scope=openid";

    fn validate(query: &str) -> Result<AuthorizationRequest, Rejection> {
        let uris = registered();
        validate_authorization_request(&params(query), Some(client(&uris, false)))
    }

    #[test]
    fn a_good_request_is_accepted_with_unsupported_scopes_dropped() {
        let uris = registered();
        let req =
            validate_authorization_request(&params(GOOD), Some(client(&uris, false))).unwrap();
        assert_eq!(req.scope, "openid profile");
        assert_eq!(req.state.as_deref(), Some("s1"));
        assert_eq!(req.nonce.as_deref(), Some("n1"));
        assert_eq!(req.prompt, Prompt::Default);
    }

    #[test]
    fn an_unregistered_redirect_uri_is_shown_to_the_user_never_redirected() {
        let uris = registered();
        let query = GOOD.replace("%2Fcb", "%2Fevil");
        let err = validate_authorization_request(&params(&query), Some(client(&uris, false)))
            .unwrap_err();
        assert!(matches!(err, Rejection::ShowPage(_)));
    }

    #[test]
    fn an_unknown_client_is_shown_to_the_user() {
        let err = validate_authorization_request(&params(GOOD), None).unwrap_err();
        assert!(matches!(err, Rejection::ShowPage(_)));
    }

    #[test]
    fn a_missing_openid_scope_goes_back_as_invalid_scope_with_state() {
        let uris = registered();
        let query = GOOD.replace("scope=openid+email+profile", "scope=profile");
        let err = validate_authorization_request(&params(&query), Some(client(&uris, false)))
            .unwrap_err();
        let Rejection::Redirect { error, state, .. } = err else {
            panic!("expected a redirect");
        };
        assert_eq!(error.error, OAuthErrorCode::InvalidScope);
        assert_eq!(state.as_deref(), Some("s1"));
    }

    #[test]
    fn a_public_client_must_send_pkce() {
        let uris = registered();
        let err =
            validate_authorization_request(&params(GOOD), Some(client(&uris, true))).unwrap_err();
        assert!(
            matches!(err, Rejection::Redirect { error, .. } if error.error == OAuthErrorCode::InvalidRequest)
        );

        let with_pkce = format!("{GOOD}&code_challenge={CHALLENGE}&code_challenge_method=S256");
        let req =
            validate_authorization_request(&params(&with_pkce), Some(client(&uris, true))).unwrap();
        assert_eq!(req.code_challenge.as_deref(), Some(CHALLENGE));
    }

    #[test]
    fn a_plain_pkce_challenge_is_refused() {
        let uris = registered();
        let query = format!("{GOOD}&code_challenge={CHALLENGE}&code_challenge_method=plain");
        assert!(
            validate_authorization_request(&params(&query), Some(client(&uris, false))).is_err()
        );
    }

    #[test]
    fn other_response_types_are_unsupported() {
        let uris = registered();
        let query = GOOD.replace("response_type=code", "response_type=token");
        let err = validate_authorization_request(&params(&query), Some(client(&uris, false)))
            .unwrap_err();
        assert!(
            matches!(err, Rejection::Redirect { error, .. } if error.error == OAuthErrorCode::UnsupportedResponseType)
        );
    }

    #[test]
    fn prompt_none_cannot_be_combined_and_max_age_must_be_a_number() {
        assert_eq!(parse_prompt(Some("none")), Ok((Prompt::None, false)));
        assert_eq!(
            parse_prompt(Some("login consent")),
            Ok((Prompt::Login, true))
        );
        assert!(parse_prompt(Some("none login")).is_err());
        assert!(parse_prompt(Some("bogus")).is_err());
        let uris = registered();
        let query = format!("{GOOD}&max_age=-1");
        assert!(
            validate_authorization_request(&params(&query), Some(client(&uris, false))).is_err()
        );
    }

    #[test]
    fn offline_access_is_kept_only_with_prompt_consent_for_a_client_that_may_refresh() {
        let uris = registered();
        let scope_of = |query: &str, allows_refresh| {
            let registration = ClientRegistration {
                allows_refresh,
                ..client(&uris, false)
            };
            validate_authorization_request(&params(query), Some(registration))
                .unwrap()
                .scope
        };
        let offline = format!("{GOOD_WITHOUT_STATE}+offline_access");
        assert_eq!(scope_of(&offline, true), "openid");
        let consented = format!("{offline}&prompt=consent");
        assert_eq!(scope_of(&consented, true), "openid offline_access");
        assert_eq!(scope_of(&consented, false), "openid");
        let request =
            validate_authorization_request(&params(&consented), Some(client(&uris, false)))
                .unwrap();
        assert!(needs_consent(&request));
        assert!(!needs_consent(&validate(GOOD).unwrap()));
    }

    fn request(prompt: Prompt, max_age: Option<i64>) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: "rp".into(),
            redirect_uri: "https://rp.example.com/cb".into(),
            scope: "openid".into(),
            state: None,
            nonce: None,
            code_challenge: None,
            prompt,
            max_age,
        }
    }

    #[test]
    fn without_a_session_the_user_logs_in_unless_prompt_is_none() {
        assert_eq!(
            decide_login(&request(Prompt::Default, None), None, false, 100),
            LoginDecision::Login
        );
        assert_eq!(
            decide_login(&request(Prompt::None, None), None, false, 100),
            LoginDecision::LoginRequired
        );
    }

    #[test]
    fn a_session_is_reused_silently_even_with_prompt_none() {
        let existing = Some(ExistingLogin { auth_time: 50 });
        assert_eq!(
            decide_login(&request(Prompt::None, None), existing, false, 100),
            LoginDecision::Proceed
        );
        assert_eq!(
            decide_login(&request(Prompt::Default, None), existing, false, 100),
            LoginDecision::Proceed
        );
    }

    #[test]
    fn prompt_login_and_an_exceeded_max_age_force_a_fresh_login() {
        let existing = Some(ExistingLogin { auth_time: 50 });
        assert_eq!(
            decide_login(&request(Prompt::Login, None), existing, false, 100),
            LoginDecision::Login
        );
        assert_eq!(
            decide_login(&request(Prompt::Default, Some(30)), existing, false, 100),
            LoginDecision::Login
        );
        assert_eq!(
            decide_login(&request(Prompt::None, Some(30)), existing, false, 100),
            LoginDecision::LoginRequired
        );
        assert_eq!(
            decide_login(&request(Prompt::Default, Some(60)), existing, false, 100),
            LoginDecision::Proceed
        );
        assert_eq!(
            decide_login(&request(Prompt::Login, Some(0)), existing, true, 100),
            LoginDecision::Proceed
        );
    }

    #[test]
    fn a_state_over_2_kib_is_refused_without_echoing_it() {
        let long = "s".repeat(MAX_STATE_LEN + 1);
        let query = format!("{GOOD_WITHOUT_STATE}&state={long}");
        let err = validate(&query).unwrap_err();
        let Rejection::Redirect { error, state, .. } = err else {
            panic!("expected a redirect, got {err:?}");
        };
        assert_eq!(error.error, OAuthErrorCode::InvalidRequest);
        assert_eq!(state, None);
        let at_limit = format!("{GOOD_WITHOUT_STATE}&state={}", "s".repeat(MAX_STATE_LEN));
        assert!(validate(&at_limit).is_ok());
    }

    #[test]
    fn a_nonce_over_2_kib_is_refused_with_the_oauth_error() {
        let query = format!(
            "{GOOD_WITHOUT_STATE}&state=s1&nonce={}",
            "n".repeat(MAX_NONCE_LEN + 1)
        );
        let Rejection::Redirect { error, state, .. } = validate(&query).unwrap_err() else {
            panic!("expected a redirect");
        };
        assert_eq!(error.error, OAuthErrorCode::InvalidRequest);
        assert_eq!(state.as_deref(), Some("s1"));
    }

    #[test]
    fn the_code_redirect_keeps_the_registered_query_and_encodes_state() {
        let issuer = Issuer::parse("https://op.example.com").unwrap();
        let mut req = request(Prompt::Default, None);
        req.redirect_uri = "https://rp.example.com/cb?tenant=a".into();
        req.state = Some("a b&c".into());
        let url = code_redirect(&req, "CODE", &issuer).unwrap();
        assert_eq!(
            url.as_str(),
            "https://rp.example.com/cb?tenant=a&code=CODE&state=a+b%26c&iss=https%3A%2F%2Fop.example.com"
        );
    }
}
