//! JSON API for the sitting (candidates) and invigilation (personnel).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain;
use super::entity::attempt;
use super::service::{
    self, AttemptView, Board, BoardFilter, ExtraTime, OpenPaper, SaveAck, SaveInput,
};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json, Query};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/exams", get(dashboard))
        .route("/api/papers/{id}/attempt", post(start))
        .route("/api/attempts/{id}", get(show))
        .route("/api/attempts/{id}/answers/{item}", put(save))
        .route("/api/attempts/{id}/flags/{item}", put(flag))
        .route("/api/attempts/{id}/position", post(move_to))
        .route("/api/attempts/{id}/submit", post(submit))
        .route("/api/attempts/{id}/extra-time", post(extra_time))
        .route("/api/papers/{id}/invigilation", get(board))
        .route("/api/papers/{id}/answer-seqs", get(answer_seqs))
}

/// An attempt's timing and state, without the form.
#[derive(Serialize, ToSchema)]
pub struct AttemptSummary {
    pub id: i32,
    pub paper_id: i32,
    pub status: String,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub remaining_seconds: i64,
    pub submitted_ms: Option<i64>,
    pub submit_reason: Option<String>,
}

impl AttemptSummary {
    fn of(a: &attempt::Model, now_ms: i64) -> AttemptSummary {
        AttemptSummary {
            id: a.id,
            paper_id: a.paper_id,
            status: a.status.clone(),
            started_ms: a.started_ms,
            deadline_ms: a.deadline_ms,
            remaining_seconds: if a.submitted_ms.is_none() {
                domain::remaining_seconds(now_ms, a.deadline_ms)
            } else {
                0
            },
            submitted_ms: a.submitted_ms,
            submit_reason: a.submit_reason.clone(),
        }
    }
}

#[utoipa::path(get, path = "/api/exams", tag = "attempts",
    responses((status = 200, body = [OpenPaper], description = "published papers of campaigns the candidate is approved for")))]
pub async fn dashboard(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<OpenPaper>>, AppError> {
    Ok(axum::Json(service::dashboard(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/papers/{id}/attempt", tag = "attempts", params(("id" = i32, Path)),
    responses((status = 201, body = AttemptSummary, description = "started"), (status = 200, body = AttemptSummary, description = "already started: the same attempt and deadline"),
        (status = 404), (status = 409, description = "already submitted"), (status = 422, description = "not approved, not open yet, or closed")))]
pub async fn start(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let (a, created) = service::start(&state, &user, id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(AttemptSummary::of(&a, state.now_ms()))))
}

#[utoipa::path(get, path = "/api/attempts/{id}", tag = "attempts", params(("id" = i32, Path)),
    responses((status = 200, body = AttemptView, description = "the form (no keys), every acknowledged answer, the deadline"), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<AttemptView>, AppError> {
    Ok(axum::Json(service::view(&state, &user, id).await?))
}

#[utoipa::path(put, path = "/api/attempts/{id}/answers/{item}", tag = "attempts",
    params(("id" = i32, Path), ("item" = i32, Path, description = "1-based item number")), request_body = SaveInput,
    responses((status = 200, body = SaveAck, description = "committed (or stale: nothing changed)"), (status = 404),
        (status = 409, description = "time is up or already submitted"), (status = 422, description = "a response that does not fit the item, or a sequential paper's other item")))]
pub async fn save(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, item)): Path<(i32, i32)>,
    Json(input): Json<SaveInput>,
) -> Result<axum::Json<SaveAck>, AppError> {
    Ok(axum::Json(
        service::save(&state, &user, id, item, &input).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct FlagInput {
    pub flagged: bool,
}

#[utoipa::path(put, path = "/api/attempts/{id}/flags/{item}", tag = "attempts",
    params(("id" = i32, Path), ("item" = i32, Path)), request_body = FlagInput,
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn flag(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, item)): Path<(i32, i32)>,
    Json(input): Json<FlagInput>,
) -> Result<StatusCode, AppError> {
    service::flag(&state, &user, id, item, input.flagged).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct MoveInput {
    /// 1-based item number.
    pub item: i32,
}

#[utoipa::path(post, path = "/api/attempts/{id}/position", tag = "attempts",
    params(("id" = i32, Path)), request_body = MoveInput,
    responses((status = 204), (status = 404), (status = 409), (status = 422, description = "sequential papers move forward one item at a time")))]
pub async fn move_to(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<MoveInput>,
) -> Result<StatusCode, AppError> {
    service::move_to(&state, &user, id, input.item).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
pub struct SubmitInput {
    /// `manual` (default) or `deadline` (the page's countdown reached zero).
    #[serde(default)]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/attempts/{id}/submit", tag = "attempts",
    params(("id" = i32, Path)), request_body = SubmitInput,
    responses((status = 200, body = AttemptSummary), (status = 404), (status = 409, description = "time is up or already submitted")))]
pub async fn submit(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    body: axum::body::Bytes,
) -> Result<axum::Json<AttemptSummary>, AppError> {
    // The body is optional: an empty one is a manual submission.
    let input: SubmitInput = if body.is_empty() {
        SubmitInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::bad_request(crate::web::i18n::Text::key("error.bad_json").with("detail", e))
        })?
    };
    let reason = match input.reason.as_deref() {
        Some("deadline") => "deadline",
        _ => "manual",
    };
    let a = service::submit(&state, &user, id, reason).await?;
    Ok(axum::Json(AttemptSummary::of(&a, state.now_ms())))
}

#[utoipa::path(get, path = "/api/papers/{id}/invigilation", tag = "attempts", params(("id" = i32, Path), BoardFilter),
    responses((status = 200, body = Board), (status = 400), (status = 403), (status = 404)))]
pub async fn board(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(filter): Query<BoardFilter>,
) -> Result<axum::Json<Board>, AppError> {
    Ok(axum::Json(
        service::board(&state, &user, id, &filter).await?,
    ))
}

#[utoipa::path(post, path = "/api/attempts/{id}/extra-time", tag = "attempts", params(("id" = i32, Path)), request_body = ExtraTime,
    responses((status = 200, body = AttemptSummary), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn extra_time(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<ExtraTime>,
) -> Result<axum::Json<AttemptSummary>, AppError> {
    let a = service::add_time(&state, &user, id, &input).await?;
    Ok(axum::Json(AttemptSummary::of(&a, state.now_ms())))
}

#[utoipa::path(get, path = "/api/papers/{id}/answer-seqs", tag = "attempts", params(("id" = i32, Path)),
    responses((status = 200, description = "[attempt id, item (1-based), stored sequence] for every answer row", body = [[i64; 3]]), (status = 403), (status = 404)))]
pub async fn answer_seqs(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Vec<[i64; 3]>>, AppError> {
    Ok(axum::Json(service::stored_seqs(&state, &user, id).await?))
}
