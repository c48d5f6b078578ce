//! ID-token signing keys: generated on first start, persisted, published as a
//! JWK Set, and reloaded periodically so `signoff keys rotate` (a separate
//! process) takes effect without a restart.
//!
//! Several instances may share the database. A rotated-in key is published
//! by each instance at its next reload, but signs only from its `sign_from`,
//! [`PUBLISH_BEFORE_SIGNING`] later, when every instance publishes it: a token
//! signed by any instance verifies against `/jwks.json` from any other, at
//! any moment. A retired key stays published for its grace period, so the
//! instances that sign with it until their next reload stay verifiable too.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::server::db::Pool;
use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::Algorithm;
use serde::Serialize;

use super::db::signing_keys::{SigningKeyRow, insert_signing_key, list_published_signing_keys};
use super::read_cache::ReadCache;
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::end_session::{HintClaims, HintError};
pub use crate::oidc::issuer::Issuer;
pub use crate::oidc::jwk::SigningAlg;
use crate::oidc::jwk::{JwkSet, PublicJwk};

/// RSA-2048, the size OIDC Core's RS256 baseline expects.
const RSA_SIZE: KeySize = KeySize::Rsa2048;
const RELOAD_PERIOD: Duration = Duration::from_secs(60);
/// How long after `keys rotate` the new key starts signing: two reload
/// periods and some, so every running instance has reloaded and publishes it.
pub const PUBLISH_BEFORE_SIGNING: Duration = Duration::from_secs(150);
/// At most this many verified hints are remembered (about 1 KB each), each
/// for at most this long.
const VERIFIED_HINTS: usize = 1_000;
const VERIFIED_HINT_TTL: Duration = Duration::from_secs(600);

struct Signer {
    kid: String,
    key: PrivateKey,
    /// Unix seconds from which it may sign.
    from: i64,
}

/// A private key, parsed once when the set loads: parsing costs more than
/// an ES256 or EdDSA signature (jsonwebtoken parses its key on every call).
enum PrivateKey {
    Rsa(RsaKeyPair),
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

impl PrivateKey {
    /// From the stored PKCS #8 PEM of a key of `alg`.
    fn from_pem(alg: SigningAlg, pem: &str) -> anyhow::Result<Self> {
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).context("the PEM is not base64")?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| anyhow::anyhow!("{e}");
        Ok(match alg {
            SigningAlg::Rs256 => Self::Rsa(RsaKeyPair::from_pkcs8(&der).map_err(rejected)?),
            SigningAlg::Es256 => Self::Es256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(rejected)?,
            ),
            SigningAlg::EdDsa => Self::EdDsa(Ed25519KeyPair::from_pkcs8(&der).map_err(rejected)?),
        })
    }

    /// The JWS signature of `message` (RFC 7518 §3.3, §3.4: r ‖ s; RFC 8037 §3.1).
    fn sign(&self, message: &[u8]) -> anyhow::Result<Vec<u8>> {
        let rng = SystemRandom::new();
        Ok(match self {
            Self::Rsa(key) => {
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .ok()
                    .context("RSA signing failed")?;
                signature
            }
            Self::Es256(key) => key
                .sign(&rng, message)
                .ok()
                .context("ECDSA signing failed")?
                .as_ref()
                .to_vec(),
            Self::EdDsa(key) => key.sign(message).as_ref().to_vec(),
        })
    }
}

/// The keys of one algorithm that may sign.
struct AlgSigners {
    alg: SigningAlg,
    /// The newest key that could sign when the set was loaded.
    signing: Signer,
    /// Newer keys, published already, that sign from their `from`, newest first.
    waiting: Vec<Signer>,
}

