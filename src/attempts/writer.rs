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

use crate::db::BeginWrite;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use tokio::sync::{mpsc, oneshot};

use super::domain;
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
    /// A session's last-seen time (once a minute per session). It goes through
    /// the writer so that ten thousand sessions going stale in the same minute
    /// cost one statement in a group commit, not ten thousand fsyncs each
    /// holding a pooled connection while it waits for the write lock.
    Touch {
        session_id: String,
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
            Write::Touch { session_id, .. } => {
                return session_id.bytes().map(usize::from).sum();
            }
        };
        usize::try_from(id).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Committed; the attempt's deadline at that moment.
    Saved { deadline_ms: i64 },
    /// The stored answer already has this sequence number or a higher one.
    Stale { deadline_ms: i64, stored_seq: i64 },
    /// The attempt refused the write: submitted, past deadline + grace, or
    /// (sequential) not on this item. The caller reads the attempt to say which.
    Refused,
    /// Start: the new attempt's id, or None when the application already had
    /// one for the paper (a double click, two tabs, two processes).
    Started { attempt_id: Option<i32> },
    /// Move: whether this write changed the row.
    Done(bool),
    /// Submit: the submitted row (the caller needs no read after), or None
    /// when the attempt refused it.
    Submitted(Option<Box<super::entity::attempt::Model>>),
}

struct Pending {
    write: Write,
    ack: oneshot::Sender<Result<Outcome, String>>,
}

/// Writer tasks, each with a connection: one on SQLite (it has one write lock
/// anyway), several on PostgreSQL so round trips overlap.
pub fn connections(db: &DatabaseConnection) -> u32 {
    match db.get_database_backend() {
        DbBackend::Sqlite => 1,
        _ => 4,
    }
}

#[derive(Clone)]
pub struct Writer {
    queues: Arc<Vec<mpsc::UnboundedSender<Pending>>>,
}

impl Writer {
    /// Spawns the writer tasks: on SQLite on a thread of their own, on
    /// PostgreSQL on the current runtime.
    ///
    /// Why a thread: a group commit awaits the database four or five times,
    /// and on a runtime busy with ten thousand candidates' requests each
    /// await waited behind hundreds of ready HTTP tasks — the commits, and so
    /// every acknowledgement, took milliseconds of queueing for microseconds
    /// of work. SQLite connections are threads of their own and can be driven
    /// from any runtime; PostgreSQL's sockets belong to the runtime that
    /// opened them, and its writers mostly wait on the network anyway.
    pub fn spawn(db: DatabaseConnection) -> Writer {
        let count = connections(&db) as usize;
        let mut queues = Vec::with_capacity(count);
        let mut receivers = Vec::with_capacity(count);
        for _ in 0..count {
            let (tx, rx) = mpsc::unbounded_channel();
            queues.push(tx);
            receivers.push(rx);
        }
        let own_thread = db.get_database_backend() == DbBackend::Sqlite;
        let on_thread = own_thread
            .then(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()
            })
            .flatten();
        match on_thread {
            Some(rt) => {
                let spawned = std::thread::Builder::new()
                    .name("merit-writer".into())
                    .spawn(move || {
                        // Ends when every `Writer` handle is dropped.
                        rt.block_on(async move {
                            let tasks: Vec<_> = receivers
                                .into_iter()
                                .map(|rx| tokio::spawn(run(db.clone(), rx)))
                                .collect();
                            for t in tasks {
                                let _ = t.await;
                            }
                        })
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "could not start the answer writer thread");
                }
            }
            None => {
                for rx in receivers {
                    tokio::spawn(run(db.clone(), rx));
                }
            }
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
    let started = std::time::Instant::now();
    let result = apply_all(db, &writes).await;
    // RUST_LOG=merit::attempts::writer=debug shows what group commit achieves.
    tracing::debug!(
        writes = writes.len(),
        micros = started.elapsed().as_micros() as u64,
        "group commit"
    );
    match result {
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

/// Applies writes as one group commit, exactly as the writer task does with
/// what it finds queued: the tests give it batches that timing would only
/// sometimes produce.
pub async fn apply_batch(db: &DatabaseConnection, writes: &[Write]) -> Result<Vec<Outcome>, DbErr> {
    let refs: Vec<&Write> = writes.iter().collect();
    apply_all(db, &refs).await
}

async fn apply_all(db: &DatabaseConnection, writes: &[&Write]) -> Result<Vec<Outcome>, DbErr> {
    let txn = db.begin_write().await?;
    let mut decided: Vec<Option<Outcome>> = vec![None; writes.len()];
    for mut layer in layers(writes) {
        // One statement (or two) per kind of write in the layer, whatever
        // their number: in the final submit storm saves and submits come
        // interleaved, and taken in arrival order each one went alone.
        layer.sort_by_key(|&i| Group::of(writes[i]));
        for ids in layer.chunk_by(|&a, &b| Group::of(writes[a]) == Group::of(writes[b])) {
            let these: Vec<&Write> = ids.iter().map(|&i| writes[i]).collect();
            let outcomes = match Group::of(these[0]) {
                Group::Saves => apply_saves(&txn, &these).await?,
                Group::Starts => apply_starts(&txn, &these).await?,
                Group::Submits => apply_submits(&txn, &these).await?,
                Group::Alone => {
                    let mut outcomes = Vec::with_capacity(these.len());
                    for w in these {
                        outcomes.push(apply_one(&txn, w).await?);
                    }
                    outcomes
                }
            };
            for (&i, o) in ids.iter().zip(outcomes) {
                decided[i] = Some(o);
            }
        }
    }
    // Touches write only sessions, which no other write here reads.
    let touches: Vec<&Write> = writes
        .iter()
        .copied()
        .filter(|w| matches!(w, Write::Touch { .. }))
        .collect();
    apply_touches(&txn, &touches).await?;
    txn.commit().await?;
    Ok(decided
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Done(true)))
        .collect())
}

/// How a layer's writes are applied: each kind of batch in one statement
/// (or two), the rest one by one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Saves,
    Starts,
    Submits,
    Alone,
}

