//! The essay marking queue: what a board member of a paper may mark next,
//! the marking of one answer (blind: no name, no other mark), and what a
//! mark changes — the attempt's grade, and an appeal's outcome. Every mark
//! is audited in the same transaction that records it.

use crate::db::BeginWrite;
use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::domain::{self, Mark, Refusal, Slot};
use super::entity::appeal;
use super::store::{self, NewMark};
use crate::accounts::domain::Role;
use crate::audit::{self, Entry};
use crate::banks::scoring::Response;
use crate::exams::entity::paper;
use crate::grading::grade::GradedSection;
use crate::grading::store as grades;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// The paper, for a board member assigned to it; 404 for everyone else,
/// administrators included: marking is the board's, and marks carry names.
pub async fn marking_paper(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<paper::Model, AppError> {
    if user.role != Role::Board {
        return Err(AppError::NotFound);
    }
    let p = crate::exams::store::find_paper(&state.db, paper_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::exams::store::board_of(&state.db, p.id)
        .await?
        .contains(&user.id)
    {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// Per form item of a grade: (version, points, fraction or None while it waits).
type GradeItems = Vec<(i64, f64, Option<f64>)>;

/// A graded attempt as marking sees it.
pub struct Script {
    pub attempt_id: i32,
    pub code: String,
    pub items: GradeItems,
    pub sections: Vec<GradedSection>,
}

impl Script {
    /// The form items of the graded section `k` (paper order).
    pub fn section_items(&self, k: usize) -> std::ops::Range<usize> {
        let start: u32 = self.sections.iter().take(k).map(|s| s.items).sum();
        let len = self.sections.get(k).map_or(0, |s| s.items);
        let start = start as usize;
        start..start + len as usize
    }

    /// The index of the section holding form item `item`.
    pub fn section_of(&self, item: usize) -> Option<usize> {
        (0..self.sections.len()).find(|k| self.section_items(*k).contains(&item))
    }

    /// The section of a rule-set round and section id.
    pub fn section_index(&self, round: &str, section: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|s| s.round == round && s.section == section)
    }
}

fn script_of(key: &[u8], g: &crate::grading::entity::grade::Model) -> Result<Script, AppError> {
    Ok(Script {
        attempt_id: g.attempt_id,
        code: domain::script_code(key, g.paper_id, g.attempt_id),
        items: serde_json::from_str(&g.items).map_err(internal)?,
        sections: serde_json::from_str(&g.sections).map_err(internal)?,
    })
}

/// Form items an open appeal covers: the answers of its section that
/// board members marked.
fn appeal_items(
    script: &Script,
    appeals: &[appeal::Model],
    marks: &HashMap<(i32, usize), Vec<Mark>>,
) -> HashMap<usize, i32> {
    let mut out = HashMap::new();
    for a in appeals.iter().filter(|a| a.attempt_id == script.attempt_id) {
        if let Some(k) = script.section_index(&a.round, &a.section) {
            for i in script.section_items(k) {
                if marks.contains_key(&(script.attempt_id, i)) {
                    out.insert(i, a.id);
                }
            }
        }
    }
    out
}

/// One answer waiting for this board member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    /// The script's anonymous code: never the candidate's name or number.
    pub script: String,
    /// 1-based position of the answer on the script.
    pub item: usize,
    pub section: String,
    pub points: f64,
    /// `first`, `second` (blind marks), `reconcile` or `appeal`.
    pub stage: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MarkingQueue {
    pub paper_id: i32,
    pub title: String,
    pub threshold_percent: f64,
    pub entries: Vec<QueueEntry>,
    /// Answers this member marked that wait for someone else.
    pub waiting_for_others: usize,
    /// Submitted attempts not graded yet: their essays join the queue once
    /// the paper is graded.
    pub not_graded: usize,
}

/// What waits for `user` on a paper.
pub async fn queue(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<MarkingQueue, AppError> {
    let p = marking_paper(state, user, paper_id).await?;
    let spec = crate::exams::service::spec_of(&p)?;
    let graded = grades::grades_of_paper(&state.db, p.id).await?;
    let submitted = grades::count_submitted(&state.db, p.id).await?;
    let marks = store::marks_of_paper(&state.db, p.id).await?;
    let appeals = store::pending_appeals_of_paper(&state.db, p.id).await?;
    let key = &state.config.secret_key;
    let mut entries = Vec::new();
    let mut waiting_for_others = 0;
    for g in &graded {
        if g.status != "needs_marking" && !appeals.iter().any(|a| a.attempt_id == g.attempt_id) {
            continue;
        }
        let script = script_of(key, g)?;
        let appealed = appeal_items(&script, &appeals, &marks);
        for (i, (_, points, fraction)) in script.items.iter().enumerate() {
            let open = appealed.contains_key(&i);
            if fraction.is_some() && !open {
                continue;
            }
            let m = marks
                .get(&(script.attempt_id, i))
                .map_or(&[][..], Vec::as_slice);
            let threshold = domain::threshold_points(spec.marking_threshold_percent, *points);
            match domain::next_slot(m, user.id, threshold, open) {
                Ok(slot) => entries.push(QueueEntry {
                    script: script.code.clone(),
                    item: i + 1,
                    section: script
                        .section_of(i)
                        .and_then(|k| script.sections.get(k))
                        .map(|s| s.title.clone())
                        .unwrap_or_default(),
                    points: *points,
                    stage: slot.as_str().to_owned(),
                }),
                Err(Refusal::AlreadyMarked) => waiting_for_others += 1,
                Err(Refusal::Complete) => {}
            }
        }
    }
    // Appeals first (they have a deadline), then reconciliations, then new scripts.
    entries.sort_by_key(|e| match e.stage.as_str() {
        "appeal" => 0,
        "reconcile" => 1,
        _ => 2,
    });
    Ok(MarkingQueue {
        paper_id: p.id,
        title: p.title.clone(),
        threshold_percent: spec.marking_threshold_percent,
        entries,
        waiting_for_others,
        not_graded: usize::try_from(submitted)
            .unwrap_or(0)
            .saturating_sub(graded.len()),
    })
}

/// A paper this member marks, with how much waits for them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MarkingPaper {
    pub paper_id: i32,
    pub title: String,
    pub waiting: usize,
}

pub async fn papers(state: &AppState, user: &CurrentUser) -> Result<Vec<MarkingPaper>, AppError> {
    user.require(&[Role::Board])?;
    let mut out = Vec::new();
    for p in crate::exams::store::papers_of_board_member(&state.db, user.id).await? {
        if p.status == "draft" {
            continue;
        }
        let q = queue(state, user, p.id).await?;
        out.push(MarkingPaper {
            paper_id: p.id,
            title: p.title,
            waiting: q.entries.len(),
        });
    }
    Ok(out)
}

/// One answer to mark, as its marker sees it: the question, the marking
/// guide, the answer — and nothing of the candidate or of other marks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MarkingTask {
    pub paper_id: i32,
    pub script: String,
    pub item: usize,
    pub section: String,
    pub points: f64,
    pub stage: String,
    pub question_html: String,
    pub guide_html: String,
    pub answer: String,
}

struct Located {
    paper: paper::Model,
    script: Script,
    index: usize,
    points: f64,
    threshold: f64,
    marks: Vec<Mark>,
    appeal_id: Option<i32>,
    slot: Slot,
}

/// Finds the script by its code and checks this member may mark the item now.
async fn locate(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    code: &str,
    item: usize,
) -> Result<Located, AppError> {
    let p = marking_paper(state, user, paper_id).await?;
    let spec = crate::exams::service::spec_of(&p)?;
    let key = &state.config.secret_key;
    let mut found = None;
    for g in grades::grades_of_paper(&state.db, p.id).await? {
        if domain::script_code(key, g.paper_id, g.attempt_id) == code {
            found = Some(script_of(key, &g)?);
            break;
        }
    }
    let script = found.ok_or(AppError::NotFound)?;
    let index = item.checked_sub(1).ok_or(AppError::NotFound)?;
    let (_, points, fraction) = *script.items.get(index).ok_or(AppError::NotFound)?;
    let marks_by_item = store::marks_of_attempt(&state.db, script.attempt_id).await?;
    let appeals = store::pending_appeals_of_attempt(&state.db, script.attempt_id).await?;
    let appeal_id = appeal_items(&script, &appeals, &marks_by_item)
        .get(&index)
        .copied();
    let marks = marks_by_item
        .get(&(script.attempt_id, index))
        .cloned()
        .unwrap_or_default();
    // Only essays wait for a marker: a computer-scored item never has a None
    // fraction nor marks.
    if fraction.is_some() && marks.is_empty() {
        return Err(AppError::NotFound);
    }
    let threshold = domain::threshold_points(spec.marking_threshold_percent, points);
    let slot = domain::next_slot(&marks, user.id, threshold, appeal_id.is_some()).map_err(|r| {
        AppError::Conflict(FieldError {
            field: None,
            text: r.text(),
        })
    })?;
    Ok(Located {
        paper: p,
        script,
        index,
        points,
        threshold,
        marks,
        appeal_id,
        slot,
    })
}

pub async fn task(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    code: &str,
    item: usize,
) -> Result<MarkingTask, AppError> {
    let l = locate(state, user, paper_id, code, item).await?;
    let (version, _, _) = l.script.items[l.index];
    let (_, content) =
        crate::exams::store::frozen_pool(&state.db, &[i32::try_from(version).map_err(internal)?])
            .await?;
    let q = content.get(&version).ok_or(AppError::NotFound)?;
    let guide = match &q.answer {
        crate::banks::model::Answer::Essay { marking_guide } => marking_guide.clone(),
        _ => None,
    };
    let answer = match store::response_of(&state.db, l.script.attempt_id, l.index)
        .await?
        .and_then(|r| serde_json::from_str::<Response>(&r).ok())
    {
        Some(Response::Essay { text } | Response::Text { text }) => text,
        _ => String::new(),
    };
    Ok(MarkingTask {
        paper_id: l.paper.id,
        script: l.script.code.clone(),
        item,
        section: l
            .script
            .section_of(l.index)
            .and_then(|k| l.script.sections.get(k))
            .map(|s| s.title.clone())
            .unwrap_or_default(),
        points: l.points,
        stage: l.slot.as_str().to_owned(),
        question_html: crate::banks::render::to_html(&q.stem, q.format),
        guide_html: guide
            .map(|g| crate::banks::render::to_html(&g, q.format))
            .unwrap_or_default(),
        answer,
    })
}

/// What recording a mark did — without the mark that now stands, which
/// would give away the other marker's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub script: String,
    pub item: usize,
    pub stage: String,
}

/// Records `user`'s mark of one answer (audited), then grades the attempt
/// again from its answers and marks, and decides an appeal whose answers are
/// all re-marked — all in one transaction.
pub async fn mark(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    code: &str,
    item: usize,
    score: &str,
    note: &str,
) -> Result<Marked, AppError> {
    let l = locate(state, user, paper_id, code, item).await?;
    let points =
        domain::parse_score(score, l.points).map_err(|t| AppError::invalid("points", t))?;
    let note = note.trim();
    if l.slot == Slot::Appeal && note.is_empty() {
        return Err(AppError::invalid(
            "note",
            Text::key("marking.appeal_note_required"),
        ));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let inserted = store::insert_mark(
        &txn,
        NewMark {
            paper_id: l.paper.id,
            attempt_id: l.script.attempt_id,
            item: l.index,
            slot: l.slot,
            marker_id: user.id,
            points,
            note,
            appeal_id: l.appeal_id,
        },
        now,
    )
    .await;
    if let Err(e) = inserted {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return Err(AppError::Conflict(FieldError {
                field: None,
                text: Text::key("marking.slot_taken"),
            }));
        }
        return Err(e.into());
    }
    let mut marks = l.marks.clone();
    marks.push(Mark {
        marker: user.id,
        slot: l.slot,
        points,
    });
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new(
            "essay_marked",
            format!(
                "paper {} attempt {} item {}",
                l.paper.id, l.script.attempt_id, item
            ),
        )
        .detail(
            serde_json::json!({
                "script": l.script.code,
                "stage": l.slot.as_str(),
                "points": points,
                "out_of": l.points,
                "note": note,
                "stands": domain::final_points(&marks, l.threshold),
            })
            .to_string(),
        ),
    )
    .await?;
    regrade_attempt(&txn, &l.paper, l.script.attempt_id, now).await?;
    if let Some(appeal_id) = l.appeal_id {
        decide_if_done(&txn, appeal_id, user, now).await?;
    }
    txn.commit().await?;
    Ok(Marked {
        script: l.script.code,
        item,
        stage: l.slot.as_str().to_owned(),
    })
}

