//! HTML pages for papers: the board's editor with its feasibility check,
//! previews, publishing, forms and the fairness report.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::blueprint::{Blueprint, BlueprintRow, SectionSpec, same_topic};
use super::entity::paper;
use super::form::FairnessReport;
use super::paper::{Navigation, PaperSpec, ReleasePolicy};
use super::service::{self, Access, NewPaperInput, PaperEdit};
use super::view::{SectionView, form_view};
use crate::accounts::domain::Role;
use crate::banks::model::Kind;
use crate::clock::{format_local, parse_local_input, to_local_input};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, CurrentUser, Form, FormFields, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/papers", get(list_page))
        .route("/campaigns/{id}/papers", post(create))
        .route("/papers/{id}", get(editor).post(save))
        .route("/papers/{id}/publish", post(publish))
        .route("/papers/{id}/preview", get(preview))
        .route("/papers/{id}/forms", post(issue_forms))
        .route("/papers/{id}/fairness", get(fairness))
}

#[derive(Template)]
#[template(path = "papers/list.html")]
struct ListPage {
    s: Shell,
    papers: Vec<paper::Model>,
}

async fn list_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Board, Role::Admin])?;
    let papers = super::store::papers_of_board_member(&state.db, user.id).await?;
    render(ListPage { s, papers })
}

#[derive(Deserialize)]
struct NewPaperForm {
    title: String,
    round: i32,
    #[serde(default)]
    board: String,
}

async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<NewPaperForm>,
) -> Result<Response, AppError> {
    let input = NewPaperInput {
        title: form.title,
        round: form.round,
        board: form
            .board
            .split([',', ' ', '\n'])
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let p = service::create(&state, &user, id, &input).await?;
    Ok(Redirect::to(&format!("/papers/{}", p.id)).into_response())
}

/// One blueprint row as the editor shows it (strings, so a bad value comes back as typed).
pub struct RowField {
    pub bank: i32,
    /// Whole topic paths, chosen from the bank's topic tree.
    pub topics: Vec<String>,
    /// The row's topics that its bank does not hold, shown so they are not lost
    /// silently (saving refuses them).
    pub missing: Vec<String>,
    pub dmin: u8,
    pub dmax: u8,
    pub kind: String,
    pub count: String,
    pub points: String,
}

pub struct SectionField {
    pub title: String,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub rows: Vec<RowField>,
}

/// The editor's fields: every section and row, plus blanks to add more.
fn fields_of(bp: &Blueprint) -> Vec<SectionField> {
    let blank_row = || RowField {
        bank: 0,
        topics: Vec::new(),
        missing: Vec::new(),
        dmin: 1,
        dmax: 5,
        kind: String::new(),
        count: String::new(),
        points: "1".into(),
    };
    let mut out: Vec<SectionField> = bp
        .sections
        .iter()
        .map(|s| {
            let mut rows: Vec<RowField> = s
                .rows
                .iter()
                .map(|r| RowField {
                    bank: r.bank_id,
                    topics: r.topics.clone(),
                    missing: Vec::new(),
                    dmin: r.difficulty_min,
                    dmax: r.difficulty_max,
                    kind: r.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                    count: r.count.to_string(),
                    points: r.points_each.to_string(),
                })
                .collect();
            rows.push(blank_row());
            SectionField {
                title: s.title.clone(),
                shuffle_questions: s.shuffle_questions,
                shuffle_options: s.shuffle_options,
                rows,
            }
        })
        .collect();
    out.push(SectionField {
        title: String::new(),
        shuffle_questions: true,
        shuffle_options: true,
        rows: vec![blank_row(), blank_row()],
    });
    out
}

#[derive(Template)]
#[template(path = "papers/editor.html")]
struct EditorPage {
    s: Shell,
    p: paper::Model,
    can_edit: bool,
    sections: Vec<SectionField>,
    banks: Vec<(i32, String)>,
    bank_topics: Vec<BankTopics>,
    kinds: [Kind; 8],
    navigation: Navigation,
    release: ReleasePolicy,
    marking_threshold: String,
    opens: String,
    closes: String,
    opens_text: String,
    closes_text: String,
    shortfalls: Vec<String>,
    errors: Vec<String>,
    forms: usize,
}

impl EditorPage {
    fn is_kind(&self, row: &RowField, kind: &Kind) -> bool {
        row.kind == kind.as_str()
    }

    /// Whether `topic` of bank `bank` is chosen in the row; only in the row's own
    /// bank, so a topic name two banks share is sent once.
    fn is_chosen(&self, row: &RowField, bank: &i32, topic: &str) -> bool {
        row.bank == *bank && row.topics.iter().any(|t| same_topic(t, topic))
    }
}

/// A bank and its topic tree (every level), for the rows' topic lists.
pub struct BankTopics {
    pub id: i32,
    pub name: String,
    pub topics: Vec<String>,
}

async fn show_editor(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    id: i32,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let (p, access) = service::paper_for(state, user, id).await?;
    let spec = service::spec_of(&p)?;
    let shortfalls = service::feasibility(state, &p).await?;
    let banks: Vec<(i32, String)> = crate::banks::store::banks(&state.db, None)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let mut bank_topics = Vec::with_capacity(banks.len());
    for (id, name) in &banks {
        bank_topics.push(BankTopics {
            id: *id,
            name: name.clone(),
            topics: crate::banks::store::topics(&state.db, *id).await?,
        });
    }
    let mut sections = fields_of(&spec.blueprint);
    for row in sections.iter_mut().flat_map(|s| s.rows.iter_mut()) {
        let tree = bank_topics
            .iter()
            .find(|b| b.id == row.bank)
            .map_or(&[][..], |b| b.topics.as_slice());
        row.missing = row
            .topics
            .iter()
            .filter(|t| !tree.iter().any(|k| same_topic(t, k)))
            .cloned()
            .collect();
    }
    let offset = state.config.utc_offset_minutes;
    let forms = super::store::forms_of_paper(&state.db, p.id).await?.len();
    let page = EditorPage {
        sections,
        can_edit: access == Access::Edit,
        banks,
        bank_topics,
        kinds: Kind::ALL,
        navigation: spec.navigation,
        release: spec.release,
        marking_threshold: crate::grading::service::fmt2(spec.marking_threshold_percent),
        opens: to_local_input(p.opens_ms, offset),
        closes: to_local_input(p.closes_ms, offset),
        opens_text: format_local(p.opens_ms, offset),
        closes_text: format_local(p.closes_ms, offset),
        shortfalls,
        forms,
        errors,
        p,
        s,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(page)?).into_response())
}

