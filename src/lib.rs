//! merit: competitive civil-service recruitment and promotion exams, and the
//! staff records they feed. `router()` is the whole web application; `main.rs`
//! and the tests both build it from here.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod attempts;
pub mod audit;
pub mod banks;
pub mod campaigns;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod exams;
pub mod gather;
pub mod grading;
pub mod loadtest;
pub mod openapi;
pub mod org_units;
pub mod plans;
pub mod rules;
pub mod staff;
pub mod state;
pub mod web;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Router, middleware};
use sea_orm::ConnectionTrait;
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::AppState;

/// Every route of the application, with the layers that guard them all.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    Router::new()
        .merge(accounts::router())
        .merge(org_units::router())
        .merge(campaigns::router())
        .merge(exams::router())
        .merge(attempts::router())
        .merge(grading::router())
        .merge(loadtest::fixture::router())
        .merge(banks::router())
        .merge(audit::routes::router())
        .merge(staff::router())
        .merge(plans::router())
        .merge(web::assets::router())
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .fallback(|| async { web::AppError::NotFound })
        .layer(web::error::catch_panics())
        .layer(middleware::from_fn(web::page::html_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::csrf::protect,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Random bytes from the operating system's CSPRNG (via the thread RNG, which
/// is seeded from it and reseeds itself).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::Rng;
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}
