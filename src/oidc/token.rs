//! The token endpoint: client authentication (RFC 6749 §2.3, OIDC Core §9),
//! the authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6) and the
//! refresh token grant (RFC 6749 §6, OIDC Core §12); revocation (RFC 7009)
//! and introspection (RFC 7662).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::error::{OAuthError, OAuthErrorCode};
use super::params::Params;
use super::pkce::CodeChallenge;

/// The scope that asks for a refresh token outliving the sign-in session
/// (OIDC Core §11).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// How long tokens live, in seconds (`SIGNOFF_*_TOKEN_LIFETIME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// An access token.
    pub access: i64,
    /// A refresh token bound to its OP session, from its issue (it dies with
    /// the session sooner, whatever this says).
    pub refresh: i64,
    /// An `offline_access` refresh token, from its issue: each rotation
    /// gives the grant this long again, so an app used at least this often
    /// stays connected.
    pub offline: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access: 3600,
            refresh: 14 * 24 * 3600,
            offline: 30 * 24 * 3600,
        }
    }
}

/// Whether a scope (space-separated) includes `offline_access`.
pub fn is_offline(scope: &str) -> bool {
    scope.split(' ').any(|s| s == OFFLINE_ACCESS)
}
/// How long an authorization code is valid (RFC 6749 §4.1.2: "a maximum
/// authorization code lifetime of 10 minutes is RECOMMENDED"; we use one).
pub const CODE_LIFETIME_SECS: i64 = 60;

/// The client authentication method a client registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl AuthMethod {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// The credentials a token request carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PresentedClient {
    Basic { client_id: String, secret: String },
    Post { client_id: String, secret: String },
    Public { client_id: String },
}

impl PresentedClient {
    pub fn client_id(&self) -> &str {
        match self {
            Self::Basic { client_id, .. }
            | Self::Post { client_id, .. }
            | Self::Public { client_id } => client_id,
        }
    }

    pub fn secret(&self) -> Option<&str> {
        match self {
            Self::Basic { secret, .. } | Self::Post { secret, .. } => Some(secret),
            Self::Public { .. } => None,
        }
    }
}

const INVALID_CLIENT: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidClient,
    "client authentication failed",
);

/// Reads the client's credentials. RFC 6749 §2.3.1: Basic credentials are the
/// form-urlencoded id and secret; §2.3: "The client MUST NOT use more than one
/// authentication method in each request."
pub fn presented_client(
    authorization: Option<&str>,
    params: &Params,
) -> Result<PresentedClient, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    if let Some(header) = authorization {
        if body_secret.is_some() {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "use one client authentication method, not two",
            ));
        }
        let (client_id, secret) = parse_basic(header).ok_or(INVALID_CLIENT)?;
        if body_id.is_some_and(|id| id != client_id) {
            return Err(INVALID_CLIENT);
        }
        return Ok(PresentedClient::Basic { client_id, secret });
    }
    let client_id = body_id.ok_or(INVALID_CLIENT)?.to_owned();
    Ok(match body_secret {
        Some(secret) => PresentedClient::Post {
            client_id,
            secret: secret.to_owned(),
        },
        None => PresentedClient::Public { client_id },
    })
}

fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Whether the presented credentials fit the registered method. A client
/// registered for either secret method may use the other (both prove the same
/// secret); a public client must present no secret, a confidential one must.
pub fn check_auth_method(
    registered: AuthMethod,
    presented: &PresentedClient,
) -> Result<(), OAuthError> {
    match (registered, presented) {
        (AuthMethod::None, PresentedClient::Public { .. }) => Ok(()),
        (
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost,
            PresentedClient::Basic { .. } | PresentedClient::Post { .. },
        ) => Ok(()),
        _ => Err(INVALID_CLIENT),
    }
}

/// A parsed token request (RFC 6749 §4.1.3, §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    Code(CodeGrant),
    Refresh(RefreshGrant),
}

/// A parsed `grant_type=refresh_token` request (RFC 6749 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshGrant {
    pub refresh_token: String,
    /// A narrower scope than the grant's, if asked for.
    pub scope: Option<String>,
}

/// Reads `grant_type` and the parameters of that grant.
pub fn parse_grant(params: &Params) -> Result<Grant, OAuthError> {
    match params.get("grant_type") {
        Some("refresh_token") => {
            let refresh_token = params
                .get("refresh_token")
                .filter(|t| !t.is_empty())
                .ok_or(OAuthError::new(
                    OAuthErrorCode::InvalidRequest,
                    "refresh_token is required",
                ))?;
            Ok(Grant::Refresh(RefreshGrant {
                refresh_token: refresh_token.to_owned(),
                scope: params.get("scope").map(str::to_owned),
            }))
        }
        _ => parse_code_grant(params).map(Grant::Code),
    }
}

