//! Campaigns (kỳ tuyển dụng, kỳ thi nâng ngạch), their positions and quotas,
//! and candidates' applications.

pub mod api;
pub mod domain;
pub mod eligibility;
pub mod entity;
pub mod hires;
pub mod import;
pub mod promotions;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
