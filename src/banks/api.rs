//! JSON API for banks under `/api/banks`. The same services as the pages; the
//! same access rules (candidates and personnel 403, other boards' banks 404).

use crate::web::Query;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{self, Counts, Format, Matrix};
use super::entity::{bank, version};
use super::model::Question;
use super::render::{self, CandidateView};
use super::service::{
    self, BankForm, ImportOptions, ImportReport, ReviewAction, ReviewOutcome, Saved, Target,
};
use super::store::{self, Filter, PAGE_SIZE};
use super::validate::{validate, warnings};
use crate::accounts::domain::Role;
use crate::state::AppState;
use crate::web::{AppError, AuthUser, CurrentUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/banks", get(list_banks).post(create_bank))
        .route("/api/banks/template", get(template))
        .route("/api/banks/{id}", get(get_bank).patch(update_bank))
        .route("/api/banks/{id}/members", post(add_member))
        .route("/api/banks/{id}/members/{user_id}", delete(remove_member))
        .route(
            "/api/banks/{id}/questions",
            get(list_questions).post(create_question),
        )
        .route(
            "/api/banks/{id}/questions/{qid}",
            get(get_question).put(update_question),
        )
        .route("/api/banks/{id}/review", post(review))
        .route("/api/banks/{id}/import", post(import))
        .route("/api/banks/{id}/export", get(export))
        .route("/api/banks/{id}/preview", post(preview))
}

#[derive(Serialize, ToSchema)]
pub struct BankView {
    pub id: i32,
    pub name: String,
    pub subject: String,
    pub description: Option<String>,
    pub language: String,
    pub ignore_diacritics: bool,
    pub created_ms: i64,
}

impl From<&bank::Model> for BankView {
    fn from(b: &bank::Model) -> Self {
        BankView {
            id: b.id,
            name: b.name.clone(),
            subject: b.subject.clone(),
            description: b.description.clone(),
            language: b.language.clone(),
            ignore_diacritics: b.ignore_diacritics,
            created_ms: b.created_ms,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BankSummary {
    #[serde(flatten)]
    pub bank: BankView,
    /// Approved versions (drawable), current drafts, retired questions.
    pub counts: Counts,
}

#[utoipa::path(get, path = "/api/banks", tag = "banks",
    responses((status = 200, body = [BankSummary], description = "administrators see every bank, board members their own"), (status = 403)))]
pub async fn list_banks(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<BankSummary>>, AppError> {
    let mut out = Vec::new();
    for b in service::visible_banks(&state.db, &user).await? {
        let counts = domain::matrix(&store::counts(&state.db, b.id).await?).total;
        out.push(BankSummary {
            bank: (&b).into(),
            counts,
        });
    }
    Ok(axum::Json(out))
}

#[utoipa::path(post, path = "/api/banks", tag = "banks", request_body = BankForm,
    responses((status = 201, body = BankView), (status = 403), (status = 409), (status = 422)))]
pub async fn create_bank(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(form): Json<BankForm>,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let b = service::create_bank(&state.db, state.now_ms(), &user.actor(), &form).await?;
    Ok((StatusCode::CREATED, axum::Json(BankView::from(&b))))
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub id: i32,
    pub username: String,
    pub full_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BankDetail {
    pub bank: BankView,
    /// Every topic path, parents before children.
    pub topics: Vec<String>,
    /// Topic × difficulty × status.
    pub matrix: Matrix,
    pub members: Vec<MemberView>,
}

#[utoipa::path(get, path = "/api/banks/{id}", tag = "banks", params(("id" = i32, Path)),
    responses((status = 200, body = BankDetail), (status = 403), (status = 404)))]
pub async fn get_bank(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<BankDetail>, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    Ok(axum::Json(BankDetail {
        bank: (&b).into(),
        topics: store::topics(&state.db, b.id).await?,
        matrix: domain::matrix(&store::counts(&state.db, b.id).await?),
        members: store::members(&state.db, b.id)
            .await?
            .into_iter()
            .map(|u| MemberView {
                id: u.id,
                username: u.username,
                full_name: u.full_name,
            })
            .collect(),
    }))
}

