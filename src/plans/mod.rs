//! Payroll-streamlining plans (tinh giản biên chế): units and years, a
//! baseline snapshot, targets, the people proposed, the workflow from draft to
//! carried out, and the projection of headcount, payroll and the recruitment
//! cap that campaigns must respect.

pub mod domain;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