impl Group {
    fn of(w: &Write) -> Group {
        match w {
            Write::Save { .. } => Group::Saves,
            Write::Start(_) => Group::Starts,
            Write::Submit { .. } => Group::Submits,
            Write::Flag { .. } | Write::Move { .. } | Write::Touch { .. } => Group::Alone,
        }
    }
}

/// The row a write decides on: an attempt, or for a start the sitting it
/// creates (paper, application). Sessions' touches are apart.
#[derive(Hash, PartialEq, Eq)]
enum Row {
    Attempt(i32),
    Sitting(i32, i32),
}

/// Splits a group commit's writes (by index) into layers applied one after
/// another: a row's first write goes in the first layer, its second in the
/// second, and so on. Writes to different rows commute, so within a layer
/// they can be applied in any order, and one statement can apply all of a
/// kind; across layers each row's writes keep the order they came in.
fn layers(writes: &[&Write]) -> Vec<Vec<usize>> {
    let mut seen: HashMap<Row, usize> = HashMap::new();
    let mut layers: Vec<Vec<usize>> = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        let row = match w {
            Write::Start(a) => Row::Sitting(a.paper_id, a.application_id),
            Write::Save { attempt_id, .. }
            | Write::Flag { attempt_id, .. }
            | Write::Move { attempt_id, .. }
            | Write::Submit { attempt_id, .. } => Row::Attempt(*attempt_id),
            Write::Touch { .. } => continue,
        };
        let depth = seen.entry(row).or_default();
        if layers.len() == *depth {
            layers.push(Vec::new());
        }
        layers[*depth].push(i);
        *depth += 1;
    }
    layers
}

