//! Argon2id password hashing, run off the async runtime and bounded by a semaphore so a
//! burst of logins cannot starve the server of threads or memory.

use std::sync::Arc;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        PasswordHasher { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            AppError::Internal
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
    }

    /// True when `password` matches `hash`. A malformed hash never matches.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, AppError> {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Internal)?;
        let password = password.to_owned();
        let hash = hash.to_owned();
        tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
            Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password verification task failed");
            AppError::Internal
        })
    }

    /// Spends the same effort as a real verification, for unknown accounts, so that timing
    /// does not reveal whether an email is registered.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), AppError> {
        static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let hash = DUMMY.get_or_try_init(|| self.hash("taquilla-dummy-password")).await?;
        self.verify(password, hash).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash("violet-tram-orbit-42").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("violet-tram-orbit-42", &hash).await.unwrap());
        assert!(!hasher.verify("violet-tram-orbit-43", &hash).await.unwrap());
        assert!(!hasher.verify("anything", "not-a-hash").await.unwrap());
    }
}
