//! What every handler can reach.

use std::ops::Deref;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::password::PasswordHasher;
use crate::accounts::session::TokenKeys;
use crate::accounts::session_cache::SessionCache;
use crate::accounts::session_reads::{self, SessionReads};
use crate::clock::Clock;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub tokens: TokenKeys,
    pub hasher: PasswordHasher,
    /// The exam in progress: group-commit writer and read-only caches.
    pub sitting: crate::attempts::Sitting,
    /// Sessions read in the last few seconds (see `session_cache`).
    pub sessions: SessionCache,
    /// Reads the sessions that missed the cache, many in one query.
    pub session_reads: SessionReads,
}

impl AppState {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, config: Config) -> AppState {
        AppState::with_writer_connection(db.clone(), db, clock, config)
    }

    /// As [`AppState::new`], with the exam-day writer on connections of its
    /// own: in a start storm thousands of requests wait for a pooled
    /// connection to read, and the writer must not wait in that queue to commit.
    pub fn with_writer_connection(
        db: DatabaseConnection,
        writer_db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> AppState {
        let tokens = TokenKeys::new(&config.secret_key);
        let hasher = PasswordHasher::new(config.hash_concurrency);
        let sitting = crate::attempts::Sitting::new(db.clone(), writer_db);
        let session_reads = session_reads::spawn(db.clone());
        AppState(Arc::new(Inner {
            db,
            clock,
            config,
            tokens,
            hasher,
            sitting,
            sessions: SessionCache::default(),
            session_reads,
        }))
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
