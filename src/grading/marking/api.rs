//! JSON API for essay marking and appeals.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use utoipa::ToSchema;

use super::appeals::{self, AppealInput, AppealRow, OwnAppeal};
use super::service::{self, Marked, MarkingPaper, MarkingQueue, MarkingTask};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/marking", get(papers))
        .route("/api/papers/{id}/marking", get(queue))
        .route(
            "/api/papers/{id}/marking/{script}/{item}",
            get(task).post(mark),
        )
        .route("/api/appeals", axum::routing::post(request))
        .route("/api/campaigns/{id}/appeals", get(of_campaign))
}

#[utoipa::path(get, path = "/api/marking", tag = "grading",
    responses((status = 200, body = [MarkingPaper], description = "the papers this board member marks, with how many answers wait for them"), (status = 403)))]
pub async fn papers(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<MarkingPaper>>, AppError> {
    Ok(axum::Json(service::papers(&state, &user).await?))
}

#[utoipa::path(get, path = "/api/papers/{id}/marking", tag = "grading", params(("id" = i32, Path)),
    responses((status = 200, body = MarkingQueue, description = "answers waiting for this board member, by anonymous script code"), (status = 404)))]
pub async fn queue(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<MarkingQueue>, AppError> {
    Ok(axum::Json(service::queue(&state, &user, id).await?))
}

#[utoipa::path(get, path = "/api/papers/{id}/marking/{script}/{item}", tag = "grading",
    params(("id" = i32, Path), ("script" = String, Path, description = "the anonymous script code"), ("item" = usize, Path, description = "1-based")),
    responses((status = 200, body = MarkingTask, description = "the question, the marking guide and the answer; never the candidate nor another mark"), (status = 404), (status = 409, description = "already marked by this member, or nothing left to mark")))]
pub async fn task(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, script, item)): Path<(i32, String, usize)>,
) -> Result<axum::Json<MarkingTask>, AppError> {
    Ok(axum::Json(
        service::task(&state, &user, id, &script, item).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkInput {
    /// From 0 to the item's points.
    pub points: f64,
    /// Optional; required when re-marking for an appeal (it goes in the audit log).
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/papers/{id}/marking/{script}/{item}", tag = "grading",
    params(("id" = i32, Path), ("script" = String, Path), ("item" = usize, Path)), request_body = MarkInput,
    responses((status = 201, body = Marked, description = "recorded and audited; the attempt's grade follows"), (status = 404), (status = 409), (status = 422)))]
pub async fn mark(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, script, item)): Path<(i32, String, usize)>,
    Json(input): Json<MarkInput>,
) -> Result<(StatusCode, axum::Json<Marked>), AppError> {
    let marked = service::mark(
        &state,
        &user,
        id,
        &script,
        item,
        &input.points.to_string(),
        &input.note,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(marked)))
}

#[utoipa::path(post, path = "/api/appeals", tag = "grading", request_body = AppealInput,
    responses((status = 201, body = OwnAppeal, description = "recorded and audited; a board member who has not marked the answers re-marks them"), (status = 404), (status = 409, description = "this section was appealed already"), (status = 422, description = "not re-markable under the rule set, results not published, window closed, or nothing to re-mark")))]
pub async fn request(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(input): Json<AppealInput>,
) -> Result<(StatusCode, axum::Json<OwnAppeal>), AppError> {
    Ok((
        StatusCode::CREATED,
        axum::Json(appeals::request(&state, &user, &input).await?),
    ))
}

#[utoipa::path(get, path = "/api/campaigns/{id}/appeals", tag = "grading", params(("id" = i32, Path)),
    responses((status = 200, body = [AppealRow], description = "the campaign's appeals; personnel of the owning unit subtree only"), (status = 404)))]
pub async fn of_campaign(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Vec<AppealRow>>, AppError> {
    Ok(axum::Json(appeals::of_campaign(&state, &user, id).await?.1))
}
