//! Grades, tie decisions and releases in the database.

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};

use super::entity::{grade, key_correction, release, tie_decision};
use crate::accounts::entity::user;
use crate::attempts::entity::{answer, attempt};
use crate::campaigns::entity::application;

/// Rows per INSERT: well under SQLite's bound-parameter limit.
const CHUNK: usize = 1000;

/// Per attempt in this id range, (attempt id, its answers packed as
/// `item:response` joined by U+001E), by attempt. One row per attempt rather
/// than per answer: row decoding, not SQL, is what grading 100,000 attempts
/// waits on. The separator cannot occur in the JSON, which escapes control
/// characters. The aggregate is spelt per backend (the one place here that is).
pub async fn packed_answers_in(
    db: &impl ConnectionTrait,
    attempt_ids: std::ops::RangeInclusive<i32>,
) -> Result<Vec<(i32, String)>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT attempt_id, string_agg(item::text || ':' || response, chr(30)) AS packed \
             FROM answers WHERE attempt_id BETWEEN $1 AND $2 AND response IS NOT NULL \
             GROUP BY attempt_id ORDER BY attempt_id"
        }
        _ => {
            "SELECT attempt_id, group_concat(item || ':' || response, char(30)) AS packed \
             FROM answers WHERE attempt_id BETWEEN ? AND ? AND response IS NOT NULL \
             GROUP BY attempt_id ORDER BY attempt_id"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [(*attempt_ids.start()).into(), (*attempt_ids.end()).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i32>("", "attempt_id")?,
                r.try_get::<String>("", "packed")?,
            ))
        })
        .collect()
}

/// (attempt id, item, response JSON) of the answers of attempts in this id
/// range, by attempt then item: only the columns grading reads, on the
/// (attempt, item) index. The range may hold other papers' attempts: the
/// caller walks its own attempts and skips the rest.
pub async fn answers_in(
    db: &impl ConnectionTrait,
    attempt_ids: std::ops::RangeInclusive<i32>,
) -> Result<Vec<(i32, i32, Option<String>)>, DbErr> {
    answer::Entity::find()
        .select_only()
        .column(answer::Column::AttemptId)
        .column(answer::Column::Item)
        .column(answer::Column::Response)
        .filter(answer::Column::AttemptId.between(*attempt_ids.start(), *attempt_ids.end()))
        .filter(answer::Column::Response.is_not_null())
        .order_by_asc(answer::Column::AttemptId)
        .order_by_asc(answer::Column::Item)
        .into_tuple()
        .all(db)
        .await
}

pub async fn submitted_attempts(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper_id))
        .filter(attempt::Column::Status.eq("submitted"))
        .order_by_asc(attempt::Column::Id)
        .all(db)
        .await
}

pub async fn submitted_attempt(
    db: &impl ConnectionTrait,
    paper_id: i32,
    attempt_id: i32,
) -> Result<Option<attempt::Model>, DbErr> {
    attempt::Entity::find_by_id(attempt_id)
        .filter(attempt::Column::PaperId.eq(paper_id))
        .filter(attempt::Column::Status.eq("submitted"))
        .one(db)
        .await
}

/// The submitted attempt of an application on a paper.
pub async fn submitted_attempt_of(
    db: &impl ConnectionTrait,
    paper_id: i32,
    application_id: i32,
) -> Result<Option<attempt::Model>, DbErr> {
    attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper_id))
        .filter(attempt::Column::ApplicationId.eq(application_id))
        .filter(attempt::Column::Status.eq("submitted"))
        .one(db)
        .await
}

pub async fn grade_of_attempt(
    db: &impl ConnectionTrait,
    attempt_id: i32,
) -> Result<Option<grade::Model>, DbErr> {
    grade::Entity::find()
        .filter(grade::Column::AttemptId.eq(attempt_id))
        .one(db)
        .await
}

