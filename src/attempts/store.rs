//! Attempt and answer rows. The hot statements (start, save, submit, move) are
//! single conditional statements, so they are correct when several merit
//! processes share one database: the condition is checked by the database at
//! the moment of writing, not by a read that another process could overtake.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::entity::{answer, attempt};

pub const IN_PROGRESS: &str = "in_progress";
pub const SUBMITTED: &str = "submitted";

#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub paper_id: i32,
    pub application_id: i32,
    pub candidate_id: i32,
    pub form_id: i32,
    pub item_count: i32,
    pub sequential: bool,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub grace_ms: i64,
}

/// Inserts the attempt unless this application already has one for the paper
/// (a double click, two tabs, two processes): true when this call created it.
pub async fn insert_attempt(db: &impl ConnectionTrait, a: &NewAttempt) -> Result<bool, DbErr> {
    let row = attempt::ActiveModel {
        paper_id: Set(a.paper_id),
        application_id: Set(a.application_id),
        candidate_id: Set(a.candidate_id),
        form_id: Set(a.form_id),
        item_count: Set(a.item_count),
        sequential: Set(a.sequential),
        position: Set(0),
        started_ms: Set(a.started_ms),
        deadline_ms: Set(a.deadline_ms),
        grace_ms: Set(a.grace_ms),
        extra_ms: Set(0),
        submitted_ms: Set(None),
        submit_reason: Set(None),
        status: Set(IN_PROGRESS.into()),
        last_save_ms: Set(None),
        ..Default::default()
    };
    let n = attempt::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([attempt::Column::PaperId, attempt::Column::ApplicationId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(n > 0)
}

pub async fn find_attempt(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<attempt::Model>, DbErr> {
    attempt::Entity::find_by_id(id).one(db).await
}

pub async fn attempt_of(
    db: &impl ConnectionTrait,
    paper_id: i32,
    application_id: i32,
) -> Result<Option<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper_id))
        .filter(attempt::Column::ApplicationId.eq(application_id))
        .one(db)
        .await
}

pub async fn attempts_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: i32,
) -> Result<Vec<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::CandidateId.eq(candidate_id))
        .all(db)
        .await
}

pub async fn attempts_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper_id))
        .order_by_asc(attempt::Column::Id)
        .all(db)
        .await
}

pub async fn answers_of(
    db: &impl ConnectionTrait,
    attempt_id: i32,
) -> Result<Vec<answer::Model>, DbErr> {
    answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(attempt_id))
        .order_by_asc(answer::Column::Item)
        .all(db)
        .await
}

/// Every answer row of a paper's attempts (invigilation counts, the load
/// generator's check that every acknowledged save is stored).
pub async fn answers_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<answer::Model>, DbErr> {
    let ids = Query::select()
        .column(attempt::Column::Id)
        .from(attempt::Entity)
        .and_where(attempt::Column::PaperId.eq(paper_id))
        .to_owned();
    answer::Entity::find()
        .filter(answer::Column::AttemptId.in_subquery(ids))
        .order_by_asc(answer::Column::AttemptId)
        .order_by_asc(answer::Column::Item)
        .all(db)
        .await
}

/// The write lock of a save: touches the attempt only while it is open, before
/// deadline + grace, and (sequential papers) on this item. On PostgreSQL the
/// row lock this takes orders the save against a concurrent submit: whichever
/// commits first wins, and a save never lands after a submission. Returns the
/// deadline when the attempt accepted the write.
pub async fn lock_open(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    item: Option<i32>,
    now_ms: i64,
) -> Result<Option<i64>, DbErr> {
    let mut q = Query::update();
    q.table(attempt::Entity)
        .value(attempt::Column::LastSaveMs, now_ms)
        .and_where(attempt::Column::Id.eq(attempt_id))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .gte(now_ms),
        );
    if let Some(item) = item {
        q.and_where(
            attempt::Column::Sequential
                .eq(false)
                .or(attempt::Column::Position.eq(item)),
        );
    }
    q.returning_col(attempt::Column::DeadlineMs);
    let row = db.query_one(&q).await?;
    row.map(|r| r.try_get::<i64>("", "deadline_ms")).transpose()
}

