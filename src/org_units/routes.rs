//! Org-unit pages and API. Administrators build the tree; personnel see their
//! own subtree.

use crate::db::BeginWrite;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::ToSchema;

use super::domain::{self, Placed, Unit};
use super::store;
use crate::accounts::domain::Role;
use crate::audit::{self, Actor, Entry};
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, CurrentUser, Form, Json, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/units", get(units_page).post(create_unit_form))
        .route("/admin/units/{id}", post(rename_unit_form))
        .route("/api/org-units", get(list_units).post(create_unit))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NewUnit {
    /// Empty for a new root (a province).
    #[serde(default)]
    pub parent_id: Option<i32>,
    pub code: String,
    pub name: String,
}

pub async fn create(state: &AppState, actor: &Actor, form: &NewUnit) -> Result<Unit, AppError> {
    let code = form.code.trim();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = Vec::new();
    if !domain::valid_code(code) {
        errors.push(FieldError::new("code", Text::key("units.bad_code")));
    }
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", Text::key("units.bad_name")));
    }
    if let Some(parent) = form.parent_id
        && store::find(&state.db, parent).await?.is_none()
    {
        errors.push(FieldError::new(
            "parent_id",
            Text::key("units.no_such_unit"),
        ));
    }
    if store::find_by_code(&state.db, code).await?.is_some() {
        errors.push(FieldError::new("code", Text::key("units.code_taken")));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let unit = store::insert(&txn, form.parent_id, code, &name, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("org_unit_created", format!("{code} {name}"))
            .detail(format!("parent {:?}", form.parent_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(unit)
}

/// What a user may see of the tree: everything for administrators, the own
/// subtree for personnel, nothing for others.
async fn visible(state: &AppState, user: &CurrentUser) -> Result<Vec<Placed>, AppError> {
    let all = store::all(&state.db).await?;
    let placed = domain::depth_first(&all);
    match (user.role, user.org_unit_id) {
        (Role::Admin, _) => Ok(placed),
        (Role::Personnel, Some(root)) => {
            let mine = domain::subtree(&all, root);
            Ok(placed
                .into_iter()
                .filter(|p| mine.contains(&p.unit.id))
                .collect())
        }
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "org_units/index.html")]
struct UnitsPage {
    s: Shell,
    units: Vec<Placed>,
    can_edit: bool,
    errors: Vec<String>,
    form_code: String,
    form_name: String,
}

async fn units_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let units = visible(&state, &user).await?;
    render(UnitsPage {
        s,
        units,
        can_edit: user.role == Role::Admin,
        errors: vec![],
        form_code: String::new(),
        form_name: String::new(),
    })
}

#[derive(Deserialize)]
struct UnitForm {
    #[serde(default)]
    parent_id: String,
    code: String,
    name: String,
}

async fn create_unit_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let new = NewUnit {
        parent_id: form.parent_id.parse().ok(),
        code: form.code.clone(),
        name: form.name.clone(),
    };
    match create(&state, &user.actor(), &new).await {
        Ok(_) => Ok(Redirect::to("/admin/units").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = e.messages(s.tr.0);
            let units = visible(&state, &user).await?;
            let page = UnitsPage {
                s,
                units,
                can_edit: true,
                errors,
                form_code: form.code,
                form_name: form.name,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename_unit_form(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<RenameForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let unit = store::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name", Text::key("units.bad_name")));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::rename(&txn, id, &name).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("org_unit_renamed", &unit.code).detail(format!("{} → {name}", unit.name)),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/units").into_response())
}

#[utoipa::path(get, path = "/api/org-units", tag = "org units",
    responses((status = 200, body = [Placed], description = "depth-first; personnel see their subtree"), (status = 403)))]
pub async fn list_units(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<Placed>>, AppError> {
    Ok(axum::Json(visible(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/org-units", tag = "org units", request_body = NewUnit,
    responses((status = 201, body = Unit), (status = 403), (status = 422)))]
pub async fn create_unit(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(form): Json<NewUnit>,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let unit = create(&state, &user.actor(), &form).await?;
    Ok((StatusCode::CREATED, axum::Json(unit)))
}
