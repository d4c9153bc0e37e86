//! Group commit. Exam-day writes (start, save, flag, move, submit) go to a
//! writer task that takes every write waiting in its queue, applies them in
//! ONE transaction and only then acknowledges each one through its oneshot.
//! On SQLite with `synchronous=FULL` a commit costs an fsync; one fsync for a
//! few hundred saves is what turns hundreds of saves per second into tens of
//! thousands, and an acknowledgement still means "committed".
//!
//! Writes for one attempt always go to the same writer (attempt id modulo the
//! writer count), so one candidate's saves are applied in the order they came.
//! SQLite gets one writer (it has one write lock anyway); PostgreSQL several,
//! so round trips overlap.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::store::{self, NewAttempt};

/// Writes taken into one transaction at most: bounds the latency a batch adds
/// to the first write in it.
const MAX_BATCH: usize = 1024;

#[derive(Debug, Clone)]
pub enum Write {
    Start(NewAttempt),
    Save {
        attempt_id: i32,
        item: i32,
        seq: i64,
        /// `Response` JSON in original order; None clears the answer.
        response: Option<String>,
        now_ms: i64,
    },
    Flag {
        attempt_id: i32,
        item: i32,
        flagged: bool,
        now_ms: i64,
    },
    Move {
        attempt_id: i32,
        to: i32,
        now_ms: i64,
    },
    Submit {
        attempt_id: i32,
        reason: &'static str,
        now_ms: i64,
    },
}

impl Write {
    fn key(&self) -> usize {
        let id = match self {
            Write::Start(a) => a.application_id,
            Write::Save { attempt_id, .. }
            | Write::Flag { attempt_id, .. }
            | Write::Move { attempt_id, .. }
            | Write::Submit { attempt_id, .. } => *attempt_id,
        };
        usize::try_from(id).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Committed; the attempt's deadline at that moment.
    Saved { deadline_ms: i64 },
    /// The stored answer already has this sequence number or a higher one.
    Stale { deadline_ms: i64, stored_seq: i64 },
    /// The attempt refused the write: submitted, past deadline + grace, or
    /// (sequential) not on this item. The caller reads the attempt to say which.
    Refused,
    /// Start, move, submit: whether this write changed the row.
    Done(bool),
}

struct Pending {
    write: Write,
    ack: oneshot::Sender<Result<Outcome, String>>,
}

#[derive(Clone)]
pub struct Writer {
    queues: Arc<Vec<mpsc::UnboundedSender<Pending>>>,
}

impl Writer {
    /// Spawns the writer tasks on the current runtime.
    pub fn spawn(db: DatabaseConnection) -> Writer {
        let count = match db.get_database_backend() {
            DbBackend::Sqlite => 1,
            _ => 4,
        };
        let mut queues = Vec::with_capacity(count);
        for _ in 0..count {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(db.clone(), rx));
            queues.push(tx);
        }
        Writer {
            queues: Arc::new(queues),
        }
    }

    /// Applies the write and returns once it is committed (or failed).
    pub async fn apply(&self, write: Write) -> Result<Outcome, String> {
        let (ack, done) = oneshot::channel();
        let queue = &self.queues[write.key() % self.queues.len()];
        queue
            .send(Pending { write, ack })
            .map_err(|_| "the answer writer has stopped".to_owned())?;
        done.await
            .map_err(|_| "the answer writer has stopped".to_owned())?
    }
}

async fn run(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        commit_batch(&db, &mut batch).await;
    }
}

async fn commit_batch(db: &DatabaseConnection, batch: &mut Vec<Pending>) {
    let writes: Vec<&Write> = batch.iter().map(|p| &p.write).collect();
    match apply_all(db, &writes).await {
        Ok(outcomes) => {
            for (p, o) in batch.drain(..).zip(outcomes) {
                let _ = p.ack.send(Ok(o));
            }
        }
        Err(e) if batch.len() > 1 => {
            // One bad write must not fail its neighbours: retry each alone.
            tracing::warn!(error = %e, size = batch.len(), "group commit failed; retrying writes one by one");
            for p in batch.drain(..) {
                let r = apply_all(db, &[&p.write])
                    .await
                    .map(|mut o| o.pop().unwrap_or(Outcome::Refused))
                    .map_err(|e| e.to_string());
                let _ = p.ack.send(r);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "answer write failed");
            for p in batch.drain(..) {
                let _ = p.ack.send(Err(e.to_string()));
            }
        }
    }
}

async fn apply_all(db: &DatabaseConnection, writes: &[&Write]) -> Result<Vec<Outcome>, DbErr> {
    let txn = db.begin().await?;
    let mut out = Vec::with_capacity(writes.len());
    for w in writes {
        out.push(apply_one(&txn, w).await?);
    }
    txn.commit().await?;
    Ok(out)
}

async fn apply_one(db: &impl sea_orm::ConnectionTrait, w: &Write) -> Result<Outcome, DbErr> {
    Ok(match w {
        Write::Start(a) => Outcome::Done(store::insert_attempt(db, a).await?),
        Write::Save {
            attempt_id,
            item,
            seq,
            response,
            now_ms,
        } => {
            let Some(deadline_ms) = store::lock_open(db, *attempt_id, Some(*item), *now_ms).await?
            else {
                return Ok(Outcome::Refused);
            };
            if store::upsert_answer(db, *attempt_id, *item, response.as_deref(), *seq, *now_ms)
                .await?
            {
                Outcome::Saved { deadline_ms }
            } else {
                let stored_seq = store::stored_seq(db, *attempt_id, *item)
                    .await?
                    .unwrap_or_default();
                Outcome::Stale {
                    deadline_ms,
                    stored_seq,
                }
            }
        }
        Write::Flag {
            attempt_id,
            item,
            flagged,
            now_ms,
        } => {
            let Some(deadline_ms) = store::lock_open(db, *attempt_id, None, *now_ms).await? else {
                return Ok(Outcome::Refused);
            };
            store::set_flag(db, *attempt_id, *item, *flagged, *now_ms).await?;
            Outcome::Saved { deadline_ms }
        }
        Write::Move {
            attempt_id,
            to,
            now_ms,
        } => Outcome::Done(store::move_to(db, *attempt_id, *to, *now_ms).await?),
        Write::Submit {
            attempt_id,
            reason,
            now_ms,
        } => Outcome::Done(store::submit(db, *attempt_id, reason, *now_ms).await?),
    })
}