/// Stores a response unless the stored one has an equal or higher sequence
/// number. True when written.
pub async fn upsert_answer(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    item: i32,
    response: Option<&str>,
    seq: i64,
    now_ms: i64,
) -> Result<bool, DbErr> {
    let q = Query::insert()
        .into_table(answer::Entity)
        .columns([
            answer::Column::AttemptId,
            answer::Column::Item,
            answer::Column::Response,
            answer::Column::Flagged,
            answer::Column::Seq,
            answer::Column::SavedMs,
        ])
        .values_panic([
            attempt_id.into(),
            item.into(),
            response.map(str::to_owned).into(),
            false.into(),
            seq.into(),
            now_ms.into(),
        ])
        .on_conflict(
            OnConflict::columns([answer::Column::AttemptId, answer::Column::Item])
                .update_columns([
                    answer::Column::Response,
                    answer::Column::Seq,
                    answer::Column::SavedMs,
                ])
                .action_and_where(
                    Expr::col((answer::Entity, answer::Column::Seq))
                        .lt(Expr::col((Alias::new("excluded"), answer::Column::Seq))),
                )
                .to_owned(),
        )
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() > 0)
}

pub async fn stored_seq(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    item: i32,
) -> Result<Option<i64>, DbErr> {
    Ok(answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(attempt_id))
        .filter(answer::Column::Item.eq(item))
        .one(db)
        .await?
        .map(|a| a.seq))
}

pub async fn set_flag(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    item: i32,
    flagged: bool,
    now_ms: i64,
) -> Result<(), DbErr> {
    let q = Query::insert()
        .into_table(answer::Entity)
        .columns([
            answer::Column::AttemptId,
            answer::Column::Item,
            answer::Column::Flagged,
            answer::Column::Seq,
            answer::Column::SavedMs,
        ])
        .values_panic([
            attempt_id.into(),
            item.into(),
            flagged.into(),
            0i64.into(),
            now_ms.into(),
        ])
        .on_conflict(
            OnConflict::columns([answer::Column::AttemptId, answer::Column::Item])
                .update_column(answer::Column::Flagged)
                .to_owned(),
        )
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// Moves a sequential attempt forward by one item (or stays); free attempts
/// just remember where the candidate is, for resuming.
pub async fn move_to(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    to: i32,
    now_ms: i64,
) -> Result<bool, DbErr> {
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::Position, to)
        .and_where(attempt::Column::Id.eq(attempt_id))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .gte(now_ms),
        )
        .and_where(
            attempt::Column::Sequential
                .eq(false)
                .or(attempt::Column::Position.eq(to))
                .or(attempt::Column::Position.eq(to - 1)),
        )
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() > 0)
}

/// Submits the attempt if it is still open and (unless the sweeper is closing
/// it after the fact) within deadline + grace. True when this call submitted it.
pub async fn submit(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    reason: &str,
    now_ms: i64,
) -> Result<bool, DbErr> {
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::Status, SUBMITTED)
        .value(attempt::Column::SubmittedMs, now_ms)
        .value(attempt::Column::SubmitReason, reason)
        .and_where(attempt::Column::Id.eq(attempt_id))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .gte(now_ms),
        )
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() > 0)
}

/// Submits, with what was saved, every attempt whose deadline + grace has
/// passed. One conditional UPDATE: running it twice, or in two processes at
/// once, submits each attempt exactly once.
pub async fn sweep(db: &impl ConnectionTrait, now_ms: i64) -> Result<u64, DbErr> {
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::Status, SUBMITTED)
        .value(attempt::Column::SubmittedMs, now_ms)
        .value(attempt::Column::SubmitReason, "sweeper")
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .lt(now_ms),
        )
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected())
}

/// Adds invigilator time and sets the recomputed deadline, only while open.
pub async fn add_extra(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    extra_ms: i64,
    deadline_ms: i64,
) -> Result<bool, DbErr> {
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::ExtraMs, extra_ms)
        .value(attempt::Column::DeadlineMs, deadline_ms)
        .and_where(attempt::Column::Id.eq(attempt_id))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .to_owned();
    Ok(db.execute(&q).await?.rows_affected() > 0)
}
