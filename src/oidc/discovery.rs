use serde::Serialize;

use super::issuer::Issuer;
use super::jwk::SigningAlg;

/// OpenID Provider Metadata (Discovery 1.0 §3), with the logout metadata of
/// RP-Initiated, Front-Channel and Back-Channel Logout.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// RFC 7009 / RFC 8414 §2.
    pub revocation_endpoint: String,
    pub revocation_endpoint_auth_methods_supported: &'static [&'static str],
    /// RFC 7662 / RFC 8414 §2: confidential clients only.
    pub introspection_endpoint: String,
    pub introspection_endpoint_auth_methods_supported: &'static [&'static str],
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    /// RP-Initiated Logout §2.1.
    pub end_session_endpoint: String,
    /// Front-Channel Logout §3: iframes to `frontchannel_logout_uri`, with
    /// `iss` and `sid` (so ID tokens always carry `sid`).
    pub frontchannel_logout_supported: bool,
    pub frontchannel_logout_session_supported: bool,
    /// Back-Channel Logout §2.1: logout tokens, with `sid`.
    pub backchannel_logout_supported: bool,
    pub backchannel_logout_session_supported: bool,
    pub response_types_supported: &'static [&'static str],
    pub response_modes_supported: &'static [&'static str],
    pub grant_types_supported: &'static [&'static str],
    pub subject_types_supported: &'static [&'static str],
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
    pub code_challenge_methods_supported: &'static [&'static str],
    pub token_endpoint_auth_methods_supported: &'static [&'static str],
    pub scopes_supported: &'static [&'static str],
    pub claims_supported: &'static [&'static str],
    pub prompt_values_supported: &'static [&'static str],
    /// RFC 9207: the authorization response carries `iss`.
    pub authorization_response_iss_parameter_supported: bool,
    pub request_parameter_supported: bool,
    pub request_uri_parameter_supported: bool,
}

impl ProviderMetadata {
    /// `algs`: the algorithms that have a key that signs (RS256 always).
    pub fn for_issuer(issuer: &Issuer, algs: &[SigningAlg]) -> Self {
        Self {
            issuer: issuer.as_ref().to_owned(),
            authorization_endpoint: issuer.endpoint("/authorize"),
            token_endpoint: issuer.endpoint("/token"),
            revocation_endpoint: issuer.endpoint("/revoke"),
            revocation_endpoint_auth_methods_supported: &[
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            introspection_endpoint: issuer.endpoint("/introspect"),
            introspection_endpoint_auth_methods_supported: &[
                "client_secret_basic",
                "client_secret_post",
            ],
            userinfo_endpoint: issuer.endpoint("/userinfo"),
            jwks_uri: issuer.endpoint("/jwks.json"),
            end_session_endpoint: issuer.endpoint("/logout"),
            frontchannel_logout_supported: true,
            frontchannel_logout_session_supported: true,
            backchannel_logout_supported: true,
            backchannel_logout_session_supported: true,
            response_types_supported: &["code"],
            response_modes_supported: &["query"],
            grant_types_supported: &["authorization_code", "refresh_token"],
            subject_types_supported: &["public"],
            id_token_signing_alg_values_supported: algs.iter().map(|a| a.as_str()).collect(),
            code_challenge_methods_supported: &["S256"],
            token_endpoint_auth_methods_supported: &[
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            scopes_supported: super::authorize::SUPPORTED_SCOPES,
            claims_supported: &[
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "sid",
                "azp",
                "preferred_username",
            ],
            prompt_values_supported: &["none", "login", "consent", "select_account"],
            authorization_response_iss_parameter_supported: true,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_hangs_off_the_issuer() {
        let issuer = Issuer::parse("https://op.example.com/t1").unwrap();
        let m = ProviderMetadata::for_issuer(&issuer, &[SigningAlg::Rs256]);
        assert_eq!(m.issuer, "https://op.example.com/t1");
        for endpoint in [
            &m.authorization_endpoint,
            &m.token_endpoint,
            &m.jwks_uri,
            &m.userinfo_endpoint,
        ] {
            assert!(
                endpoint.starts_with("https://op.example.com/t1/"),
                "{endpoint}"
            );
        }
        assert_eq!(m.code_challenge_methods_supported, ["S256"]);
    }

    #[test]
    fn both_logout_channels_are_advertised_with_session_support() {
        let m = ProviderMetadata::for_issuer(
            &Issuer::parse("https://op.example.com").unwrap(),
            &[SigningAlg::Rs256],
        );
        assert!(m.frontchannel_logout_supported && m.frontchannel_logout_session_supported);
        assert!(m.backchannel_logout_supported && m.backchannel_logout_session_supported);
        assert!(m.claims_supported.contains(&"sid"));
    }
}
