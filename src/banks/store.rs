//! Bank, member, topic, question and version rows. Every function takes any
//! connection, so a caller can run several inside one transaction.
//!
//! For the exam papers that draw from banks: [`approved_versions`] lists what
//! may be drawn, [`load_versions`] reads the exact versions a form names, and
//! [`mark_used`] freezes them.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::domain::{self, search_text, tags_column, topic_prefixes};
use super::entity::{bank, member, pending_import, question, topic, version};
use super::model::{Kind, Question, Status};
use super::normalize::{fingerprint, fold};
use crate::accounts::entity::user;

pub const PAGE_SIZE: u64 = 50;

fn corrupt(id: i32, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("question version {id} has unreadable content: {e}"))
}

/// The content of a stored version.
pub fn content(v: &version::Model) -> Result<Question, DbErr> {
    serde_json::from_str(&v.content).map_err(|e| corrupt(v.id, e))
}

pub fn status_of(v: &version::Model) -> Status {
    Status::parse(&v.status).unwrap_or(Status::Draft)
}

fn like(col: version::Column, prefix_any: bool, text: &str, suffix_any: bool) -> Expr {
    crate::db::like((version::Entity, col), prefix_any, text, suffix_any)
}

/// Versions under a topic: the topic itself and every topic below it.
fn under_topic(path: &str) -> Condition {
    Condition::any()
        .add(version::Column::Topic.eq(path))
        .add(like(
            version::Column::Topic,
            false,
            &format!("{path}/"),
            true,
        ))
}

// ---- banks and members ----

pub struct NewBank {
    pub name: String,
    pub subject: String,
    pub description: Option<String>,
    pub language: String,
    pub ignore_diacritics: bool,
}