struct KeySet {
    /// Per algorithm that has a key that may sign; RS256 always does.
    signers: Vec<AlgSigners>,
    /// Every published key with its algorithm, for verifying tokens we
    /// issued (id_token_hint), parsed once: parsing an RSA key costs more
    /// than the check itself.
    verifying: Vec<(String, SigningAlg, ParsedPublicKey)>,
    /// Hints whose signature checked out, by their exact text: the dialog and
    /// its confirmation both present the same hint, and an RSA verification
    /// costs ~20 µs. Only verified hints enter; a new key set starts empty.
    verified: ReadCache<Box<str>, HintClaims>,
    /// The serialized JWK Set, built once per load: `/jwks.json` shares it.
    jwks_json: axum::body::Bytes,
    /// The discovery document, which lists the algorithms that sign.
    discovery_json: axum::body::Bytes,
    /// What the set was built from: each key's kid, whether it may sign, and from when.
    built_from: Vec<(String, bool, i64)>,
}

impl KeySet {
    /// The key of `alg` that signs at `now`: the newest whose time has come.
    fn signer(&self, alg: SigningAlg, now: i64) -> Option<&Signer> {
        let of_alg = self.signers.iter().find(|s| s.alg == alg)?;
        Some(
            of_alg
                .waiting
                .iter()
                .find(|s| s.from <= now)
                .unwrap_or(&of_alg.signing),
        )
    }

    fn algs(&self) -> Vec<SigningAlg> {
        self.signers.iter().map(|s| s.alg).collect()
    }
}

/// The current keys. Cloning shares them.
#[derive(Clone)]
pub struct SigningKeys(Arc<RwLock<Arc<KeySet>>>, Arc<Issuer>);

impl SigningKeys {
    /// Loads the published keys, generating and storing the first one if
    /// there is none. Instances starting together on an empty database store
    /// one key between them: the insert is made under an exclusive lock, and
    /// only if nobody stored one meanwhile.
    pub async fn load_or_create(pool: &Pool, issuer: &Issuer) -> anyhow::Result<Self> {
        let mut rows = list_published_signing_keys(pool, unix_now())
            .await
            .context("reading signing keys")?;
        if !has_rs256_signer(&rows) {
            // Generated outside the lock: it takes about 0.1 s.
            let row = generate_key_off_runtime(SigningAlg::Rs256, unix_now()).await?;
            let mut tx = super::db::begin_exclusive(pool, "signing_keys")
                .await
                .context("locking the signing keys")?;
            let stored = list_published_signing_keys(&mut *tx, unix_now())
                .await
                .context("reading signing keys")?;
            if !has_rs256_signer(&stored) {
                tracing::info!("no signing key yet: generated an RSA-2048 key");
                insert_signing_key(&mut *tx, &row, unix_now())
                    .await
                    .context("storing the signing key")?;
            }
            tx.commit().await.context("storing the signing key")?;
            rows = list_published_signing_keys(pool, unix_now())
                .await
                .context("reading signing keys")?;
        }
        let issuer = Arc::new(issuer.clone());
        Ok(Self(
            Arc::new(RwLock::new(Arc::new(key_set(&rows, &issuer)?))),
            issuer,
        ))
    }

    /// Re-reads the keys; called periodically and after rotation.
    pub async fn reload(&self, pool: &Pool) -> anyhow::Result<()> {
        let rows = list_published_signing_keys(pool, unix_now())
            .await
            .context("reading signing keys")?;
        if !has_rs256_signer(&rows) {
            anyhow::bail!("every RS256 signing key is retired; refusing to drop the current one");
        }
        if built_from(&rows) == self.current().built_from {
            return Ok(());
        }
        let set = key_set(&rows, &self.1)?;
        tracing::info!(
            algs = ?set.algs(),
            published = set.built_from.len(),
            "signing keys reloaded"
        );
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        Ok(())
    }

