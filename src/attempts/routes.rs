//! HTML pages of the sitting. Everything works with plain form posts (one
//! question per page, the palette as links); `exam.js` adds autosave, the
//! countdown and a live palette on top.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::service::{self, AttemptView, Board, BoardFilter, ExtraTime, OpenPaper, SaveInput};
use crate::banks::scoring::Response as Given;
use crate::clock::format_local;
use crate::exams::view::ItemView;
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, FormFields, Page, Query, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exams", get(dashboard))
        .route("/exams/{paper}/start", post(start))
        .route("/attempts/{id}", get(resume))
        .route("/attempts/{id}/items/{n}", get(item_page).post(item_post))
        .route("/attempts/{id}/review", get(review))
        .route("/attempts/{id}/submit", post(submit))
        .route("/attempts/{id}/done", get(done))
        .route("/papers/{id}/invigilation", get(board_page))
        .route("/attempts/{id}/extra-time", post(extra_time))
}

#[derive(Template)]
#[template(path = "attempts/dashboard.html")]
struct DashboardPage {
    s: Shell,
    papers: Vec<OpenPaper>,
    offset: i32,
}

impl DashboardPage {
    fn when(&self, ms: &i64) -> String {
        format_local(*ms, self.offset)
    }
}

async fn dashboard(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let papers = service::dashboard(&state, &user).await?;
    render(DashboardPage {
        s,
        papers,
        offset: state.config.utc_offset_minutes,
    })
}

async fn start(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(paper): Path<i32>,
) -> Result<Response, AppError> {
    let (a, _) = service::start(&state, &user, paper).await?;
    Ok(Redirect::to(&format!("/attempts/{}", a.id)).into_response())
}

async fn resume(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let a = service::own_attempt(&state, &user, id).await?;
    if a.submitted_ms.is_some() {
        return Ok(Redirect::to(&format!("/attempts/{id}/done")).into_response());
    }
    Ok(Redirect::to(&format!("/attempts/{id}/items/{}", a.position + 1)).into_response())
}

/// One palette entry.
struct Cell {
    n: i32,
    answered: bool,
    flagged: bool,
    current: bool,
    /// Sequential papers: only the current item is a link.
    reachable: bool,
}

#[derive(Template)]
#[template(path = "attempts/item.html")]
struct ItemPage {
    s: Shell,
    v: AttemptView,
    item: ItemView,
    n: i32,
    sequential: bool,
    palette: Vec<Cell>,
    next_seq: i64,
    flagged: bool,
    given: Option<Given>,
    message: Option<String>,
    error: Option<String>,
    deadline: String,
}

impl ItemPage {
    fn chosen(&self, i: &usize) -> bool {
        match &self.given {
            Some(Given::Choice { index }) => index == i,
            Some(Given::Choices { indices }) => indices.contains(i),
            _ => false,
        }
    }
    fn is_bool(&self, b: bool) -> bool {
        matches!(&self.given, Some(Given::Boolean { value }) if *value == b)
    }
    fn text(&self) -> String {
        match &self.given {
            Some(Given::Text { text }) | Some(Given::Essay { text }) => text.clone(),
            Some(Given::Number { value }) => value.to_string(),
            _ => String::new(),
        }
    }
    /// Ordering: the rank (1-based) the candidate gave displayed item `i`.
    fn rank(&self, i: &usize) -> String {
        match &self.given {
            Some(Given::Ordering { order }) => order
                .iter()
                .position(|x| x == i)
                .map(|p| (p + 1).to_string())
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
    fn matched(&self, prompt: &usize, answer: &usize) -> bool {
        matches!(&self.given, Some(Given::Matching { answers }) if answers.get(*prompt).copied().flatten() == Some(*answer))
    }
    fn letter(&self, i: &usize) -> char {
        char::from(b'A' + u8::try_from(*i % 26).unwrap_or(0))
    }
}

fn item_of(v: &AttemptView, n: i32) -> Option<ItemView> {
    v.sections
        .iter()
        .flat_map(|s| s.items.iter())
        .find(|i| i32::try_from(i.number).ok() == Some(n))
        .cloned()
}

async fn show_item(
    state: &AppState,
    s: Shell,
    v: AttemptView,
    n: i32,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    if v.status != "in_progress" {
        return Ok(Redirect::to(&format!("/attempts/{}/done", v.id)).into_response());
    }
    let sequential = v.navigation == crate::exams::paper::Navigation::Sequential;
    if sequential && n != v.position {
        return Ok(
            Redirect::to(&format!("/attempts/{}/items/{}", v.id, v.position)).into_response(),
        );
    }
    let item = item_of(&v, n).ok_or(AppError::NotFound)?;
    let mine = v.answers.iter().find(|a| a.item == n);
    let palette = (1..=v.item_count)
        .map(|i| {
            let a = v.answers.iter().find(|a| a.item == i);
            Cell {
                n: i,
                answered: a.is_some_and(|a| a.response.is_some()),
                flagged: a.is_some_and(|a| a.flagged),
                current: i == n,
                reachable: !sequential || i == v.position,
            }
        })
        .collect();
    let deadline = format_local(v.deadline_ms, state.config.utc_offset_minutes);
    Ok(render(ItemPage {
        next_seq: mine.map(|a| a.seq).unwrap_or(0) + 1,
        flagged: mine.is_some_and(|a| a.flagged),
        given: mine.and_then(|a| a.response.clone()),
        s,
        item,
        n,
        sequential,
        palette,
        message,
        error,
        deadline,
        v,
    })?
    .into_response())
}

async fn item_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, n)): Path<(i32, i32)>,
) -> Result<Response, AppError> {
    let v = service::view(&state, &user, id).await?;
    show_item(&state, s, v, n, None, None).await
}

