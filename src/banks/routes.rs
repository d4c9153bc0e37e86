//! Board pages for banks: the list with its matrix, questions with filters,
//! the editor with a live preview, review, import and export.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::api::{export_format, file_response, template_file};
use super::domain::{self, Format, Matrix};
use super::editor::Editor;
use super::entity::{bank, pending_import, version};
use super::model::{Kind, Status};
use super::render::{self, CandidateView, KeyRow};
use super::service::{
    self, BankForm, ImportOptions, ImportReport, ReviewAction, ReviewOutcome, Target,
};
use super::store::{self, Filter, PAGE_SIZE};
use super::validate::warnings;
use crate::accounts::domain::Role;
use crate::accounts::entity::user;
use crate::clock::format_ms;
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, CurrentUser, Form, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/banks", get(banks_page).post(create_bank))
        .route("/banks/template.xlsx", get(template_xlsx))
        .route("/banks/template.csv", get(template_csv))
        .route("/banks/{id}", get(bank_page))
        .route("/banks/{id}/settings", post(update_bank))
        .route("/banks/{id}/members", post(add_member))
        .route("/banks/{id}/members/{user_id}/remove", post(remove_member))
        .route("/banks/{id}/questions", get(questions_page))
        .route(
            "/banks/{id}/questions/new",
            get(new_question_page).post(new_question),
        )
        .route("/banks/{id}/questions/{qid}", get(question_page))
        .route(
            "/banks/{id}/questions/{qid}/edit",
            get(edit_question_page).post(edit_question),
        )
        .route("/banks/{id}/preview", post(preview_fragment))
        .route("/banks/{id}/review", post(review))
        .route("/banks/{id}/import", get(import_page).post(upload))
        .route("/banks/{id}/import/confirm", post(confirm_import))
        .route("/banks/{id}/export", get(export))
}

pub struct BankRow {
    pub bank: bank::Model,
    pub approved: u64,
    pub draft: u64,
    pub retired: u64,
}

#[derive(Template)]
#[template(path = "banks/index.html")]
struct BanksPage {
    s: Shell,
    rows: Vec<BankRow>,
    is_admin: bool,
    errors: Vec<String>,
    form: BankForm,
}

async fn bank_rows(state: &AppState, user: &CurrentUser) -> Result<Vec<BankRow>, AppError> {
    let mut rows = Vec::new();
    for b in service::visible_banks(&state.db, user).await? {
        let total = domain::matrix(&store::counts(&state.db, b.id).await?).total;
        rows.push(BankRow {
            bank: b,
            approved: total.approved,
            draft: total.draft,
            retired: total.retired,
        });
    }
    Ok(rows)
}

async fn banks_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let rows = bank_rows(&state, &user).await?;
    render(BanksPage {
        s,
        rows,
        is_admin: user.role == Role::Admin,
        errors: vec![],
        form: BankForm::default(),
    })
}

#[derive(Deserialize)]
struct BankFields {
    name: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    ignore_diacritics: Option<String>,
}

async fn create_bank(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(f): Form<BankFields>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let form = BankForm {
        name: f.name,
        subject: f.subject,
        description: Some(f.description),
        language: f.language,
        ignore_diacritics: f.ignore_diacritics.is_some(),
    };
    match service::create_bank(&state.db, state.now_ms(), &user.actor(), &form).await {
        Ok(b) => Ok(Redirect::to(&format!("/banks/{}", b.id)).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            let rows = bank_rows(&state, &user).await?;
            let page = BanksPage {
                s,
                rows,
                is_admin: true,
                errors,
                form,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
    }
}

async fn template_xlsx(AuthUser(user): AuthUser) -> Result<Response, AppError> {
    user.require(&[Role::Admin, Role::Board])?;
    template_file(Some("xlsx"))
}

async fn template_csv(AuthUser(user): AuthUser) -> Result<Response, AppError> {
    user.require(&[Role::Admin, Role::Board])?;
    template_file(Some("csv"))
}

#[derive(Template)]
#[template(path = "banks/bank.html")]
struct BankPage {
    s: Shell,
    bank: bank::Model,
    matrix: Matrix,
    members: Vec<user::Model>,
    is_admin: bool,
    errors: Vec<String>,
}

async fn bank_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    bank_view(&state, s, &user, bank, vec![]).await
}

async fn bank_view(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    bank: bank::Model,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = BankPage {
        s,
        matrix: domain::matrix(&store::counts(&state.db, bank.id).await?),
        members: store::members(&state.db, bank.id).await?,
        is_admin: user.role == Role::Admin,
        errors,
        bank,
    };
    Ok((status, render(page)?).into_response())
}

async fn update_bank(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<BankFields>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let bank = service::bank_for(&state.db, &user, id).await?;
    let form = BankForm {
        name: f.name,
        subject: f.subject,
        description: Some(f.description),
        language: f.language,
        ignore_diacritics: f.ignore_diacritics.is_some(),
    };
    match service::update_bank(&state.db, state.now_ms(), &user.actor(), &bank, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/banks/{id}")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            bank_view(&state, s, &user, bank, errors).await
        }
    }
}

