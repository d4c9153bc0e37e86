//! JSON API for papers and forms.

use crate::web::Query;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entity::paper;
use super::form::FairnessReport;
use super::paper::PaperSpec;
use super::service::{self, Issued, NewPaperInput, PaperEdit, Reproduction};
use super::view::{SectionView, form_view};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns/{id}/papers", get(list).post(create))
        .route("/api/papers/{id}", get(show).put(save))
        .route("/api/papers/{id}/feasibility", get(feasibility))
        .route("/api/papers/{id}/publish", post(publish))
        .route("/api/papers/{id}/preview", get(preview))
        .route("/api/papers/{id}/forms", post(issue_forms))
        .route("/api/papers/{id}/fairness", get(fairness))
        .route("/api/papers/{id}/forms/{form_id}/reproduce", get(reproduce))
}

#[derive(Serialize, ToSchema)]
pub struct PaperView {
    pub id: i32,
    pub campaign_id: i32,
    pub round: i32,
    pub title: String,
    pub version: i32,
    pub supersedes_id: Option<i32>,
    pub status: String,
    pub spec: PaperSpec,
    pub time_limit_minutes: i32,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub grace_seconds: i32,
}

impl TryFrom<paper::Model> for PaperView {
    type Error = AppError;
    fn try_from(p: paper::Model) -> Result<Self, AppError> {
        Ok(PaperView {
            spec: service::spec_of(&p)?,
            id: p.id,
            campaign_id: p.campaign_id,
            round: p.round,
            title: p.title,
            version: p.version,
            supersedes_id: p.supersedes_id,
            status: p.status,
            time_limit_minutes: p.time_limit_minutes,
            opens_ms: p.opens_ms,
            closes_ms: p.closes_ms,
            grace_seconds: p.grace_seconds,
        })
    }
}

#[utoipa::path(get, path = "/api/campaigns/{id}/papers", tag = "papers", params(("id" = i32, Path)), responses((status = 200, body = [PaperView]), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Vec<PaperView>>, AppError> {
    let c = crate::campaigns::service::managed_campaign(&state, &user, id).await?;
    let papers = super::store::papers_of_campaign(&state.db, c.id).await?;
    Ok(axum::Json(
        papers
            .into_iter()
            .map(PaperView::try_from)
            .collect::<Result<_, _>>()?,
    ))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/papers", tag = "papers", params(("id" = i32, Path)), request_body = NewPaperInput,
    responses((status = 201, body = PaperView), (status = 404), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<NewPaperInput>,
) -> Result<impl IntoResponse, AppError> {
    let p = service::create(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(PaperView::try_from(p)?)))
}

#[utoipa::path(get, path = "/api/papers/{id}", tag = "papers", params(("id" = i32, Path)), responses((status = 200, body = PaperView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<PaperView>, AppError> {
    let (p, _) = service::paper_for(&state, &user, id).await?;
    Ok(axum::Json(p.try_into()?))
}

#[utoipa::path(put, path = "/api/papers/{id}", tag = "papers", params(("id" = i32, Path)), request_body = PaperEdit,
    responses((status = 200, body = PaperView, description = "the saved paper: the same id for a draft, a new version for a published paper"), (status = 403), (status = 422)))]
pub async fn save(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(edit): Json<PaperEdit>,
) -> Result<axum::Json<PaperView>, AppError> {
    Ok(axum::Json(
        service::save(&state, &user, id, &edit).await?.try_into()?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Feasibility {
    pub feasible: bool,
    /// One message per short row, naming it and by how many it is short.
    pub shortfalls: Vec<String>,
}

#[utoipa::path(get, path = "/api/papers/{id}/feasibility", tag = "papers", params(("id" = i32, Path)), responses((status = 200, body = Feasibility)))]
pub async fn feasibility(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Feasibility>, AppError> {
    let (p, _) = service::paper_for(&state, &user, id).await?;
    let shortfalls = service::feasibility(&state, &p).await?;
    Ok(axum::Json(Feasibility {
        feasible: shortfalls.is_empty(),
        shortfalls,
    }))
}

#[utoipa::path(post, path = "/api/papers/{id}/publish", tag = "papers", params(("id" = i32, Path)), responses((status = 204), (status = 422, description = "not feasible or not valid")))]
pub async fn publish(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<StatusCode, AppError> {
    service::publish(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SeedQuery {
    pub seed: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct Preview {
    pub seed: u64,
    pub sections: Vec<SectionView>,
}

#[utoipa::path(get, path = "/api/papers/{id}/preview", tag = "papers", params(("id" = i32, Path), SeedQuery),
    responses((status = 200, body = Preview, description = "a sample form exactly as a candidate would receive it")))]
pub async fn preview(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<SeedQuery>,
) -> Result<axum::Json<Preview>, AppError> {
    let seed = q.seed.unwrap_or(1);
    let (p, form, content) = service::preview(&state, &user, id, seed).await?;
    let spec = service::spec_of(&p)?;
    Ok(axum::Json(Preview {
        seed,
        sections: form_view(&spec.blueprint, &form, &content),
    }))
}

#[utoipa::path(post, path = "/api/papers/{id}/forms", tag = "papers", params(("id" = i32, Path)), responses((status = 200, body = Issued)))]
pub async fn issue_forms(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Issued>, AppError> {
    Ok(axum::Json(service::issue_forms(&state, &user, id).await?))
}

#[utoipa::path(get, path = "/api/papers/{id}/fairness", tag = "papers", params(("id" = i32, Path)), responses((status = 200, body = Object)))]
pub async fn fairness(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<FairnessReport>, AppError> {
    Ok(axum::Json(service::fairness(&state, &user, id).await?.1))
}

#[utoipa::path(get, path = "/api/papers/{id}/forms/{form_id}/reproduce", tag = "papers", params(("id" = i32, Path), ("form_id" = i32, Path)),
    responses((status = 200, body = Reproduction)))]
pub async fn reproduce(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, form_id)): Path<(i32, i32)>,
) -> Result<axum::Json<Reproduction>, AppError> {
    Ok(axum::Json(
        service::reproduce(&state, &user, id, form_id).await?,
    ))
}