/// RFC 6749 §6: a refreshed access token's scope is the grant's, or a part of
/// it the client asks for; "MUST NOT include any scope not originally granted".
/// `openid` stays, so the refreshed token still reaches `/userinfo`.
pub fn narrow_scope(granted: &str, requested: Option<&str>) -> Result<String, OAuthError> {
    let Some(requested) = requested else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut asked: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    if asked.iter().any(|s| !granted.contains(s)) {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            "the scope asks for more than was granted",
        ));
    }
    if !asked.contains(&"openid") {
        asked.push("openid");
    }
    Ok(granted
        .iter()
        .filter(|s| asked.contains(s))
        .copied()
        .collect::<Vec<_>>()
        .join(" "))
}

/// A parsed `grant_type=authorization_code` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeGrant {
    pub code: String,
    pub redirect_uri: String,
    pub code_verifier: Option<String>,
}

pub fn parse_code_grant(params: &Params) -> Result<CodeGrant, OAuthError> {
    match params.get("grant_type") {
        Some("authorization_code") => {}
        None => {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "grant_type is required",
            ));
        }
        Some(_) => {
            return Err(OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                "only the authorization_code and refresh_token grants are supported",
            ));
        }
    }
    let code = params.get("code").ok_or(OAuthError::new(
        OAuthErrorCode::InvalidRequest,
        "code is required",
    ))?;
    let redirect_uri = params.get("redirect_uri").ok_or(OAuthError::new(
        OAuthErrorCode::InvalidRequest,
        "redirect_uri is required",
    ))?;
    Ok(CodeGrant {
        code: code.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        code_verifier: params.get("code_verifier").map(str::to_owned),
    })
}

/// What was stored when the code was issued.
#[derive(Clone, Debug)]
pub struct IssuedCode<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: Option<&'a str>,
    pub expires_at: i64,
}

const INVALID_GRANT: OAuthError = OAuthError::new(
    OAuthErrorCode::InvalidGrant,
    "the authorization code is invalid",
);

/// RFC 6749 §4.1.3: the code was issued to this client, the redirect_uri is the
/// one used in the authorization request, and it has not expired. RFC 7636
/// §4.6: the verifier matches the challenge. A verifier for a code issued without
/// a challenge is refused too (downgrade protection, OAuth 2.1 §4.1.3).
pub fn check_code_redemption(
    code: &IssuedCode<'_>,
    client_id: &str,
    grant: &CodeGrant,
    now: i64,
) -> Result<(), OAuthError> {
    if code.client_id != client_id
        || code.redirect_uri != grant.redirect_uri
        || now >= code.expires_at
    {
        return Err(INVALID_GRANT);
    }
    match (code.code_challenge, grant.code_verifier.as_deref()) {
        (None, None) => Ok(()),
        (Some(challenge), Some(verifier)) => {
            let challenge =
                CodeChallenge::parse(challenge, Some("S256")).map_err(|_| INVALID_GRANT)?;
            if challenge.is_satisfied_by(verifier) {
                Ok(())
            } else {
                Err(OAuthError::new(
                    OAuthErrorCode::InvalidGrant,
                    "PKCE verification failed",
                ))
            }
        }
        (Some(_), None) => Err(OAuthError::new(
            OAuthErrorCode::InvalidGrant,
            "code_verifier is required",
        )),
        (None, Some(_)) => Err(OAuthError::new(
            OAuthErrorCode::InvalidGrant,
            "code_verifier sent for a code issued without PKCE",
        )),
    }
}

/// RFC 6749 §5.1 + OIDC Core §3.1.3.3 and §12.2.
#[derive(Clone, Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Always at a code exchange; at a refresh while the grant's OP session
    /// lives (an offline grant's refresh after it ended has no sign-in to
    /// vouch for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// The token a revocation (RFC 7009 §2.1) or introspection (RFC 7662 §2.1)
/// request names. `token_type_hint` is only a hint, and one we do not need:
/// every token we issue is opaque and looked up by its hash, and the two
/// kinds never share one.
pub fn token_param<'p>(params: &'p Params) -> Result<&'p str, OAuthError> {
    match params.get("token") {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the token parameter is missing",
        )),
    }
}

/// Which kind of token an introspection found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// A stored token, as the caller loaded it: unrevoked, unrotated, with a
/// live OP session (unless it is not bound to one) and an active user (else
/// the caller has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveToken {
    pub kind: TokenKind,
    pub client_id: String,
    /// The OP session it is bound to; `None` for an offline one.
    pub sid: Option<String>,
    pub subject: String,
    pub scope: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// RFC 7662 §2.2: an introspection response. Inactive says nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub token: Option<ActiveToken>,
}