#[derive(Deserialize)]
struct MemberFields {
    username: String,
}

async fn add_member(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<MemberFields>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let bank = service::bank_for(&state.db, &user, id).await?;
    match service::add_member(&state.db, state.now_ms(), &user.actor(), &bank, &f.username).await {
        Ok(()) => Ok(Redirect::to(&format!("/banks/{id}")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            bank_view(&state, s, &user, bank, errors).await
        }
    }
}

async fn remove_member(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, user_id)): Path<(i32, i32)>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let bank = service::bank_for(&state.db, &user, id).await?;
    service::remove_member(&state.db, state.now_ms(), &user.actor(), &bank, user_id).await?;
    Ok(Redirect::to(&format!("/banks/{id}")).into_response())
}

pub struct ListRow {
    pub id: i32,
    pub key: String,
    pub version: i32,
    pub status: String,
    pub kind: String,
    pub topic: String,
    pub difficulty: i16,
    pub title: String,
}

#[derive(Template)]
#[template(path = "banks/questions.html")]
struct QuestionsPage {
    s: Shell,
    bank: bank::Model,
    topics: Vec<String>,
    kinds: Vec<&'static str>,
    formats: Vec<&'static str>,
    filter: Filter,
    rows: Vec<ListRow>,
    total: u64,
    page: u64,
    pages: u64,
}

impl QuestionsPage {
    fn filter_query(&self) -> String {
        filter_query(&self.filter, None)
    }

    fn query_for(&self, page: u64) -> String {
        filter_query(&self.filter, Some(page))
    }

    fn sel(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }
}

fn filter_query(f: &Filter, page: Option<u64>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("topic", &f.topic),
        ("difficulty", &f.difficulty),
        ("kind", &f.kind),
        ("status", &f.status),
        ("tag", &f.tag),
        ("q", &f.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            pairs.push((k, v.to_owned()));
        }
    }
    if let Some(p) = page {
        pairs.push(("page", p.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn short(text: &str, chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        flat
    } else {
        format!("{}…", flat.chars().take(chars).collect::<String>())
    }
}

async fn questions_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(filter): Query<Filter>,
) -> Result<impl IntoResponse, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let (found, total) = store::list(&state.db, bank.id, &filter).await?;
    let mut rows = Vec::with_capacity(found.len());
    for (key, v) in found {
        let q = store::content(&v)?;
        rows.push(ListRow {
            id: v.question_id,
            key,
            version: v.number,
            status: v.status,
            kind: v.kind,
            topic: v.topic,
            difficulty: v.difficulty,
            title: q.title.unwrap_or_else(|| short(&q.stem, 120)),
        });
    }
    render(QuestionsPage {
        s,
        topics: store::topics(&state.db, bank.id).await?,
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        formats: Format::ALL.iter().map(|f| f.as_str()).collect(),
        page: filter.page(),
        pages: total.div_ceil(PAGE_SIZE).max(1),
        bank,
        filter,
        rows,
        total,
    })
}

#[derive(Template)]
#[template(path = "banks/editor.html")]
struct EditorPage {
    s: Shell,
    bank: bank::Model,
    /// None for a new question.
    question: Option<(i32, String)>,
    editor: Editor,
    kinds: Vec<&'static str>,
    topics: Vec<String>,
    errors: Vec<String>,
    warnings: Vec<String>,
    preview: Option<CandidateView>,
    /// Saving makes a new version (the current one is approved, retired or used).
    makes_version: bool,
}

