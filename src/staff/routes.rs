//! HTML pages for staff records and job positions. Thin: the checks live in
//! `service.rs`, shared with the JSON API.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::api::{self, StaffDetail, StaffQuery};
use super::domain::{self, StepOutlook};
use super::import::Problem;
use super::scope::{self, Scope};
use super::service::{self, NewEvent, NewPosition, NewStaff, PositionView, StaffView};
use super::store;
use crate::org_units;
use crate::state::AppState;
use crate::web::i18n::{Text, Tr};
use crate::web::{AppError, AuthUser, CurrentUser, Form, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list_page).post(create_form))
        .route("/staff/new", get(new_page))
        .route("/staff/import", get(import_page).post(import_form))
        .route("/staff/export.csv", get(export_csv))
        .route("/staff/export.xlsx", get(export_xlsx))
        .route("/staff/{id}", get(detail_page))
        .route("/staff/{id}/events", post(event_form))
        .route("/positions", get(positions_page).post(position_form))
        .route("/positions/{id}", post(position_update_form))
}

/// What a person reads for the next step, in their language.
pub fn outlook_text(tr: &Tr, o: &StepOutlook) -> String {
    match o {
        StepOutlook::NextStep {
            due,
            step,
            coefficient,
        } => Text::key("staff.next_step_text")
            .with("step", step)
            .with("coefficient", domain::format_coefficient(*coefficient))
            .with("due", due)
            .render(tr.0),
        StepOutlook::Seniority { from } => Text::key("staff.seniority_text")
            .with("from", from)
            .render(tr.0),
        StepOutlook::Unknown => "—".into(),
    }
}

pub fn vnd(v: &Option<i64>) -> String {
    v.map(domain::format_vnd).unwrap_or_else(|| "—".into())
}

async fn unit_options(state: &AppState, scope: &Scope) -> Result<Vec<(i32, String)>, AppError> {
    Ok(org_units::store::options(&state.db)
        .await?
        .into_iter()
        .filter(|(id, _)| scope.contains(*id))
        .collect())
}

#[derive(Template)]
#[template(path = "staff/list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<StaffView>,
    units: Vec<(i32, String)>,
    unit_id: Option<i32>,
    status: String,
    name: String,
}

impl ListPage {
    fn outlook(&self, o: &StepOutlook) -> String {
        outlook_text(&self.s.tr, o)
    }
    fn pay(&self, v: &Option<i64>) -> String {
        vnd(v)
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    name: String,
}

async fn list_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let unit_id = q.unit_id.parse().ok();
    let status = q.status.unwrap_or_else(|| "active".into());
    let rows = api::query_staff(
        &state,
        &scope,
        &StaffQuery {
            unit_id,
            status: Some(status.clone()),
            name: Some(q.name.clone()),
            position_id: None,
        },
    )
    .await?;
    render(ListPage {
        s,
        rows,
        units: unit_options(&state, &scope).await?,
        unit_id,
        status,
        name: q.name,
    })
}

#[derive(Template)]
#[template(path = "staff/new.html")]
struct NewPage {
    s: Shell,
    units: Vec<(i32, String)>,
    positions: Vec<PositionView>,
    grades: Vec<domain::Scale>,
    errors: Vec<String>,
    f: StaffForm,
}

#[derive(Deserialize, Default, Clone)]
struct StaffForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    position_id: String,
    #[serde(default)]
    employment_type: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    coefficient: String,
    #[serde(default)]
    last_step_raise: String,
    #[serde(default)]
    hire_date: String,
}

async fn new_page_with(
    state: &AppState,
    s: Shell,
    scope: &Scope,
    f: StaffForm,
    errors: Vec<String>,
) -> Result<NewPage, AppError> {
    Ok(NewPage {
        s,
        units: unit_options(state, scope).await?,
        positions: service::positions(state, scope).await?,
        grades: store::scales(&state.db).await?,
        errors,
        f,
    })
}

async fn new_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let f = StaffForm {
        step: "1".into(),
        employment_type: "civil_servant".into(),
        grade: "A1".into(),
        ..Default::default()
    };
    render(new_page_with(&state, s, &scope, f, vec![]).await?)
}

