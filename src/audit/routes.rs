//! Administrators browse and filter the audit log.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::entity;
use super::store::{self, Filter, PAGE_SIZE};
use crate::accounts::domain::Role;
use crate::clock::format_ms;
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit_page))
        .route("/api/audit", get(list))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client_addr: String,
}

impl From<entity::Model> for AuditEntry {
    fn from(m: entity::Model) -> Self {
        AuditEntry {
            id: m.id,
            at_ms: m.at_ms,
            actor_id: m.actor_id,
            actor: m.actor_name,
            action: m.action,
            target: m.target,
            detail: m.detail,
            client_addr: m.client_addr,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[utoipa::path(get, path = "/api/audit", tag = "audit", params(Filter),
    responses((status = 200, body = AuditPage), (status = 403)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(filter): Query<Filter>,
) -> Result<axum::Json<AuditPage>, AppError> {
    user.require(&[Role::Admin])?;
    let (rows, total) = store::list(&state.db, &filter).await?;
    Ok(axum::Json(AuditPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page: filter.page.unwrap_or(1).max(1),
        page_size: PAGE_SIZE,
    }))
}

pub struct Row {
    pub at: String,
    pub entry: AuditEntry,
}

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditHtml {
    s: Shell,
    rows: Vec<Row>,
    filter: Filter,
    total: u64,
    page: u64,
    pages: u64,
}

impl AuditHtml {
    fn query_for(&self, page: u64) -> String {
        serde_urlencoded::to_string([
            ("action", self.filter.action.clone().unwrap_or_default()),
            ("actor", self.filter.actor.clone().unwrap_or_default()),
            ("target", self.filter.target.clone().unwrap_or_default()),
            ("page", page.to_string()),
        ])
        .unwrap_or_default()
    }
}

async fn audit_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Query(filter): Query<Filter>,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let (rows, total) = store::list(&state.db, &filter).await?;
    let rows = rows
        .into_iter()
        .map(|m| Row {
            at: format_ms(m.at_ms),
            entry: m.into(),
        })
        .collect();
    let page = filter.page.unwrap_or(1).max(1);
    render(AuditHtml {
        s,
        rows,
        filter,
        total,
        page,
        pages: total.div_ceil(PAGE_SIZE).max(1),
    })
}
