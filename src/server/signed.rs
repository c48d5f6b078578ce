//! Values signoff hands to the browser and takes back, signed with a server
//! secret (HMAC-SHA-256) so that holding them server-side is unnecessary:
//! rendering the sign-in page, or parking an authorization request until the
//! user has signed in, writes nothing per request.
//!
//! Each value is bound to a purpose and an expiry. Signed, not encrypted: what
//! they carry came from the browser in the first place.

use std::sync::Arc;

use crate::server::db::Pool;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::db::server_secrets::load_or_insert_server_secret;

/// What a value is for; a value signed for one purpose is refused for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The login form's CSRF token, bound to the browser's login cookie.
    LoginCsrf,
    /// An authorization request waiting for a sign-in.
    PendingAuthorization,
    /// An authorization request waiting for the user's consent to offline access.
    PendingConsent,
    /// What a sign-out from `/account` did, for the page that follows.
    SignOutResult,
    /// The ticket with which a page reports its front-channel frames.
    FrontchannelReport,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::LoginCsrf => b"login-csrf",
            Purpose::PendingAuthorization => b"pending-authorization",
            Purpose::PendingConsent => b"pending-consent",
            Purpose::SignOutResult => b"sign-out-result",
            Purpose::FrontchannelReport => b"frontchannel-report",
        }
    }
}

/// Cloning shares the key: `AppState` is cloned on every request, and
/// copying an HMAC key context is not free.
#[derive(Clone)]
pub struct Signer {
    key: Arc<hmac::Key>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<T> {
    /// Expiry, Unix seconds.
    e: i64,
    v: T,
}

impl Signer {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)),
        }
    }

    /// The database's signing secret, created at first start.
    pub async fn load_or_create(pool: &Pool) -> anyhow::Result<Self> {
        let mut fresh = [0_u8; 32];
        OsRng.fill_bytes(&mut fresh);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let secret = load_or_insert_server_secret(pool, "browser-values", &fresh, now).await?;
        Ok(Self::new(&secret))
    }

    /// The MAC of `data` for `purpose`, base64url.
    pub fn mac(&self, purpose: Purpose, data: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.tag(purpose, data).as_ref())
    }

    /// Whether `presented` is the MAC of `data` for `purpose` (constant time).
    pub fn verify_mac(&self, purpose: Purpose, data: &[u8], presented: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(presented) else {
            return false;
        };
        hmac::verify(&self.key, &labelled(purpose, data), &tag).is_ok()
    }

    /// `value`, signed for `purpose` until `expires_at`: `payload.mac`, URL-safe.
    pub fn seal<T: Serialize>(&self, purpose: Purpose, value: &T, expires_at: i64) -> String {
        let json = serde_json::to_vec(&Envelope {
            e: expires_at,
            v: value,
        })
        .unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let mac = self.mac(purpose, payload.as_bytes());
        format!("{payload}.{mac}")
    }

    /// The value of a [`Signer::seal`]ed string, if it is ours, for this
    /// purpose, and not expired.
    pub fn open<T: DeserializeOwned>(&self, purpose: Purpose, sealed: &str, now: i64) -> Option<T> {
        let (payload, mac) = sealed.split_once('.')?;
        if !self.verify_mac(purpose, payload.as_bytes(), mac) {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let envelope: Envelope<T> = serde_json::from_slice(&json).ok()?;
        (envelope.e > now).then_some(envelope.v)
    }

    fn tag(&self, purpose: Purpose, data: &[u8]) -> hmac::Tag {
        hmac::sign(&self.key, &labelled(purpose, data))
    }
}

fn labelled(purpose: Purpose, data: &[u8]) -> Vec<u8> {
    let label = purpose.label();
    let mut message = Vec::with_capacity(label.len() + 1 + data.len());
    message.extend_from_slice(label);
    message.push(0);
    message.extend_from_slice(data);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_sealed_value_opens_for_its_purpose_until_it_expires() {
        let s = signer();
        let sealed = s.seal(Purpose::PendingAuthorization, &("abc", 7), 100);
        assert_eq!(
            s.open::<(String, i32)>(Purpose::PendingAuthorization, &sealed, 99),
            Some(("abc".to_owned(), 7))
        );
        assert_eq!(
            s.open::<(String, i32)>(Purpose::PendingAuthorization, &sealed, 100),
            None
        );
        assert_eq!(
            s.open::<(String, i32)>(Purpose::LoginCsrf, &sealed, 99),
            None
        );
    }

    #[test]
    fn a_tampered_or_foreign_value_does_not_open() {
        let s = signer();
        let sealed = s.seal(Purpose::PendingAuthorization, &"abc", 100);
        let (payload, mac) = sealed.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"e":100,"v":"xyz"}"#);
        for bad in [
            format!("{forged}.{mac}"),
            format!("{payload}.{}", &mac[1..]),
            payload.to_owned(),
            String::new(),
            "..".to_owned(),
        ] {
            assert_eq!(
                s.open::<String>(Purpose::PendingAuthorization, &bad, 0),
                None,
                "{bad}"
            );
        }
        let other = Signer::new(b"another secret of thirty-two b..");
        assert_eq!(
            other.open::<String>(Purpose::PendingAuthorization, &sealed, 0),
            None
        );
    }

    #[test]
    fn a_mac_verifies_only_for_its_data_and_purpose() {
        let s = signer();
        let mac = s.mac(Purpose::LoginCsrf, b"nonce-1");
        assert!(s.verify_mac(Purpose::LoginCsrf, b"nonce-1", &mac));
        assert!(!s.verify_mac(Purpose::LoginCsrf, b"nonce-2", &mac));
        assert!(!s.verify_mac(Purpose::PendingAuthorization, b"nonce-1", &mac));
        assert!(!s.verify_mac(Purpose::LoginCsrf, b"nonce-1", "not base64!"));
    }
}