    /// Starts the periodic reload.
    pub fn spawn_reloader(&self, pool: Pool) -> tokio::task::JoinHandle<()> {
        let keys = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELOAD_PERIOD);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(err) = keys.reload(&pool).await {
                    tracing::error!(error = %format!("{err:#}"), "signing key reload failed");
                }
            }
        })
    }

    fn current(&self) -> Arc<KeySet> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Signs an ID token with `alg` (`typ` JWT), and remembers it as a
    /// verified hint: its claims are ours, and the logout that usually
    /// follows sends it back as `id_token_hint`, which then needs no
    /// signature check (for ES256 the dialog's costliest step). It is
    /// remembered in the key set that signed it, so a reload, which may
    /// retire that key, forgets it.
    pub async fn sign_id_token<T: Serialize>(
        &self,
        claims: &T,
        alg: SigningAlg,
    ) -> anyhow::Result<String> {
        self.sign_with(claims, "JWT", alg, Remember::AsVerifiedHint)
            .await
    }

    /// Signs claims with `alg` and an explicit `typ` header, e.g.
    /// `logout+jwt`.
    pub async fn sign_typed<T: Serialize>(
        &self,
        claims: &T,
        typ: &str,
        alg: SigningAlg,
    ) -> anyhow::Result<String> {
        self.sign_with(claims, typ, alg, Remember::No).await
    }

    /// An RS256 signature costs about 0.4 ms of CPU (ES256 about 30 µs), so
    /// RS256 runs on the blocking pool, never on the event loop that serves
    /// every other request; the others sign in place.
    async fn sign_with<T: Serialize>(
        &self,
        claims: &T,
        typ: &str,
        alg: SigningAlg,
        remember: Remember,
    ) -> anyhow::Result<String> {
        if alg != SigningAlg::Rs256 {
            return self.sign_typed_blocking(claims, typ, alg, remember);
        }
        let claims = serde_json::to_value(claims).context("serializing JWT claims")?;
        let (keys, typ) = (self.clone(), typ.to_owned());
        tokio::task::spawn_blocking(move || keys.sign_typed_blocking(&claims, &typ, alg, remember))
            .await
            .context("the signing task")?
    }

    /// [`Self::sign_with`] on the calling thread: for the blocking pool and tests.
    fn sign_typed_blocking<T: Serialize>(
        &self,
        claims: &T,
        typ: &str,
        alg: SigningAlg,
        remember: Remember,
    ) -> anyhow::Result<String> {
        let set = self.current();
        let signer = set.signer(alg, unix_now()).with_context(|| {
            format!("no {alg} key signs; run `signoff keys rotate --alg {alg}`")
        })?;
        // JWS compact serialization (RFC 7515 §7.1).
        let header = serde_json::json!({ "alg": alg.as_str(), "kid": signer.kid, "typ": typ });
        let mut jwt = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        jwt.push('.');
        let payload = serde_json::to_vec(claims)?;
        jwt.push_str(&URL_SAFE_NO_PAD.encode(&payload));
        let signature = signer.key.sign(jwt.as_bytes())?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        if remember == Remember::AsVerifiedHint
            && let Ok(claims) = hint_claims(&payload)
        {
            set.verified
                .put(set.verified.generation(), jwt.as_str().into(), claims);
        }
        Ok(jwt)
    }

    pub fn jwks_json(&self) -> axum::body::Bytes {
        self.current().jwks_json.clone()
    }

    /// The discovery document, listing the algorithms that sign now.
    pub fn discovery_json(&self) -> axum::body::Bytes {
        self.current().discovery_json.clone()
    }

    /// The kid of the `alg` key that signs now.
    pub fn active_kid(&self, alg: SigningAlg) -> Option<String> {
        self.current()
            .signer(alg, unix_now())
            .map(|s| s.kid.clone())
    }

    /// The algorithms that have a key that signs.
    pub fn algs(&self) -> Vec<SigningAlg> {
        self.current().algs()
    }
}

fn has_rs256_signer(rows: &[SigningKeyRow]) -> bool {
    rows.iter().any(|r| r.signing && r.alg == "RS256")
}

