use serde::{Deserialize, Serialize};

use super::issuer::Issuer;

/// ID tokens are short-lived; logout accepts expired ones anyway (RP-Initiated
/// Logout §2, for hints whose session is current or recent).
pub const ID_TOKEN_LIFETIME_SECS: i64 = 600;

/// ID token claims (OIDC Core §2). `sid` is always present: Front-Channel Logout
/// §3 and Back-Channel Logout §2.1 require it in ID tokens when the OP supports
/// session-aware logout, which we do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub sid: String,
    /// Core §2: the party to which the token was issued (here always the sole audience).
    pub azp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

/// Everything an ID token states about one login at one client.
#[derive(Clone, Debug)]
pub struct IdTokenSubject<'a> {
    pub client_id: &'a str,
    pub subject: &'a str,
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    /// Present when the `profile` scope was granted.
    pub preferred_username: Option<&'a str>,
}

/// Core §3.1.3.6 / §2: `nonce` is echoed exactly when the request carried one.
pub fn id_token_claims(issuer: &Issuer, login: &IdTokenSubject<'_>, now: i64) -> IdTokenClaims {
    IdTokenClaims {
        iss: issuer.as_ref().to_owned(),
        sub: login.subject.to_owned(),
        aud: login.client_id.to_owned(),
        exp: now + ID_TOKEN_LIFETIME_SECS,
        iat: now,
        auth_time: login.auth_time,
        nonce: login.nonce.map(str::to_owned),
        sid: login.sid.to_owned(),
        azp: login.client_id.to_owned(),
        preferred_username: login.preferred_username.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claims_carry_sid_azp_and_the_nonce_only_when_sent() {
        let issuer = Issuer::parse("https://op.example.com").unwrap();
        let mut login = IdTokenSubject {
            client_id: "rp",
            subject: "u-1",
            sid: "s-1",
            auth_time: 90,
            nonce: Some("n"),
            preferred_username: None,
        };
        let claims = id_token_claims(&issuer, &login, 100);
        assert_eq!(claims.iss, "https://op.example.com");
        assert_eq!((claims.aud.as_str(), claims.azp.as_str()), ("rp", "rp"));
        assert_eq!((claims.iat, claims.exp, claims.auth_time), (100, 700, 90));
        assert_eq!(claims.sid, "s-1");
        assert_eq!(claims.nonce.as_deref(), Some("n"));

        login.nonce = None;
        let json = serde_json::to_value(id_token_claims(&issuer, &login, 100)).unwrap();
        assert!(json.get("nonce").is_none());
        assert!(json.get("preferred_username").is_none());
    }
}