impl EditorPage {
    fn action(&self) -> String {
        match &self.question {
            Some((id, _)) => format!("/banks/{}/questions/{id}/edit", self.bank.id),
            None => format!("/banks/{}/questions/new", self.bank.id),
        }
    }
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
    topic: Option<String>,
}

async fn new_question_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<NewQuery>,
) -> Result<impl IntoResponse, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let kind = q
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::SingleChoice);
    let editor = Editor::blank(kind, q.topic.as_deref().unwrap_or_default());
    render(EditorPage {
        s,
        topics: store::topics(&state.db, bank.id).await?,
        bank,
        question: None,
        editor,
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        errors: vec![],
        warnings: vec![],
        preview: None,
        makes_version: false,
    })
}

fn action_of(fields: &[(String, String)]) -> &str {
    fields
        .iter()
        .find(|(k, _)| k == "action")
        .map_or("save", |(_, v)| v.as_str())
}

async fn new_question(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    save_from_editor(&state, s, &user, bank, None, &fields).await
}

async fn edit_question(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, qid)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let question = store::find_question(&state.db, bank.id, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    save_from_editor(&state, s, &user, bank, Some((qid, question.key)), &fields).await
}

async fn makes_version(state: &AppState, question: Option<i32>) -> Result<bool, AppError> {
    Ok(match question {
        Some(qid) => store::current_version(&state.db, qid)
            .await?
            .is_some_and(|v| store::status_of(&v) != Status::Draft || v.used),
        None => false,
    })
}

/// Saves what the editor posted, or shows it again with a preview (the
/// "preview" button) or with what is wrong.
async fn save_from_editor(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    bank: bank::Model,
    question: Option<(i32, String)>,
    fields: &[(String, String)],
) -> Result<Response, AppError> {
    let editor = Editor::from_fields(fields);
    let parsed = editor.to_question();
    let preview_only = action_of(fields) == "preview";
    let (mut errors, mut notes, mut preview) = (Vec::new(), Vec::new(), None);
    match &parsed {
        Ok(q) => {
            preview = Some(render::candidate_view(q));
            notes = warnings(q);
        }
        Err(problems) => errors = problems.clone(),
    }
    if !preview_only && let Ok(q) = parsed {
        let result = service::save_question(
            &state.db,
            state.now_ms(),
            &user.actor(),
            &bank,
            question.as_ref().map(|(id, _)| *id),
            Some(editor.key.as_str()),
            q,
        )
        .await;
        match result {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/banks/{}/questions/{}",
                    bank.id, saved.question_id
                ))
                .into_response());
            }
            Err(e) => errors = e.into_form_messages(s.tr.0)?,
        }
    }
    let status = if errors.is_empty() || preview_only {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EditorPage {
        s,
        topics: store::topics(&state.db, bank.id).await?,
        makes_version: makes_version(state, question.as_ref().map(|(id, _)| *id)).await?,
        bank,
        question,
        editor,
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        errors: std::mem::take(&mut errors),
        warnings: std::mem::take(&mut notes),
        preview: preview.take(),
    };
    Ok((status, render(page)?).into_response())
}

