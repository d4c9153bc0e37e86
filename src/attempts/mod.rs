//! Timed exam sessions: a candidate's sitting of a paper, answers saved as
//! they are given (group-committed), deadlines, resume, the sweeper that
//! submits overdue attempts, and the invigilation board.

pub mod api;
pub mod domain;
pub mod entity;
pub mod routes;
pub mod service;
pub mod store;
pub mod sweeper;
pub mod writer;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use sea_orm::DatabaseConnection;

use crate::gather::Gathered;
use crate::state::AppState;

pub use service::sweep;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}

/// Past this many cached sittings the cache starts again: it only saves reads,
/// and everything in it can be rebuilt from the database.
const MAX_CACHED: usize = 100_000;

/// A candidate's standing for a paper, by (paper, campaign, candidate).
pub type StandingReads = Gathered<(i32, i32, i32), store::Standing>;

/// What one process keeps for the exam in progress: the group-commit writer,
/// the start storm's gathered reads, and read-only facts it would otherwise
/// re-read on every save (a published paper's frozen pool and each attempt's
/// decoded form never change).
pub struct Sitting {
    pub writer: writer::Writer,
    pub standings: StandingReads,
    papers: Mutex<HashMap<i32, Arc<service::PaperFacts>>>,
    forms: Mutex<HashMap<i32, Arc<service::FormFacts>>>,
}

impl Sitting {
    /// `db` reads, `writer_db` writes (see `AppState::with_writer_connection`).
    pub fn new(db: DatabaseConnection, writer_db: DatabaseConnection) -> Sitting {
        Sitting {
            writer: writer::Writer::spawn(writer_db),
            standings: Gathered::spawn(db, "standing", read_standings),
            papers: Mutex::new(HashMap::new()),
            forms: Mutex::new(HashMap::new()),
        }
    }

    fn paper(&self, id: i32) -> Option<Arc<service::PaperFacts>> {
        self.papers.lock().ok()?.get(&id).cloned()
    }

    fn keep_paper(&self, id: i32, facts: Arc<service::PaperFacts>) {
        if let Ok(mut m) = self.papers.lock() {
            if m.len() > 1000 {
                m.clear();
            }
            m.insert(id, facts);
        }
    }

    fn form(&self, attempt_id: i32) -> Option<Arc<service::FormFacts>> {
        self.forms.lock().ok()?.get(&attempt_id).cloned()
    }

    fn keep_form(&self, attempt_id: i32, facts: Arc<service::FormFacts>) {
        if let Ok(mut m) = self.forms.lock() {
            if m.len() > MAX_CACHED {
                m.clear();
            }
            m.insert(attempt_id, facts);
        }
    }
}

/// Standings for a gathered batch of starts: one query per (paper, campaign)
/// among them, which on exam day is one.
async fn read_standings(
    db: DatabaseConnection,
    keys: Vec<(i32, i32, i32)>,
) -> Result<HashMap<(i32, i32, i32), store::Standing>, sea_orm::DbErr> {
    let mut by_paper: BTreeMap<(i32, i32), Vec<i32>> = BTreeMap::new();
    for (paper, campaign, candidate) in keys {
        by_paper
            .entry((paper, campaign))
            .or_default()
            .push(candidate);
    }
    let mut found = HashMap::new();
    for ((paper, campaign), candidates) in by_paper {
        for (candidate, standing) in store::standings(&db, paper, campaign, &candidates).await? {
            found.insert((paper, campaign, candidate), standing);
        }
    }
    Ok(found)
}