/// Every touch in one statement, at the earliest time among them (a session
/// is never recorded as seen later than it was).
async fn apply_touches(
    db: &impl sea_orm::ConnectionTrait,
    touches: &[&Write],
) -> Result<(), DbErr> {
    let mut ids = Vec::with_capacity(touches.len());
    let mut earliest = i64::MAX;
    for w in touches {
        if let Write::Touch { session_id, now_ms } = w {
            ids.push(session_id.as_str());
            earliest = earliest.min(*now_ms);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    crate::accounts::store::touch_sessions(db, &ids, earliest).await
}

/// Starts in one statement whatever their number.
async fn apply_starts(
    db: &impl sea_orm::ConnectionTrait,
    starts: &[&Write],
) -> Result<Vec<Outcome>, DbErr> {
    let new: Vec<&NewAttempt> = starts
        .iter()
        .filter_map(|w| match w {
            Write::Start(a) => Some(a),
            _ => None,
        })
        .collect();
    let created = store::insert_attempts(db, &new).await?;
    Ok(new
        .iter()
        .map(|a| match created.get(&(a.paper_id, a.application_id)) {
            Some(id) => Outcome::Started {
                attempt_id: Some(*id),
            },
            None => Outcome::Started { attempt_id: None },
        })
        .collect())
}

/// Saves to distinct (attempt, item) pairs in two statements whatever their
/// number: lock the open attempts, then upsert the accepted answers.
async fn apply_saves(
    db: &impl sea_orm::ConnectionTrait,
    saves: &[&Write],
) -> Result<Vec<Outcome>, DbErr> {
    let saves: Vec<_> = saves
        .iter()
        .filter_map(|w| match w {
            Write::Save {
                attempt_id,
                item,
                seq,
                response,
                now_ms,
            } => Some((*attempt_id, *item, *seq, response.as_deref(), *now_ms)),
            _ => None,
        })
        .collect();
    let ids: Vec<i32> = saves
        .iter()
        .map(|s| s.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let earliest = saves.iter().map(|s| s.4).min().unwrap_or_default();
    let latest = saves.iter().map(|s| s.4).max().unwrap_or_default();
    let open = store::lock_open_many(db, &ids, earliest, latest).await?;
    let accepted = |s: &(i32, i32, i64, Option<&str>, i64)| {
        open.get(&s.0).filter(|a| {
            domain::accepts(s.4, a.deadline_ms, a.grace_ms)
                && domain::may_answer(a.sequential, a.position, s.1, a.item_count)
        })
    };
    let rows: Vec<store::AnswerRow> = saves
        .iter()
        .filter(|s| accepted(s).is_some())
        .map(|s| store::AnswerRow {
            attempt_id: s.0,
            item: s.1,
            response: s.3,
            seq: s.2,
            saved_ms: s.4,
        })
        .collect();
    let written = store::upsert_answers(db, &rows).await?;
    // Replays (a retry after a lost reply) are told the stored number: one
    // read for all of them.
    let stale: Vec<i32> = rows
        .iter()
        .filter(|r| !written.contains(&(r.attempt_id, r.item)))
        .map(|r| r.attempt_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let stored = if stale.is_empty() {
        Default::default()
    } else {
        store::stored_seqs(db, &stale).await?
    };
    Ok(saves
        .iter()
        .map(|s| match accepted(s) {
            None => Outcome::Refused,
            Some(a) if written.contains(&(s.0, s.1)) => Outcome::Saved {
                deadline_ms: a.deadline_ms,
            },
            Some(a) => Outcome::Stale {
                deadline_ms: a.deadline_ms,
                stored_seq: stored.get(&(s.0, s.1)).copied().unwrap_or_default(),
            },
        })
        .collect())
}

/// Submits to distinct attempts in one statement whatever their number.
async fn apply_submits(
    db: &impl sea_orm::ConnectionTrait,
    submits: &[&Write],
) -> Result<Vec<Outcome>, DbErr> {
    let submissions: Vec<store::Submission> = submits
        .iter()
        .filter_map(|w| match w {
            Write::Submit {
                attempt_id,
                reason,
                now_ms,
            } => Some(store::Submission {
                attempt_id: *attempt_id,
                reason,
                now_ms: *now_ms,
            }),
            _ => None,
        })
        .collect();
    let mut submitted = store::submit_many(db, &submissions).await?;
    Ok(submissions
        .iter()
        .map(|s| Outcome::Submitted(submitted.remove(&s.attempt_id).map(Box::new)))
        .collect())
}

/// A write that goes alone: flags and moves (saves, starts and submits go
/// with their layer).
async fn apply_one(db: &impl sea_orm::ConnectionTrait, w: &Write) -> Result<Outcome, DbErr> {
    Ok(match w {
        Write::Flag {
            attempt_id,
            item,
            flagged,
            now_ms,
        } => {
            let Some(deadline_ms) = store::lock_open(db, *attempt_id, *now_ms).await? else {
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
        Write::Save { .. } | Write::Start(_) | Write::Submit { .. } | Write::Touch { .. } => {
            return Err(DbErr::Custom(
                "saves, starts, submits and touches are applied with their layer".into(),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save(attempt_id: i32, item: i32) -> Write {
        Write::Save {
            attempt_id,
            item,
            seq: 1,
            response: None,
            now_ms: 0,
        }
    }

    #[test]
    fn each_row_s_writes_keep_their_order_across_layers() {
        let submit = |attempt_id| Write::Submit {
            attempt_id,
            reason: "manual",
            now_ms: 0,
        };
        let touch = Write::Touch {
            session_id: "s".into(),
            now_ms: 0,
        };
        // Interleaved as in the submit storm: every save of a layer goes in
        // one statement however the submits fall between them.
        let w = [
            save(1, 0),
            submit(2),
            save(3, 0),
            touch,
            save(1, 1),
            submit(1),
            save(4, 0),
            save(1, 2),
        ];
        let refs: Vec<&Write> = w.iter().collect();
        assert_eq!(
            layers(&refs),
            [vec![0, 1, 2, 6], vec![4], vec![5], vec![7]],
            "attempt 1's save, save, submit, save stay in order; the touch is apart"
        );
        assert!(layers(&[]).is_empty());
    }
}
