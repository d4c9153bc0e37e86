//! Reads gathered: requests that wait at the same moment share one query.
//!
//! In a start storm ten thousand candidates' first requests arrive at once.
//! Read one by one, each cost a pooled connection, a statement and two thread
//! hand-offs, and the storm queued behind them. Gathered, the requests waiting
//! at one moment share one `IN (…)` query, as the exam-day writer's group
//! commit does for writes: while every query slot is busy, requests queue up
//! and the next query takes them all; on a quiet day a read goes out at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Keys read in one query at most.
const MAX_BATCH: usize = 512;

/// Queries in flight at once: a few, so a storm's requests gather into large
/// batches behind them while other requests still find a pooled connection.
const IN_FLIGHT: usize = 4;

type Reply<V> = oneshot::Sender<Result<Option<V>, String>>;

/// A reader of `V`s by key; cheap to clone.
pub struct Gathered<K, V> {
    queue: mpsc::UnboundedSender<(K, Reply<V>)>,
    what: &'static str,
}

impl<K, V> Clone for Gathered<K, V> {
    fn clone(&self) -> Self {
        Gathered {
            queue: self.queue.clone(),
            what: self.what,
        }
    }
}

impl<K, V> Gathered<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
{
    /// Spawns the gathering task on the current runtime. `read_many` reads
    /// the values of many keys (duplicates possible) in one query; a key it
    /// leaves out has no value. `what` names the values in errors.
    pub fn spawn<F, Fut>(db: DatabaseConnection, what: &'static str, read_many: F) -> Self
    where
        F: Fn(DatabaseConnection, Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<HashMap<K, V>, DbErr>> + Send + 'static,
    {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, rx, Arc::new(read_many), what));
        Gathered { queue, what }
    }

    /// The value of `key` as the database has it now.
    pub async fn read(&self, key: K) -> anyhow::Result<Option<V>> {
        let (reply, answer) = oneshot::channel();
        let stopped = || anyhow::anyhow!("the {} reader has stopped", self.what);
        self.queue.send((key, reply)).map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(anyhow::Error::msg)
    }
}

async fn run<K, V, F, Fut>(
    db: DatabaseConnection,
    mut rx: mpsc::UnboundedReceiver<(K, Reply<V>)>,
    read_many: Arc<F>,
    what: &'static str,
) where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + 'static,
    F: Fn(DatabaseConnection, Vec<K>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HashMap<K, V>, DbErr>> + Send + 'static,
{
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = rx.recv().await {
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
        let keys = batch.iter().map(|(k, _)| k.clone()).collect();
        let read = read_many(db.clone(), keys);
        tokio::spawn(async move {
            match read.await {
                Ok(found) => {
                    for (key, reply) in batch {
                        let _ = reply.send(Ok(found.get(&key).cloned()));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading {what} failed");
                    for (_, reply) in batch {
                        let _ = reply.send(Err(e.to_string()));
                    }
                }
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn each_read_gets_its_own_key_s_value_from_a_shared_query() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let queries: Arc<Mutex<Vec<usize>>> = Arc::default();
        let seen = queries.clone();
        // Even keys have a value (the key doubled); odd ones none.
        let doubles = Gathered::spawn(db, "doubles", move |_db, keys: Vec<u32>| {
            seen.lock().unwrap().push(keys.len());
            async move {
                Ok(keys
                    .into_iter()
                    .filter(|k| k % 2 == 0)
                    .map(|k| (k, k * 2))
                    .collect())
            }
        });
        let reads: Vec<_> = (0..200u32)
            .map(|k| {
                let doubles = doubles.clone();
                tokio::spawn(async move { (k, doubles.read(k).await.unwrap()) })
            })
            .collect();
        for r in reads {
            let (k, v) = r.await.unwrap();
            assert_eq!(v, (k % 2 == 0).then_some(k * 2), "key {k}");
        }
        let queries = queries.lock().unwrap();
        assert_eq!(queries.iter().sum::<usize>(), 200, "every read asked once");
        assert!(
            queries.len() < 200,
            "reads waiting together share a query: {queries:?}"
        );
    }
}
