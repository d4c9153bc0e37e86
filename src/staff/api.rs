//! JSON API for staff records, positions, grades and base salaries.

use crate::web::Query;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::{EventKind, Scale};
use super::scope::{self, Scope};
use super::service::{
    self, ImportReport, Lookups, NewEvent, NewPosition, NewStaff, PositionView, StaffView,
};
use super::{import, store};
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/grades", get(grades))
        .route(
            "/api/base-salaries",
            get(base_salaries).post(set_base_salary),
        )
        .route("/api/positions", get(list_positions).post(create_position))
        .route(
            "/api/positions/{id}",
            get(get_position).patch(update_position),
        )
        .route("/api/staff", get(list_staff).post(create_staff))
        .route("/api/staff/import", post(import_staff))
        .route("/api/staff/export", get(export_staff))
        .route("/api/staff/{id}", get(get_staff))
        .route("/api/staff/{id}/events", post(add_event))
}

#[utoipa::path(get, path = "/api/grades", tag = "staff",
    responses((status = 200, body = [Scale], description = "grades with their salary scales (Decree 204/2004)"), (status = 403)))]
pub async fn grades(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<Scale>>, AppError> {
    scope::of(&state.db, &user).await?;
    Ok(axum::Json(store::scales(&state.db).await?))
}

#[derive(Serialize, ToSchema)]
pub struct BaseSalary {
    pub effective_from: NaiveDate,
    pub amount_vnd: i64,
    /// "U" where the figure could not be confirmed.
    pub note: String,
}

#[utoipa::path(get, path = "/api/base-salaries", tag = "staff",
    responses((status = 200, body = [BaseSalary], description = "the dated base-salary table"), (status = 403)))]
pub async fn base_salaries(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<BaseSalary>>, AppError> {
    scope::of(&state.db, &user).await?;
    Ok(axum::Json(
        store::base_salaries(&state.db)
            .await?
            .into_iter()
            .map(|b| BaseSalary {
                effective_from: b.effective_from,
                amount_vnd: b.amount_vnd,
                note: b.note,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewBaseSalary {
    /// YYYY-MM-DD
    pub effective_from: String,
    pub amount_vnd: i64,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/base-salaries", tag = "staff", request_body = NewBaseSalary,
    responses((status = 200, body = [BaseSalary], description = "the table after the change (administrators only)"), (status = 403), (status = 422)))]
pub async fn set_base_salary(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(n): Json<NewBaseSalary>,
) -> Result<axum::Json<Vec<BaseSalary>>, AppError> {
    user.require(&[crate::accounts::domain::Role::Admin])?;
    let from = service::parse_date(&n.effective_from)
        .ok_or_else(|| AppError::invalid("effective_from", Text::key("staff.bad_date")))?;
    if !(100_000..=1_000_000_000).contains(&n.amount_vnd) {
        return Err(AppError::invalid(
            "amount_vnd",
            Text::key("staff.bad_base_salary"),
        ));
    }
    let note: String = n.note.trim().chars().take(200).collect();
    let now = state.now_ms();
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    store::set_base_salary(&txn, from, n.amount_vnd, &note).await?;
    crate::audit::record(
        &txn,
        now,
        &user.actor(),
        crate::audit::Entry::new("base_salary_set", format!("base salary from {from}"))
            .detail(format!("{} VND {note}", n.amount_vnd)),
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(
        store::base_salaries(&state.db)
            .await?
            .into_iter()
            .map(|b| BaseSalary {
                effective_from: b.effective_from,
                amount_vnd: b.amount_vnd,
                note: b.note,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/positions", tag = "staff",
    responses((status = 200, body = [PositionView], description = "positions of the units you may see, with vacancies"), (status = 403)))]
pub async fn list_positions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<PositionView>>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(service::positions(&state, &scope).await?))
}

#[utoipa::path(post, path = "/api/positions", tag = "staff", request_body = NewPosition,
    responses((status = 201, body = PositionView), (status = 403), (status = 422)))]
pub async fn create_position(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(p): Json<NewPosition>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let view = service::create_position(&state, &user.actor(), &scope, &p).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[utoipa::path(get, path = "/api/positions/{id}", tag = "staff", params(("id" = i32, Path)),
    responses((status = 200, body = PositionView), (status = 404)))]
pub async fn get_position(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<PositionView>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    service::positions(&state, &scope)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .map(axum::Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(patch, path = "/api/positions/{id}", tag = "staff", params(("id" = i32, Path)), request_body = NewPosition,
    responses((status = 200, body = PositionView, description = "title, group, grade and headcount change; the unit stays"), (status = 404), (status = 422)))]
pub async fn update_position(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(p): Json<NewPosition>,
) -> Result<axum::Json<PositionView>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(
        service::update_position(&state, &user.actor(), &scope, id, &p).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct StaffQuery {
    /// Only this unit (must be one you may see).
    pub unit_id: Option<i32>,
    /// `active`, `retired` or `streamlined`; empty for all.
    pub status: Option<String>,
    /// Part of the name.
    pub name: Option<String>,
    pub position_id: Option<i32>,
}

pub async fn query_staff(
    state: &AppState,
    scope: &Scope,
    q: &StaffQuery,
) -> Result<Vec<StaffView>, AppError> {
    let units = match q.unit_id {
        Some(u) if scope.contains(u) => Some(vec![u]),
        Some(_) => Some(vec![]),
        None => scope.units().map(<[i32]>::to_vec),
    };
    let filter = store::StaffFilter {
        units,
        status: q.status.clone(),
        name: q.name.clone(),
        position_id: q.position_id,
    };
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    Ok(store::list(&state.db, &filter)
        .await?
        .iter()
        .map(|s| service::view(s, &lk, scope))
        .collect())
}

#[utoipa::path(get, path = "/api/staff", tag = "staff", params(StaffQuery),
    responses((status = 200, body = [StaffView], description = "staff of the units you may see"), (status = 403)))]
pub async fn list_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(q): Query<StaffQuery>,
) -> Result<axum::Json<Vec<StaffView>>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(query_staff(&state, &scope, &q).await?))
}

#[utoipa::path(post, path = "/api/staff", tag = "staff", request_body = NewStaff,
    responses((status = 201, body = StaffView, description = "the record, opened with a hire event"), (status = 403), (status = 422)))]
