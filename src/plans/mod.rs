//! Payroll-streamlining plans (tinh giản biên chế): units and years, a
//! baseline snapshot, targets, the people proposed, the workflow from draft to
//! carried out, and the projection of headcount, payroll and the recruitment
//! cap that campaigns must respect. Also the per-unit workforce dashboard,
//! where staff records and plans meet.

pub mod api;
pub mod chart;
pub mod domain;
pub mod entity;
pub mod routes;
pub mod service;
pub mod store;

pub use service::recruitment_cap;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
