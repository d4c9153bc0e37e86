//! Paper, board-assignment and form rows, and the pool of questions a
//! blueprint draws from.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::blueprint::{Blueprint, PoolItem};
use super::entity::{form, paper, paper_board};
use crate::banks::entity::version;
use crate::banks::model::{Answer, Kind, Question, Status};

pub struct NewPaper {
    pub campaign_id: i32,
    pub round: i32,
    pub title: String,
    pub spec_json: String,
    pub time_limit_minutes: i32,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub grace_seconds: i32,
    pub created_by: i32,
    pub version: i32,
    pub supersedes_id: Option<i32>,
}

pub async fn insert_paper(
    db: &impl ConnectionTrait,
    p: NewPaper,
    now_ms: i64,
) -> Result<paper::Model, DbErr> {
    paper::ActiveModel {
        campaign_id: Set(p.campaign_id),
        round: Set(p.round),
        title: Set(p.title),
        version: Set(p.version),
        supersedes_id: Set(p.supersedes_id),
        status: Set("draft".into()),
        spec: Set(p.spec_json),
        time_limit_minutes: Set(p.time_limit_minutes),
        opens_ms: Set(p.opens_ms),
        closes_ms: Set(p.closes_ms),
        grace_seconds: Set(p.grace_seconds),
        created_by: Set(p.created_by),
        created_ms: Set(now_ms),
        published_ms: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn find_paper(db: &impl ConnectionTrait, id: i32) -> Result<Option<paper::Model>, DbErr> {
    paper::Entity::find_by_id(id).one(db).await
}

/// Rewrites a draft's settings (a published paper is never rewritten: it gets
/// a new version instead).
pub async fn update_draft(db: &impl ConnectionTrait, p: &paper::Model) -> Result<(), DbErr> {
    paper::ActiveModel {
        id: Set(p.id),
        title: Set(p.title.clone()),
        round: Set(p.round),
        spec: Set(p.spec.clone()),
        time_limit_minutes: Set(p.time_limit_minutes),
        opens_ms: Set(p.opens_ms),
        closes_ms: Set(p.closes_ms),
        grace_seconds: Set(p.grace_seconds),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    id: i32,
    status: &str,
    published_ms: Option<i64>,
    spec: Option<String>,
) -> Result<(), DbErr> {
    let mut am = paper::ActiveModel {
        id: Set(id),
        status: Set(status.into()),
        ..Default::default()
    };
    if let Some(ms) = published_ms {
        am.published_ms = Set(Some(ms));
    }
    if let Some(spec) = spec {
        am.spec = Set(spec);
    }
    am.update(db).await?;
    Ok(())
}

pub async fn papers_of_campaign(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<paper::Model>, DbErr> {
    paper::Entity::find()
        .filter(paper::Column::CampaignId.eq(campaign_id))
        .order_by_asc(paper::Column::Round)
        .order_by_asc(paper::Column::Id)
        .all(db)
        .await
}

pub async fn papers_of_board_member(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<paper::Model>, DbErr> {
    let ids: Vec<i32> = paper_board::Entity::find()
        .filter(paper_board::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.paper_id)
        .collect();
    paper::Entity::find()
        .filter(paper::Column::Id.is_in(ids))
        .order_by_desc(paper::Column::Id)
        .all(db)
        .await
}

pub async fn board_of(db: &impl ConnectionTrait, paper_id: i32) -> Result<Vec<i32>, DbErr> {
    Ok(paper_board::Entity::find()
        .filter(paper_board::Column::PaperId.eq(paper_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

pub async fn add_board_member(
    db: &impl ConnectionTrait,
    paper_id: i32,
    user_id: i32,
) -> Result<(), DbErr> {
    if board_of(db, paper_id).await?.contains(&user_id) {
        return Ok(());
    }
    paper_board::ActiveModel {
        paper_id: Set(paper_id),
        user_id: Set(user_id),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Options (or items, or prompts) a form may shuffle for this question.
pub fn option_count(q: &Question) -> u16 {
    let n = match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => options.len(),
        Answer::Ordering { items } => items.len(),
        Answer::Matching { pairs } => pairs.iter().filter(|p| !p.prompt.trim().is_empty()).count(),
        _ => 0,
    };
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn pool_item(v: &version::Model) -> Result<(PoolItem, Question), DbErr> {
    let q = crate::banks::store::content(v)?;
    let item = PoolItem {
        version_id: i64::from(v.id),
        question_id: i64::from(v.question_id),
        bank_id: v.bank_id,
        topic: v.topic.clone(),
        difficulty: u8::try_from(v.difficulty).unwrap_or(0),
        kind: Kind::parse(&v.kind).unwrap_or(Kind::Essay),
        option_count: option_count(&q),
    };
    Ok((item, q))
}

/// Approved versions in the blueprint's banks: what a paper may draw from now.
pub async fn live_pool(db: &impl ConnectionTrait, bp: &Blueprint) -> Result<Vec<PoolItem>, DbErr> {
    let mut banks: Vec<i32> = bp
        .sections
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.bank_id))
        .collect();
    banks.sort_unstable();
    banks.dedup();
    let rows = version::Entity::find()
        .filter(version::Column::BankId.is_in(banks))
        .filter(version::Column::Status.eq(Status::Approved.as_str()))
        .order_by_asc(version::Column::Id)
        .all(db)
        .await?;
    rows.iter().map(|v| pool_item(v).map(|(i, _)| i)).collect()
}

/// The frozen pool of a published paper, with the question content, whatever
/// the versions' status is now.
pub async fn frozen_pool(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<(Vec<PoolItem>, HashMap<i64, Question>), DbErr> {
    let rows = version::Entity::find()
        .filter(version::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    let mut content = HashMap::with_capacity(rows.len());
    for v in &rows {
        let (item, q) = pool_item(v)?;
        content.insert(item.version_id, q);
        items.push(item);
    }
    Ok((items, content))
}

pub async fn insert_form(
    db: &impl ConnectionTrait,
    paper_id: i32,
    application_id: Option<i32>,
    seed: u64,
    f: &super::form::Form,
    now_ms: i64,
) -> Result<form::Model, DbErr> {
    form::ActiveModel {
        paper_id: Set(paper_id),
        application_id: Set(application_id),
        // Stored as the same 64 bits, signed: both backends have BIGINT, not u64.
        seed: Set(seed as i64),
        item_count: Set(i32::try_from(f.item_count()).unwrap_or(i32::MAX)),
        data: Set(f.encode()),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn forms_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<form::Model>, DbErr> {
    form::Entity::find()
        .filter(form::Column::PaperId.eq(paper_id))
        .order_by_asc(form::Column::Id)
        .all(db)
        .await
}

pub async fn find_form(db: &impl ConnectionTrait, id: i32) -> Result<Option<form::Model>, DbErr> {
    form::Entity::find_by_id(id).one(db).await
}

/// The form issued to this application for this paper, if any.
pub async fn form_of(
    db: &impl ConnectionTrait,
    paper_id: i32,
    application_id: i32,
) -> Result<Option<form::Model>, DbErr> {
    form::Entity::find()
        .filter(form::Column::PaperId.eq(paper_id))
        .filter(form::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}
