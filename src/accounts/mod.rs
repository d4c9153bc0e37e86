//! Accounts and sign-in: candidates register, staff accounts are made by an
//! administrator, sessions live in the database.

pub mod api;
pub mod device;
pub mod domain;
pub mod entity;
pub mod password;
pub mod routes;
pub mod service;
pub mod session;
pub mod session_cache;
pub mod session_reads;
pub mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
