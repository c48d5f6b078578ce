//! The token endpoint: client authentication (RFC 6749 §2.3, OIDC Core §9) and
//! the authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::error::{OAuthError, OAuthErrorCode};
use super::params::Params;
use super::pkce::CodeChallenge;

/// How long an access token is valid.
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 3600;
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
                "only the authorization_code grant is supported",
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

/// RFC 6749 §5.1 + OIDC Core §3.1.3.3.
#[derive(Clone, Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

/// The token a revocation (RFC 7009 §2.1) or introspection (RFC 7662 §2.1)
/// request names. `token_type_hint` is only a hint, and one we do not need:
/// every token we issue is an opaque access token, looked up by its hash.
pub fn token_param<'p>(params: &'p Params) -> Result<&'p str, OAuthError> {
    match params.get("token") {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the token parameter is missing",
        )),
    }
}

/// A stored access token, as the caller loaded it: unrevoked, with a live OP
/// session and an active user (else the caller has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveAccessToken {
    pub client_id: String,
    pub sid: String,
    pub subject: String,
    pub scope: String,
    pub expires_at: i64,
}

/// RFC 7662 §2.2: an introspection response. Inactive says nothing else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub token: Option<ActiveToken>,
}

/// What an active token's introspection tells (RFC 7662 §2.2), with `sid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActiveToken {
    pub scope: String,
    pub client_id: String,
    pub token_type: &'static str,
    pub exp: i64,
    pub iat: i64,
    pub sub: String,
    pub sid: String,
    pub iss: String,
}

/// RFC 7662 §2.2: whether `token` is active for `asking_client` at `now`.
/// A client learns only about its own tokens: another client's token is
/// inactive to it (§4: the server decides what a caller may learn), so a
/// leaked token cannot be traced to its user by anyone else.
pub fn introspect(
    token: Option<LiveAccessToken>,
    asking_client: &str,
    issuer: &str,
    now: i64,
) -> Introspection {
    let active = token.filter(|t| t.client_id == asking_client && t.expires_at > now);
    Introspection {
        active: active.is_some(),
        token: active.map(|t| ActiveToken {
            iat: t.expires_at - ACCESS_TOKEN_LIFETIME_SECS,
            exp: t.expires_at,
            scope: t.scope,
            client_id: t.client_id,
            token_type: "Bearer",
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
    fn only_the_code_grant_is_supported() {
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

    fn live(client_id: &str, expires_at: i64) -> LiveAccessToken {
        LiveAccessToken {
            client_id: client_id.into(),
            sid: "s1".into(),
            subject: "u1".into(),
            scope: "openid profile".into(),
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
                "iat": 5000 - ACCESS_TOKEN_LIFETIME_SECS, "sub": "u1", "sid": "s1",
                "iss": "https://op",
            })
        );
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