/// The response the form describes, in display terms; None when left blank.
fn given_from(kind: &str, f: &FormFields, n_options: usize) -> Result<Option<Given>, AppError> {
    let bad = || AppError::invalid("response", Text::key("attempts.bad_response"));
    let num = |s: &str| s.trim().parse::<usize>().map_err(|_| bad());
    Ok(match kind {
        "single_choice" => match f.get("choice") {
            Some(c) => Some(Given::Choice { index: num(c)? }),
            None => None,
        },
        "multiple_response" => {
            let indices = f
                .values("choices")
                .map(num)
                .collect::<Result<Vec<_>, _>>()?;
            (!indices.is_empty()).then_some(Given::Choices { indices })
        }
        "true_false" => match f.get("bool") {
            Some("true") => Some(Given::Boolean { value: true }),
            Some("false") => Some(Given::Boolean { value: false }),
            _ => None,
        },
        "numeric" => match f.get("text").map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(Given::Number {
                value: t.replace(',', ".").parse().map_err(|_| bad())?,
            }),
            None => None,
        },
        "short_answer" => f
            .get("text")
            .filter(|t| !t.trim().is_empty())
            .map(|t| Given::Text { text: t.into() }),
        "essay" => f
            .get("text")
            .filter(|t| !t.trim().is_empty())
            .map(|t| Given::Essay { text: t.into() }),
        "ordering" => {
            let mut ranked: Vec<(usize, usize)> = Vec::new();
            for i in 0..n_options {
                match f
                    .get(&format!("rank_{i}"))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                {
                    Some(r) => ranked.push((num(r)?, i)),
                    None => return Ok(None),
                }
            }
            ranked.sort_unstable();
            Some(Given::Ordering {
                order: ranked.into_iter().map(|(_, i)| i).collect(),
            })
        }
        "matching" => {
            let answers = (0..n_options)
                .map(
                    |i| match f.get(&format!("match_{i}")).filter(|t| !t.is_empty()) {
                        Some(a) => num(a).map(Some),
                        None => Ok(None),
                    },
                )
                .collect::<Result<Vec<_>, _>>()?;
            answers
                .iter()
                .any(Option::is_some)
                .then_some(Given::Matching { answers })
        }
        _ => None,
    })
}

/// Saves the answer on the page, then goes where the button said.
async fn item_post(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, n)): Path<(i32, i32)>,
    f: FormFields,
) -> Result<Response, AppError> {
    let v = service::view(&state, &user, id).await?;
    let item = item_of(&v, n).ok_or(AppError::NotFound)?;
    let count = item
        .question
        .options_html
        .len()
        .max(item.question.prompts_html.len());
    let seq: i64 = f.get("seq").and_then(|x| x.parse().ok()).unwrap_or(1);
    let outcome = async {
        let given = given_from(&item.question.kind, &f, count)?;
        let had = v.answers.iter().find(|a| a.item == n);
        let changed = had.and_then(|a| a.response.clone()) != given;
        let mut stale = false;
        if changed {
            let ack = service::save(
                &state,
                &user,
                id,
                n,
                &SaveInput {
                    seq,
                    response: given,
                },
            )
            .await?;
            stale = ack.status == "stale";
        }
        let flag = f.get("flagged").is_some();
        if flag != had.is_some_and(|a| a.flagged) {
            service::flag(&state, &user, id, n, flag).await?;
        }
        Ok::<bool, AppError>(stale)
    }
    .await;
    match outcome {
        Ok(true) => {
            let v = service::view(&state, &user, id).await?;
            let msg = s.tr.t("exam.stale");
            return show_item(&state, s, v, n, None, Some(msg)).await;
        }
        Ok(false) => {}
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let msg = e.messages(s.tr.0).join(" ");
            let v = service::view(&state, &user, id).await?;
            if v.status != "in_progress" {
                return Err(e);
            }
            return show_item(&state, s, v, n, None, Some(msg)).await;
        }
        Err(e) => return Err(e),
    }
    let go = f.get("go").unwrap_or("stay");
    let target = match go {
        "next" => n + 1,
        "prev" => n - 1,
        "review" => return Ok(Redirect::to(&format!("/attempts/{id}/review")).into_response()),
        other => other.parse().unwrap_or(n),
    };
    let target = target.clamp(1, v.item_count);
    if target != n {
        service::move_to(&state, &user, id, target).await?;
    }
    Ok(Redirect::to(&format!("/attempts/{id}/items/{target}")).into_response())
}

