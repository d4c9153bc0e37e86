//! Argon2id password hashing on the blocking pool, behind a concurrency bound.
//!
//! One hash costs ~19 MiB and tens of milliseconds of a core. Without the bound a
//! login storm at 08:55 would occupy every blocking thread and both cores, and the
//! candidates already sitting an exam would feel it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = crate::random_bytes::<16>();
    let hash = argon2()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_now(password: &str, stored: &str) -> bool {
    match argon2() {
        Ok(a) => a.verify_password(password.as_bytes(), stored).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not
/// exist, so "no such user" takes as long as "wrong password".
static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_now(&hex::encode(crate::random_bytes::<16>())).unwrap_or_default()
});

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    verified: Arc<AtomicUsize>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> PasswordHasher {
        PasswordHasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
            verified: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.bounded(move || hash_now(&password)).await?
    }

    /// Checks a password; `None` as the stored hash still spends the time.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        self.turn().await?.verify(password, stored).await
    }

    /// Waits for a place among the hashes running at once, to do something
    /// just before the hash (sign-in reserves its attempt then, so that
    /// attempts waiting here do not count against an address yet).
    pub async fn turn(&self) -> anyhow::Result<Turn<'_>> {
        Ok(Turn {
            _permit: self.permits.acquire().await?,
            hasher: self,
        })
    }

    /// The most hashes that ever ran at once (for tests and the load report).
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// How many passwords were checked so far (for tests: how many guesses
    /// were evaluated).
    pub fn verifications(&self) -> usize {
        self.verified.load(Ordering::SeqCst)
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        self.run(work).await
    }

    /// Runs `work` on the blocking pool; the caller holds a permit.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let running = self.running.clone();
        let peak = self.peak.clone();
        let result = tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            running.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await?;
        Ok(result)
    }
}

/// A place among the hashes running at once, held until the hash is done.
pub struct Turn<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
    hasher: &'a PasswordHasher,
}

impl Turn<'_> {
    /// Checks a password; `None` as the stored hash still spends the time.
    pub async fn verify(self, password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
        let password = password.to_owned();
        let (stored, real) = match stored {
            Some(s) => (s.to_owned(), true),
            None => (DECOY.clone(), false),
        };
        self.hasher.verified.fetch_add(1, Ordering::SeqCst);
        let ok = self
            .hasher
            .run(move || verify_now(&password, &stored))
            .await?;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_now("correct horse battery", &h));
        assert!(!verify_now("correct horse batterz", &h));
    }

    #[test]
    fn same_password_gets_a_different_salt() {
        assert_ne!(
            hash_now("same password").unwrap(),
            hash_now("same password").unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_login_storm_never_runs_more_hashes_than_the_bound() {
        let hasher = PasswordHasher::new(2);
        let mut tasks = Vec::new();
        for i in 0..8 {
            let h = hasher.clone();
            tasks.push(tokio::spawn(async move {
                h.hash(&format!("storm password {i}")).await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        // Without the bound all eight run at once on the blocking pool.
        let peak = hasher.peak_concurrency();
        assert!((1..=2).contains(&peak), "peak {peak}");
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }
}