/// What an active token's introspection tells (RFC 7662 §2.2), with `sid`
/// for a token bound to an OP session. `token_type` is `Bearer` for an
/// access token (RFC 6749 §7.1) and `refresh_token` for a refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActiveToken {
    pub scope: String,
    pub client_id: String,
    pub token_type: &'static str,
    pub exp: i64,
    pub iat: i64,
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iss: String,
}

/// RFC 7662 §2.2: whether `token` is active for `asking_client` at `now`.
/// A client learns only about its own tokens: another client's token is
/// inactive to it (§4: the server decides what a caller may learn), so a
/// leaked token cannot be traced to its user by anyone else.
pub fn introspect(
    token: Option<LiveToken>,
    asking_client: &str,
    issuer: &str,
    now: i64,
) -> Introspection {
    let active = token.filter(|t| t.client_id == asking_client && t.expires_at > now);
    Introspection {
        active: active.is_some(),
        token: active.map(|t| ActiveToken {
            iat: t.issued_at,
            exp: t.expires_at,
            scope: t.scope,
            client_id: t.client_id,
            token_type: match t.kind {
                TokenKind::Access => "Bearer",
                TokenKind::Refresh => "refresh_token",
            },
            sub: t.subject,
            sid: t.sid,
            iss: issuer.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};

    use super::*;

    fn params(body: &str) -> Params<'_> {
        Params::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aapp:s%2Bcret"));
        let c = presented_client(Some(&header), &params("")).unwrap();
        assert_eq!(
            c,
            PresentedClient::Basic {
                client_id: "my:app".into(),
                secret: "s+cret".into()
            }
        );
    }

    #[test]
    fn two_authentication_methods_at_once_are_refused() {
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        let err = presented_client(Some(&header), &params("client_secret=b")).unwrap_err();
        assert_eq!(err.error, OAuthErrorCode::InvalidRequest);
    }

    #[test]
    fn a_basic_id_that_contradicts_the_body_client_id_is_refused() {
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        assert!(presented_client(Some(&header), &params("client_id=other")).is_err());
    }

    #[test]
    fn post_and_public_credentials_are_read_from_the_body() {
        assert_eq!(
            presented_client(None, &params("client_id=a&client_secret=b")).unwrap(),
            PresentedClient::Post {
                client_id: "a".into(),
                secret: "b".into()
            }
        );
        assert_eq!(
            presented_client(None, &params("client_id=a")).unwrap(),
            PresentedClient::Public {
                client_id: "a".into()
            }
        );
        assert!(presented_client(None, &params("")).is_err());
        assert!(presented_client(Some("Bearer xyz"), &params("")).is_err());
    }

    #[test]
    fn a_public_client_may_not_pose_as_confidential_and_vice_versa() {
        let public = PresentedClient::Public {
            client_id: "a".into(),
        };
        let post = PresentedClient::Post {
            client_id: "a".into(),
            secret: "s".into(),
        };
        assert!(check_auth_method(AuthMethod::None, &public).is_ok());
        assert!(check_auth_method(AuthMethod::None, &post).is_err());
        assert!(check_auth_method(AuthMethod::ClientSecretBasic, &public).is_err());
        assert!(check_auth_method(AuthMethod::ClientSecretBasic, &post).is_ok());
    }

    #[test]
    fn only_the_code_and_refresh_grants_are_supported() {
        let err = parse_code_grant(&params("grant_type=password")).unwrap_err();
        assert_eq!(err.error, OAuthErrorCode::UnsupportedGrantType);
        let err = parse_code_grant(&params("grant_type=authorization_code&code=c")).unwrap_err();
        assert_eq!(err.error, OAuthErrorCode::InvalidRequest);
    }

    fn grant(verifier: Option<&str>) -> CodeGrant {
        CodeGrant {
            code: "c".into(),
            redirect_uri: "https://rp/cb".into(),
            code_verifier: verifier.map(str::to_owned),
        }
    }

    #[test]
    fn a_code_is_bound_to_its_client_redirect_uri_and_lifetime() {
        let code = IssuedCode {
            client_id: "rp",
            redirect_uri: "https://rp/cb",
            code_challenge: None,
            expires_at: 100,
        };
        assert!(check_code_redemption(&code, "rp", &grant(None), 99).is_ok());
        assert!(check_code_redemption(&code, "rp", &grant(None), 100).is_err());
        assert!(check_code_redemption(&code, "other", &grant(None), 99).is_err());
        let mut wrong_uri = grant(None);
        wrong_uri.redirect_uri = "https://rp/other".into();
        assert!(check_code_redemption(&code, "rp", &wrong_uri, 99).is_err());
    }

    #[test]
    fn pkce_is_verified_and_cannot_be_added_or_dropped_at_redemption() {
        let verifier = "a".repeat(43);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let with = IssuedCode {
            client_id: "rp",
            redirect_uri: "https://rp/cb",
            code_challenge: Some(&challenge),
            expires_at: 100,
        };
        let without = IssuedCode {
            code_challenge: None,
            ..with.clone()
        };
        assert!(check_code_redemption(&with, "rp", &grant(Some(&verifier)), 1).is_ok());
        assert!(check_code_redemption(&with, "rp", &grant(Some(&"b".repeat(43))), 1).is_err());
        assert!(check_code_redemption(&with, "rp", &grant(None), 1).is_err());
        assert!(check_code_redemption(&without, "rp", &grant(Some(&verifier)), 1).is_err());
    }

    fn live(client_id: &str, expires_at: i64) -> LiveToken {
        LiveToken {
            kind: TokenKind::Access,
            client_id: client_id.into(),
            sid: Some("s1".into()),
            subject: "u1".into(),
            scope: "openid profile".into(),
            issued_at: expires_at - 3600,
            expires_at,
        }
    }

    #[test]
    fn a_live_token_of_the_asking_client_is_active_with_its_claims() {
        let answer = introspect(Some(live("rp", 5000)), "rp", "https://op", 1000);
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "active": true, "scope": "openid profile", "client_id": "rp",
                "token_type": "Bearer", "exp": 5000,
                "iat": 5000 - 3600, "sub": "u1", "sid": "s1",
                "iss": "https://op",
            })
        );
    }

    #[test]
    fn an_offline_refresh_token_is_introspected_without_a_sid() {
        let token = LiveToken {
            kind: TokenKind::Refresh,
            sid: None,
            ..live("rp", 5000)
        };
        let json = serde_json::to_value(introspect(Some(token), "rp", "https://op", 1000)).unwrap();
        assert_eq!(json["token_type"], "refresh_token");
        assert!(json.get("sid").is_none());
    }

    #[test]
    fn a_refresh_narrows_scope_but_never_widens_it_and_keeps_openid() {
        let granted = "openid profile offline_access";
        assert_eq!(narrow_scope(granted, None).unwrap(), granted);
        assert_eq!(
            narrow_scope(granted, Some("profile")).unwrap(),
            "openid profile"
        );
        assert_eq!(
            narrow_scope(granted, Some("offline_access openid")).unwrap(),
            "openid offline_access"
        );
        let err = narrow_scope("openid", Some("openid profile")).unwrap_err();
        assert_eq!(err.error, OAuthErrorCode::InvalidScope);
    }

    #[test]
    fn a_refresh_request_needs_its_token_and_may_narrow_scope() {
        assert_eq!(
            parse_grant(&params(
                "grant_type=refresh_token&refresh_token=r&scope=openid"
            ))
            .unwrap(),
            Grant::Refresh(RefreshGrant {
                refresh_token: "r".into(),
                scope: Some("openid".into())
            })
        );
        for body in [
            "grant_type=refresh_token",
            "grant_type=refresh_token&refresh_token=",
        ] {
            assert_eq!(
                parse_grant(&params(body)).unwrap_err().error,
                OAuthErrorCode::InvalidRequest
            );
        }
        assert!(matches!(
            parse_grant(&params(
                "grant_type=authorization_code&code=c&redirect_uri=x"
            )),
            Ok(Grant::Code(_))
        ));
    }

    #[test]
    fn an_expired_unknown_or_foreign_token_is_inactive_and_says_nothing_more() {
        for answer in [
            introspect(Some(live("rp", 1000)), "rp", "https://op", 1000),
            introspect(None, "rp", "https://op", 1000),
            introspect(Some(live("other", 5000)), "rp", "https://op", 1000),
        ] {
            assert_eq!(
                serde_json::to_value(&answer).unwrap(),
                serde_json::json!({ "active": false })
            );
        }
    }

    #[test]
    fn a_revocation_or_introspection_needs_a_token() {
        assert!(token_param(&Params::parse(b"token_type_hint=access_token").unwrap()).is_err());
        assert!(token_param(&Params::parse(b"token=").unwrap()).is_err());
        assert_eq!(
            token_param(&Params::parse(b"token=abc").unwrap()),
            Ok("abc")
        );
    }
}
