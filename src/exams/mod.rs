//! Exam papers, their blueprints, and the randomized forms drawn from them.

pub mod api;
pub mod blueprint;
pub mod entity;
pub mod form;
pub mod paper;
pub mod routes;
pub mod service;
pub mod store;
pub mod view;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