#[derive(Template)]
#[template(path = "attempts/review.html")]
struct ReviewPage {
    s: Shell,
    v: AttemptView,
    unanswered: Vec<i32>,
    flagged: Vec<i32>,
    sequential: bool,
    deadline: String,
}

async fn review(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let v = service::view(&state, &user, id).await?;
    if v.status != "in_progress" {
        return Ok(Redirect::to(&format!("/attempts/{id}/done")).into_response());
    }
    let (unanswered, flagged) = service::unanswered_and_flagged(&v);
    Ok(render(ReviewPage {
        s,
        sequential: v.navigation == crate::exams::paper::Navigation::Sequential,
        deadline: format_local(v.deadline_ms, state.config.utc_offset_minutes),
        v,
        unanswered,
        flagged,
    })?
    .into_response())
}

async fn submit(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    f: FormFields,
) -> Result<Response, AppError> {
    let reason = if f.get("reason") == Some("deadline") {
        "deadline"
    } else {
        "manual"
    };
    service::submit(&state, &user, id, reason).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/done")).into_response())
}

#[derive(Template)]
#[template(path = "attempts/done.html")]
struct DonePage {
    s: Shell,
    v: AttemptView,
    answered: usize,
    submitted: String,
}

async fn done(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let v = service::view(&state, &user, id).await?;
    if v.status == "in_progress" {
        return Ok(Redirect::to(&format!("/attempts/{id}")).into_response());
    }
    let answered = v.answers.iter().filter(|a| a.response.is_some()).count();
    let submitted = v
        .submitted_ms
        .map(|ms| format_local(ms, state.config.utc_offset_minutes))
        .unwrap_or_default();
    Ok(render(DonePage {
        s,
        v,
        answered,
        submitted,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "attempts/board.html")]
struct BoardPage {
    s: Shell,
    b: Board,
    offset: i32,
    error: Option<String>,
}

impl BoardPage {
    fn when(&self, ms: &Option<i64>) -> String {
        ms.map(|m| format_local(m, self.offset)).unwrap_or_default()
    }
    fn at(&self, ms: &i64) -> String {
        format_local(*ms, self.offset)
    }
    /// The attempt's state and how it was submitted, in the reader's language
    /// (the stored values are codes).
    fn state(&self, status: &str, reason: &Option<String>) -> String {
        let tr = &self.s.tr;
        let state = match status {
            "in_progress" => tr.t("exam.status_in_progress"),
            "submitted" => tr.t("exam.submitted"),
            other => other.to_owned(),
        };
        let why = match reason.as_deref() {
            Some("deadline") => tr.t("exam.reason_deadline"),
            Some("sweeper") => tr.t("exam.reason_sweeper"),
            Some("manual") => tr.t("exam.reason_manual"),
            Some(other) => other.to_owned(),
            None => return state,
        };
        format!("{state} ({why})")
    }
    /// This board's query for another page, the filter kept.
    fn query_for(&self, page: u64) -> String {
        serde_urlencoded::to_string([
            ("show", self.b.show.as_str()),
            ("q", self.b.q.as_deref().unwrap_or_default()),
            ("page", &page.to_string()),
        ])
        .unwrap_or_default()
    }
    /// `20:05`, not `20:5`.
    fn clock(&self, seconds: &i64) -> String {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    }
}

async fn board_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(filter): Query<BoardFilter>,
) -> Result<Response, AppError> {
    let b = service::board(&state, &user, id, &filter).await?;
    Ok(render(BoardPage {
        s,
        b,
        offset: state.config.utc_offset_minutes,
        error: None,
    })?
    .into_response())
}

async fn extra_time(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    f: FormFields,
) -> Result<Response, AppError> {
    let input = ExtraTime {
        minutes: f
            .get("minutes")
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or(0),
        reason: f.get("reason").unwrap_or_default().to_owned(),
    };
    match service::add_time(&state, &user, id, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/papers/{}/invigilation", a.paper_id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let a = super::store::find_attempt(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let b = service::board(&state, &user, a.paper_id, &BoardFilter::default()).await?;
            let error = Some(e.messages(s.tr.0).join(" "));
            Ok(render(BoardPage {
                s,
                b,
                offset: state.config.utc_offset_minutes,
                error,
            })?
            .into_response())
        }
        Err(e) => Err(e),
    }
}
