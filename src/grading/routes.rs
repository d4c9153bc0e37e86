//! HTML pages: the personnel's results and rankings with exports, tie
//! decisions and release; the candidate's own results; a paper's item
//! statistics with its histogram.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::item_analysis::{HistogramLabels, ItemFlag, histogram_svg};
use super::numbers::{fmt2, score};
use super::ranking::Standing;
use super::service::{self, CampaignResults, OwnResult, PaperStatistics};
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, CurrentUser, Form, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/papers/{id}/grade", post(grade))
        .route("/papers/{id}/statistics", get(statistics))
        .route("/campaigns/{id}/results", get(results))
        .route("/campaigns/{id}/results.csv", get(results_csv))
        .route("/campaigns/{id}/results.xlsx", get(results_xlsx))
        .route("/campaigns/{id}/release", post(release))
        .route("/campaigns/{id}/rounds/{round}/close", post(close_round))
        .route(
            "/campaigns/{id}/positions/{position}/tie-decision",
            post(tie_decision),
        )
        .route("/results", get(mine))
}

#[derive(Deserialize)]
struct GradeForm {
    /// `/campaigns/{id}/results` when graded from the results page.
    #[serde(default)]
    back: String,
}

/// Where a grade form asks to go back to: only a results page, never an
/// address from elsewhere.
fn results_page(back: &str) -> Option<String> {
    let id: i32 = back
        .strip_prefix("/campaigns/")?
        .strip_suffix("/results")?
        .parse()
        .ok()?;
    Some(format!("/campaigns/{id}/results"))
}

async fn grade(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<GradeForm>,
) -> Result<Response, AppError> {
    service::grade_paper_for(&state, &user, id).await?;
    let to = results_page(&form.back).unwrap_or_else(|| format!("/papers/{id}/statistics"));
    Ok(Redirect::to(&to).into_response())
}

fn svg(s: &Shell, id: &str, bins: &[super::item_analysis::Bin]) -> String {
    let (title, desc, x, y) = (
        s.tr.t("grading.histogram"),
        s.tr.t("grading.histogram_desc"),
        s.tr.t("grading.score"),
        s.tr.t("grading.count"),
    );
    histogram_svg(
        bins,
        &HistogramLabels {
            id,
            title: &title,
            description: &desc,
            x_axis: &x,
            y_axis: &y,
        },
    )
}

#[derive(Template)]
#[template(path = "grading/statistics.html")]
struct StatisticsPage {
    s: Shell,
    st: PaperStatistics,
    chart: String,
}

impl StatisticsPage {
    fn num(&self, x: &Option<f64>) -> String {
        x.map(fmt2).unwrap_or_else(|| "—".into())
    }

    fn flag(&self, f: &ItemFlag) -> String {
        self.s.tr.t(match f {
            ItemFlag::NegativeDiscrimination => "grading.flag_negative_discrimination",
            ItemFlag::TooHard => "grading.flag_too_hard",
            ItemFlag::TooEasy => "grading.flag_too_easy",
        })
    }
}

async fn statistics(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let (p, _) = crate::exams::service::paper_for(&state, &user, id).await?;
    let st = service::statistics_of(&state.db, &p).await?;
    let chart = svg(&s, "paper-histogram", &st.histogram);
    render(StatisticsPage { s, st, chart })
}

#[derive(Template)]
#[template(path = "grading/results.html")]
struct ResultsPage {
    s: Shell,
    r: CampaignResults,
    chart: String,
    /// Why a release was refused.
    errors: Vec<String>,
    rounds: Vec<super::rounds::RoundState>,
    /// Why closing a round was refused, shown beside the rounds.
    round_errors: Vec<String>,
}

impl ResultsPage {
    fn num(&self, x: &Option<f64>) -> String {
        x.map(score).unwrap_or_else(|| "—".into())
    }

    fn f(&self, x: &f64) -> String {
        score(*x)
    }

    fn pending_text(&self, key: &str, count: &u64) -> String {
        self.s.tr.t(key).replace("{count}", &count.to_string())
    }

    fn standing(&self, st: &Standing) -> String {
        self.s.tr.t(match st {
            Standing::Selected => "results.standing_selected",
            Standing::NotSelected => "results.standing_not_selected",
            Standing::AwaitingTieDecision => "results.standing_awaiting_tie_decision",
            Standing::Failed => "results.standing_failed",
        })
    }

