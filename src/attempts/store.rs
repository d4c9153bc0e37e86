//! Attempt and answer rows. The hot statements (start, save, submit, move) are
//! single conditional statements, so they are correct when several merit
//! processes share one database: the condition is checked by the database at
//! the moment of writing, not by a read that another process could overtake.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoIden, JoinType, LockType, OnConflict, Query, TableRef,
    ValueTuple,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Iterable, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::domain::{BoardShow, QUIET_AFTER_MS};
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

impl NewAttempt {
    /// The row as [`insert_attempts`] writes it.
    pub fn into_model(self, id: i32) -> attempt::Model {
        attempt::Model {
            id,
            paper_id: self.paper_id,
            application_id: self.application_id,
            candidate_id: self.candidate_id,
            form_id: self.form_id,
            item_count: self.item_count,
            sequential: self.sequential,
            position: 0,
            started_ms: self.started_ms,
            deadline_ms: self.deadline_ms,
            grace_ms: self.grace_ms,
            extra_ms: 0,
            submitted_ms: None,
            submit_reason: None,
            status: IN_PROGRESS.into(),
            last_save_ms: None,
        }
    }
}

/// Inserts attempts, skipping any application that already has one for the
/// paper (a double click, two tabs, two processes). Returns the new ids by
/// (paper, application); no (paper, application) may appear twice.
pub async fn insert_attempts(
    db: &impl ConnectionTrait,
    new: &[&NewAttempt],
) -> Result<HashMap<(i32, i32), i32>, DbErr> {
    if new.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = Query::insert();
    q.into_table(attempt::Entity).columns([
        attempt::Column::PaperId,
        attempt::Column::ApplicationId,
        attempt::Column::CandidateId,
        attempt::Column::FormId,
        attempt::Column::ItemCount,
        attempt::Column::Sequential,
        attempt::Column::Position,
        attempt::Column::StartedMs,
        attempt::Column::DeadlineMs,
        attempt::Column::GraceMs,
        attempt::Column::ExtraMs,
        attempt::Column::Status,
    ]);
    for a in new {
        q.values_panic([
            a.paper_id.into(),
            a.application_id.into(),
            a.candidate_id.into(),
            a.form_id.into(),
            a.item_count.into(),
            a.sequential.into(),
            0i32.into(),
            a.started_ms.into(),
            a.deadline_ms.into(),
            a.grace_ms.into(),
            0i64.into(),
            IN_PROGRESS.into(),
        ]);
    }
    q.on_conflict(
        OnConflict::columns([attempt::Column::PaperId, attempt::Column::ApplicationId])
            .do_nothing()
            .to_owned(),
    )
    .returning(Query::returning().columns([
        attempt::Column::Id,
        attempt::Column::PaperId,
        attempt::Column::ApplicationId,
    ]));
    let mut ids = HashMap::with_capacity(new.len());
    for row in db.query_all(&q).await? {
        ids.insert(
            (
                row.try_get::<i32>("", "paper_id")?,
                row.try_get::<i32>("", "application_id")?,
            ),
            row.try_get::<i32>("", "id")?,
        );
    }
    Ok(ids)
}

/// What starting a paper needs to know of the candidate, in one read: their
/// application to the paper's campaign, the form issued to it and the attempt
/// already started, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub application_id: i32,
    pub application_status: String,
    pub extra_minutes: i32,
    /// The form issued ahead of exam day.
    pub form: Option<IssuedForm>,
    pub attempt_id: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedForm {
    pub id: i32,
    pub item_count: i32,
    /// `Form::encode`d: the start caches it, so the first save reads nothing.
    pub data: Vec<u8>,
}