impl SigningKeys {
    /// Checks an `id_token_hint`'s signature against our published keys
    /// (any published `kid`), for `oidc::end_session::check_hint`. Only our
    /// three algorithms are accepted, each only with a key of its own type
    /// and `alg`: `none` and HMAC (which would let a public key serve as a
    /// shared secret) are refused before any key is tried, and a header whose
    /// `alg` is not its key's is a bad signature (no algorithm confusion).
    pub fn verify_signature(&self, jwt: &str) -> Result<HintClaims, HintError> {
        let set = self.current();
        if let Some(claims) = set.verified.get(jwt) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| HintError::Malformed)?;
        let alg = match header.alg {
            Algorithm::RS256 => SigningAlg::Rs256,
            Algorithm::ES256 => SigningAlg::Es256,
            Algorithm::EdDSA => SigningAlg::EdDsa,
            _ => return Err(HintError::BadSignature),
        };
        // An ID token has no `typ`, or `JWT` (Core §2; RFC 7519 §5.1). A
        // logout token (`logout+jwt`) or any other typed JWT is not a hint.
        if header
            .typ
            .as_deref()
            .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
        {
            return Err(HintError::NotAnIdToken);
        }
        let key = match &header.kid {
            Some(kid) => set
                .verifying
                .iter()
                .find(|(k, key_alg, _)| k == kid && *key_alg == alg)
                .map(|(_, _, key)| key),
            None => None,
        }
        .ok_or(HintError::BadSignature)?;
        // JWS compact serialization (RFC 7515 §5.2): the signature covers the
        // first two parts exactly as sent. Expiry, issuer and audience are
        // checked by oidc::end_session::check_hint, which accepts expired
        // hints for recent sessions.
        let (signed, signature) = jwt.rsplit_once('.').ok_or(HintError::Malformed)?;
        let (_, payload) = signed.split_once('.').ok_or(HintError::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| HintError::Malformed)?;
        key.verify_sig(signed.as_bytes(), &signature)
            .map_err(|_| HintError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| HintError::Malformed)?;
        let claims = hint_claims(&payload)?;
        set.verified
            .put(set.verified.generation(), jwt.into(), claims.clone());
        Ok(claims)
    }
}

/// What a signed token's payload says, as a hint.
fn hint_claims(payload: &[u8]) -> Result<HintClaims, HintError> {
    let c: RawHintClaims = serde_json::from_slice(payload).map_err(|_| HintError::Malformed)?;
    // Back-Channel Logout §2.4: a logout token carries `events`; an ID
    // token never does, whatever its header says.
    if c.events.is_some() {
        return Err(HintError::NotAnIdToken);
    }
    Ok(HintClaims {
        iss: c.iss,
        sub: c.sub,
        aud: match c.aud {
            OneOrMany::One(a) => vec![a],
            OneOrMany::Many(a) => a,
        },
        azp: c.azp,
        sid: c.sid,
        exp: c.exp,
    })
}

/// Whether a signed token is remembered as a verified hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Remember {
    AsVerifiedHint,
    No,
}