    fn tie_text(&self, ids: &[i32], places: &Option<u32>) -> String {
        self.s
            .tr
            .t("results.unresolved_tie")
            .replace("{places}", &places.unwrap_or(0).to_string())
            .replace("{ids}", &self.ids(ids))
    }

    fn ids(&self, ids: &[i32]) -> String {
        ids.iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn results(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    show_results(&state, s, &user, id, Vec::new(), Vec::new()).await
}

/// The results page, with the messages of a refused release or round
/// closing (then 422).
async fn show_results(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    id: i32,
    errors: Vec<String>,
    round_errors: Vec<String>,
) -> Result<Response, AppError> {
    let r = service::results_for(state, user, id).await?;
    let rounds = super::rounds::round_states(state, user, id).await?;
    let chart = svg(&s, "results-histogram", &r.histogram);
    let status = if errors.is_empty() && round_errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(ResultsPage {
            s,
            r,
            chart,
            errors,
            rounds,
            round_errors,
        })?,
    )
        .into_response())
}

#[derive(Deserialize)]
struct CloseRoundForm {
    /// The confirmation checkbox: closing decides who may sit the next round.
    close_confirm: Option<String>,
}

async fn close_round(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, round)): Path<(i32, i32)>,
    Form(form): Form<CloseRoundForm>,
) -> Result<Response, AppError> {
    let outcome = if form.close_confirm.is_none() {
        Err(AppError::invalid(
            "close_confirm",
            Text::key("rounds.confirm_needed"),
        ))
    } else {
        super::rounds::close_round(&state, &user, id, round).await
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}/results")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show_results(&state, s, &user, id, Vec::new(), errors).await
        }
    }
}

async fn results_csv(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let r = service::results_for(&state, &user, id).await?;
    let body = super::export::csv(&r);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"results-{id}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn results_xlsx(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let r = service::results_for(&state, &user, id).await?;
    let body = super::export::xlsx(&r).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"results-{id}.xlsx\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct ReleaseForm {
    /// The required checkbox: release cannot be undone.
    #[serde(default)]
    confirm: String,
}

async fn release(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<ReleaseForm>,
) -> Result<Response, AppError> {
    let done = if form.confirm == "yes" {
        service::release(&state, &user, id).await
    } else {
        // Checked after access, so a stranger still gets a 404.
        crate::campaigns::service::managed_campaign(&state, &user, id).await?;
        Err(AppError::invalid(
            "confirm",
            crate::web::i18n::Text::key("results.confirm_required"),
        ))
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/campaigns/{id}/results")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(user.locale)?;
            show_results(&state, s, &user, id, errors, Vec::new()).await
        }
    }
}

#[derive(Deserialize)]
struct TieForm {
    order: String,
    reason: String,
}

async fn tie_decision(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, position)): Path<(i32, i32)>,
    Form(form): Form<TieForm>,
) -> Result<Response, AppError> {
    let ids: Vec<i32> = form
        .order
        .split([',', ' '])
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    service::decide_tie(&state, &user, id, position, &ids, &form.reason).await?;
    Ok(Redirect::to(&format!("/campaigns/{id}/results")).into_response())
}

#[derive(Template)]
#[template(path = "grading/mine.html")]
struct MinePage {
    s: Shell,
    results: Vec<OwnResult>,
    errors: Vec<String>,
}

impl MinePage {
    fn num(&self, x: &Option<f64>) -> String {
        x.map(score).unwrap_or_else(|| "—".into())
    }

    fn f(&self, x: &f64) -> String {
        score(*x)
    }

    fn when(&self, ms: &i64) -> String {
        crate::clock::format_ms(*ms)
    }

    fn appeal_status(&self, status: &str) -> String {
        self.s.tr.t(if status == "decided" {
            "appeals.status_decided"
        } else {
            "appeals.status_pending"
        })
    }
}

async fn mine(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<Response, AppError> {
    mine_page(&state, s, &user, Vec::new()).await
}

/// The candidate's results page, with the messages of a refused appeal.
pub(crate) async fn mine_page(
    state: &AppState,
    s: Shell,
    user: &crate::web::CurrentUser,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let results = service::own_results(state, user).await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(MinePage { s, results, errors })?).into_response())
}
