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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use sea_orm::DatabaseConnection;

use crate::state::AppState;

pub use service::sweep;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}

/// Past this many cached sittings the cache starts again: it only saves reads,
/// and everything in it can be rebuilt from the database.
const MAX_CACHED: usize = 100_000;

/// What one process keeps for the exam in progress: the group-commit writer,
/// and read-only facts it would otherwise re-read on every save (a published
/// paper's frozen pool and each attempt's decoded form never change).
pub struct Sitting {
    pub writer: writer::Writer,
    papers: Mutex<HashMap<i32, Arc<service::PaperFacts>>>,
    forms: Mutex<HashMap<i32, Arc<service::FormFacts>>>,
}

impl Sitting {
    pub fn new(db: DatabaseConnection) -> Sitting {
        Sitting {
            writer: writer::Writer::spawn(db),
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
