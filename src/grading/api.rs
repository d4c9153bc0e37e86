//! JSON API for grading, results, releases and item statistics.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::ToSchema;

use super::rounds::RoundState;
use super::service::{
    self, CampaignResults, GradeRun, KeyCorrectionImpact, KeyCorrectionInput, OwnResult,
    PaperStatistics,
};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/papers/{id}/grade", post(grade))
        .route("/api/papers/{id}/statistics", get(statistics))
        .route("/api/papers/{id}/key-corrections", post(key_correction))
        .route("/api/campaigns/{id}/results", get(results))
        .route(
            "/api/campaigns/{id}/positions/{position}/tie-decision",
            post(tie_decision),
        )
        .route("/api/campaigns/{id}/release", post(release))
        .route(
            "/api/campaigns/{id}/rounds/{round}/close",
            post(close_round),
        )
        .route("/api/results", get(mine))
}

#[utoipa::path(post, path = "/api/papers/{id}/grade", tag = "grading", params(("id" = i32, Path)),
    responses((status = 200, body = GradeRun, description = "every submitted attempt graded again from its answers and the pinned keys"), (status = 404), (status = 422)))]
pub async fn grade(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<GradeRun>, AppError> {
    Ok(axum::Json(
        service::grade_paper_for(&state, &user, id).await?,
    ))
}

#[utoipa::path(get, path = "/api/papers/{id}/statistics", tag = "grading", params(("id" = i32, Path)),
    responses((status = 200, body = PaperStatistics), (status = 404)))]
pub async fn statistics(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<PaperStatistics>, AppError> {
    let (p, _) = crate::exams::service::paper_for(&state, &user, id).await?;
    Ok(axum::Json(service::statistics_of(&state.db, &p).await?))
}

#[utoipa::path(get, path = "/api/campaigns/{id}/results", tag = "grading", params(("id" = i32, Path)),
    responses((status = 200, body = CampaignResults, description = "rankings per position; personnel of the owning unit subtree only"), (status = 404)))]
pub async fn results(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<CampaignResults>, AppError> {
    Ok(axum::Json(service::results_for(&state, &user, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TieDecisionInput {
    /// The tied applications, first preferred.
    pub application_ids: Vec<i32>,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/campaigns/{id}/positions/{position}/tie-decision", tag = "grading",
    params(("id" = i32, Path), ("position" = i32, Path)), request_body = TieDecisionInput,
    responses((status = 204, description = "recorded and audited"), (status = 404), (status = 422)))]
pub async fn tie_decision(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, position)): Path<(i32, i32)>,
    Json(input): Json<TieDecisionInput>,
) -> Result<impl IntoResponse, AppError> {
    service::decide_tie(
        &state,
        &user,
        id,
        position,
        &input.application_ids,
        &input.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/campaigns/{id}/release", tag = "grading", params(("id" = i32, Path)),
    responses((status = 204, description = "candidates now see their own results"), (status = 404),
        (status = 409, description = "already released"),
        (status = 422, description = "refused while a paper has submitted attempts not graded or essays awaiting marking: one message per paper and what is left (see `pending` in the results)")))]
pub async fn release(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    service::release(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/results", tag = "grading",
    responses((status = 200, body = [OwnResult], description = "the candidate's own results, released campaigns only")))]
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<OwnResult>>, AppError> {
    Ok(axum::Json(service::own_results(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/papers/{id}/key-corrections", tag = "grading", params(("id" = i32, Path)), request_body = KeyCorrectionInput,
    responses((status = 200, body = KeyCorrectionImpact, description = "who changes score or rank; applied (regraded, audited) only with `apply: true`"), (status = 403), (status = 404), (status = 422)))]
pub async fn key_correction(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<KeyCorrectionInput>,
) -> Result<axum::Json<KeyCorrectionImpact>, AppError> {
    Ok(axum::Json(
        service::correct_key(&state, &user, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/rounds/{round}/close", tag = "grading",
    params(("id" = i32, Path), ("round" = i32, Path, description = "1-based; every round but the last")),
    responses((status = 200, body = RoundState, description = "who qualified in this round and the ones before it is recorded (audited); a later round opens to them only"),
        (status = 404), (status = 422, description = "a paper of the round is still open or not fully graded, or the round gates nothing; each problem is listed")))]
pub async fn close_round(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, round)): Path<(i32, i32)>,
) -> Result<axum::Json<RoundState>, AppError> {
    Ok(axum::Json(
        super::rounds::close_round(&state, &user, id, round).await?,
    ))
}