#[utoipa::path(patch, path = "/api/banks/{id}", tag = "banks", request_body = BankForm, params(("id" = i32, Path)),
    responses((status = 200, body = BankView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update_bank(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(form): Json<BankForm>,
) -> Result<axum::Json<BankView>, AppError> {
    user.require(&[Role::Admin])?;
    let b = service::bank_for(&state.db, &user, id).await?;
    let updated = service::update_bank(&state.db, state.now_ms(), &user.actor(), &b, &form).await?;
    Ok(axum::Json(BankView::from(&updated)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMember {
    /// A board account.
    pub username: String,
}

#[utoipa::path(post, path = "/api/banks/{id}/members", tag = "banks", request_body = NewMember, params(("id" = i32, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 422, description = "no such board account")))]
pub async fn add_member(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(form): Json<NewMember>,
) -> Result<StatusCode, AppError> {
    user.require(&[Role::Admin])?;
    let b = service::bank_for(&state.db, &user, id).await?;
    service::add_member(&state.db, state.now_ms(), &user.actor(), &b, &form.username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/banks/{id}/members/{user_id}", tag = "banks",
    params(("id" = i32, Path), ("user_id" = i32, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn remove_member(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, user_id)): Path<(i32, i32)>,
) -> Result<StatusCode, AppError> {
    user.require(&[Role::Admin])?;
    let b = service::bank_for(&state.db, &user, id).await?;
    service::remove_member(&state.db, state.now_ms(), &user.actor(), &b, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub id: i32,
    pub number: i32,
    pub current: bool,
    /// `draft`, `approved`, `retired`.
    pub status: String,
    /// Used by an exam form: frozen for good.
    pub used: bool,
    pub author: String,
    pub reviewer: Option<String>,
    pub created_ms: i64,
    pub approved_ms: Option<i64>,
    pub retired_ms: Option<i64>,
    pub fingerprint: String,
    /// The content, as in the native format's model.
    #[schema(value_type = Object)]
    pub question: Question,
}

pub fn version_view(v: &version::Model) -> Result<VersionView, AppError> {
    Ok(VersionView {
        id: v.id,
        number: v.number,
        current: v.current,
        status: v.status.clone(),
        used: v.used,
        author: v.author_name.clone(),
        reviewer: v.reviewer_name.clone(),
        created_ms: v.created_ms,
        approved_ms: v.approved_ms,
        retired_ms: v.retired_ms,
        fingerprint: v.fingerprint.clone(),
        question: store::content(v)?,
    })
}

#[derive(Serialize, ToSchema)]
pub struct QuestionSummary {
    pub id: i32,
    pub key: String,
    pub version: i32,
    pub status: String,
    pub kind: String,
    pub topic: String,
    pub difficulty: i16,
    pub points: f64,
    pub title: Option<String>,
    pub stem: String,
    pub tags: Vec<String>,
}

pub fn summary(key: &str, v: &version::Model) -> Result<QuestionSummary, AppError> {
    let q = store::content(v)?;
    Ok(QuestionSummary {
        id: v.question_id,
        key: key.to_owned(),
        version: v.number,
        status: v.status.clone(),
        kind: v.kind.clone(),
        topic: v.topic.clone(),
        difficulty: v.difficulty,
        points: v.points,
        title: q.title,
        stem: q.stem,
        tags: q.tags,
    })
}

#[derive(Serialize, ToSchema)]
pub struct QuestionPage {
    pub items: Vec<QuestionSummary>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[utoipa::path(get, path = "/api/banks/{id}/questions", tag = "banks", params(("id" = i32, Path), Filter),
    responses((status = 200, body = QuestionPage, description = "current versions"), (status = 403), (status = 404)))]
pub async fn list_questions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(filter): Query<Filter>,
) -> Result<axum::Json<QuestionPage>, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    let (rows, total) = store::list(&state.db, b.id, &filter).await?;
    let items = rows
        .iter()
        .map(|(k, v)| summary(k, v))
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(QuestionPage {
        items,
        total,
        page: filter.page(),
        page_size: PAGE_SIZE,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct QuestionInput {
    /// New questions only; generated (`q-0001`...) when left out.
    #[serde(default)]
    pub key: Option<String>,
    /// The content, as in the native format's model (`kind` and its fields flattened in).
    #[schema(value_type = Object)]
    pub question: Question,
}

#[utoipa::path(post, path = "/api/banks/{id}/questions", tag = "banks", request_body = QuestionInput, params(("id" = i32, Path)),
    responses((status = 201, body = Saved), (status = 403), (status = 404), (status = 409, description = "key taken"), (status = 422, description = "the question breaks a rule")))]
pub async fn create_question(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<QuestionInput>,
) -> Result<impl IntoResponse, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    let saved = service::save_question(
        &state.db,
        state.now_ms(),
        &user.actor(),
        &b,
        None,
        input.key.as_deref(),
        input.question,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(saved)))
}

#[derive(Serialize, ToSchema)]
pub struct QuestionDetail {
    pub id: i32,
    pub key: String,
    /// Every version, newest first.
    pub versions: Vec<VersionView>,
    /// Other questions with the same stem and answers.
    pub duplicates: Vec<String>,
}

async fn question_detail(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    qid: i32,
) -> Result<QuestionDetail, AppError> {
    let b = service::bank_for(&state.db, user, id).await?;
    let question = store::find_question(&state.db, b.id, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = store::versions_of(&state.db, qid).await?;
    let duplicates = match versions.iter().find(|v| v.current) {
        Some(v) => store::same_fingerprint(&state.db, b.id, &v.fingerprint, Some(qid))
            .await?
            .into_iter()
            .map(|(_, k)| k)
            .collect(),
        None => Vec::new(),
    };
    Ok(QuestionDetail {
        id: question.id,
        key: question.key,
        versions: versions
            .iter()
            .map(version_view)
            .collect::<Result<_, _>>()?,
        duplicates,
    })
}

#[utoipa::path(get, path = "/api/banks/{id}/questions/{qid}", tag = "banks", params(("id" = i32, Path), ("qid" = i32, Path)),
    responses((status = 200, body = QuestionDetail), (status = 403), (status = 404)))]
pub async fn get_question(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, qid)): Path<(i32, i32)>,
) -> Result<axum::Json<QuestionDetail>, AppError> {
    Ok(axum::Json(question_detail(&state, &user, id, qid).await?))
}

#[utoipa::path(put, path = "/api/banks/{id}/questions/{qid}", tag = "banks", request_body = QuestionInput,
    params(("id" = i32, Path), ("qid" = i32, Path)),
    responses((status = 200, body = Saved, description = "a new version when the current one is approved, retired or used; else the draft rewritten"), (status = 403), (status = 404), (status = 422)))]
pub async fn update_question(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, qid)): Path<(i32, i32)>,
    Json(input): Json<QuestionInput>,
) -> Result<axum::Json<Saved>, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    let saved = service::save_question(
        &state.db,
        state.now_ms(),
        &user.actor(),
        &b,
        Some(qid),
        None,
        input.question,
    )
    .await?;
    Ok(axum::Json(saved))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub action: ReviewAction,
    pub question_ids: Vec<i32>,
}