/// The standings of these candidates (by id) for a paper of a campaign, in one
/// read; a candidate without an application to the campaign is left out.
pub async fn standings(
    db: &impl ConnectionTrait,
    paper_id: i32,
    campaign_id: i32,
    candidate_ids: &[i32],
) -> Result<HashMap<i32, Standing>, DbErr> {
    use crate::campaigns::entity::application;
    use crate::exams::entity::form;
    let (app, f, a) = (Alias::new("app"), Alias::new("f"), Alias::new("a"));
    let mut q = Query::select();
    let columns = [
        (&app, "id", "application_id"),
        (&app, "candidate_id", "candidate_id"),
        (&app, "status", "status"),
        (&app, "extra_minutes", "extra_minutes"),
        (&f, "id", "form_id"),
        (&f, "item_count", "item_count"),
        (&f, "data", "form_data"),
        (&a, "id", "attempt_id"),
    ];
    for (table, column, name) in columns {
        q.expr_as(
            Expr::col((table.clone(), Alias::new(column))),
            Alias::new(name),
        );
    }
    q.from_as(application::Entity, app.clone())
        .join_as(
            JoinType::LeftJoin,
            form::Entity,
            f.clone(),
            Expr::col((f.clone(), form::Column::PaperId))
                .eq(paper_id)
                .and(
                    Expr::col((f.clone(), form::Column::ApplicationId))
                        .equals((app.clone(), application::Column::Id)),
                ),
        )
        .join_as(
            JoinType::LeftJoin,
            attempt::Entity,
            a.clone(),
            Expr::col((a.clone(), attempt::Column::PaperId))
                .eq(paper_id)
                .and(
                    Expr::col((a.clone(), attempt::Column::ApplicationId))
                        .equals((app.clone(), application::Column::Id)),
                ),
        )
        .and_where(Expr::col((app.clone(), application::Column::CampaignId)).eq(campaign_id))
        .and_where(
            Expr::col((app, application::Column::CandidateId)).is_in(candidate_ids.iter().copied()),
        );
    let mut standings = HashMap::with_capacity(candidate_ids.len());
    for row in db.query_all(&q).await? {
        standings.insert(row.try_get("", "candidate_id")?, standing_of(&row)?);
    }
    Ok(standings)
}

fn standing_of(row: &sea_orm::QueryResult) -> Result<Standing, DbErr> {
    let form_id: Option<i32> = row.try_get("", "form_id")?;
    let item_count: Option<i32> = row.try_get("", "item_count")?;
    let data: Option<Vec<u8>> = row.try_get("", "form_data")?;
    let form = match (form_id, item_count, data) {
        (Some(id), Some(item_count), Some(data)) => Some(IssuedForm {
            id,
            item_count,
            data,
        }),
        _ => None,
    };
    Ok(Standing {
        application_id: row.try_get("", "application_id")?,
        application_status: row.try_get("", "status")?,
        extra_minutes: row.try_get("", "extra_minutes")?,
        form,
        attempt_id: row.try_get("", "attempt_id")?,
    })
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

/// How many of a paper's attempts are in progress and how many submitted.
pub async fn attempt_counts(db: &impl ConnectionTrait, paper_id: i32) -> Result<(u64, u64), DbErr> {
    let by_status: Vec<(String, i64)> = attempt::Entity::find()
        .select_only()
        .column(attempt::Column::Status)
        .column_as(attempt::Column::Id.count(), "n")
        .filter(attempt::Column::PaperId.eq(paper_id))
        .group_by(attempt::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count = |open: bool| {
        by_status
            .iter()
            .filter(|(status, _)| (status == IN_PROGRESS) == open)
            .map(|(_, n)| *n as u64)
            .sum()
    };
    Ok((count(true), count(false)))
}

/// One page of the invigilation board.
pub struct BoardQuery {
    pub show: BoardShow,
    /// Only the candidates a search for this finds (name, username, email).
    pub search: Option<String>,
    pub page: u64,
    pub page_size: u64,
    pub now_ms: i64,
}

/// The attempts of a paper that `q` shows, in start order, one page of them,
/// and how many there are in all.
pub async fn board_attempts(
    db: &impl ConnectionTrait,
    paper_id: i32,
    q: &BoardQuery,
) -> Result<(Vec<attempt::Model>, u64), DbErr> {
    let open = attempt::Column::Status.eq(IN_PROGRESS);
    let mut find = attempt::Entity::find().filter(attempt::Column::PaperId.eq(paper_id));
    find = match q.show {
        BoardShow::All => find,
        BoardShow::Writing => find.filter(open),
        BoardShow::Quiet => find.filter(open).filter(
            Expr::expr(Func::coalesce([
                Expr::col(attempt::Column::LastSaveMs),
                Expr::col(attempt::Column::StartedMs),
            ]))
            .lte(q.now_ms - QUIET_AFTER_MS),
        ),
        BoardShow::Submitted => find.filter(attempt::Column::Status.ne(IN_PROGRESS)),
    };
    if let Some(text) = &q.search {
        find = find.filter(
            attempt::Column::CandidateId.in_subquery(crate::accounts::store::ids_matching(text)),
        );
    }
    let total = find.clone().count(db).await?;
    let rows = find
        .order_by_asc(attempt::Column::Id)
        .offset((Ord::max(q.page, 1) - 1) * q.page_size)
        .limit(q.page_size)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Answered items per attempt (an answer cleared back to blank does not
/// count), counted by the database.
pub async fn answered_counts(
    db: &impl ConnectionTrait,
    attempt_ids: &[i32],
) -> Result<HashMap<i32, i32>, DbErr> {
    let rows: Vec<(i32, i64)> = answer::Entity::find()
        .select_only()
        .column(answer::Column::AttemptId)
        .column_as(answer::Column::Item.count(), "n")
        .filter(answer::Column::AttemptId.is_in(attempt_ids.iter().copied()))
        .filter(answer::Column::Response.is_not_null())
        .group_by(answer::Column::AttemptId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, i32::try_from(n).unwrap_or(i32::MAX)))
        .collect())
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

/// The write lock of a flag: touches the attempt only while it is open, before
/// deadline + grace. On PostgreSQL the row lock this takes orders the flag
/// against a concurrent submit: whichever commits first wins, and a flag never
/// lands after a submission. Returns the deadline when the attempt accepted
/// the write.
pub async fn lock_open(
    db: &impl ConnectionTrait,
    attempt_id: i32,
    now_ms: i64,
) -> Result<Option<i64>, DbErr> {
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::LastSaveMs, now_ms)
        .and_where(attempt::Column::Id.eq(attempt_id))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .gte(now_ms),
        )
        .returning_col(attempt::Column::DeadlineMs)
        .to_owned();
    let row = db.query_one(&q).await?;
    row.map(|r| r.try_get::<i64>("", "deadline_ms")).transpose()
}

/// What a batch of saves needs to know of an open attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenAttempt {
    pub deadline_ms: i64,
    pub grace_ms: i64,
    pub sequential: bool,
    pub position: i32,
    pub item_count: i32,
}

