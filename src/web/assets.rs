//! Static files compiled into the binary: one stylesheet, the site script and
//! the question editor's script.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("assets/merit.css");
const JS: &str = include_str!("assets/merit.js");
const BANKS_JS: &str = include_str!("assets/banks.js");
const EXAM_JS: &str = include_str!("assets/exam.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/merit.css",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    CSS,
                )
                    .into_response()
            }),
        )
        .route(
            "/assets/merit.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    JS,
                )
                    .into_response()
            }),
        )
        .route(
            "/assets/exam.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    EXAM_JS,
                )
                    .into_response()
            }),
        )
        .route(
            "/assets/banks.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    BANKS_JS,
                )
                    .into_response()
            }),
        )
}
