//! The operations on banks, shared by the pages, the JSON API, the CLI and the
//! demo: create banks and manage members, save questions as versions, review
//! them (four eyes), import and export. Access checks live here too, so no
//! caller can forget one.

use crate::db::BeginWrite;
use std::collections::{HashMap, HashSet};

use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::domain::{self, Access, DEFAULT_TOPIC, Format, MAX_IMPORT_BYTES};
use super::entity::{bank, version};
use super::formats::{gift, moodle_xml, native, spreadsheet};
use super::model::{BankInfo, Parsed, Problem, Provenance, Question, Status};
use super::normalize::fingerprint;
use super::store::{self, Filter, NewBank, VersionMeta};
use super::validate::{validate, warnings};
use crate::accounts::domain::Role;
use crate::accounts::store as accounts;
use crate::audit::{self, Actor, Entry};
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::upload::{self, Refused};
use crate::web::{AppError, CurrentUser};

/// The bank, if this user may work on it. Candidates and personnel get 403;
/// a board member gets 404 for a bank that is not theirs, as if it did not exist.
pub async fn bank_for(
    db: &DatabaseConnection,
    user: &CurrentUser,
    bank_id: i32,
) -> Result<bank::Model, AppError> {
    let member = match user.role {
        Role::Board => store::is_member(db, bank_id, user.id).await?,
        _ => false,
    };
    match domain::access(user.role, member) {
        Err(domain::Forbidden) => Err(AppError::Forbidden),
        Ok(Access::None) => Err(AppError::NotFound),
        Ok(Access::Edit) => store::find_bank(db, bank_id)
            .await?
            .ok_or(AppError::NotFound),
    }
}

/// The banks this user sees: all for administrators, their own for board members.
pub async fn visible_banks(
    db: &DatabaseConnection,
    user: &CurrentUser,
) -> Result<Vec<bank::Model>, AppError> {
    match user.role {
        Role::Admin => Ok(store::banks(db, None).await?),
        Role::Board => {
            let ids = store::member_bank_ids(db, user.id).await?;
            Ok(store::banks(db, Some(&ids)).await?)
        }
        Role::Candidate | Role::Personnel => Err(AppError::Forbidden),
    }
}

pub fn info(b: &bank::Model) -> BankInfo {
    BankInfo {
        name: b.name.clone(),
        subject: domain::parse_subject(&b.subject).unwrap_or_default(),
        description: b.description.clone(),
        language: b.language.clone(),
        ignore_diacritics: b.ignore_diacritics,
    }
}

fn invalid(messages: impl IntoIterator<Item = String>) -> AppError {
    AppError::Invalid(
        messages
            .into_iter()
            .map(|m| FieldError {
                field: None,
                text: Text::Raw(m),
            })
            .collect(),
    )
}

// ---- banks and members ----

#[derive(Debug, Clone, serde::Deserialize, ToSchema, Default)]
pub struct BankForm {
    pub name: String,
    /// `general_knowledge`, `foreign_language`, `it`, `specialised`.
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `vi` or `en`.
    #[serde(default)]
    pub language: String,
    /// Short answers match without Vietnamese diacritics.
    #[serde(default)]
    pub ignore_diacritics: bool,
}

/// The checked fields of a bank form, or every problem with them.
fn checked_bank(form: &BankForm) -> Result<NewBank, AppError> {
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", Text::key("banks.bad_name")));
    }
    let subject = if form.subject.trim().is_empty() {
        Some(Default::default())
    } else {
        domain::parse_subject(&form.subject)
    };
    if subject.is_none() {
        errors.push(FieldError::new("subject", Text::key("banks.bad_subject")));
    }
    let language = match form.language.trim() {
        "" => "vi",
        l => l,
    };
    if !matches!(language, "vi" | "en") {
        errors.push(FieldError::new("language", Text::key("banks.bad_language")));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(NewBank {
        name,
        subject: domain::subject_name(subject.unwrap_or_default()).to_owned(),
        description: form
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        language: language.to_owned(),
        ignore_diacritics: form.ignore_diacritics,
    })
}

