//! JSON API for streamlining plans and the workforce dashboard.

use crate::web::Query;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::Action;
use super::service::{self, NewPlan, NewProposal, PlanView, Target, UnitDashboard};
use super::store;
use crate::staff::scope;
use crate::staff::service::parse_date;
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/plans", get(list_plans).post(create_plan))
        .route("/api/plans/{id}", get(get_plan))
        .route("/api/plans/{id}/targets", put(set_targets))
        .route("/api/plans/{id}/people", post(propose))
        .route("/api/plans/{id}/people/{person}", delete(withdraw))
        .route("/api/plans/{id}/submit", post(submit))
        .route("/api/plans/{id}/approve", post(approve))
        .route("/api/plans/{id}/return", post(return_plan))
        .route("/api/plans/{id}/carry-out", post(carry_out))
        .route("/api/recruitment-cap", get(cap))
        .route("/api/staff/dashboard", get(dashboard))
}

#[derive(Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i32,
    pub org_unit_id: i32,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub status: String,
}

#[utoipa::path(get, path = "/api/plans", tag = "plans",
    responses((status = 200, body = [PlanSummary], description = "plans of the units you may see"), (status = 403)))]
pub async fn list_plans(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<PlanSummary>>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(
        store::list(&state.db, scope.units())
            .await?
            .into_iter()
            .map(|p| PlanSummary {
                id: p.id,
                org_unit_id: p.org_unit_id,
                title: p.title,
                first_year: p.first_year,
                last_year: p.last_year,
                status: p.status,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/plans", tag = "plans", request_body = NewPlan,
    responses((status = 201, body = PlanView, description = "a draft with the baseline snapshot"), (status = 403), (status = 422)))]
pub async fn create_plan(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(n): Json<NewPlan>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let p = service::create(&state, &user.actor(), &scope, &n).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(service::view(&state, &p).await?),
    ))
}

#[utoipa::path(get, path = "/api/plans/{id}", tag = "plans", params(("id" = i32, Path)),
    responses((status = 200, body = PlanView, description = "the plan with its people, payouts and projection"), (status = 404)))]
pub async fn get_plan(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<PlanView>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let p = service::visible(&state, &scope, id).await?;
    Ok(axum::Json(service::view(&state, &p).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Targets {
    pub targets: Vec<Target>,
}

#[utoipa::path(put, path = "/api/plans/{id}/targets", tag = "plans", params(("id" = i32, Path)), request_body = Targets,
    responses((status = 200, body = PlanView, description = "targets replaced (drafts only)"), (status = 404), (status = 409), (status = 422)))]
pub async fn set_targets(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(t): Json<Targets>,
) -> Result<axum::Json<PlanView>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    service::set_targets(&state, &user.actor(), &scope, id, &t.targets).await?;
    let p = service::visible(&state, &scope, id).await?;
    Ok(axum::Json(service::view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/plans/{id}/people", tag = "plans", params(("id" = i32, Path)), request_body = NewProposal,
    responses((status = 201, body = PlanView, description = "proposed; the exclusion rules are checked"), (status = 404), (status = 409), (status = 422)))]
pub async fn propose(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(n): Json<NewProposal>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    service::propose(&state, &user.actor(), &scope, id, &n).await?;
    let p = service::visible(&state, &scope, id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(service::view(&state, &p).await?),
    ))
}

#[utoipa::path(delete, path = "/api/plans/{id}/people/{person}", tag = "plans", params(("id" = i32, Path), ("person" = i32, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn withdraw(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, person)): Path<(i32, i32)>,
) -> Result<StatusCode, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    service::withdraw(&state, &user.actor(), &scope, id, person).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
pub struct Note {
    #[serde(default)]
    pub note: String,
}

async fn step(
    state: AppState,
    user: crate::web::CurrentUser,
    id: i32,
    action: Action,
    note: &str,
) -> Result<axum::Json<PlanView>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let p = service::act(&state, &user, &scope, id, action, note).await?;
    Ok(axum::Json(service::view(&state, &p).await?))
}