#[utoipa::path(post, path = "/api/banks/{id}/review", tag = "banks", request_body = ReviewRequest, params(("id" = i32, Path)),
    responses((status = 200, body = ReviewOutcome, description = "questions you wrote are skipped: another member approves them"), (status = 403), (status = 404)))]
pub async fn review(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(req): Json<ReviewRequest>,
) -> Result<axum::Json<ReviewOutcome>, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    let outcome = service::review(
        &state.db,
        state.now_ms(),
        &user.actor(),
        &b,
        req.action,
        &req.question_ids,
    )
    .await?;
    Ok(axum::Json(outcome))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name; its extension gives the format (else the content does).
    #[serde(default)]
    pub file_name: Option<String>,
    /// Check only: report what would be imported, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[utoipa::path(post, path = "/api/banks/{id}/import", tag = "banks", params(("id" = i32, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file, at most 5 MiB"),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportReport, description = "errors, each with its line: nothing was imported"), (status = 403), (status = 404)))]
pub async fn import(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    refuse_oversized(&headers)?;
    let body = body.map_err(|_| oversized(None))?;
    let report = service::import(
        &state.db,
        state.now_ms(),
        &user.actor(),
        Target::Bank(b),
        (q.file_name.as_deref().unwrap_or("upload"), &body),
        &ImportOptions {
            dry_run: q.dry_run,
            keep_status: user.role == Role::Admin,
        },
    )
    .await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, axum::Json(report)).into_response())
}

