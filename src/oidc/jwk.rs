use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The algorithms signoff signs with (RFC 7518 §3.1, RFC 8037 §3.1). Each
/// key has one, and is used only with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA-2048: OIDC Core's baseline.
    #[serde(rename = "RS256")]
    Rs256,
    /// ECDSA with P-256 and SHA-256 (the signature is r ‖ s, 64 bytes).
    #[serde(rename = "ES256")]
    Es256,
    /// Ed25519 (RFC 8037).
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl SigningAlg {
    pub const ALL: [Self; 3] = [Self::Rs256, Self::Es256, Self::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Exactly one of the three names; anything else (`none`, `HS256`,
    /// `rs256`) is `None`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == name)
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public signing key as published in the JWK Set (RFC 7517 §4): RSA
/// (`n`, `e`; RFC 7518 §6.3.1), EC P-256 (`crv`, `x`, `y`; §6.2.1) or
/// Ed25519 (`kty` OKP, `crv`, `x`; RFC 8037 §2). Members of the other types
/// are absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// RSA modulus, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC x coordinate, or the Ed25519 public key; base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

impl PublicJwk {
    fn new(kty: &str, alg: SigningAlg, kid: String) -> Self {
        Self {
            kty: kty.into(),
            use_: "sig".into(),
            alg: alg.as_str().into(),
            kid,
            crv: None,
            n: None,
            e: None,
            x: None,
            y: None,
        }
    }

    /// Builds the JWK from big-endian modulus and exponent bytes; the `kid` is
    /// the RFC 7638 thumbprint, so it is stable and derived, never chosen.
    pub fn rs256(modulus: &[u8], exponent: &[u8]) -> Self {
        let n = URL_SAFE_NO_PAD.encode(strip_leading_zeros(modulus));
        let e = URL_SAFE_NO_PAD.encode(strip_leading_zeros(exponent));
        Self {
            n: Some(n.clone()),
            e: Some(e.clone()),
            ..Self::new("RSA", SigningAlg::Rs256, rsa_thumbprint(&n, &e))
        }
    }

    /// From the 32-byte big-endian coordinates of a P-256 point.
    pub fn es256(x: &[u8], y: &[u8]) -> Self {
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let kid = thumbprint(&format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
        ));
        Self {
            crv: Some("P-256".into()),
            x: Some(x),
            y: Some(y),
            ..Self::new("EC", SigningAlg::Es256, kid)
        }
    }

    /// From the 32-byte Ed25519 public key.
    pub fn ed_dsa(public_key: &[u8]) -> Self {
        let x = URL_SAFE_NO_PAD.encode(public_key);
        // RFC 8037 §2: the thumbprint's members are crv, kty and x.
        let kid = thumbprint(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        Self {
            crv: Some("Ed25519".into()),
            x: Some(x),
            ..Self::new("OKP", SigningAlg::EdDsa, kid)
        }
    }

    /// The algorithm the key is for, if it is one of ours and its members
    /// are those of its type.
    pub fn signing_alg(&self) -> Option<SigningAlg> {
        let alg = SigningAlg::parse(&self.alg)?;
        let fits = match alg {
            SigningAlg::Rs256 => self.kty == "RSA" && self.n.is_some() && self.e.is_some(),
            SigningAlg::Es256 => {
                self.kty == "EC"
                    && self.crv.as_deref() == Some("P-256")
                    && self.x.is_some()
                    && self.y.is_some()
            }
            SigningAlg::EdDsa => {
                self.kty == "OKP" && self.crv.as_deref() == Some("Ed25519") && self.x.is_some()
            }
        };
        fits.then_some(alg)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[first..]
}

/// RFC 7638 §3.2: SHA-256 over the required members in lexicographic order, no whitespace.
pub fn rsa_thumbprint(n: &str, e: &str) -> String {
    thumbprint(&format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#))
}

fn thumbprint(canonical: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A JWK Set document (RFC 7517 §5).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<PublicJwk>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7638_example_thumbprint_is_reproduced() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            rsa_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn leading_zero_bytes_are_not_encoded() {
        let jwk = PublicJwk::rs256(&[0, 0, 1, 2], &[0, 1, 0, 1]);
        assert_eq!(
            jwk.n.as_deref(),
            Some(URL_SAFE_NO_PAD.encode([1, 2]).as_str())
        );
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
        assert_eq!(
            jwk.kid,
            rsa_thumbprint(jwk.n.as_deref().unwrap(), jwk.e.as_deref().unwrap())
        );
        assert_eq!(jwk.signing_alg(), Some(SigningAlg::Rs256));
    }

    #[test]
    fn the_rfc_8037_example_ed25519_thumbprint_is_reproduced() {
        // RFC 8037 Appendix A.3.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let jwk = PublicJwk::ed_dsa(&x);
        assert_eq!(jwk.kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(jwk.signing_alg(), Some(SigningAlg::EdDsa));
        let json = serde_json::to_value(&jwk).unwrap();
        assert!(json.get("n").is_none() && json.get("y").is_none(), "{json}");
    }

    #[test]
    fn an_ec_jwk_names_its_curve_and_both_coordinates() {
        let jwk = PublicJwk::es256(&[1; 32], &[2; 32]);
        assert_eq!(
            (jwk.kty.as_str(), jwk.crv.as_deref()),
            ("EC", Some("P-256"))
        );
        assert_eq!(jwk.signing_alg(), Some(SigningAlg::Es256));
        let mut wrong = jwk.clone();
        wrong.alg = "RS256".into();
        assert_eq!(wrong.signing_alg(), None, "an EC key is never an RSA key");
        wrong.alg = "none".into();
        assert_eq!(wrong.signing_alg(), None);
    }

    #[test]
    fn only_our_three_algorithm_names_parse() {
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::parse(alg.as_str()), Some(alg));
        }
        for other in ["none", "HS256", "rs256", "ES384", "Ed25519", ""] {
            assert_eq!(SigningAlg::parse(other), None, "{other}");
        }
    }
}