async fn editor(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    show_editor(&state, s, &user, id, vec![]).await
}

/// Reads the editor's flat fields (`s0.title`, `s0.r1.count`, …) into a
/// blueprint; blank rows and blank sections are skipped; a row with a
/// non-number where a number belongs is reported by name. A row's topics come
/// as repeated `s0.r1.topics` fields, one whole topic each, never split.
fn parse_editor(pairs: &[(String, String)]) -> Result<(PaperEdit, Vec<String>), Vec<String>> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let has = |k: &str| pairs.iter().any(|(key, _)| key == k);
    let all = |k: &str| {
        let mut values: Vec<String> = Vec::new();
        for (_, v) in pairs.iter().filter(|(key, _)| key == k) {
            let v = v.trim();
            if !v.is_empty() && !values.iter().any(|seen| seen == v) {
                values.push(v.to_owned());
            }
        }
        values
    };
    let mut problems = Vec::new();
    let mut sections = Vec::new();
    for s in 0..50 {
        let p = format!("s{s}");
        if !has(&format!("{p}.title")) {
            break;
        }
        let mut rows = Vec::new();
        for r in 0..200 {
            let rp = format!("{p}.r{r}");
            if !has(&format!("{rp}.count")) {
                break;
            }
            let count = get(&format!("{rp}.count"));
            if count.is_empty() {
                continue;
            }
            let num = |field: &str, problems: &mut Vec<String>| -> f64 {
                let v = get(&format!("{rp}.{field}")).replace(',', ".");
                v.parse::<f64>().unwrap_or_else(|_| {
                    problems.push(format!(
                        "section {}, row {}: '{v}' in {field} is not a number",
                        s + 1,
                        r + 1
                    ));
                    0.0
                })
            };
            let kind = get(&format!("{rp}.kind"));
            rows.push(BlueprintRow {
                bank_id: get(&format!("{rp}.bank")).parse().unwrap_or(0),
                topics: all(&format!("{rp}.topics")),
                difficulty_min: num("dmin", &mut problems) as u8,
                difficulty_max: num("dmax", &mut problems) as u8,
                kind: Kind::parse(&kind),
                count: num("count", &mut problems) as u32,
                points_each: num("points", &mut problems),
            });
        }
        let title = get(&format!("{p}.title"));
        if title.is_empty() && rows.is_empty() {
            continue;
        }
        sections.push(SectionSpec {
            title,
            rows,
            shuffle_questions: has(&format!("{p}.shuffle_questions")),
            shuffle_options: has(&format!("{p}.shuffle_options")),
        });
    }
    let navigation = if get("navigation") == "sequential" {
        Navigation::Sequential
    } else {
        Navigation::Free
    };
    let release = match get("release").as_str() {
        "scores_and_rank" => ReleasePolicy::ScoresAndRank,
        "immediately" => ReleasePolicy::Immediately,
        _ => ReleasePolicy::Scores,
    };
    let offset = get("offset")
        .parse()
        .unwrap_or(crate::clock::DEFAULT_UTC_OFFSET_MINUTES);
    let edit = PaperEdit {
        title: get("title"),
        spec: PaperSpec {
            blueprint: Blueprint { sections },
            navigation,
            release,
            pool: Vec::new(),
            marking_threshold_percent: match get("marking_threshold_percent").trim() {
                "" => super::paper::DEFAULT_MARKING_THRESHOLD,
                // Unreadable input becomes -1 so the check names the field.
                t => t.replace(',', ".").parse().unwrap_or(-1.0),
            },
        },
        time_limit_minutes: get("time_limit_minutes").parse().unwrap_or(0),
        opens_ms: parse_local_input(&get("opens"), offset).unwrap_or(0),
        closes_ms: parse_local_input(&get("closes"), offset).unwrap_or(0),
        grace_seconds: get("grace_seconds").parse().unwrap_or(-1),
    };
    if problems.is_empty() {
        Ok((edit, problems))
    } else {
        Err(problems)
    }
}