/// Replaces one attempt's grade (after a mark, an appeal).
pub async fn replace_grade_of_attempt(
    db: &impl ConnectionTrait,
    g: NewGrade,
    now_ms: i64,
) -> Result<(), DbErr> {
    grade::Entity::delete_many()
        .filter(grade::Column::AttemptId.eq(g.attempt_id))
        .exec(db)
        .await?;
    grade::ActiveModel {
        attempt_id: Set(g.attempt_id),
        paper_id: Set(g.paper_id),
        application_id: Set(g.application_id),
        candidate_id: Set(g.candidate_id),
        status: Set(g.status.to_owned()),
        sections: Set(g.sections),
        items: Set(g.items),
        graded_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// (attempt id, sections JSON) of a paper's grades: to tell what a regrade changed.
pub async fn grade_sections_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<(i32, String)>, DbErr> {
    grade::Entity::find()
        .select_only()
        .column(grade::Column::AttemptId)
        .column(grade::Column::Sections)
        .filter(grade::Column::PaperId.eq(paper_id))
        .into_tuple()
        .all(db)
        .await
}

pub async fn grades_of_paper(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<grade::Model>, DbErr> {
    grade::Entity::find()
        .filter(grade::Column::PaperId.eq(paper_id))
        .order_by_asc(grade::Column::AttemptId)
        .all(db)
        .await
}

/// What a ranking reads of each grade: (paper, application, status, sections
/// JSON) — not the per-item fractions, which are most of a grade's bytes.
pub async fn grade_sections_of_papers(
    db: &impl ConnectionTrait,
    paper_ids: &[i32],
) -> Result<Vec<(i32, i32, String, String)>, DbErr> {
    grade::Entity::find()
        .select_only()
        .column(grade::Column::PaperId)
        .column(grade::Column::ApplicationId)
        .column(grade::Column::Status)
        .column(grade::Column::Sections)
        .filter(grade::Column::PaperId.is_in(paper_ids.iter().copied()))
        .order_by_asc(grade::Column::AttemptId)
        .into_tuple()
        .all(db)
        .await
}

pub async fn count_submitted(db: &impl ConnectionTrait, paper_id: i32) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper_id))
        .filter(attempt::Column::Status.eq("submitted"))
        .count(db)
        .await
}

/// What stands between these papers' attempts and a final grade, counted
/// by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaperProgress {
    pub submitted: u64,
    /// Graded with every essay marked.
    pub graded: u64,
    /// Graded, with essays awaiting marking.
    pub needs_marking: u64,
}

impl PaperProgress {
    /// Submitted attempts with no grade at all: the paper was not graded since.
    pub fn ungraded(&self) -> u64 {
        self.submitted
            .saturating_sub(self.graded + self.needs_marking)
    }
}

/// Per paper: its submitted attempts and their grades by status. Two grouped
/// counts, however many attempts there are. A grade exists only for an attempt
/// that was submitted when it was graded, and a submission is final, so the
/// attempts without a grade are the difference.
pub async fn progress_of_papers(
    db: &impl ConnectionTrait,
    paper_ids: &[i32],
) -> Result<std::collections::HashMap<i32, PaperProgress>, DbErr> {
    let mut out: std::collections::HashMap<i32, PaperProgress> = paper_ids
        .iter()
        .map(|id| (*id, PaperProgress::default()))
        .collect();
    let submitted: Vec<(i32, i64)> = attempt::Entity::find()
        .select_only()
        .column(attempt::Column::PaperId)
        .column_as(attempt::Column::Id.count(), "n")
        .filter(attempt::Column::PaperId.is_in(paper_ids.iter().copied()))
        .filter(attempt::Column::Status.eq("submitted"))
        .group_by(attempt::Column::PaperId)
        .into_tuple()
        .all(db)
        .await?;
    for (paper, n) in submitted {
        out.entry(paper).or_default().submitted = u64::try_from(n).unwrap_or(0);
    }
    let graded: Vec<(i32, String, i64)> = grade::Entity::find()
        .select_only()
        .column(grade::Column::PaperId)
        .column(grade::Column::Status)
        .column_as(grade::Column::Id.count(), "n")
        .filter(grade::Column::PaperId.is_in(paper_ids.iter().copied()))
        .group_by(grade::Column::PaperId)
        .group_by(grade::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (paper, status, n) in graded {
        let p = out.entry(paper).or_default();
        let n = u64::try_from(n).unwrap_or(0);
        if status == "graded" {
            p.graded += n;
        } else {
            p.needs_marking += n;
        }
    }
    Ok(out)
}

pub async fn grades_of_papers(
    db: &impl ConnectionTrait,
    paper_ids: &[i32],
) -> Result<Vec<grade::Model>, DbErr> {
    grade::Entity::find()
        .filter(grade::Column::PaperId.is_in(paper_ids.iter().copied()))
        .order_by_asc(grade::Column::AttemptId)
        .all(db)
        .await
}

pub async fn grades_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: i32,
) -> Result<Vec<grade::Model>, DbErr> {
    grade::Entity::find()
        .filter(grade::Column::CandidateId.eq(candidate_id))
        .order_by_asc(grade::Column::PaperId)
        .all(db)
        .await
}