/// How far behind an attempt's recorded last save may fall before a save
/// writes it again. Written with every save, it dirtied one page of the
/// attempts table per candidate per group commit, about half of what each
/// commit wrote to the WAL. The invigilation board's "since last save" is
/// there to spot a candidate whose connection dropped; five seconds either
/// way does not change what an invigilator does.
pub const LAST_SAVE_RESOLUTION_MS: i64 = 5_000;

/// The write lock of a batch of saves: reads every attempt in `ids` that is
/// still in progress and open at `earliest_now_ms`, locking its row
/// (`FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the whole
/// database), and returns what the caller needs to decide each save by its own
/// time. Like [`lock_open`], this orders the batch against a concurrent submit.
/// Records `latest_now_ms` as the last save of those whose record is older
/// than [`LAST_SAVE_RESOLUTION_MS`].
pub async fn lock_open_many(
    db: &impl ConnectionTrait,
    ids: &[i32],
    earliest_now_ms: i64,
    latest_now_ms: i64,
) -> Result<HashMap<i32, OpenAttempt>, DbErr> {
    let q = Query::select()
        .columns([
            attempt::Column::Id,
            attempt::Column::DeadlineMs,
            attempt::Column::GraceMs,
            attempt::Column::Sequential,
            attempt::Column::Position,
            attempt::Column::ItemCount,
            attempt::Column::LastSaveMs,
        ])
        .from(attempt::Entity)
        .and_where(attempt::Column::Id.is_in(ids.iter().copied()))
        .and_where(attempt::Column::Status.eq(IN_PROGRESS))
        .and_where(
            Expr::col(attempt::Column::DeadlineMs)
                .add(Expr::col(attempt::Column::GraceMs))
                .gte(earliest_now_ms),
        )
        .lock(LockType::Update)
        .to_owned();
    let mut open = HashMap::with_capacity(ids.len());
    let mut stale = Vec::new();
    for row in db.query_all(&q).await? {
        let id = row.try_get::<i32>("", "id")?;
        let last: Option<i64> = row.try_get("", "last_save_ms")?;
        if last.is_none_or(|t| t <= latest_now_ms - LAST_SAVE_RESOLUTION_MS) {
            stale.push(id);
        }
        open.insert(
            id,
            OpenAttempt {
                deadline_ms: row.try_get("", "deadline_ms")?,
                grace_ms: row.try_get("", "grace_ms")?,
                sequential: row.try_get("", "sequential")?,
                position: row.try_get("", "position")?,
                item_count: row.try_get("", "item_count")?,
            },
        );
    }
    if !stale.is_empty() {
        attempt::Entity::update_many()
            .col_expr(attempt::Column::LastSaveMs, Expr::value(latest_now_ms))
            .filter(attempt::Column::Id.is_in(stale))
            .exec(db)
            .await?;
    }
    Ok(open)
}

/// One answer of a batch.
#[derive(Debug, Clone, Copy)]
pub struct AnswerRow<'a> {
    pub attempt_id: i32,
    pub item: i32,
    pub response: Option<&'a str>,
    pub seq: i64,
    pub saved_ms: i64,
}

