//! Sessions that missed the cache, read many to one query.
//!
//! In a start storm ten thousand candidates' first requests all miss the
//! session cache at once. Read one by one, each cost a pooled connection, a
//! statement and two thread hand-offs, and the storm queued behind them; here
//! the requests waiting at the same moment share one `IN (…)` query, as the
//! exam-day writer's group commit does for writes.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::entity::{session, user};
use super::store;

/// Session ids read in one query at most.
const MAX_BATCH: usize = 512;

/// Queries in flight at once: a few, so a storm's requests gather into large
/// batches behind them while other requests still find a pooled connection.
const IN_FLIGHT: usize = 4;

pub type Found = Option<(session::Model, user::Model)>;

struct Read {
    sid: String,
    reply: oneshot::Sender<Result<Found, String>>,
}

#[derive(Clone)]
pub struct SessionReads {
    queue: mpsc::UnboundedSender<Read>,
}

impl SessionReads {
    /// Spawns the reading task on the current runtime.
    pub fn spawn(db: DatabaseConnection) -> SessionReads {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, rx));
        SessionReads { queue }
    }

    /// The session and its account, as the database has them now.
    pub async fn read(&self, sid: &str) -> anyhow::Result<Found> {
        let (reply, answer) = oneshot::channel();
        let stopped = || anyhow::anyhow!("the session reader has stopped");
        self.queue
            .send(Read {
                sid: sid.to_owned(),
                reply,
            })
            .map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(anyhow::Error::msg)
    }
}

async fn run(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Read>) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = rx.recv().await {
        // While every query slot is busy, requests queue up and the next
        // query takes them all; on a quiet day a read goes out at once.
        let Ok(slot) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            answer(&db, batch).await;
            drop(slot);
        });
    }
}

async fn answer(db: &DatabaseConnection, batch: Vec<Read>) {
    let sids: Vec<&str> = batch.iter().map(|r| r.sid.as_str()).collect();
    match store::find_sessions(db, &sids).await {
        Ok(found) => {
            for r in batch {
                let _ = r.reply.send(Ok(found.get(&r.sid).cloned()));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "reading sessions failed");
            for r in batch {
                let _ = r.reply.send(Err(e.to_string()));
            }
        }
    }
}