async fn save(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    FormFields(mut pairs): FormFields,
) -> Result<Response, AppError> {
    pairs.push(("offset".into(), state.config.utc_offset_minutes.to_string()));
    let edit = match parse_editor(&pairs) {
        Ok((edit, _)) => edit,
        Err(problems) => return show_editor(&state, s, &user, id, problems).await,
    };
    match service::save(&state, &user, id, &edit).await {
        Ok(p) => Ok(Redirect::to(&format!("/papers/{}", p.id)).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show_editor(&state, s, &user, id, errors).await
        }
    }
}

async fn publish(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    match service::publish(&state, &user, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/papers/{id}")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show_editor(&state, s, &user, id, errors).await
        }
    }
}

#[derive(Deserialize)]
struct SeedQuery {
    seed: Option<u64>,
}

#[derive(Template)]
#[template(path = "papers/preview.html")]
struct PreviewPage {
    s: Shell,
    p: paper::Model,
    seed: u64,
    sections: Vec<SectionView>,
}

async fn preview(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<SeedQuery>,
) -> Result<impl IntoResponse, AppError> {
    let seed = q.seed.unwrap_or(1);
    let (p, form, content) = service::preview(&state, &user, id, seed).await?;
    let spec = service::spec_of(&p)?;
    let sections = form_view(&spec.blueprint, &form, &content);
    render(PreviewPage {
        s,
        p,
        seed,
        sections,
    })
}

async fn issue_forms(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    service::issue_forms(&state, &user, id).await?;
    Ok(Redirect::to(&format!("/papers/{id}/fairness")).into_response())
}

#[derive(Template)]
#[template(path = "papers/fairness.html")]
struct FairnessPage {
    s: Shell,
    p: paper::Model,
    report: FairnessReport,
    draws: Vec<(i64, u32)>,
    min_draws: u32,
    max_draws: u32,
}

async fn fairness(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let (p, report) = service::fairness(&state, &user, id).await?;
    let draws: Vec<(i64, u32)> = report
        .draws_per_question
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    let min_draws = draws.iter().map(|(_, n)| *n).min().unwrap_or(0);
    let max_draws = draws.iter().map(|(_, n)| *n).max().unwrap_or(0);
    render(FairnessPage {
        s,
        p,
        report,
        draws,
        min_draws,
        max_draws,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_editor;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn editor_fields_become_a_blueprint_skipping_blanks() {
        let p = pairs(&[
            ("title", "Vòng 1"),
            ("time_limit_minutes", "60"),
            ("grace_seconds", "30"),
            ("opens", "2026-12-01T09:00"),
            ("closes", "2026-12-01T12:00"),
            ("s0.title", "Kiến thức chung"),
            ("s0.shuffle_questions", "on"),
            ("s0.r0.bank", "3"),
            ("s0.r0.topics", "Luật Cán bộ, công chức"),
            ("s0.r0.topics", " Luật Viên chức "),
            ("s0.r0.topics", ""),
            ("s0.r0.topics", "Luật Cán bộ, công chức"),
            ("s0.r0.dmin", "1"),
            ("s0.r0.dmax", "3"),
            ("s0.r0.kind", ""),
            ("s0.r0.count", "40"),
            ("s0.r0.points", "1,5"),
            ("s0.r1.count", ""),
            ("s1.title", ""),
            ("s1.r0.count", ""),
        ]);
        let (edit, _) = parse_editor(&p).unwrap();
        let sections = &edit.spec.blueprint.sections;
        assert_eq!(sections.len(), 1);
        assert!(sections[0].shuffle_questions && !sections[0].shuffle_options);
        let row = &sections[0].rows[0];
        assert_eq!((row.bank_id, row.count, row.points_each), (3, 40, 1.5));
        assert_eq!(
            row.topics,
            ["Luật Cán bộ, công chức", "Luật Viên chức"],
            "one topic per field, commas kept, blanks and repeats dropped"
        );
        assert_eq!(edit.opens_ms + 3 * 3_600_000, edit.closes_ms);
    }

    #[test]
    fn a_word_where_a_number_belongs_is_named() {
        let p = pairs(&[
            ("s0.title", "A"),
            ("s0.r0.count", "twenty"),
            ("s0.r0.dmin", "1"),
            ("s0.r0.dmax", "2"),
            ("s0.r0.points", "1"),
        ]);
        let errs = parse_editor(&p).unwrap_err();
        assert_eq!(
            errs,
            ["section 1, row 1: 'twenty' in count is not a number"]
        );
    }
}