async fn create_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(f): Form<StaffForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let n = NewStaff {
        full_name: f.full_name.clone(),
        gender: f.gender.clone(),
        date_of_birth: f.date_of_birth.clone(),
        national_id: Some(f.national_id.clone()),
        org_unit_id: f.org_unit_id.parse().unwrap_or(0),
        position_id: f.position_id.parse().ok(),
        employment_type: f.employment_type.clone(),
        grade: f.grade.clone(),
        step: f.step.trim().parse().unwrap_or(0),
        coefficient: Some(f.coefficient.clone()),
        last_step_raise: Some(f.last_step_raise.clone()),
        hire_date: f.hire_date.clone(),
    };
    match service::hire(&state, &user.actor(), &scope, &n).await {
        Ok(m) => Ok(Redirect::to(&format!("/staff/{}", m.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = e.messages(s.tr.0);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(new_page_with(&state, s, &scope, f, errors).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/detail.html")]
struct DetailPage {
    s: Shell,
    d: StaffDetail,
    outlook: String,
    pay: String,
    units: Vec<(i32, String)>,
    positions: Vec<PositionView>,
    grades: Vec<domain::Scale>,
    errors: Vec<String>,
}

impl DetailPage {
    fn event_text(&self, e: &domain::EventKind) -> String {
        event_text(&self.s.tr, e)
    }
}

fn event_text(tr: &Tr, e: &domain::EventKind) -> String {
    use domain::EventKind::*;
    match e {
        Hire {
            grade,
            step,
            coefficient,
            ..
        }
        | Promotion {
            grade,
            step,
            coefficient,
            ..
        } => format!(
            "{grade} · {} {step} · {}",
            tr.t("staff.step"),
            domain::format_coefficient(*coefficient)
        ),
        StepRaise { step, coefficient } => format!(
            "{} {step} · {}",
            tr.t("staff.step"),
            domain::format_coefficient(*coefficient)
        ),
        Transfer { .. } => String::new(),
        Appraisal { year, rating } => format!("{year}: {}", tr.label(rating.as_str())),
        Discipline { stage } => tr.label(stage.as_str()),
        Leave { leave_kind, until } => format!("{} → {until}", tr.label(leave_kind.as_str())),
        Retirement => String::new(),
        Streamlining {
            category, route, ..
        } => format!("{} · {}", tr.label(category), tr.label(route)),
    }
}

async fn detail_with(
    state: &AppState,
    s: Shell,
    scope: &Scope,
    id: i32,
    errors: Vec<String>,
) -> Result<DetailPage, AppError> {
    let d = api::detail(state, scope, id).await?;
    Ok(DetailPage {
        outlook: outlook_text(&s.tr, &d.staff.next_step),
        pay: vnd(&d.staff.monthly_pay_vnd),
        s,
        d,
        units: unit_options(state, scope).await?,
        positions: service::positions(state, scope).await?,
        grades: store::scales(&state.db).await?,
        errors,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    render(detail_with(&state, s, &scope, id, vec![]).await?)
}

#[derive(Deserialize, Default)]
struct EventForm {
    kind: String,
    #[serde(default)]
    effective_date: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    position_id: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    coefficient: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    leave_kind: String,
    #[serde(default)]
    until: String,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn event_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<EventForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let n = NewEvent {
        kind: f.kind,
        effective_date: f.effective_date,
        note: f.note,
        org_unit_id: f.org_unit_id.parse().ok(),
        position_id: f.position_id.parse().ok(),
        grade: opt(&f.grade),
        step: f.step.trim().parse().ok(),
        coefficient: opt(&f.coefficient),
        year: f.year.trim().parse().ok(),
        rating: opt(&f.rating),
        stage: opt(&f.stage),
        leave_kind: opt(&f.leave_kind),
        until: opt(&f.until),
    };
    match service::add_event(&state, &user.actor(), &scope, id, &n).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = e.messages(s.tr.0);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(detail_with(&state, s, &scope, id, errors).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "staff/import.html")]
struct ImportPage {
    s: Shell,
    imported: Option<usize>,
    problems: Vec<(usize, String, String)>,
}

async fn import_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    scope::of(&state.db, &user).await?;
    render(ImportPage {
        s,
        imported: None,
        problems: vec![],
    })
}

async fn import_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let (name, bytes) = api::read_upload(multipart).await?;
    let report = service::import(&state, &user.actor(), &scope, &bytes, &name).await?;
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let problems = report
        .problems
        .iter()
        .map(|p: &Problem| (p.row, p.column.clone(), p.render(s.tr.0)))
        .collect();
    Ok((
        status,
        render(ImportPage {
            s,
            imported: Some(report.imported),
            problems,
        })?,
    )
        .into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Response, AppError> {
    api::export(&state, &user, "csv").await
}

async fn export_xlsx(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Response, AppError> {
    api::export(&state, &user, "xlsx").await
}

#[derive(Template)]
#[template(path = "staff/positions.html")]
struct PositionsPage {
    s: Shell,
    positions: Vec<PositionView>,
    units: Vec<(i32, String)>,
    grades: Vec<domain::Scale>,
    errors: Vec<String>,
}

async fn positions_with(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    errors: Vec<String>,
) -> Result<PositionsPage, AppError> {
    let scope = scope::of(&state.db, user).await?;
    Ok(PositionsPage {
        s,
        positions: service::positions(state, &scope).await?,
        units: unit_options(state, &scope).await?,
        grades: store::scales(&state.db).await?,
        errors,
    })
}

async fn positions_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    render(positions_with(&state, s, &user, vec![]).await?)
}

#[derive(Deserialize, Default)]
struct PositionForm {
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    headcount: String,
}

impl PositionForm {
    fn to_new(&self) -> NewPosition {
        NewPosition {
            org_unit_id: self.org_unit_id.parse().unwrap_or(0),
            title: self.title.clone(),
            group: self.group.clone(),
            grade: self.grade.clone(),
            headcount: self.headcount.trim().parse().unwrap_or(-1),
        }
    }
}

async fn position_result(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    r: Result<PositionView, AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to("/positions").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = e.messages(s.tr.0);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(positions_with(state, s, user, errors).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn position_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(f): Form<PositionForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let r = service::create_position(&state, &user.actor(), &scope, &f.to_new()).await;
    position_result(&state, s, &user, r).await
}

async fn position_update_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<PositionForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let r = service::update_position(&state, &user.actor(), &scope, id, &f.to_new()).await;
    position_result(&state, s, &user, r).await
}