pub struct NewGrade {
    pub attempt_id: i32,
    pub paper_id: i32,
    pub application_id: i32,
    pub candidate_id: i32,
    pub status: &'static str,
    pub sections: String,
    pub items: String,
}

/// Replaces the grades of these attempts (a regrade writes them all again).
pub async fn replace_grades(
    db: &impl ConnectionTrait,
    paper_id: i32,
    grades: Vec<NewGrade>,
    now_ms: i64,
) -> Result<(), DbErr> {
    grade::Entity::delete_many()
        .filter(grade::Column::PaperId.eq(paper_id))
        .exec(db)
        .await?;
    let mut rows = grades.into_iter().map(|g| grade::ActiveModel {
        attempt_id: Set(g.attempt_id),
        paper_id: Set(g.paper_id),
        application_id: Set(g.application_id),
        candidate_id: Set(g.candidate_id),
        status: Set(g.status.to_owned()),
        sections: Set(g.sections),
        items: Set(g.items),
        graded_ms: Set(now_ms),
        ..Default::default()
    });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        grade::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Approved applications of a campaign with their candidates.
pub async fn approved_applications(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<(application::Model, Option<user::Model>)>, DbErr> {
    let apps = application::Entity::find()
        .filter(application::Column::CampaignId.eq(campaign_id))
        .filter(application::Column::Status.eq("approved"))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await?;
    let ids = Query::select()
        .column(application::Column::CandidateId)
        .from(application::Entity)
        .and_where(application::Column::CampaignId.eq(campaign_id))
        .to_owned();
    let users: std::collections::HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.in_subquery(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(apps
        .into_iter()
        .map(|a| {
            let u = users.get(&a.candidate_id).cloned();
            (a, u)
        })
        .collect())
}

/// (national id, gender) from the staff records with these national ids. An
/// account and a staff record are one person when their national ids match:
/// that is how hiring a winner links them.
pub async fn staff_genders(
    db: &impl ConnectionTrait,
    national_ids: Vec<String>,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    use crate::staff::entity::staff;
    let mut out = std::collections::HashMap::new();
    for chunk in national_ids.chunks(CHUNK) {
        let rows: Vec<(Option<String>, String)> = staff::Entity::find()
            .select_only()
            .column(staff::Column::NationalId)
            .column(staff::Column::Gender)
            .filter(staff::Column::NationalId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(id, g)| Some((id?, g))));
    }
    Ok(out)
}

pub async fn tie_decisions(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<tie_decision::Model>, DbErr> {
    tie_decision::Entity::find()
        .filter(tie_decision::Column::CampaignId.eq(campaign_id))
        .order_by_asc(tie_decision::Column::Id)
        .all(db)
        .await
}

pub async fn insert_tie_decision(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    position_id: i32,
    application_ids: &[i32],
    reason: &str,
    decided_by: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    tie_decision::ActiveModel {
        campaign_id: Set(campaign_id),
        position_id: Set(position_id),
        application_ids: Set(serde_json::to_string(application_ids).unwrap_or_default()),
        reason: Set(reason.to_owned()),
        decided_by: Set(decided_by),
        decided_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn release_of(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Option<release::Model>, DbErr> {
    release::Entity::find_by_id(campaign_id).one(db).await
}

pub async fn insert_release(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    released_by: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    release::ActiveModel {
        campaign_id: Set(campaign_id),
        released_by: Set(released_by),
        released_ms: Set(now_ms),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn key_corrections(
    db: &impl ConnectionTrait,
    paper_id: i32,
) -> Result<Vec<key_correction::Model>, DbErr> {
    key_correction::Entity::find()
        .filter(key_correction::Column::PaperId.eq(paper_id))
        .order_by_asc(key_correction::Column::Id)
        .all(db)
        .await
}

pub async fn insert_key_correction(
    db: &impl ConnectionTrait,
    paper_id: i32,
    version_id: i32,
    answer_json: &str,
    reason: &str,
    corrected_by: Option<i32>,
    now_ms: i64,
) -> Result<(), DbErr> {
    key_correction::ActiveModel {
        paper_id: Set(paper_id),
        version_id: Set(version_id),
        answer: Set(answer_json.to_owned()),
        reason: Set(reason.to_owned()),
        corrected_by: Set(corrected_by),
        corrected_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