/// The same message the import gives for a large file, for uploads too large
/// to read at all.
pub fn oversized(bytes: Option<u64>) -> AppError {
    let size = bytes.map_or_else(String::new, |b| {
        format!(" ({:.1} MiB)", b as f64 / (1024.0 * 1024.0))
    });
    AppError::invalid(
        "file",
        crate::web::i18n::Text::key("banks.too_large")
            .with("size", size)
            .with("max", domain::MAX_IMPORT_BYTES / (1024 * 1024)),
    )
}

/// Refuses an upload by its declared length before reading it; the margin
/// covers multipart headers around a file just under the limit.
pub fn refuse_oversized(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > (domain::MAX_IMPORT_BYTES + 64 * 1024) as u64 => Err(oversized(Some(n))),
        _ => Ok(()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `toml` (default), `gift`, `moodle-xml`, `csv`, `xlsx`.
    #[serde(default)]
    pub format: Option<String>,
}

pub fn file_response(file_name: &str, format: Format, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

pub fn export_format(s: Option<&str>) -> Result<Format, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Format::Toml),
        Some(f) => Format::parse(f).ok_or_else(|| {
            AppError::invalid("format", crate::web::i18n::Text::key("banks.bad_format"))
        }),
    }
}

#[utoipa::path(get, path = "/api/banks/{id}/export", tag = "banks", params(("id" = i32, Path), ExportQuery, Filter),
    responses((status = 200, description = "the file: the bank, or the questions matching the filter"), (status = 403), (status = 404), (status = 422)))]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<ExportQuery>,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let b = service::bank_for(&state.db, &user, id).await?;
    let format = export_format(q.format.as_deref())?;
    let out = service::export(&state.db, &b, &filter, format).await?;
    Ok(file_response(&out.file_name, out.format, out.bytes))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `xlsx` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/banks/template", tag = "banks", params(TemplateQuery),
    responses((status = 200, description = "the spreadsheet template with example rows"), (status = 403)))]
pub async fn template(
    AuthUser(user): AuthUser,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin, Role::Board])?;
    template_file(q.format.as_deref())
}

pub fn template_file(format: Option<&str>) -> Result<Response, AppError> {
    use super::formats::spreadsheet;
    match format.map(str::trim) {
        Some("csv") => Ok(file_response(
            "merit-questions-template.csv",
            Format::Csv,
            spreadsheet::template_csv().into_bytes(),
        )),
        _ => Ok(file_response(
            "merit-questions-template.xlsx",
            Format::Xlsx,
            spreadsheet::template_xlsx().map_err(|e| anyhow::anyhow!("template: {e}"))?,
        )),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Preview {
    /// The question as a candidate will see it.
    pub view: CandidateView,
    /// Rules it breaks; empty when it may be saved.
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

#[utoipa::path(post, path = "/api/banks/{id}/preview", tag = "banks", request_body = QuestionInput, params(("id" = i32, Path)),
    responses((status = 200, body = Preview), (status = 403), (status = 404)))]
pub async fn preview(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<QuestionInput>,
) -> Result<axum::Json<Preview>, AppError> {
    service::bank_for(&state.db, &user, id).await?;
    Ok(axum::Json(Preview {
        view: render::candidate_view(&input.question),
        problems: validate(&input.question),
        warnings: warnings(&input.question),
    }))
}