#[derive(serde::Deserialize)]
struct RawHintClaims {
    iss: String,
    sub: String,
    aud: OneOrMany,
    azp: Option<String>,
    sid: Option<String>,
    exp: i64,
    events: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn built_from(rows: &[SigningKeyRow]) -> Vec<(String, bool, i64)> {
    rows.iter()
        .map(|r| (r.kid.clone(), r.signing, r.sign_from))
        .collect()
}

/// The set for `rows` (newest signing key first, as listed).
fn key_set(rows: &[SigningKeyRow], issuer: &Issuer) -> anyhow::Result<KeySet> {
    let now = unix_now();
    let alg_of = |r: &SigningKeyRow| {
        SigningAlg::parse(&r.alg)
            .with_context(|| format!("key {} has algorithm {:?}", r.kid, r.alg))
    };
    let mut signers = Vec::new();
    for alg in SigningAlg::ALL {
        let mut of_alg = Vec::new();
        for r in rows.iter().filter(|r| r.signing) {
            if alg_of(r)? == alg {
                of_alg.push(Signer {
                    kid: r.kid.clone(),
                    key: PrivateKey::from_pem(alg, &r.private_key_pem).with_context(|| {
                        format!("signing key {} is not a valid {alg} PEM", r.kid)
                    })?,
                    from: r.sign_from,
                });
            }
        }
        // The newest key whose time has come signs now; newer ones wait. When
        // none may sign yet (only rotated-in keys are left), the one due first
        // signs, rather than nothing.
        let Some(current) = of_alg.iter().position(|s| s.from <= now).or_else(|| {
            of_alg
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.from)
                .map(|(i, _)| i)
        }) else {
            continue;
        };
        of_alg.truncate(current + 1);
        let signing = of_alg.pop().context("no signing key")?;
        signers.push(AlgSigners {
            alg,
            signing,
            waiting: of_alg,
        });
    }
    let keys = rows
        .iter()
        .map(|r| serde_json::from_str::<PublicJwk>(&r.public_jwk))
        .collect::<Result<Vec<_>, _>>()
        .context("a stored public JWK is invalid")?;
    let verifying = keys
        .iter()
        .map(|jwk| {
            parse_public_key(jwk)
                .map(|(alg, key)| (jwk.kid.clone(), alg, key))
                .with_context(|| format!("public key {} is invalid", jwk.kid))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let algs: Vec<SigningAlg> = signers.iter().map(|s| s.alg).collect();
    Ok(KeySet {
        signers,
        verifying,
        verified: ReadCache::new(VERIFIED_HINTS, VERIFIED_HINT_TTL),
        jwks_json: serde_json::to_vec(&JwkSet { keys })?.into(),
        discovery_json: serde_json::to_vec(&ProviderMetadata::for_issuer(issuer, &algs))?.into(),
        built_from: built_from(rows),
    })
}

/// A verification key from its JWK, for the one algorithm it names:
/// RSA (RFC 7518 §6.3.1: n and e are base64url big-endian integers), a
/// P-256 point (§6.2.1: x and y, 32 bytes each) or an Ed25519 key (RFC 8037).
fn parse_public_key(jwk: &PublicJwk) -> anyhow::Result<(SigningAlg, ParsedPublicKey)> {
    let alg = jwk
        .signing_alg()
        .with_context(|| format!("not a key signoff signs with: {} {}", jwk.kty, jwk.alg))?;
    let member = |value: &Option<String>, name: &str| {
        URL_SAFE_NO_PAD
            .decode(value.as_deref().unwrap_or_default())
            .with_context(|| format!("{name} is not base64url"))
    };
    let key = match alg {
        SigningAlg::Rs256 => RsaPublicKeyComponents {
            n: member(&jwk.n, "n")?,
            e: member(&jwk.e, "e")?,
        }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|e| anyhow::anyhow!("not an RSA public key: {e}"))?,
        SigningAlg::Es256 => {
            let (x, y) = (member(&jwk.x, "x")?, member(&jwk.y, "y")?);
            anyhow::ensure!(
                x.len() == 32 && y.len() == 32,
                "a P-256 coordinate is 32 bytes"
            );
            let point = [&[4_u8][..], &x, &y].concat();
            ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .map_err(|e| anyhow::anyhow!("not a P-256 point: {e}"))?
        }
        SigningAlg::EdDsa => ParsedPublicKey::new(&ED25519, member(&jwk.x, "x")?)
            .map_err(|e| anyhow::anyhow!("not an Ed25519 key: {e}"))?,
    };
    Ok((alg, key))
}

/// Generates a key of `alg` that may sign from `sign_from` (RSA takes
/// about 0.1 s, so off the async runtime).
pub async fn generate_key_off_runtime(
    alg: SigningAlg,
    sign_from: i64,
) -> anyhow::Result<SigningKeyRow> {
    tokio::task::spawn_blocking(move || generate_key(alg, sign_from))
        .await
        .context("the key generation task failed")?
}

/// A new signing key of `alg` (aws-lc-rs, the crypto jsonwebtoken signs
/// with), its private half as PKCS #8 PEM and its public half as a JWK.
pub fn generate_key(alg: SigningAlg, sign_from: i64) -> anyhow::Result<SigningKeyRow> {
    let (jwk, der): (PublicJwk, Vec<u8>) = match alg {
        SigningAlg::Rs256 => {
            let private = RsaKeyPair::generate(RSA_SIZE)
                .ok()
                .context("generating an RSA key")?;
            let public = private.public_key();
            let jwk = PublicJwk::rs256(
                public.modulus().big_endian_without_leading_zero(),
                public.exponent().big_endian_without_leading_zero(),
            );
            let der = private.as_der().ok().context("encoding the RSA key")?;
            (jwk, der.as_ref().to_vec())
        }
        SigningAlg::Es256 => {
            let private = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .ok()
                .context("generating a P-256 key")?;
            // Uncompressed: 0x04, then x and y, 32 bytes each.
            let point = private.public_key().as_ref();
            anyhow::ensure!(
                point.len() == 65 && point[0] == 4,
                "an uncompressed P-256 point"
            );
            let jwk = PublicJwk::es256(&point[1..33], &point[33..]);
            let der = private
                .to_pkcs8v1()
                .ok()
                .context("encoding the P-256 key")?;
            (jwk, der.as_ref().to_vec())
        }
        SigningAlg::EdDsa => {
            let private = Ed25519KeyPair::generate()
                .ok()
                .context("generating an Ed25519 key")?;
            let jwk = PublicJwk::ed_dsa(private.public_key().as_ref());
            let der = private
                .to_pkcs8()
                .ok()
                .context("encoding the Ed25519 key")?;
            (jwk, der.as_ref().to_vec())
        }
    };
    Ok(SigningKeyRow {
        kid: jwk.kid.clone(),
        alg: alg.as_str().to_owned(),
        private_key_pem: pem("PRIVATE KEY", &der),
        public_jwk: serde_json::to_string(&jwk)?,
        signing: true,
        sign_from,
    })
}

/// RFC 7468 textual encoding: base64 in lines of 64 between the labels.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// jsonwebtoken's name for `alg`, to read our headers with.
    fn jwt_algorithm(alg: SigningAlg) -> Algorithm {
        match alg {
            SigningAlg::Rs256 => Algorithm::RS256,
            SigningAlg::Es256 => Algorithm::ES256,
            SigningAlg::EdDsa => Algorithm::EdDSA,
        }
    }

