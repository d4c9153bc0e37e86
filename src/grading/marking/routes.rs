//! HTML pages: a board member's papers to mark, a paper's marking queue, the
//! marking page of one answer; the candidate's appeal form (on their results
//! page); the personnel's list of a campaign's appeals.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::appeals::{self, AppealInput, AppealRow};
use super::service::{self, MarkingPaper, MarkingQueue, MarkingTask};
use crate::grading::service::fmt2;
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Form, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/marking", get(papers))
        .route("/papers/{id}/marking", get(queue))
        .route(
            "/papers/{id}/marking/{script}/{item}",
            get(task_page).post(mark),
        )
        .route("/results/appeals", post(request))
        .route("/campaigns/{id}/appeals", get(of_campaign))
}

#[derive(Template)]
#[template(path = "grading/marking_papers.html")]
struct PapersPage {
    s: Shell,
    papers: Vec<MarkingPaper>,
}

async fn papers(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let papers = service::papers(&state, &user).await?;
    render(PapersPage { s, papers })
}

#[derive(Template)]
#[template(path = "grading/marking_queue.html")]
struct QueuePage {
    s: Shell,
    q: MarkingQueue,
}

impl QueuePage {
    fn f(&self, x: &f64) -> String {
        fmt2(*x)
    }

    fn stage(&self, stage: &str) -> String {
        stage_text(&self.s, stage)
    }
}

fn stage_text(s: &Shell, stage: &str) -> String {
    s.tr.t(match stage {
        "reconcile" => "marking.stage_reconcile",
        "appeal" => "marking.stage_appeal",
        _ => "marking.stage_blind",
    })
}

async fn queue(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let q = service::queue(&state, &user, id).await?;
    render(QueuePage { s, q })
}

#[derive(Template)]
#[template(path = "grading/marking_task.html")]
struct TaskPage {
    s: Shell,
    t: MarkingTask,
    errors: Vec<String>,
    points: String,
    note: String,
}

impl TaskPage {
    fn f(&self, x: &f64) -> String {
        fmt2(*x)
    }

    fn stage(&self) -> String {
        stage_text(&self.s, &self.t.stage)
    }
}

async fn task_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, script, item)): Path<(i32, String, usize)>,
) -> Result<impl IntoResponse, AppError> {
    let t = service::task(&state, &user, id, &script, item).await?;
    render(TaskPage {
        s,
        t,
        errors: Vec::new(),
        points: String::new(),
        note: String::new(),
    })
}

#[derive(Deserialize)]
struct MarkForm {
    points: String,
    #[serde(default)]
    note: String,
}

async fn mark(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, script, item)): Path<(i32, String, usize)>,
    Form(form): Form<MarkForm>,
) -> Result<Response, AppError> {
    match service::mark(&state, &user, id, &script, item, &form.points, &form.note).await {
        Ok(_) => Ok(Redirect::to(&format!("/papers/{id}/marking")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(user.locale)?;
            let t = service::task(&state, &user, id, &script, item).await?;
            let page = TaskPage {
                s,
                t,
                errors,
                points: form.points,
                note: form.note,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
struct AppealForm {
    campaign_id: i32,
    round: String,
    section: String,
    #[serde(default)]
    reason: String,
}

async fn request(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(form): Form<AppealForm>,
) -> Result<Response, AppError> {
    let input = AppealInput {
        campaign_id: form.campaign_id,
        round: form.round,
        section: form.section,
        reason: form.reason,
    };
    match appeals::request(&state, &user, &input).await {
        Ok(_) => Ok(Redirect::to("/results").into_response()),
        Err(e) => {
            let errors = e.into_form_messages(user.locale)?;
            crate::grading::routes::mine_page(&state, s, &user, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "grading/appeals.html")]
struct AppealsPage {
    s: Shell,
    campaign_id: i32,
    title: String,
    rows: Vec<AppealRow>,
}

impl AppealsPage {
    fn f(&self, x: &f64) -> String {
        fmt2(*x)
    }

    fn num(&self, x: &Option<f64>) -> String {
        x.map(fmt2).unwrap_or_else(|| "—".into())
    }

    fn when(&self, ms: &i64) -> String {
        crate::clock::format_ms(*ms)
    }
}

async fn of_campaign(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let (c, rows) = appeals::of_campaign(&state, &user, id).await?;
    render(AppealsPage {
        s,
        campaign_id: c.id,
        title: c.title,
        rows,
    })
}