/// Grades one attempt again from its answers, keys and marks, replacing its
/// grade. Returns the new grade's sections.
pub async fn regrade_attempt(
    db: &impl ConnectionTrait,
    p: &paper::Model,
    attempt_id: i32,
    now_ms: i64,
) -> Result<Vec<GradedSection>, AppError> {
    let computed =
        crate::grading::service::compute_grades_of(db, p, None, Some(attempt_id)).await?;
    let row = computed
        .rows
        .into_iter()
        .next()
        .ok_or_else(|| internal(format!("attempt {attempt_id} is not submitted")))?;
    let sections: Vec<GradedSection> = serde_json::from_str(&row.sections).map_err(internal)?;
    grades::replace_grade_of_attempt(db, row, now_ms).await?;
    Ok(sections)
}

/// Decides an appeal once every answer it covers carries its re-mark: the
/// section's new score is recorded and audited, old → new, with the reason.
async fn decide_if_done(
    db: &impl ConnectionTrait,
    appeal_id: i32,
    user: &CurrentUser,
    now_ms: i64,
) -> Result<(), AppError> {
    use sea_orm::EntityTrait;
    let Some(a) = appeal::Entity::find_by_id(appeal_id).one(db).await? else {
        return Ok(());
    };
    let Some(g) = grades::grade_of_attempt(db, a.attempt_id).await? else {
        return Ok(());
    };
    let script = Script {
        attempt_id: g.attempt_id,
        code: String::new(),
        items: serde_json::from_str(&g.items).map_err(internal)?,
        sections: serde_json::from_str(&g.sections).map_err(internal)?,
    };
    let marks = store::marks_of_attempt(db, a.attempt_id).await?;
    let covered = appeal_items(&script, std::slice::from_ref(&a), &marks);
    let done = covered.keys().all(|i| {
        marks
            .get(&(a.attempt_id, *i))
            .is_some_and(|m| m.iter().any(|m| m.slot == Slot::Appeal))
    });
    if !done {
        return Ok(());
    }
    let Some(k) = script.section_index(&a.round, &a.section) else {
        return Ok(());
    };
    // Rounded as the ranking rounds it, like the score before.
    let after = match crate::campaigns::store::find_campaign(db, a.campaign_id).await? {
        Some(c) => crate::grading::service::graded_score(
            &crate::grading::service::rules_of(&c)?,
            &script.sections[k],
        ),
        None => None,
    }
    .unwrap_or(script.sections[k].scaled);
    store::decide_appeal(db, a.id, after, user.id, now_ms).await?;
    let notes: Vec<String> = crate::grading::marking::store::appeal_notes(db, a.id).await?;
    audit::record(
        db,
        now_ms,
        &user.actor(),
        Entry::new(
            "appeal_decided",
            format!(
                "campaign {} application {}",
                a.campaign_id, a.application_id
            ),
        )
        .detail(
            serde_json::json!({
                "appeal": a.id,
                "section": format!("{}/{}", a.round, a.section),
                "before": a.score_before,
                "after": after,
                "reason": a.reason,
                "re_marker_notes": notes,
            })
            .to_string(),
        ),
    )
    .await?;
    Ok(())
}
