//! Essay marks and appeals in the database.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::domain::{Mark, Slot};
use super::entity::{appeal, essay_mark};

/// The marks of a paper's answers, by (attempt, form item).
pub async fn marks_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<HashMap<(i32, usize), Vec<Mark>>, DbErr> {
    let rows = essay_mark::Entity::find()
        .filter(essay_mark::Column::PaperId.eq(paper_id))
        .order_by_asc(essay_mark::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows))
}

/// The marks of one attempt's answers, by (attempt, form item).
pub async fn marks_of_attempt(
    db: &impl ConnectionTrait,
    attempt_id: i32,
) -> Result<HashMap<(i32, usize), Vec<Mark>>, DbErr> {
    let rows = essay_mark::Entity::find()
        .filter(essay_mark::Column::AttemptId.eq(attempt_id))
        .order_by_asc(essay_mark::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows))
}

fn group(rows: Vec<essay_mark::Model>) -> HashMap<(i32, usize), Vec<Mark>> {
    let mut out: HashMap<(i32, usize), Vec<Mark>> = HashMap::new();
    for r in rows {
        let (Some(slot), Ok(item)) = (Slot::from_number(r.slot), usize::try_from(r.item)) else {
            continue;
        };
        out.entry((r.attempt_id, item)).or_default().push(Mark {
            marker: r.marker_id,
            slot,
            points: r.points,
        });
    }
    out
}

pub struct NewMark<'a> {
    pub paper_id: i32,
    pub attempt_id: i32,
    pub item: usize,
    pub slot: Slot,
    pub marker_id: i32,
    pub points: f64,
    pub note: &'a str,
    pub appeal_id: Option<i32>,
}

/// Inserts a mark; the unique indexes refuse a taken slot or a second mark
/// by the same marker (a unique violation, which the caller reports).
pub async fn insert_mark(
    db: &impl ConnectionTrait,
    m: NewMark<'_>,
    now_ms: i64,
) -> Result<essay_mark::Model, DbErr> {
    essay_mark::ActiveModel {
        paper_id: Set(m.paper_id),
        attempt_id: Set(m.attempt_id),
        item: Set(i32::try_from(m.item).unwrap_or(i32::MAX)),
        slot: Set(m.slot.number()),
        marker_id: Set(m.marker_id),
        points: Set(m.points),
        note: Set(m.note.to_owned()),
        appeal_id: Set(m.appeal_id),
        marked_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// (attempt, item, response JSON) of these attempts' answers.
pub async fn response_of(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    item: usize,
) -> Result<Option<String>, DbErr> {
    use crate::attempts::entity::answer;
    Ok(answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(attempt_id))
        .filter(answer::Column::Item.eq(i32::try_from(item).unwrap_or(i32::MAX)))
        .one(db)
        .await?
        .and_then(|a| a.response))
}

pub struct NewAppeal<'a> {
    pub campaign_id: i32,
    pub application_id: i32,
    pub candidate_id: i32,
    pub paper_id: i32,
    pub attempt_id: i32,
    pub round: &'a str,
    pub section: &'a str,
    pub reason: &'a str,
    pub score_before: f64,
}

pub async fn insert_appeal(
    db: &impl ConnectionTrait,
    a: NewAppeal<'_>,
    now_ms: i64,
) -> Result<appeal::Model, DbErr> {
    appeal::ActiveModel {
        campaign_id: Set(a.campaign_id),
        application_id: Set(a.application_id),
        candidate_id: Set(a.candidate_id),
        paper_id: Set(a.paper_id),
        attempt_id: Set(a.attempt_id),
        round: Set(a.round.to_owned()),
        section: Set(a.section.to_owned()),
        reason: Set(a.reason.to_owned()),
        status: Set("pending".to_owned()),
        score_before: Set(a.score_before),
        score_after: Set(None),
        requested_ms: Set(now_ms),
        decided_by: Set(None),
        decided_ms: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn decide_appeal(
    db: &impl ConnectionTrait,
    id: i32,
    score_after: f64,
    decided_by: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    appeal::ActiveModel {
        id: Set(id),
        status: Set("decided".to_owned()),
        score_after: Set(Some(score_after)),
        decided_by: Set(Some(decided_by)),
        decided_ms: Set(Some(now_ms)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn appeals_of_campaign(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<appeal::Model>, DbErr> {
    appeal::Entity::find()
        .filter(appeal::Column::CampaignId.eq(campaign_id))
        .order_by_asc(appeal::Column::Id)
        .all(db)
        .await
}

pub async fn appeals_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: i32,
) -> Result<Vec<appeal::Model>, DbErr> {
    appeal::Entity::find()
        .filter(appeal::Column::CandidateId.eq(candidate_id))
        .order_by_asc(appeal::Column::Id)
        .all(db)
        .await
}

pub async fn pending_appeals_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<appeal::Model>, DbErr> {
    appeal::Entity::find()
        .filter(appeal::Column::PaperId.eq(paper_id))
        .filter(appeal::Column::Status.eq("pending"))
        .order_by_asc(appeal::Column::Id)
        .all(db)
        .await
}

pub async fn pending_appeals_of_attempt(
    db: &impl ConnectionTrait,
    attempt_id: i32,
) -> Result<Vec<appeal::Model>, DbErr> {
    appeal::Entity::find()
        .filter(appeal::Column::AttemptId.eq(attempt_id))
        .filter(appeal::Column::Status.eq("pending"))
        .order_by_asc(appeal::Column::Id)
        .all(db)
        .await
}

/// The re-markers' notes on an appeal's answers: why the mark changed.
pub async fn appeal_notes(db: &impl ConnectionTrait, appeal_id: i32) -> Result<Vec<String>, DbErr> {
    Ok(essay_mark::Entity::find()
        .filter(essay_mark::Column::AppealId.eq(appeal_id))
        .order_by_asc(essay_mark::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.note)
        .collect())
}