pub async fn create_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(n): Json<NewStaff>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let m = service::hire(&state, &user.actor(), &scope, &n).await?;
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(service::view(&m, &lk, &scope)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub effective_date: NaiveDate,
    pub event: EventKind,
    pub note: String,
    pub recorded_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffDetail {
    pub staff: StaffView,
    pub events: Vec<EventView>,
}

pub async fn detail(state: &AppState, scope: &Scope, id: i32) -> Result<StaffDetail, AppError> {
    let s = store::find(&state.db, id)
        .await?
        .filter(|s| scope.contains(s.org_unit_id))
        .ok_or(AppError::NotFound)?;
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    let events = store::events(&state.db, id)
        .await?
        .into_iter()
        .map(|(m, kind)| EventView {
            id: m.id,
            effective_date: m.effective_date,
            event: kind,
            note: m.note,
            recorded_by: m.actor_name,
        })
        .collect();
    Ok(StaffDetail {
        staff: service::view(&s, &lk, scope),
        events,
    })
}

#[utoipa::path(get, path = "/api/staff/{id}", tag = "staff", params(("id" = i32, Path)),
    responses((status = 200, body = StaffDetail), (status = 404, description = "no such record in your units")))]
pub async fn get_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<StaffDetail>, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    Ok(axum::Json(detail(&state, &scope, id).await?))
}

#[utoipa::path(post, path = "/api/staff/{id}/events", tag = "staff", params(("id" = i32, Path)), request_body = NewEvent,
    responses((status = 201, body = StaffDetail, description = "the event is recorded and the record refolded"), (status = 404), (status = 422)))]
pub async fn add_event(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(n): Json<NewEvent>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    service::add_event(&state, &user.actor(), &scope, id, &n).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(detail(&state, &scope, id).await?),
    ))
}

/// The first file in a multipart body: (file name, bytes).
pub async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>), AppError> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(Text::key("import.bad_upload").with("detail", e)))?
    {
        if let Some(name) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(|e| {
                AppError::bad_request(Text::key("import.bad_upload").with("detail", e))
            })?;
            if bytes.is_empty() {
                continue;
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(AppError::invalid("file", Text::key("import.no_file")))
}

#[utoipa::path(post, path = "/api/staff/import", tag = "staff",
    request_body(content_type = "multipart/form-data", description = "a field `file` with a CSV or XLSX file"),
    responses((status = 201, body = ImportReport, description = "all rows imported"), (status = 422, body = ImportReport, description = "nothing imported; the problems by row and column")))]
pub async fn import_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let (name, bytes) = read_upload(multipart).await?;
    let report = service::import(&state, &user.actor(), &scope, &bytes, &name).await?;
    let status = if report.problems.is_empty() {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, axum::Json(report)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

pub async fn export(
    state: &AppState,
    user: &crate::web::CurrentUser,
    format: &str,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, user).await?;
    let rows = service::export_rows(state, &scope).await?;
    service::audit_export(state, &user.actor(), rows.len(), format).await?;
    let (bytes, mime, ext) = if format == "xlsx" {
        (
            import::to_xlsx(&rows)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx export: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        (
            import::to_csv(&rows).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"staff.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/staff/export", tag = "staff", params(ExportQuery),
    responses((status = 200, description = "active staff of your units, in the import columns"), (status = 403)))]
pub async fn export_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    export(&state, &user, q.format.as_deref().unwrap_or("csv")).await
}