async fn edit_question_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, qid)): Path<(i32, i32)>,
) -> Result<impl IntoResponse, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let question = store::find_question(&state.db, bank.id, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = store::current_version(&state.db, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    let q = store::content(&current)?;
    render(EditorPage {
        s,
        topics: store::topics(&state.db, bank.id).await?,
        makes_version: store::status_of(&current) != Status::Draft || current.used,
        editor: Editor::from_question(&q, &question.key),
        preview: Some(render::candidate_view(&q)),
        warnings: warnings(&q),
        bank,
        question: Some((qid, question.key)),
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        errors: vec![],
    })
}

#[derive(Template)]
#[template(path = "banks/preview.html")]
struct PreviewFragment {
    s: Shell,
    preview: Option<CandidateView>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// The preview alone, for the editor's script to refresh as the author types.
async fn preview_fragment(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<impl IntoResponse, AppError> {
    service::bank_for(&state.db, &user, id).await?;
    let (preview, errors, notes) = match Editor::from_fields(&fields).to_question() {
        Ok(q) => (Some(render::candidate_view(&q)), vec![], warnings(&q)),
        Err(problems) => (None, problems, vec![]),
    };
    render(PreviewFragment {
        s,
        preview,
        errors,
        warnings: notes,
    })
}

pub struct HistoryRow {
    pub number: i32,
    pub status: String,
    pub current: bool,
    pub used: bool,
    pub author: String,
    pub created: String,
    pub reviewer: String,
    pub approved: String,
    pub retired: String,
}

#[derive(Template)]
#[template(path = "banks/question.html")]
struct QuestionPage {
    s: Shell,
    bank: bank::Model,
    id: i32,
    key: String,
    current: version::Model,
    title: String,
    tags: Vec<String>,
    explanation_html: String,
    preview: CandidateView,
    key_rows: Vec<KeyRow>,
    history: Vec<HistoryRow>,
    duplicates: Vec<(i32, String)>,
    can_approve: bool,
}

async fn question_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, qid)): Path<(i32, i32)>,
) -> Result<impl IntoResponse, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let question = store::find_question(&state.db, bank.id, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = store::versions_of(&state.db, qid).await?;
    let current = versions
        .iter()
        .find(|v| v.current)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let q = store::content(&current)?;
    let duplicates =
        store::same_fingerprint(&state.db, bank.id, &current.fingerprint, Some(qid)).await?;
    let when = |ms: Option<i64>| ms.map(format_ms).unwrap_or_default();
    let history = versions
        .iter()
        .map(|v| HistoryRow {
            number: v.number,
            status: v.status.clone(),
            current: v.current,
            used: v.used,
            author: v.author_name.clone(),
            created: format_ms(v.created_ms),
            reviewer: v.reviewer_name.clone().unwrap_or_default(),
            approved: when(v.approved_ms),
            retired: when(v.retired_ms),
        })
        .collect();
    render(QuestionPage {
        s,
        id: qid,
        key: question.key,
        can_approve: store::status_of(&current) == Status::Draft
            && domain::may_approve(user.id, current.author_id),
        title: q.title.clone().unwrap_or_default(),
        tags: q.tags.clone(),
        explanation_html: q
            .explanation
            .as_deref()
            .map(|e| render::to_html(e, q.format))
            .unwrap_or_default(),
        preview: render::candidate_view(&q),
        key_rows: render::key_rows(&q),
        history,
        duplicates,
        current,
        bank,
    })
}

#[derive(Template)]
#[template(path = "banks/review.html")]
struct ReviewPage {
    s: Shell,
    bank: bank::Model,
    action: String,
    /// Before: the questions to confirm (id, key). After: none.
    confirm: Vec<(i32, String)>,
    outcome: Option<ReviewOutcome>,
}

/// Bulk approve or retire: the first post shows what will change and asks to
/// confirm; the second (with `confirm=yes`) does it.
async fn review(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let action_name = get("action").to_owned();
    let action = ReviewAction::parse(&action_name)
        .ok_or_else(|| AppError::bad_request(Text::key("banks.bad_review_action")))?;
    let ids: Vec<i32> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(AppError::bad_request(Text::key("banks.none_selected")));
    }
    if get("confirm") != "yes" {
        let keys = store::key_map(&state.db, &ids).await?;
        let mut confirm: Vec<(i32, String)> = ids
            .iter()
            .filter_map(|id| keys.get(id).map(|k| (*id, k.clone())))
            .collect();
        confirm.sort_by(|a, b| a.1.cmp(&b.1));
        return Ok(render(ReviewPage {
            s,
            bank,
            action: action_name,
            confirm,
            outcome: None,
        })?
        .into_response());
    }
    let outcome = service::review(
        &state.db,
        state.now_ms(),
        &user.actor(),
        &bank,
        action,
        &ids,
    )
    .await?;
    Ok(render(ReviewPage {
        s,
        bank,
        action: action_name,
        confirm: vec![],
        outcome: Some(outcome),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "banks/import.html")]
struct ImportPage {
    s: Shell,
    bank: bank::Model,
    report: Option<ImportReport>,
    /// The upload waiting for confirmation, when the dry run found no error.
    token: Option<String>,
    max_mib: usize,
}

async fn import_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    render(ImportPage {
        s,
        bank,
        report: None,
        token: None,
        max_mib: domain::MAX_IMPORT_BYTES / (1024 * 1024),
    })
}

