//! Sessions that missed the cache, gathered: in a start storm ten thousand
//! candidates' first requests all miss the session cache at once, and those
//! waiting at the same moment share one `IN (…)` query (see `crate::gather`).

use sea_orm::DatabaseConnection;

use super::entity::{session, user};
use super::store;
use crate::gather::Gathered;

/// A session with its account, by session id.
pub type SessionReads = Gathered<String, (session::Model, user::Model)>;

/// Spawns the reader on the current runtime.
pub fn spawn(db: DatabaseConnection) -> SessionReads {
    Gathered::spawn(db, "session", |db, sids: Vec<String>| async move {
        let sids: Vec<&str> = sids.iter().map(String::as_str).collect();
        store::find_sessions(&db, &sids).await
    })
}
