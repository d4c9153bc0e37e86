//! Runtime settings that are not per-request: where the key comes from, how
//! long sessions live, which proxies are trusted.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::db::is_sqlite;

#[derive(Clone, Debug)]
pub struct Config {
    /// HS256 key for tokens and the CSRF MAC; at least 32 bytes.
    pub secret_key: Vec<u8>,
    /// Send cookies with `Secure`. Off only for plain-HTTP localhost.
    pub cookie_secure: bool,
    /// Peers whose `X-Forwarded-For` we believe. Empty: never read the header.
    pub trusted_proxies: Vec<IpAddr>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Password hashes running at once; the rest wait, so a login storm cannot
    /// take every blocking thread and core from the exam in progress.
    pub hash_concurrency: usize,
    pub body_limit_bytes: usize,
    /// Offset of local time from UTC, for entering and showing times.
    pub utc_offset_minutes: i32,
}

impl Config {
    pub fn for_tests(secret_key: Vec<u8>) -> Config {
        Config {
            secret_key,
            cookie_secure: true,
            trusted_proxies: Vec::new(),
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            hash_concurrency: 2,
            body_limit_bytes: 8 * 1024 * 1024,
            utc_offset_minutes: crate::clock::DEFAULT_UTC_OFFSET_MINUTES,
        }
    }
}

pub const MIN_KEY_BYTES: usize = 32;

/// The token-signing key: from `MERIT_SECRET_KEY` when given; on SQLite, from (or
/// into) a 0600 file beside the database; on PostgreSQL a missing key is an error,
/// because several processes must share one key.
pub fn secret_key(from_env: Option<&str>, database_url: &str) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = from_env {
        if key.len() < MIN_KEY_BYTES {
            bail!(
                "MERIT_SECRET_KEY is {} bytes long; it must be at least {MIN_KEY_BYTES} random bytes \
                 (generate one with `openssl rand -hex 32`)",
                key.len()
            );
        }
        return Ok(key.as_bytes().to_vec());
    }
    if !is_sqlite(database_url) {
        bail!(
            "MERIT_SECRET_KEY is required with PostgreSQL: every merit process must sign tokens \
             with the same key. Generate one with `openssl rand -hex 32` and set it for each process."
        );
    }
    match key_file_for(database_url) {
        None => Ok(random_key()),
        Some(path) => load_or_create_key_file(&path),
    }
}

fn random_key() -> Vec<u8> {
    hex::encode(crate::random_bytes::<32>()).into_bytes()
}

/// `sqlite://data/merit.db?mode=rwc` → `data/merit.db.key`; in-memory → none.
fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.key")))
}

fn load_or_create_key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let key = std::fs::read(path)
            .with_context(|| format!("could not read the key file {}", path.display()))?;
        let key = key.trim_ascii().to_vec();
        if key.len() < MIN_KEY_BYTES {
            bail!(
                "the key file {} holds {} bytes; it needs at least {MIN_KEY_BYTES}. Delete it to \
                 have a new one generated (everyone will have to sign in again).",
                path.display(),
                key.len()
            );
        }
        return Ok(key);
    }
    let key = random_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("could not create the key file {}", path.display()))?;
    file.write_all(&key)?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new token-signing key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_without_a_key_refuses_to_start() {
        let err = secret_key(None, "postgres://root@127.0.0.1/test").unwrap_err();
        assert!(err.to_string().contains("MERIT_SECRET_KEY is required"));
    }

    #[test]
    fn short_key_is_refused() {
        let err = secret_key(Some("too-short"), "sqlite://x.db").unwrap_err();
        assert!(err.to_string().contains("at least 32"));
    }

    #[test]
    fn sqlite_key_file_is_created_private_and_reused() {
        let dir = std::env::temp_dir().join(format!(
            "merit-key-{}",
            hex::encode(crate::random_bytes::<6>())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/merit.db?mode=rwc", dir.display());
        let first = secret_key(None, &url).unwrap();
        let second = secret_key(None, &url).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= MIN_KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("merit.db.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