/// Step one: the upload is checked (a dry run) and kept until confirmed.
async fn upload(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    super::api::refuse_oversized(&headers)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        AppError::bad_request(Text::key("banks.bad_upload").with("detail", e.body_text()))
    })? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload").to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                AppError::bad_request(Text::key("banks.bad_upload").with("detail", e.body_text()))
            })?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::invalid("file", Text::key("banks.no_file")));
    };
    let now = state.now_ms();
    let report = service::import(
        &state.db,
        now,
        &user.actor(),
        Target::Bank(bank.clone()),
        (&name, &bytes),
        &ImportOptions {
            dry_run: true,
            keep_status: user.role == Role::Admin,
        },
    )
    .await?;
    let mut token = None;
    // Oversized files never reach here with a report worth keeping.
    if report.errors.is_empty() && bytes.len() <= domain::MAX_IMPORT_BYTES {
        let id = hex::encode(crate::random_bytes::<16>());
        store::insert_pending(
            &state.db,
            pending_import::Model {
                id: id.clone(),
                bank_id: bank.id,
                user_id: user.id,
                file_name: name.chars().take(255).collect(),
                content: bytes,
                created_ms: now,
            },
        )
        .await?;
        token = Some(id);
    }
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        s,
        bank,
        report: Some(report),
        token,
        max_mib: domain::MAX_IMPORT_BYTES / (1024 * 1024),
    };
    Ok((status, render(page)?).into_response())
}

#[derive(Deserialize)]
struct ConfirmFields {
    token: String,
}

/// An upload left unconfirmed this long is thrown away.
const PENDING_TTL_MS: i64 = 24 * 3600 * 1000;

/// Step two: the checked file is imported, all or nothing.
async fn confirm_import(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<ConfirmFields>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let pending = store::find_pending(&state.db, &f.token)
        .await?
        .filter(|p| p.bank_id == bank.id && p.user_id == user.id)
        .ok_or_else(|| AppError::bad_request(Text::key("banks.upload_expired")))?;
    let now = state.now_ms();
    let report = service::import(
        &state.db,
        now,
        &user.actor(),
        Target::Bank(bank.clone()),
        (&pending.file_name, &pending.content),
        &ImportOptions {
            dry_run: false,
            keep_status: user.role == Role::Admin,
        },
    )
    .await?;
    store::delete_pending(&state.db, &pending.id, now - PENDING_TTL_MS).await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        s,
        bank,
        report: Some(report),
        token: None,
        max_mib: domain::MAX_IMPORT_BYTES / (1024 * 1024),
    };
    Ok((status, render(page)?).into_response())
}

#[derive(Deserialize)]
struct ExportFormat {
    format: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(f): Query<ExportFormat>,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let bank = service::bank_for(&state.db, &user, id).await?;
    let format = export_format(f.format.as_deref())?;
    let out = service::export(&state.db, &bank, &filter, format).await?;
    Ok(file_response(&out.file_name, out.format, out.bytes))
}

/// Catalog key of a kind's name, for templates.
pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "single_choice" => "kind.single_choice",
        "multiple_response" => "kind.multiple_response",
        "true_false" => "kind.true_false",
        "numeric" => "kind.numeric",
        "short_answer" => "kind.short_answer",
        "matching" => "kind.matching",
        "ordering" => "kind.ordering",
        _ => "kind.essay",
    }
}

pub fn status_key(status: &str) -> &'static str {
    match status {
        "approved" => "status.approved",
        "retired" => "status.retired",
        _ => "status.draft",
    }
}

pub fn subject_key(subject: &str) -> &'static str {
    match subject {
        "foreign_language" => "subject.foreign_language",
        "it" => "subject.it",
        "specialised" => "subject.specialised",
        _ => "subject.general_knowledge",
    }
}

/// "A", "B", ... for the editor's rows (askama passes loop indices by reference).
pub fn row_label(i: &usize) -> String {
    super::validate::option_label(*i)
}