pub async fn insert_bank(
    db: &impl ConnectionTrait,
    new: NewBank,
    now_ms: i64,
) -> Result<bank::Model, DbErr> {
    bank::ActiveModel {
        name: Set(new.name),
        subject: Set(new.subject),
        description: Set(new.description),
        language: Set(new.language),
        ignore_diacritics: Set(new.ignore_diacritics),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn update_bank(
    db: &impl ConnectionTrait,
    id: i32,
    new: NewBank,
) -> Result<bank::Model, DbErr> {
    bank::ActiveModel {
        id: Set(id),
        name: Set(new.name),
        subject: Set(new.subject),
        description: Set(new.description),
        language: Set(new.language),
        ignore_diacritics: Set(new.ignore_diacritics),
        ..Default::default()
    }
    .update(db)
    .await
}

pub async fn find_bank(db: &impl ConnectionTrait, id: i32) -> Result<Option<bank::Model>, DbErr> {
    bank::Entity::find_by_id(id).one(db).await
}

pub async fn find_bank_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<bank::Model>, DbErr> {
    bank::Entity::find()
        .filter(bank::Column::Name.eq(name))
        .one(db)
        .await
}

/// All banks, or only these, by name.
pub async fn banks(
    db: &impl ConnectionTrait,
    only: Option<&[i32]>,
) -> Result<Vec<bank::Model>, DbErr> {
    let mut q = bank::Entity::find().order_by_asc(bank::Column::Name);
    if let Some(ids) = only {
        q = q.filter(bank::Column::Id.is_in(ids.iter().copied()));
    }
    q.all(db).await
}

pub async fn member_bank_ids(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<i32>, DbErr> {
    Ok(member::Entity::find()
        .filter(member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.bank_id)
        .collect())
}

pub async fn is_member(
    db: &impl ConnectionTrait,
    bank_id: i32,
    user_id: i32,
) -> Result<bool, DbErr> {
    Ok(member::Entity::find()
        .filter(member::Column::BankId.eq(bank_id))
        .filter(member::Column::UserId.eq(user_id))
        .count(db)
        .await?
        > 0)
}

/// Members of a bank with their accounts, by username.
pub async fn members(db: &impl ConnectionTrait, bank_id: i32) -> Result<Vec<user::Model>, DbErr> {
    let ids: Vec<i32> = member::Entity::find()
        .filter(member::Column::BankId.eq(bank_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
}

pub async fn add_member(
    db: &impl ConnectionTrait,
    bank_id: i32,
    user_id: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    if is_member(db, bank_id, user_id).await? {
        return Ok(());
    }
    member::ActiveModel {
        bank_id: Set(bank_id),
        user_id: Set(user_id),
        added_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn remove_member(
    db: &impl ConnectionTrait,
    bank_id: i32,
    user_id: i32,
) -> Result<(), DbErr> {
    member::Entity::delete_many()
        .filter(member::Column::BankId.eq(bank_id))
        .filter(member::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

// ---- topics ----

/// Records the topic and every level above it.
pub async fn ensure_topic(
    db: &impl ConnectionTrait,
    bank_id: i32,
    path: &str,
) -> Result<(), DbErr> {
    for p in topic_prefixes(path) {
        let exists = topic::Entity::find()
            .filter(topic::Column::BankId.eq(bank_id))
            .filter(topic::Column::Path.eq(p.as_str()))
            .count(db)
            .await?
            > 0;
        if !exists {
            topic::ActiveModel {
                bank_id: Set(bank_id),
                path: Set(p),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn topics(db: &impl ConnectionTrait, bank_id: i32) -> Result<Vec<String>, DbErr> {
    Ok(topic::Entity::find()
        .filter(topic::Column::BankId.eq(bank_id))
        .order_by_asc(topic::Column::Path)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.path)
        .collect())
}

// ---- questions and versions ----

pub async fn find_question(
    db: &impl ConnectionTrait,
    bank_id: i32,
    question_id: i32,
) -> Result<Option<question::Model>, DbErr> {
    question::Entity::find_by_id(question_id)
        .filter(question::Column::BankId.eq(bank_id))
        .one(db)
        .await
}

pub async fn find_question_by_key(
    db: &impl ConnectionTrait,
    bank_id: i32,
    key: &str,
) -> Result<Option<question::Model>, DbErr> {
    question::Entity::find()
        .filter(question::Column::BankId.eq(bank_id))
        .filter(question::Column::Key.eq(key))
        .one(db)
        .await
}

pub async fn keys(db: &impl ConnectionTrait, bank_id: i32) -> Result<Vec<String>, DbErr> {
    question::Entity::find()
        .select_only()
        .column(question::Column::Key)
        .filter(question::Column::BankId.eq(bank_id))
        .into_tuple::<String>()
        .all(db)
        .await
}

pub async fn key_map(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, String>, DbErr> {
    Ok(question::Entity::find()
        .filter(question::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.key))
        .collect())
}

pub async fn insert_question(
    db: &impl ConnectionTrait,
    bank_id: i32,
    key: &str,
    now_ms: i64,
) -> Result<question::Model, DbErr> {
    question::ActiveModel {
        bank_id: Set(bank_id),
        key: Set(key.to_owned()),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Who wrote a version and, when it arrives approved, who approved it.
pub struct VersionMeta {
    pub status: Status,
    pub author_id: Option<i32>,
    pub author_name: String,
    pub reviewer_id: Option<i32>,
    pub reviewer_name: Option<String>,
}

fn content_columns(v: &mut version::ActiveModel, q: &Question) -> Result<(), DbErr> {
    v.kind = Set(q.kind().as_str().to_owned());
    v.topic = Set(q.topic.clone());
    v.difficulty = Set(i16::from(q.difficulty));
    v.points = Set(q.points);
    v.tags = Set(tags_column(&q.tags));
    v.search = Set(search_text(q));
    v.fingerprint = Set(fingerprint(q));
    v.content = Set(serde_json::to_string(q).map_err(|e| DbErr::Custom(e.to_string()))?);
    Ok(())
}

/// Adds a version after the question's latest one and makes it current.
pub async fn insert_version(
    db: &impl ConnectionTrait,
    bank_id: i32,
    question_id: i32,
    q: &Question,
    meta: VersionMeta,
    now_ms: i64,
) -> Result<version::Model, DbErr> {
    let latest = version::Entity::find()
        .filter(version::Column::QuestionId.eq(question_id))
        .order_by_desc(version::Column::Number)
        .one(db)
        .await?;
    let number = latest.as_ref().map_or(1, |v| v.number + 1);
    version::Entity::update_many()
        .col_expr(version::Column::Current, Expr::value(false))
        .filter(version::Column::QuestionId.eq(question_id))
        .exec(db)
        .await?;
    let approved = meta.status == Status::Approved;
    let mut row = version::ActiveModel {
        question_id: Set(question_id),
        bank_id: Set(bank_id),
        number: Set(number),
        current: Set(true),
        status: Set(meta.status.as_str().to_owned()),
        author_id: Set(meta.author_id),
        author_name: Set(meta.author_name),
        reviewer_id: Set(meta.reviewer_id),
        reviewer_name: Set(meta.reviewer_name),
        created_ms: Set(now_ms),
        approved_ms: Set(approved.then_some(now_ms)),
        retired_ms: Set((meta.status == Status::Retired).then_some(now_ms)),
        used: Set(false),
        ..Default::default()
    };
    content_columns(&mut row, q)?;
    let inserted = row.insert(db).await?;
    if approved {
        retire_other_approved(db, question_id, inserted.id, now_ms).await?;
    }
    Ok(inserted)
}

/// Rewrites a draft in place. Only for a version that was never approved and
/// never used by a form; the caller checks, and this refuses again.
pub async fn update_draft(
    db: &impl ConnectionTrait,
    v: &version::Model,
    q: &Question,
) -> Result<version::Model, DbErr> {
    if status_of(v) != Status::Draft || v.used || v.approved_ms.is_some() {
        return Err(DbErr::Custom(format!(
            "question version {} is frozen and cannot be rewritten",
            v.id
        )));
    }
    let mut row: version::ActiveModel = v.clone().into();
    content_columns(&mut row, q)?;
    row.update(db).await
}

/// Once a new version is approved, the older approved one is no longer drawn.
async fn retire_other_approved(
    db: &impl ConnectionTrait,
    question_id: i32,
    keep: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    version::Entity::update_many()
        .col_expr(
            version::Column::Status,
            Expr::value(Status::Retired.as_str()),
        )
        .col_expr(version::Column::RetiredMs, Expr::value(now_ms))
        .filter(version::Column::QuestionId.eq(question_id))
        .filter(version::Column::Id.ne(keep))
        .filter(version::Column::Status.eq(Status::Approved.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn approve(
    db: &impl ConnectionTrait,
    v: &version::Model,
    reviewer_id: Option<i32>,
    reviewer_name: &str,
    now_ms: i64,
) -> Result<(), DbErr> {
    version::ActiveModel {
        id: Set(v.id),
        status: Set(Status::Approved.as_str().to_owned()),
        reviewer_id: Set(reviewer_id),
        reviewer_name: Set(Some(reviewer_name.to_owned())),
        approved_ms: Set(Some(now_ms)),
        ..Default::default()
    }
    .update(db)
    .await?;
    retire_other_approved(db, v.question_id, v.id, now_ms).await
}

/// Retires every version of the question still in play (its current version
/// and any approved one): none of them is drawn again. Forms that used them keep them.
pub async fn retire(db: &impl ConnectionTrait, question_id: i32, now_ms: i64) -> Result<(), DbErr> {
    version::Entity::update_many()
        .col_expr(
            version::Column::Status,
            Expr::value(Status::Retired.as_str()),
        )
        .col_expr(version::Column::RetiredMs, Expr::value(now_ms))
        .filter(version::Column::QuestionId.eq(question_id))
        .filter(
            Condition::any()
                .add(version::Column::Current.eq(true))
                .add(version::Column::Status.eq(Status::Approved.as_str())),
        )
        .filter(version::Column::Status.ne(Status::Retired.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn current_version(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<Option<version::Model>, DbErr> {
    version::Entity::find()
        .filter(version::Column::QuestionId.eq(question_id))
        .filter(version::Column::Current.eq(true))
        .one(db)
        .await
}

/// Every version of a question, newest first: the history.
pub async fn versions_of(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<Vec<version::Model>, DbErr> {
    version::Entity::find()
        .filter(version::Column::QuestionId.eq(question_id))
        .order_by_desc(version::Column::Number)
        .all(db)
        .await
}

/// Other questions of the bank whose current, unretired version has this
/// fingerprint: (question id, key).
pub async fn same_fingerprint(
    db: &impl ConnectionTrait,
    bank_id: i32,
    fingerprint: &str,
    except_question: Option<i32>,
) -> Result<Vec<(i32, String)>, DbErr> {
    let mut q = version::Entity::find()
        .filter(version::Column::BankId.eq(bank_id))
        .filter(version::Column::Fingerprint.eq(fingerprint))
        .filter(version::Column::Current.eq(true))
        .filter(version::Column::Status.ne(Status::Retired.as_str()));
    if let Some(id) = except_question {
        q = q.filter(version::Column::QuestionId.ne(id));
    }
    let ids: Vec<i32> = q
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.question_id)
        .collect();
    let keys = key_map(db, &ids).await?;
    let mut out: Vec<(i32, String)> = ids
        .into_iter()
        .filter_map(|id| keys.get(&id).map(|k| (id, k.clone())))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Fingerprints of the current, unretired versions of a bank → key.
pub async fn fingerprints(
    db: &impl ConnectionTrait,
    bank_id: i32,
) -> Result<HashMap<String, (i32, String)>, DbErr> {
    let rows: Vec<(i32, String)> = version::Entity::find()
        .select_only()
        .column(version::Column::QuestionId)
        .column(version::Column::Fingerprint)
        .filter(version::Column::BankId.eq(bank_id))
        .filter(version::Column::Current.eq(true))
        .filter(version::Column::Status.ne(Status::Retired.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|(id, _)| *id).collect();
    let keys = key_map(db, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, fp)| keys.get(&id).map(|k| (fp, (id, k.clone()))))
        .collect())
}

/// The list's filters; every field optional, as typed in the filter form.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, serde::Serialize)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// A topic path; questions of the topics below it are included.
    pub topic: Option<String>,
    /// 1 to 5.
    pub difficulty: Option<String>,
    /// `single_choice`, `multiple_response`, `true_false`, `numeric`, `short_answer`, `matching`, `ordering`, `essay`.
    pub kind: Option<String>,
    /// `draft`, `approved`, `retired`.
    pub status: Option<String>,
    /// An exact tag.
    pub tag: Option<String>,
    /// Words in the title, stem, options or tags; case and diacritics ignored.
    pub q: Option<String>,
    /// 1-based page.
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    pub page: Option<u64>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Filter {
    fn condition(&self, bank_id: i32) -> Condition {
        let mut c = Condition::all()
            .add(version::Column::BankId.eq(bank_id))
            .add(version::Column::Current.eq(true));
        if let Some(t) = given(&self.topic) {
            c = c.add(under_topic(&domain::clean_topic(t)));
        }
        if let Some(d) = given(&self.difficulty).and_then(|d| d.parse::<i16>().ok()) {
            c = c.add(version::Column::Difficulty.eq(d));
        }
        if let Some(k) = given(&self.kind).and_then(Kind::parse) {
            c = c.add(version::Column::Kind.eq(k.as_str()));
        }
        if let Some(s) = given(&self.status).and_then(Status::parse) {
            c = c.add(version::Column::Status.eq(s.as_str()));
        }
        if let Some(t) = given(&self.tag) {
            c = c.add(like(version::Column::Tags, true, &format!("\n{t}\n"), true));
        }
        if let Some(q) = given(&self.q) {
            for word in fold(q, true).split_whitespace() {
                c = c.add(like(version::Column::Search, true, word, true));
            }
        }
        c
    }

    pub fn page(&self) -> u64 {
        Ord::max(self.page.unwrap_or(1), 1)
    }
}

/// A page of current versions matching the filter, by key; and the total.
pub async fn list(
    db: &impl ConnectionTrait,
    bank_id: i32,
    filter: &Filter,
) -> Result<(Vec<(String, version::Model)>, u64), DbErr> {
    let q = version::Entity::find().filter(filter.condition(bank_id));
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(version::Column::Topic)
        .order_by_asc(version::Column::QuestionId)
        .offset((filter.page() - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    with_keys(db, rows).await.map(|r| (r, total))
}

/// Every current version matching the filter (for exports), by key.
pub async fn all_matching(
    db: &impl ConnectionTrait,
    bank_id: i32,
    filter: &Filter,
) -> Result<Vec<(String, version::Model)>, DbErr> {
    let rows = version::Entity::find()
        .filter(filter.condition(bank_id))
        .order_by_asc(version::Column::QuestionId)
        .all(db)
        .await?;
    let mut out = with_keys(db, rows).await?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

async fn with_keys(
    db: &impl ConnectionTrait,
    rows: Vec<version::Model>,
) -> Result<Vec<(String, version::Model)>, DbErr> {
    let ids: Vec<i32> = rows.iter().map(|v| v.question_id).collect();
    let keys = key_map(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|v| (keys.get(&v.question_id).cloned().unwrap_or_default(), v))
        .collect())
}

/// Counts for the matrix: approved versions (what can be drawn) and the
/// current versions that are drafts or retired, by topic and difficulty.
pub async fn counts(
    db: &impl ConnectionTrait,
    bank_id: i32,
) -> Result<Vec<(String, u8, Status, u64)>, DbErr> {
    let rows: Vec<(String, i16, String, i64)> = version::Entity::find()
        .select_only()
        .column(version::Column::Topic)
        .column(version::Column::Difficulty)
        .column(version::Column::Status)
        .column_as(version::Column::Id.count(), "n")
        .filter(version::Column::BankId.eq(bank_id))
        .filter(
            Condition::any()
                .add(version::Column::Current.eq(true))
                .add(version::Column::Status.eq(Status::Approved.as_str())),
        )
        .group_by(version::Column::Topic)
        .group_by(version::Column::Difficulty)
        .group_by(version::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(t, d, s, n)| {
            (
                t,
                u8::try_from(d).unwrap_or(1),
                Status::parse(&s).unwrap_or(Status::Draft),
                u64::try_from(n).unwrap_or(0),
            )
        })
        .collect())
}

// ---- for exam papers ----

/// What a blueprint may draw from: approved versions in a bank, optionally
/// under a topic (its subtopics included), within a difficulty range and of
/// one kind. Returned as (version id, content), by version id.
pub async fn approved_versions(
    db: &impl ConnectionTrait,
    bank_id: i32,
    topic: Option<&str>,
    difficulty: std::ops::RangeInclusive<u8>,
    kind: Option<Kind>,
) -> Result<Vec<(i32, Question)>, DbErr> {
    let mut q = version::Entity::find()
        .filter(version::Column::BankId.eq(bank_id))
        .filter(version::Column::Status.eq(Status::Approved.as_str()))
        .filter(
            version::Column::Difficulty
                .between(i16::from(*difficulty.start()), i16::from(*difficulty.end())),
        );
    if let Some(t) = topic {
        q = q.filter(under_topic(t));
    }
    if let Some(k) = kind {
        q = q.filter(version::Column::Kind.eq(k.as_str()));
    }
    q.order_by_asc(version::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|v| Ok((v.id, content(v)?)))
        .collect()
}

/// The exact versions a form names, whatever their status now: a form keeps
/// the versions it was built from even after they are retired.
pub async fn load_versions(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Question>, DbErr> {
    version::Entity::find()
        .filter(version::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .iter()
        .map(|v| Ok((v.id, content(v)?)))
        .collect()
}

/// Marks versions as used by a form: from now on they are never rewritten.
pub async fn mark_used(db: &impl ConnectionTrait, ids: &[i32]) -> Result<(), DbErr> {
    version::Entity::update_many()
        .col_expr(version::Column::Used, Expr::value(true))
        .filter(version::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

// ---- uploads waiting for confirmation ----

pub async fn insert_pending(
    db: &impl ConnectionTrait,
    row: pending_import::Model,
) -> Result<(), DbErr> {
    pending_import::ActiveModel::from(row).insert(db).await?;
    Ok(())
}

pub async fn find_pending(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<pending_import::Model>, DbErr> {
    pending_import::Entity::find_by_id(id.to_owned())
        .one(db)
        .await
}

/// Removes this upload and any older than `before_ms` (abandoned dry runs).
pub async fn delete_pending(
    db: &impl ConnectionTrait,
    id: &str,
    before_ms: i64,
) -> Result<(), DbErr> {
    pending_import::Entity::delete_many()
        .filter(
            Condition::any()
                .add(pending_import::Column::Id.eq(id))
                .add(pending_import::Column::CreatedMs.lt(before_ms)),
        )
        .exec(db)
        .await?;
    Ok(())
}
