use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    #[error("code_challenge must be 43 base64url characters (a SHA-256)")]
    MalformedChallenge,
}

/// An S256 code challenge (RFC 7636 §4.2). `plain` is not offered: §4.2 says
/// clients SHOULD use S256, and OAuth 2.1 drops `plain` for confidential use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// `method` defaults to `plain` when absent (RFC 7636 §4.3), which we refuse.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<Self, PkceError> {
        if method != Some("S256") {
            return Err(PkceError::UnsupportedMethod);
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(challenge)
            .map_err(|_| PkceError::MalformedChallenge)?;
        if challenge.len() != 43 || decoded.len() != 32 {
            return Err(PkceError::MalformedChallenge);
        }
        Ok(Self(challenge.to_owned()))
    }

    /// RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
    /// The verifier must itself be well formed (§4.1: 43–128 unreserved characters).
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        is_well_formed_verifier(verifier)
            && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == self.0
    }
}

impl AsRef<str> for CodeChallenge {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`,
/// `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"`.
pub fn is_well_formed_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_example_verifies() {
        let c = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(c.is_satisfied_by(VERIFIER));
    }

    #[test]
    fn a_different_verifier_does_not_verify() {
        let c = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(!c.is_satisfied_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"));
    }

    #[test]
    fn plain_or_a_missing_method_is_refused() {
        assert_eq!(
            CodeChallenge::parse(CHALLENGE, Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::parse(CHALLENGE, None),
            Err(PkceError::UnsupportedMethod)
        );
    }

    #[test]
    fn a_challenge_that_is_not_a_sha256_is_refused() {
        assert_eq!(
            CodeChallenge::parse("short", Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
        assert_eq!(
            CodeChallenge::parse(&"+".repeat(43), Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
    }

    #[test]
    fn a_verifier_outside_the_grammar_never_verifies() {
        // Even when it would hash to the challenge, a short verifier is refused.
        let short = "abc";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(short.as_bytes()));
        let c = CodeChallenge::parse(&challenge, Some("S256")).unwrap();
        assert!(!c.is_satisfied_by(short));
    }

    proptest! {
        #[test]
        fn every_well_formed_verifier_verifies_against_its_own_challenge(
            verifier in "[A-Za-z0-9._~-]{43,128}"
        ) {
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            let c = CodeChallenge::parse(&challenge, Some("S256")).unwrap();
            prop_assert!(c.is_satisfied_by(&verifier));
        }
    }
}
