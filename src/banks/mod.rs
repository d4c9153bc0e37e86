//! Question banks: authoring, review, versions, import and export.
//!
//! Pure: `model`, `validate`, `normalize`, `scoring`, `formats`, `domain`,
//! `editor`, `render`. Storage: `entity`, `store`. The rest: `service` (the
//! operations, shared by the pages, the API, the CLI and the demo), `routes`
//! (HTML) and `api` (JSON).

pub mod api;
pub mod domain;
pub mod editor;
pub mod entity;
pub mod formats;
pub mod model;
pub mod normalize;
pub mod render;
pub mod routes;
pub mod scoring;
pub mod service;
pub mod store;
pub mod validate;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    routes::router().merge(api::router())
}
