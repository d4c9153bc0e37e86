//! The append-only audit log: who did what, to what, when, from where.
//!
//! The store offers `record` and `list` and nothing else: no route or function
//! updates or deletes an entry.

pub mod entity;
pub mod routes;
pub mod store;

pub use store::{Actor, Entry, record};