#[utoipa::path(post, path = "/api/plans/{id}/submit", tag = "plans", params(("id" = i32, Path)),
    responses((status = 200, body = PlanView), (status = 404), (status = 409)))]
pub async fn submit(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<PlanView>, AppError> {
    step(state, user, id, Action::Submit, "").await
}

#[utoipa::path(post, path = "/api/plans/{id}/approve", tag = "plans", params(("id" = i32, Path)), request_body = Note,
    responses((status = 200, body = PlanView), (status = 403, description = "only personnel of a higher unit approve"), (status = 404), (status = 409)))]
pub async fn approve(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(n): Json<Note>,
) -> Result<axum::Json<PlanView>, AppError> {
    step(state, user, id, Action::Approve, &n.note).await
}

#[utoipa::path(post, path = "/api/plans/{id}/return", tag = "plans", params(("id" = i32, Path)), request_body = Note,
    responses((status = 200, body = PlanView, description = "back to draft with the reason"), (status = 403), (status = 404), (status = 409)))]
pub async fn return_plan(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(n): Json<Note>,
) -> Result<axum::Json<PlanView>, AppError> {
    if n.note.trim().is_empty() {
        return Err(AppError::invalid(
            "note",
            Text::key("plans.reason_required"),
        ));
    }
    step(state, user, id, Action::Return, &n.note).await
}

#[derive(Deserialize, ToSchema)]
pub struct CarryOut {
    pub year: i32,
    /// YYYY-MM-DD: the date written in the staff records.
    pub effective_date: String,
}

#[derive(Serialize, ToSchema)]
pub struct CarriedOut {
    pub carried_out: usize,
    pub plan: PlanView,
}

#[utoipa::path(post, path = "/api/plans/{id}/carry-out", tag = "plans", params(("id" = i32, Path)), request_body = CarryOut,
    responses((status = 200, body = CarriedOut, description = "streamlining events written for the year's people"), (status = 404), (status = 409), (status = 422)))]
pub async fn carry_out(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(c): Json<CarryOut>,
) -> Result<axum::Json<CarriedOut>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let effective = parse_date(&c.effective_date)
        .ok_or_else(|| AppError::invalid("effective_date", Text::key("staff.bad_date")))?;
    let n = service::carry_out(&state, &user, &scope, id, c.year, effective).await?;
    let p = service::visible(&state, &scope, id).await?;
    Ok(axum::Json(CarriedOut {
        carried_out: n,
        plan: service::view(&state, &p).await?,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct CapQuery {
    pub unit_id: i32,
    pub year: i32,
}

#[derive(Serialize, ToSchema)]
pub struct Cap {
    pub unit_id: i32,
    pub year: i32,
    /// Hires allowed by the approved plan covering the unit, for all of the plan's
    /// units together: its ratio × the whole plan's departures that year (the
    /// plan's `plan_cap`); null when no approved plan covers the unit and year.
    pub allowed_hires: Option<i32>,
    /// The plan, its cap and the unit's own figures beside it; null with `allowed_hires`.
    pub plan: Option<service::PlanCap>,
}

#[utoipa::path(get, path = "/api/recruitment-cap", tag = "plans", params(CapQuery),
    responses((status = 200, body = Cap), (status = 404)))]
pub async fn cap(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(q): Query<CapQuery>,
) -> Result<axum::Json<Cap>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    if !scope.contains(q.unit_id) {
        return Err(AppError::NotFound);
    }
    let plan = service::plan_cap(&state.db, q.unit_id, q.year).await?;
    Ok(axum::Json(Cap {
        unit_id: q.unit_id,
        year: q.year,
        allowed_hires: plan.as_ref().map(|c| c.plan_cap),
        plan,
    }))
}

#[utoipa::path(get, path = "/api/staff/dashboard", tag = "plans",
    responses((status = 200, body = [UnitDashboard], description = "per unit: headcount against quota, vacancies, retirements in the next 24 months, plan progress"), (status = 403)))]
pub async fn dashboard(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<UnitDashboard>>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(service::dashboard(&state, &scope).await?))
}
