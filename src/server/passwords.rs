//! Password hashing with argon2id (OWASP's first choice), off the async runtime.
//!
//! Parameters: m = 7 MiB, t = 5, p = 1, one of the equivalent configurations
//! the OWASP Password Storage Cheat Sheet lists (alongside 19 MiB/t=2). The
//! smaller memory keeps a login's transient buffer out of the RSS budget.
//! Stored hashes carry their own parameters, so older hashes still verify.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, Version};

const MEMORY_KIB: u32 = 7 * 1024;
const ITERATIONS: u32 = 5;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password with argon2id (m = 7 MiB, t = 5, p = 1).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .context("the password hashing task failed")?
}

/// A hash of nothing in particular: checking against it when the user does not
/// exist takes as long as a real check, so timing does not reveal usernames.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"signoff-dummy-salt").expect("static salt");
    hasher()
        .hash_password(b"no user has this password", &salt)
        .map(|h| h.to_string())
        .expect("hashing a constant cannot fail")
});

/// Password checks at once: about two per core. Each holds 7 MiB and a
/// blocking thread, so a burst of logins beyond this waits for nothing: it is
/// answered 503 at once, and memory stays bounded.
static CHECK_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(2 * cores)
});

/// A slot for one password check, or `None` when all are taken.
pub fn try_check_slot() -> Option<tokio::sync::SemaphorePermit<'static>> {
    CHECK_SLOTS.try_acquire().ok()
}

/// Verifies `password` against `stored`, or against a dummy hash when `stored`
/// is `None`, so both cases cost the same.
pub async fn verify_password(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let hash = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok();
        Ok(ok && known)
    })
    .await
    .context("the password verification task failed")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_record_the_owasp_parameters_and_older_hashes_still_verify() {
        let hash = hash_password("pw-123456".into()).await.unwrap();
        assert!(hash.contains("m=7168,t=5,p=1"), "{hash}");
        // A hash made with the crate's defaults (m=19456, t=2) before this change.
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default()
            .hash_password(b"pw-123456", &salt)
            .unwrap()
            .to_string();
        assert!(
            verify_password("pw-123456".into(), Some(old))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(
            !verify_password("no user has this password".into(), None)
                .await
                .unwrap()
        );
    }
}