    #[test]
    fn a_new_key_is_pkcs8_pem_that_signs_and_its_jwk_verifies() {
        let row = generate_key(SigningAlg::Rs256, 0).unwrap();
        assert!(
            row.private_key_pem
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert!(row.private_key_pem.lines().all(|l| l.len() <= 64));
        let jwk: serde_json::Value = serde_json::from_str(&row.public_jwk).unwrap();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(jwk["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256
        );
        let keys = key_set_of(vec![row]);
        let claims = serde_json::json!({ "iss": "i", "sub": "s", "aud": "a", "exp": 1 });
        let jwt = keys
            .sign_typed_blocking(&claims, "JWT", SigningAlg::Rs256, Remember::No)
            .unwrap();
        assert_eq!(keys.verify_signature(&jwt).unwrap().sub, "s");
    }

    fn issuer() -> Issuer {
        Issuer::parse("https://op.example").unwrap()
    }

    fn key_set_of(rows: Vec<SigningKeyRow>) -> SigningKeys {
        let issuer = Arc::new(issuer());
        SigningKeys(
            Arc::new(RwLock::new(Arc::new(
                key_set(&rows, &issuer).expect("a key set"),
            ))),
            issuer,
        )
    }

    /// One key of each algorithm.
    fn keys() -> SigningKeys {
        key_set_of(
            SigningAlg::ALL
                .into_iter()
                .map(|alg| generate_key(alg, 0).expect("a key"))
                .collect(),
        )
    }

    fn hint_with(keys: &SigningKeys, alg: SigningAlg) -> String {
        let claims = serde_json::json!({
            "iss": "https://op.example", "sub": "u1", "aud": "rp", "sid": "s1", "exp": 1,
        });
        keys.sign_typed_blocking(&claims, "JWT", alg, Remember::No)
            .expect("signed")
    }

    fn hint(keys: &SigningKeys) -> String {
        hint_with(keys, SigningAlg::Rs256)
    }

    #[test]
    fn a_hint_of_each_algorithm_verifies_and_a_tampered_one_does_not() {
        let keys = keys();
        for alg in SigningAlg::ALL {
            let jwt = hint_with(&keys, alg);
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.alg, jwt_algorithm(alg));
            assert_eq!(header.kid, keys.active_kid(alg), "{alg}");
            assert_eq!(keys.verify_signature(&jwt).unwrap().sub, "u1", "{alg}");
            let parts: Vec<&str> = jwt.split('.').collect();
            let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
            sig[5] ^= 1;
            let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
            assert_eq!(
                keys.verify_signature(&flipped),
                Err(HintError::BadSignature),
                "{alg}"
            );
        }
    }

    #[test]
    fn a_header_naming_another_algorithm_than_its_keys_is_refused() {
        let keys = keys();
        for (signed_with, claimed) in [
            (SigningAlg::Es256, Algorithm::RS256),
            (SigningAlg::EdDsa, Algorithm::ES256),
            (SigningAlg::Rs256, Algorithm::EdDSA),
            (SigningAlg::Es256, Algorithm::HS256),
        ] {
            let jwt = hint_with(&keys, signed_with);
            let parts: Vec<&str> = jwt.split('.').collect();
            let mut header = jsonwebtoken::decode_header(&jwt).unwrap();
            header.alg = claimed;
            let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
            let confused = format!("{header}.{}.{}", parts[1], parts[2]);
            assert_eq!(
                keys.verify_signature(&confused),
                Err(HintError::BadSignature),
                "{signed_with} claimed as {claimed:?}"
            );
        }
    }

    #[test]
    fn a_foreign_key_of_the_same_algorithm_is_a_bad_signature() {
        let ours = keys();
        let theirs = keys();
        for alg in SigningAlg::ALL {
            assert_eq!(
                ours.verify_signature(&hint_with(&theirs, alg)),
                Err(HintError::BadSignature),
                "{alg}"
            );
        }
    }

    #[test]
    fn the_jwks_publishes_each_key_with_its_type_and_discovery_lists_the_algorithms() {
        let keys = keys();
        let jwks: serde_json::Value = serde_json::from_slice(&keys.jwks_json()).unwrap();
        let types: Vec<(&str, &str)> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (k["kty"].as_str().unwrap(), k["alg"].as_str().unwrap()))
            .collect();
        assert_eq!(types, [("RSA", "RS256"), ("EC", "ES256"), ("OKP", "EdDSA")]);
        let discovery: serde_json::Value = serde_json::from_slice(&keys.discovery_json()).unwrap();
        assert_eq!(
            discovery["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256", "ES256", "EdDSA"])
        );
        let only_rsa = key_set_of(vec![generate_key(SigningAlg::Rs256, 0).unwrap()]);
        assert_eq!(only_rsa.algs(), [SigningAlg::Rs256]);
        assert!(
            only_rsa
                .sign_typed_blocking(
                    &serde_json::json!({}),
                    "JWT",
                    SigningAlg::Es256,
                    Remember::No
                )
                .is_err(),
            "no ES256 key, no ES256 signature"
        );
    }

    #[test]
    fn a_hint_we_signed_verifies_and_yields_its_claims() {
        let keys = keys();
        let claims = keys.verify_signature(&hint(&keys)).expect("verifies");
        assert_eq!(claims.iss, "https://op.example");
        assert_eq!(claims.aud, vec!["rp".to_owned()]);
        assert_eq!(claims.sid.as_deref(), Some("s1"));
    }

    #[tokio::test]
    async fn an_id_token_we_sign_is_remembered_as_verified_and_a_logout_token_is_not() {
        let rows: Vec<SigningKeyRow> = SigningAlg::ALL
            .into_iter()
            .map(|alg| generate_key(alg, 0).expect("a key"))
            .collect();
        let keys = key_set_of(rows.clone());
        let claims = serde_json::json!({
            "iss": "https://op.example.com", "sub": "u1", "aud": "rp",
            "sid": "s1", "exp": unix_now() + 300,
        });
        let id_token = keys
            .sign_id_token(&claims, SigningAlg::Es256)
            .await
            .unwrap();
        assert_eq!(
            keys.current().verified.len(),
            1,
            "remembered as it is signed"
        );
        let remembered = keys.verify_signature(&id_token).unwrap();
        assert_eq!(
            (remembered.sub.as_str(), remembered.sid.as_deref()),
            ("u1", Some("s1"))
        );
        let fresh = key_set_of(rows);
        assert_eq!(
            fresh.verify_signature(&id_token),
            Ok(remembered),
            "and verifies anyway"
        );
        keys.sign_typed(&claims, "logout+jwt", SigningAlg::Es256)
            .await
            .unwrap();
        assert_eq!(
            keys.current().verified.len(),
            1,
            "logout tokens are not hints"
        );
    }

    #[test]
    fn a_hint_verified_once_is_remembered_and_only_by_its_exact_text() {
        let keys = keys();
        let jwt = hint(&keys);
        let first = keys.verify_signature(&jwt).expect("verifies");
        assert_eq!(keys.current().verified.len(), 1);
        assert_eq!(keys.verify_signature(&jwt), Ok(first));
        let truncated = &jwt[..jwt.len() - 1];
        assert!(keys.verify_signature(truncated).is_err());
        assert_eq!(
            keys.current().verified.len(),
            1,
            "failures are not remembered"
        );
    }

    #[test]
    fn a_changed_payload_or_signature_is_a_bad_signature() {
        let keys = keys();
        let jwt = hint(&keys);
        let parts: Vec<&str> = jwt.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(br#"{"iss":"x","sub":"u2","aud":"rp","exp":1}"#);
        let forged = format!("{}.{other}.{}", parts[0], parts[2]);
        assert_eq!(keys.verify_signature(&forged), Err(HintError::BadSignature));
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(
            keys.verify_signature(&flipped),
            Err(HintError::BadSignature)
        );
    }

    #[test]
    fn a_logout_token_or_another_typed_jwt_is_never_a_hint() {
        let keys = keys();
        let claims = serde_json::json!({
            "iss": "https://op.example", "sub": "u1", "aud": "rp", "sid": "s1", "exp": 1,
        });
        for typ in ["logout+jwt", "at+jwt"] {
            let typed = keys
                .sign_typed_blocking(&claims, typ, SigningAlg::Rs256, Remember::No)
                .unwrap();
            assert_eq!(
                keys.verify_signature(&typed),
                Err(HintError::NotAnIdToken),
                "{typ}"
            );
        }
        let mut with_events = claims.clone();
        with_events["events"] =
            serde_json::json!({ "http://schemas.openid.net/event/backchannel-logout": {} });
        let untyped_logout_token = keys
            .sign_typed_blocking(&with_events, "JWT", SigningAlg::Rs256, Remember::No)
            .unwrap();
        assert_eq!(
            keys.verify_signature(&untyped_logout_token),
            Err(HintError::NotAnIdToken)
        );
        assert!(
            keys.verify_signature(
                &keys
                    .sign_typed_blocking(&claims, "jwt", SigningAlg::Rs256, Remember::No)
                    .unwrap()
            )
            .is_ok()
        );
    }

    #[test]
    fn a_key_we_never_published_is_a_bad_signature() {
        let ours = keys();
        let theirs = keys();
        assert_eq!(
            ours.verify_signature(&hint(&theirs)),
            Err(HintError::BadSignature)
        );
    }

    #[test]
    fn alg_none_and_broken_compact_serializations_are_refused() {
        let keys = keys();
        let jwt = hint(&keys);
        let parts: Vec<&str> = jwt.split('.').collect();
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x"}"#);
        assert!(
            keys.verify_signature(&format!("{none}.{}.", parts[1]))
                .is_err()
        );
        let hs256 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":"x"}"#);
        assert_eq!(
            keys.verify_signature(&format!("{hs256}.{}.{}", parts[1], parts[2])),
            Err(HintError::BadSignature)
        );
        for broken in [
            "",
            "a.b",
            &format!("{jwt}.extra"),
            &format!("{}.{}.!!", parts[0], parts[1]),
        ] {
            assert!(keys.verify_signature(broken).is_err(), "{broken}");
        }
    }
}
