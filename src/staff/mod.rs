//! Staff records (hồ sơ cán bộ): job positions with their approved headcount,
//! grades and salary scales, the base-salary table, and each person's record
//! as the sum of its events. Derived values — retirement date, next step
//! raise, monthly pay, vacancies — are computed, never typed in.

pub mod api;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod import;
pub mod routes;
pub mod scope;
pub mod service;
pub mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