fn name_taken() -> AppError {
    AppError::Conflict(FieldError::new("name", Text::key("banks.name_taken")))
}

pub async fn create_bank(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    form: &BankForm,
) -> Result<bank::Model, AppError> {
    let new = checked_bank(form)?;
    if store::find_bank_by_name(db, &new.name).await?.is_some() {
        return Err(name_taken());
    }
    let name = new.name.clone();
    let txn = db.begin_write().await?;
    let b = store::insert_bank(&txn, new, now).await?;
    audit::record(&txn, now, actor, Entry::new("bank_created", &name)).await?;
    txn.commit().await?;
    Ok(b)
}

/// Changes a bank's name, subject, description, language or diacritics rule
/// (administrators only). Questions and their versions are untouched.
pub async fn update_bank(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    b: &bank::Model,
    form: &BankForm,
) -> Result<bank::Model, AppError> {
    let new = checked_bank(form)?;
    if let Some(other) = store::find_bank_by_name(db, &new.name).await?
        && other.id != b.id
    {
        return Err(name_taken());
    }
    let detail = format!(
        "{} → {}; subject {} → {}; language {} → {}; ignore diacritics {} → {}",
        b.name,
        new.name,
        b.subject,
        new.subject,
        b.language,
        new.language,
        b.ignore_diacritics,
        new.ignore_diacritics
    );
    let txn = db.begin_write().await?;
    let updated = store::update_bank(&txn, b.id, new).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("bank_updated", &updated.name).detail(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Adds a board member to a bank (administrators only).
pub async fn add_member(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    b: &bank::Model,
    username: &str,
) -> Result<(), AppError> {
    let Some(u) = accounts::find_by_username(db, &username.trim().to_lowercase()).await? else {
        return Err(AppError::invalid(
            "username",
            Text::key("banks.no_such_user"),
        ));
    };
    if Role::parse(&u.role) != Some(Role::Board) {
        return Err(AppError::invalid(
            "username",
            Text::key("banks.member_not_board"),
        ));
    }
    let txn = db.begin_write().await?;
    store::add_member(&txn, b.id, u.id, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("bank_member_added", &b.name).detail(&u.username),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn remove_member(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    b: &bank::Model,
    user_id: i32,
) -> Result<(), AppError> {
    let username = accounts::find_user(db, user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    let txn = db.begin_write().await?;
    store::remove_member(&txn, b.id, user_id).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("bank_member_removed", &b.name).detail(username),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- saving questions ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Saved {
    pub question_id: i32,
    pub key: String,
    pub version_id: i32,
    pub version: i32,
    /// True when the save made a new version (the old one was approved,
    /// retired or used); false when a draft was rewritten in place.
    pub new_version: bool,
    /// Not errors: things the author may want to look at, duplicates included.
    pub warnings: Vec<String>,
}

fn duplicate_warning(keys: &[(i32, String)]) -> Option<String> {
    (!keys.is_empty()).then(|| {
        format!(
            "this question looks like a duplicate of {} (same stem and answers)",
            keys.iter()
                .map(|(_, k)| format!("question {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Saves a question from the editor or the API: a new question when
/// `question_id` is `None`, else a new version of it (or, for a draft that
/// was never approved nor used, the same version rewritten).
pub async fn save_question(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    b: &bank::Model,
    question_id: Option<i32>,
    key: Option<&str>,
    mut q: Question,
) -> Result<Saved, AppError> {
    q.topic = domain::clean_topic(&q.topic);
    let problems = validate(&q);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut notes = warnings(&q);
    let dupes = store::same_fingerprint(db, b.id, &fingerprint(&q), question_id).await?;
    notes.extend(duplicate_warning(&dupes));

    let txn = db.begin_write().await?;
    let (question, saved_version, new_version) = match question_id {
        Some(id) => {
            let question = store::find_question(&txn, b.id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let current = store::current_version(&txn, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("question {id} has no version"))?;
            if store::content(&current)? == q {
                txn.rollback().await?;
                return Ok(Saved {
                    question_id: id,
                    key: question.key,
                    version_id: current.id,
                    version: current.number,
                    new_version: false,
                    warnings: notes,
                });
            }
            let editable = store::status_of(&current) == Status::Draft
                && !current.used
                && current.approved_ms.is_none();
            if editable {
                (
                    question,
                    store::update_draft(&txn, &current, &q).await?,
                    false,
                )
            } else {
                let v = store::insert_version(&txn, b.id, id, &q, draft_by(actor), now).await?;
                (question, v, true)
            }
        }
        None => {
            let key = match key.map(str::trim).filter(|k| !k.is_empty()) {
                Some(k) => {
                    if !domain::valid_key(k) {
                        return Err(AppError::invalid("key", Text::key("banks.bad_key")));
                    }
                    if store::find_question_by_key(&txn, b.id, k).await?.is_some() {
                        return Err(AppError::Conflict(FieldError::new(
                            "key",
                            Text::key("banks.key_taken"),
                        )));
                    }
                    k.to_owned()
                }
                None => {
                    let taken = store::keys(&txn, b.id).await?;
                    domain::next_key(taken.iter().map(String::as_str))
                }
            };
            let question = store::insert_question(&txn, b.id, &key, now).await?;
            let v =
                store::insert_version(&txn, b.id, question.id, &q, draft_by(actor), now).await?;
            (question, v, true)
        }
    };
    store::ensure_topic(&txn, b.id, &q.topic).await?;
    let action = if question_id.is_some() {
        "question_edited"
    } else {
        "question_created"
    };
    audit::record(
        &txn,
        now,
        actor,
        Entry::new(action, format!("{} / {}", b.name, question.key))
            .detail(format!("version {}", saved_version.number)),
    )
    .await?;
    txn.commit().await?;
    Ok(Saved {
        question_id: question.id,
        key: question.key,
        version_id: saved_version.id,
        version: saved_version.number,
        new_version,
        warnings: notes,
    })
}

fn draft_by(actor: &Actor) -> VersionMeta {
    VersionMeta {
        status: Status::Draft,
        author_id: actor.id,
        author_name: actor.name.clone(),
        reviewer_id: None,
        reviewer_name: None,
    }
}

// ---- review ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewAction {
    Approve,
    Retire,
}

impl ReviewAction {
    pub fn parse(s: &str) -> Option<ReviewAction> {
        match s {
            "approve" => Some(ReviewAction::Approve),
            "retire" => Some(ReviewAction::Retire),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Skipped {
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ReviewOutcome {
    /// Keys of the questions approved or retired.
    pub done: Vec<String>,
    /// Questions left as they were, each with the reason.
    pub skipped: Vec<Skipped>,
}

/// Approves or retires the current versions of these questions, in one
/// transaction. A question the reviewer wrote is skipped (four eyes), as is
/// one already in the requested state.
pub async fn review(
    db: &DatabaseConnection,
    now: i64,
    reviewer: &Actor,
    b: &bank::Model,
    action: ReviewAction,
    question_ids: &[i32],
) -> Result<ReviewOutcome, AppError> {
    let mut outcome = ReviewOutcome::default();
    let txn = db.begin_write().await?;
    let mut seen = HashSet::new();
    for &id in question_ids {
        if !seen.insert(id) {
            continue;
        }
        let Some(question) = store::find_question(&txn, b.id, id).await? else {
            return Err(AppError::NotFound);
        };
        let current = store::current_version(&txn, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("question {id} has no version"))?;
        let status = store::status_of(&current);
        let skip = |reason: &str| Skipped {
            key: question.key.clone(),
            reason: reason.to_owned(),
        };
        match action {
            ReviewAction::Approve => {
                if status != Status::Draft {
                    outcome.skipped.push(skip(&format!(
                        "version {} is {}, not a draft",
                        current.number,
                        status.as_str()
                    )));
                    continue;
                }
                let Some(reviewer_id) = reviewer.id else {
                    return Err(AppError::Forbidden);
                };
                if !domain::may_approve(reviewer_id, current.author_id) {
                    outcome.skipped.push(skip(
                        "you wrote this version; another board member must approve it",
                    ));
                    continue;
                }
                store::approve(&txn, &current, Some(reviewer_id), &reviewer.name, now).await?;
                audit::record(
                    &txn,
                    now,
                    reviewer,
                    Entry::new(
                        "question_approved",
                        format!("{} / {}", b.name, question.key),
                    )
                    .detail(format!("version {}", current.number)),
                )
                .await?;
            }
            ReviewAction::Retire => {
                if status == Status::Retired {
                    outcome.skipped.push(skip("already retired"));
                    continue;
                }
                store::retire(&txn, id, now).await?;
                audit::record(
                    &txn,
                    now,
                    reviewer,
                    Entry::new("question_retired", format!("{} / {}", b.name, question.key))
                        .detail(format!("version {}", current.number)),
                )
                .await?;
            }
        }
        outcome.done.push(question.key);
    }
    txn.commit().await?;
    Ok(outcome)
}

// ---- import ----

/// Where an import goes.
pub enum Target {
    /// An existing bank (the import page, the API).
    Bank(bank::Model),
    /// The CLI: the bank with this name, or the one the file names; created
    /// when missing, from the file's `[bank]` or with defaults.
    Named(Option<String>),
}

pub struct ImportOptions {
    pub dry_run: bool,
    /// Keep `approved`/`retired` from the file: only for importers allowed
    /// to approve (an administrator, the CLI, the demo). Others get drafts.
    pub keep_status: bool,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub file_name: String,
    #[schema(value_type = String)]
    pub format: String,
    pub bank: String,
    pub dry_run: bool,
    /// Questions found in the file.
    pub found: usize,
    /// New questions (or, in a dry run, that would be).
    pub created: usize,
    /// Existing questions (same key) given a new version or a rewritten draft.
    pub updated: usize,
    /// Existing questions whose content is unchanged.
    pub unchanged: usize,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
    /// Any error means nothing was imported.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<Problem>,
}

impl ImportReport {
    pub fn imported(&self) -> bool {
        self.errors.is_empty() && !self.dry_run
    }

    fn error(mut self, message: impl Into<String>) -> ImportReport {
        self.errors.push(Problem {
            line: 1,
            column: None,
            message: message.into(),
        });
        self
    }
}

/// Reads a file in whatever format it is in; a limit of `web::upload` it goes
/// past is one more message.
pub fn parse_file(file_name: &str, bytes: &[u8]) -> Result<(Format, Parsed), String> {
    read_file(file_name, bytes).unwrap_or_else(|r| Err(r.english()))
}

/// Reads a file in whatever format it is in, within the limits of
/// `web::upload` (the outer error: the whole upload is refused).
pub fn read_file(
    file_name: &str,
    bytes: &[u8],
) -> Result<Result<(Format, Parsed), String>, Refused> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Ok(Err(format!(
            "the file is {:.1} MiB; files over {} MiB are refused: split the bank by topic",
            bytes.len() as f64 / (1024.0 * 1024.0),
            MAX_IMPORT_BYTES / (1024 * 1024)
        )));
    }
    let Some(format) = domain::detect(file_name, bytes) else {
        return Ok(Err("the format of this file could not be recognised; use .toml (merit), .gift, .xml (Moodle XML), .csv or .xlsx".to_owned()));
    };
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| {
            format!(
                "the file is not UTF-8 text (invalid byte at position {}); save it as UTF-8",
                e.valid_up_to()
            )
        })
    };
    let parsed = match format {
        Format::Toml | Format::Gift | Format::MoodleXml => {
            let text = match text() {
                Ok(t) => t,
                Err(message) => return Ok(Err(message)),
            };
            match format {
                Format::Toml => {
                    upload::check_entries(text, upload::TOML_MARKS)?;
                    native::parse(text)
                }
                Format::Gift => {
                    upload::check_entries(text, upload::GIFT_MARKS)?;
                    gift::parse(text)
                }
                _ => moodle_xml::parse(text),
            }
        }
        Format::Csv => spreadsheet::read_csv(bytes)?,
        Format::Xlsx => spreadsheet::read_xlsx(bytes)?,
    };
    upload::check_items(parsed.questions.len())?;
    Ok(Ok((format, parsed)))
}

fn who(p: &Provenance, n: usize) -> String {
    match p.key.as_deref().filter(|k| !k.trim().is_empty()) {
        Some(k) => format!("question {k}"),
        None => format!("question #{}", n + 1),
    }
}

/// Imports a file: all or nothing. Every problem is listed with its line;
/// with any error nothing is written. `progress` is called after each question.
pub async fn import(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    target: Target,
    (file_name, bytes): (&str, &[u8]),
    options: &ImportOptions,
) -> Result<ImportReport, AppError> {
    import_with_progress(
        db,
        now,
        actor,
        target,
        (file_name, bytes),
        options,
        &|_, _| {},
    )
    .await
}

/// [`import`], calling `progress(done, total)` after each question (the CLI's bar).
pub async fn import_with_progress(
    db: &DatabaseConnection,
    now: i64,
    actor: &Actor,
    target: Target,
    (file_name, bytes): (&str, &[u8]),
    options: &ImportOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport {
        file_name: file_name.to_owned(),
        dry_run: options.dry_run,
        ..Default::default()
    };
    // Off the async threads, behind the parse bound: a hostile file costs
    // its own request at most.
    let (name, owned) = (file_name.to_owned(), bytes.to_vec());
    let read = upload::parse_off_the_exam(move || read_file(&name, &owned)).await?;
    let (format, mut parsed) = match read.map_err(Refused::into_error)? {
        Ok(p) => p,
        Err(message) => return Ok(report.error(message)),
    };
    report.format = format.as_str().to_owned();
    report.found = parsed.questions.len();
    report.warnings = std::mem::take(&mut parsed.warnings);
    report.errors = std::mem::take(&mut parsed.errors);

    // The bank: an existing one, or (CLI) one named or described by the file.
    let (existing, new_bank) = match target {
        Target::Bank(b) => {
            if let Some(info) = &parsed.bank
                && info.name != b.name
            {
                report.warnings.push(Problem {
                    line: 1,
                    column: None,
                    message: format!(
                        "the file describes the bank \"{}\"; its questions go into \"{}\"",
                        info.name, b.name
                    ),
                });
            }
            (Some(b), None)
        }
        Target::Named(name) => {
            let name = name.or_else(|| parsed.bank.as_ref().map(|i| i.name.clone()));
            let Some(name) = name else {
                return Ok(
                    report.error("the file does not name its bank; give one with --bank NAME")
                );
            };
            match store::find_bank_by_name(db, &name).await? {
                Some(b) => (Some(b), None),
                None => {
                    let info = parsed
                        .bank
                        .clone()
                        .filter(|i| i.name == name)
                        .unwrap_or(BankInfo {
                            name: name.clone(),
                            subject: Default::default(),
                            description: None,
                            language: "vi".into(),
                            ignore_diacritics: false,
                        });
                    (None, Some(info))
                }
            }
        }
    };
    report.bank = existing
        .as_ref()
        .map(|b| b.name.clone())
        .or_else(|| new_bank.as_ref().map(|i| i.name.clone()))
        .unwrap_or_default();

    // Checks the parsers of other formats leave to the caller.
    let mut keys_seen: HashMap<String, usize> = HashMap::new();
    for (n, iq) in parsed.questions.iter_mut().enumerate() {
        if iq.question.topic.trim().is_empty() {
            iq.question.topic = DEFAULT_TOPIC.to_owned();
        }
        iq.question.topic = domain::clean_topic(&iq.question.topic);
        let who = who(&iq.provenance, n);
        if format != Format::Toml {
            for m in validate(&iq.question) {
                report.errors.push(Problem {
                    line: iq.line,
                    column: None,
                    message: format!("{who}: {m}"),
                });
            }
            for m in warnings(&iq.question) {
                report.warnings.push(Problem {
                    line: iq.line,
                    column: None,
                    message: format!("{who}: {m}"),
                });
            }
        }
        if let Some(k) = iq.provenance.key.as_deref().map(str::trim) {
            if !domain::valid_key(k) {
                report.errors.push(Problem {
                    line: iq.line,
                    column: None,
                    message: format!("{who}: a key has 1 to 100 characters on one line"),
                });
            } else if format != Format::Toml
                && let Some(first) = keys_seen.insert(k.to_owned(), iq.line)
            {
                report.errors.push(Problem {
                    line: iq.line,
                    column: None,
                    message: format!(
                        "{who}: the key is already used by the question at line {first}"
                    ),
                });
            }
        }
    }

    // Duplicates: inside the file, and against the bank (other keys only).
    let in_bank = match &existing {
        Some(b) => store::fingerprints(db, b.id).await?,
        None => HashMap::new(),
    };
    let mut in_file: HashMap<String, (usize, String)> = HashMap::new();
    for (n, iq) in parsed.questions.iter().enumerate() {
        let fp = fingerprint(&iq.question);
        let who = who(&iq.provenance, n);
        let key = iq.provenance.key.clone().unwrap_or_default();
        if let Some((_, other)) = in_bank.get(&fp).filter(|(_, k)| *k != key) {
            report.warnings.push(Problem {
                line: iq.line,
                column: None,
                message: format!(
                    "{who} looks like a duplicate of question {other} already in the bank (same stem and answers)"
                ),
            });
        }
        if let Some((line, other)) = in_file.get(&fp) {
            report.warnings.push(Problem {
                line: iq.line,
                column: None,
                message: format!(
                    "{who} looks like a duplicate of {other} at line {line} (same stem and answers)"
                ),
            });
        } else {
            in_file.insert(fp, (iq.line, who));
        }
    }
    report.errors.sort_by_key(|p| (p.line, p.column));
    report.warnings.sort_by_key(|p| (p.line, p.column));
    if !report.errors.is_empty() {
        return Ok(report);
    }

    // Write (or, in a dry run, only count) inside one transaction.
    let txn = db.begin_write().await?;
    let b = match (existing, new_bank) {
        (Some(b), _) => b,
        (None, Some(info)) => {
            let b = store::insert_bank(
                &txn,
                NewBank {
                    name: info.name.clone(),
                    subject: domain::subject_name(info.subject).to_owned(),
                    description: info.description.clone(),
                    language: info.language.clone(),
                    ignore_diacritics: info.ignore_diacritics,
                },
                now,
            )
            .await?;
            audit::record(&txn, now, actor, Entry::new("bank_created", &info.name)).await?;
            b
        }
        (None, None) => return Err(anyhow::anyhow!("import without a bank").into()),
    };
    let mut taken: Vec<String> = store::keys(&txn, b.id).await?;
    let mut topics_done: HashSet<String> = HashSet::new();
    let total = parsed.questions.len();
    for (n, iq) in parsed.questions.iter().enumerate() {
        let q = &iq.question;
        let p = &iq.provenance;
        let status = if options.keep_status {
            p.status
        } else {
            Status::Draft
        };
        let meta = VersionMeta {
            status,
            author_id: actor.id,
            author_name: p.author.clone().unwrap_or_else(|| actor.name.clone()),
            reviewer_id: None,
            reviewer_name: (status == Status::Approved)
                .then(|| p.reviewer.clone().unwrap_or_else(|| actor.name.clone())),
        };
        let existing = match p.key.as_deref().map(str::trim) {
            Some(k) => store::find_question_by_key(&txn, b.id, k).await?,
            None => None,
        };
        match existing {
            Some(question) => {
                let current = store::current_version(&txn, question.id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("question {} has no version", question.id))?;
                let same = store::content(&current)? == *q
                    && (!options.keep_status || store::status_of(&current) == status);
                if same {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    if !options.dry_run {
                        let editable = store::status_of(&current) == Status::Draft
                            && status == Status::Draft
                            && !current.used
                            && current.approved_ms.is_none();
                        if editable {
                            store::update_draft(&txn, &current, q).await?;
                        } else {
                            store::insert_version(&txn, b.id, question.id, q, meta, now).await?;
                        }
                    }
                }
            }
            None => {
                report.created += 1;
                if !options.dry_run {
                    let key = match p.key.as_deref().map(str::trim) {
                        Some(k) => k.to_owned(),
                        None => domain::next_key(taken.iter().map(String::as_str)),
                    };
                    taken.push(key.clone());
                    let question = store::insert_question(&txn, b.id, &key, now).await?;
                    store::insert_version(&txn, b.id, question.id, q, meta, now).await?;
                }
            }
        }
        // Large files repeat a few topics many times: record each once.
        if !options.dry_run && topics_done.insert(q.topic.clone()) {
            store::ensure_topic(&txn, b.id, &q.topic).await?;
        }
        progress(n + 1, total);
    }
    if options.dry_run {
        txn.rollback().await?;
        return Ok(report);
    }
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("bank_imported", &b.name).detail(format!(
            "{file_name} ({}): {} found, {} created, {} updated, {} unchanged",
            report.format, report.found, report.created, report.updated, report.unchanged
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

// ---- export ----

pub struct Exported {
    pub file_name: String,
    pub format: Format,
    pub bytes: Vec<u8>,
    /// What the format could not carry, for a person to read.
    pub notes: Vec<String>,
}

/// The bank, or the questions matching `filter`, in one format.
pub async fn export(
    db: &DatabaseConnection,
    b: &bank::Model,
    filter: &Filter,
    format: Format,
) -> Result<Exported, AppError> {
    let rows = store::all_matching(db, b.id, filter).await?;
    let mut pairs: Vec<(Question, Provenance)> = Vec::with_capacity(rows.len());
    for (key, v) in &rows {
        pairs.push((store::content(v)?, provenance(key, v)));
    }
    let mut notes = Vec::new();
    let bytes = match format {
        Format::Toml => native::write(&info(b), pairs.iter().map(|(q, p)| (q, p))).into_bytes(),
        Format::Gift => {
            let qs: Vec<Question> = pairs.iter().map(|(q, _)| q.clone()).collect();
            let out = gift::write(&qs);
            notes = out.notes;
            out.text.into_bytes()
        }
        Format::MoodleXml => {
            let qs: Vec<Question> = pairs.iter().map(|(q, _)| q.clone()).collect();
            moodle_xml::write(&qs).into_bytes()
        }
        Format::Csv => spreadsheet::write_csv(pairs.iter().map(|(q, p)| (q, p))).into_bytes(),
        Format::Xlsx => spreadsheet::write_xlsx(pairs.iter().map(|(q, p)| (q, p)))
            .map_err(|e| anyhow::anyhow!("writing xlsx: {e}"))?,
    };
    Ok(Exported {
        file_name: format!("{}.{}", slug(&b.name), format.extension()),
        format,
        bytes,
        notes,
    })
}

pub fn provenance(key: &str, v: &version::Model) -> Provenance {
    Provenance {
        key: Some(key.to_owned()),
        status: store::status_of(v),
        version: u32::try_from(v.number).ok(),
        author: Some(v.author_name.clone()),
        reviewer: v.reviewer_name.clone(),
    }
}

/// A file name from a bank name: "Kiến thức chung" → "kien-thuc-chung".
pub fn slug(name: &str) -> String {
    let folded = super::normalize::fold(name, true);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "bank".to_owned()
    } else {
        out
    }
}
