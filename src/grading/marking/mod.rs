//! Essay marking (double-blind, with a third marker to reconcile) and
//! appeals (phúc khảo). The decisions are in `domain`, pure; the rest loads,
//! records and audits.

pub mod api;
pub mod appeals;
pub mod domain;
pub mod entity;
pub mod routes;
pub mod service;
pub mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
