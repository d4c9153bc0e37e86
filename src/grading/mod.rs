//! Grading, rankings and item statistics.

pub mod api;
pub mod bench;
pub mod entity;
pub mod export;
pub mod grade;
pub mod item_analysis;
pub mod marking;
pub mod numbers;
pub mod ranking;
pub mod rounds;
pub mod routes;
pub mod service;
pub mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router()
        .merge(api::router())
        .merge(marking::router())
}