/// [`upsert_answer`] for many answers in one statement; no (attempt, item)
/// may appear twice. Returns the (attempt, item) pairs written: the others
/// already had an equal or higher sequence number.
pub async fn upsert_answers(
    db: &impl ConnectionTrait,
    rows: &[AnswerRow<'_>],
) -> Result<HashSet<(i32, i32)>, DbErr> {
    if rows.is_empty() {
        return Ok(HashSet::new());
    }
    let mut q = Query::insert();
    q.into_table(answer::Entity).columns([
        answer::Column::AttemptId,
        answer::Column::Item,
        answer::Column::Response,
        answer::Column::Flagged,
        answer::Column::Seq,
        answer::Column::SavedMs,
    ]);
    for r in rows {
        q.values_panic([
            r.attempt_id.into(),
            r.item.into(),
            r.response.map(str::to_owned).into(),
            false.into(),
            r.seq.into(),
            r.saved_ms.into(),
        ]);
    }
    q.on_conflict(newer_answer_wins())
        .returning(Query::returning().columns([answer::Column::AttemptId, answer::Column::Item]));
    let mut written = HashSet::with_capacity(rows.len());
    for row in db.query_all(&q).await? {
        written.insert((
            row.try_get::<i32>("", "attempt_id")?,
            row.try_get::<i32>("", "item")?,
        ));
    }
    Ok(written)
}

/// On a stored answer, a save replaces it only with a higher sequence number.
fn newer_answer_wins() -> OnConflict {
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
        .to_owned()
}

/// Stored sequence numbers of these attempts' answers, by (attempt, item).
pub async fn stored_seqs(
    db: &impl ConnectionTrait,
    attempt_ids: &[i32],
) -> Result<HashMap<(i32, i32), i64>, DbErr> {
    let q = Query::select()
        .columns([
            answer::Column::AttemptId,
            answer::Column::Item,
            answer::Column::Seq,
        ])
        .from(answer::Entity)
        .and_where(answer::Column::AttemptId.is_in(attempt_ids.iter().copied()))
        .to_owned();
    let mut seqs = HashMap::new();
    for row in db.query_all(&q).await? {
        seqs.insert(
            (row.try_get("", "attempt_id")?, row.try_get("", "item")?),
            row.try_get("", "seq")?,
        );
    }
    Ok(seqs)
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

/// A candidate's submission: the attempt, why (`manual` or `deadline`), and
/// when the server received it.
pub struct Submission<'a> {
    pub attempt_id: i32,
    pub reason: &'a str,
    pub now_ms: i64,
}

/// Submits attempts in one statement, each at its own time and for its own
/// reason, where it is still in progress and its time is within deadline +
/// grace. Returns the submitted rows by id (so the caller needs no read
/// after); an attempt missing was refused. The attempts must be distinct.
pub async fn submit_many(
    db: &impl ConnectionTrait,
    submissions: &[Submission<'_>],
) -> Result<HashMap<i32, attempt::Model>, DbErr> {
    if submissions.is_empty() {
        return Ok(HashMap::new());
    }
    // `UPDATE … FROM (VALUES …)`: SQLite and PostgreSQL both name the
    // columns of a VALUES list column1, column2, …
    let v = Alias::new("v");
    let given = |column: &str| Expr::col((v.clone(), Alias::new(column)));
    let values = submissions
        .iter()
        .map(|s| ValueTuple::Three(s.attempt_id.into(), s.now_ms.into(), s.reason.into()))
        .collect();
    let q = Query::update()
        .table(attempt::Entity)
        .value(attempt::Column::Status, SUBMITTED)
        .value(attempt::Column::SubmittedMs, given("column2"))
        .value(attempt::Column::SubmitReason, given("column3"))
        .from(TableRef::ValuesList(values, v.clone().into_iden()))
        .and_where(Expr::col((attempt::Entity, attempt::Column::Id)).eq(given("column1")))
        .and_where(Expr::col((attempt::Entity, attempt::Column::Status)).eq(IN_PROGRESS))
        .and_where(
            Expr::col((attempt::Entity, attempt::Column::DeadlineMs))
                .add(Expr::col((attempt::Entity, attempt::Column::GraceMs)))
                .gte(given("column2")),
        )
        .returning(Query::returning().columns(attempt::Column::iter()))
        .to_owned();
    let mut submitted = HashMap::with_capacity(submissions.len());
    for row in db.query_all(&q).await? {
        let a = attempt::Model::from_query_result(&row, "")?;
        submitted.insert(a.id, a);
    }
    Ok(submitted)
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
