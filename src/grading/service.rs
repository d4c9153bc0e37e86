//! Grading a paper's submitted attempts, rankings per campaign position, tie
//! decisions, release, candidates' own results, and item statistics. Loads
//! once, computes with the pure modules, writes in one transaction.

use crate::db::BeginWrite;
use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};

use super::grade::{self, GradedSection};
use super::item_analysis::{self, Bin, ItemAnalysis};
use super::numbers;
pub use super::numbers::fmt2;
use super::ranking::{
    self, CandidateResult, Failure, Gender, Ranking, SectionScore, Standing, TieBreakFacts,
    TieDecision,
};
use super::store::{self, NewGrade};
use crate::accounts::domain::Role;
use crate::audit::{self, Actor, Entry};
use crate::banks::model::Answer;
use crate::banks::scoring::Response;
use crate::campaigns::entity::{campaign, position};
use crate::exams::entity::paper;
use crate::exams::form::Form;
use crate::exams::paper::ReleasePolicy;
use crate::rules::model::RuleSet;
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

pub fn rules_of(c: &campaign::Model) -> Result<RuleSet, AppError> {
    crate::campaigns::rules::parse(&c.rule_set)
        .ok_or_else(|| internal(format!("campaign {}: the rule set does not parse", c.id)))
}

/// Attempts whose answers are read in one query.
const ANSWER_BATCH: usize = 5_000;

/// What a grading pass did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeRun {
    pub paper_id: i32,
    pub graded: usize,
    /// Attempts with essays still to mark.
    pub needs_marking: usize,
    /// Attempts whose scores differ from their previous grade.
    pub changed: usize,
}

/// Grades every submitted attempt of `p` from its stored answers and the
/// paper's pinned key versions, replacing earlier grades; a score that changes
/// is audited. Safe to run again: the same answers and keys give the same grades.
pub async fn grade_paper(
    db: &DatabaseConnection,
    p: &paper::Model,
    actor: &Actor,
    now_ms: i64,
) -> Result<GradeRun, AppError> {
    let computed = compute_grades(db, p, None).await?;
    write_grades(db, p, computed, actor, now_ms, None).await
}

/// Grades computed but not yet stored.
pub struct Computed {
    pub run: GradeRun,
    pub rows: Vec<NewGrade>,
    /// (attempt, application, sections before, sections after) of changed grades.
    pub changed: Vec<(i32, i32, String, String)>,
}

/// Grades every submitted attempt of `p` with the recorded key corrections
/// and, for a dry run, one more (`extra`: version id and corrected key).
pub async fn compute_grades(
    db: &impl ConnectionTrait,
    p: &paper::Model,
    extra: Option<(i64, &Answer)>,
) -> Result<Computed, AppError> {
    compute_grades_of(db, p, extra, None).await
}

/// As [`compute_grades`], for one submitted attempt when `only` names it.
pub async fn compute_grades_of(
    db: &impl ConnectionTrait,
    p: &paper::Model,
    extra: Option<(i64, &Answer)>,
    only: Option<i32>,
) -> Result<Computed, AppError> {
    let spec = crate::exams::service::spec_of(p)?;
    let c = crate::campaigns::store::find_campaign(db, p.campaign_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rules = rules_of(&c)?;
    let round = usize::try_from(p.round - 1)
        .ok()
        .and_then(|i| rules.rounds.get(i));
    let titles: Vec<String> = spec
        .blueprint
        .sections
        .iter()
        .map(|s| s.title.clone())
        .collect();
    let section_rules = grade::section_rules(round, &titles);

    let ids: Vec<i32> = if spec.pool.is_empty() {
        crate::exams::store::live_pool(db, &spec.blueprint)
            .await?
            .iter()
            .map(|i| i.version_id as i32)
            .collect()
    } else {
        spec.pool.clone()
    };
    let (pool, content) = crate::exams::store::frozen_pool(db, &ids).await?;
    let banks: HashMap<i32, bool> = crate::banks::store::banks(db, None)
        .await?
        .into_iter()
        .map(|b| (b.id, b.ignore_diacritics))
        .collect();
    // Corrected keys replace the pinned ones; the latest correction wins.
    let mut corrected: HashMap<i64, Answer> = HashMap::new();
    for k in store::key_corrections(db, p.id).await? {
        if let Ok(a) = serde_json::from_str::<Answer>(&k.answer) {
            corrected.insert(i64::from(k.version_id), a);
        }
    }
    if let Some((v, a)) = extra {
        corrected.insert(v, a.clone());
    }
    let keys: HashMap<i64, (&Answer, bool)> = pool
        .iter()
        .filter_map(|item| {
            let q = content.get(&item.version_id)?;
            let fold = banks.get(&item.bank_id).copied().unwrap_or(false);
            let answer = corrected.get(&item.version_id).unwrap_or(&q.answer);
            Some((item.version_id, (answer, fold)))
        })
        .collect();

    let started = std::time::Instant::now();
    let attempts = match only {
        Some(id) => store::submitted_attempt(db, p.id, id)
            .await?
            .into_iter()
            .collect(),
        None => store::submitted_attempts(db, p.id).await?,
    };
    // Essay marks; the threshold turns each answer's marks into the one that stands.
    let marks = match only {
        Some(id) => crate::grading::marking::store::marks_of_attempt(db, id).await?,
        None => crate::grading::marking::store::marks_of_paper(db, p.id).await?,
    };
    let threshold = spec.marking_threshold_percent;
    // One attempt (a mark, an appeal) needs one form, not the paper's thousands.
    let form_rows = match only {
        Some(_) => {
            let mut rows = Vec::new();
            for a in &attempts {
                rows.extend(crate::exams::store::find_form(db, a.form_id).await?);
            }
            rows
        }
        None => crate::exams::store::forms_of_paper(db, p.id).await?,
    };
    let forms: HashMap<i32, Form> = form_rows
        .into_iter()
        .map(|f| {
            Form::decode(&f.data)
                .map(|d| (f.id, d))
                .map_err(|e| internal(format!("form {}: {e}", f.id)))
        })
        .collect::<Result<_, _>>()?;
    let previous: HashMap<i32, String> = match only {
        Some(id) => store::grade_of_attempt(db, id)
            .await?
            .map(|g| (g.attempt_id, g.sections))
            .into_iter()
            .collect(),
        None => store::grade_sections_of_paper(db, p.id)
            .await?
            .into_iter()
            .collect(),
    };

    tracing::debug!(elapsed = ?started.elapsed(), "grading: attempts, forms, previous grades loaded");
    let mut run = GradeRun {
        paper_id: p.id,
        graded: 0,
        needs_marking: 0,
        changed: 0,
    };
    let mut changed = Vec::new();
    let mut rows = Vec::with_capacity(attempts.len());
    let mut next = 0;
    let mut responses: Vec<Option<Response>> = Vec::new();
    let mut answers = Vec::new();
    let mut loaded_until = 0;
    for (k, a) in attempts.iter().enumerate() {
        // Answers a slice of attempts at a time: bounded memory at 100,000 attempts.
        if k == loaded_until {
            loaded_until = (k + ANSWER_BATCH).min(attempts.len());
            let last = attempts[loaded_until - 1].id;
            answers = store::packed_answers_in(db, a.id..=last).await?;
            next = 0;
        }
        let form = forms
            .get(&a.form_id)
            .ok_or_else(|| internal(format!("attempt {} has no form {}", a.id, a.form_id)))?;
        responses.clear();
        responses.resize(form.item_count(), None);
        // Answers are ordered by attempt like `attempts`: walk both together.
        while next < answers.len() && answers[next].0 < a.id {
            next += 1;
        }
        if next < answers.len() && answers[next].0 == a.id {
            for piece in answers[next].1.split('\u{1e}') {
                let Some((item, json)) = piece.split_once(':') else {
                    continue;
                };
                if let Some(slot) = item
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| responses.get_mut(i))
                {
                    // Stored in the question's original option order: scored as is.
                    *slot = parse_response(json);
                }
            }
            next += 1;
        }
        let marked = |i: usize| {
            let m = marks.get(&(a.id, i))?;
            let points = form
                .sections
                .iter()
                .flat_map(|s| s.items.iter())
                .nth(i)?
                .points;
            let stands = crate::grading::marking::domain::final_points(
                m,
                crate::grading::marking::domain::threshold_points(threshold, points),
            )?;
            (points > 0.0).then(|| stands / points)
        };
        let g = grade::grade(
            form,
            &responses,
            |v| keys.get(&v).copied(),
            &section_rules,
            marked,
        );
        let sections = serde_json::to_string(&g.sections).map_err(internal)?;
        let items: Vec<(i64, f64, Option<f64>)> = form
            .sections
            .iter()
            .flat_map(|s| s.items.iter())
            .zip(g.fractions.iter().copied())
            .map(|(i, f)| (i.version_id, i.points, f))
            .collect();
        let needs = g.needs_marking();
        run.graded += 1;
        if needs {
            run.needs_marking += 1;
        }
        match previous.get(&a.id) {
            Some(old) if *old != sections => {
                run.changed += 1;
                changed.push((a.id, a.application_id, old.clone(), sections.clone()));
            }
            _ => {}
        }
        rows.push(NewGrade {
            attempt_id: a.id,
            paper_id: p.id,
            application_id: a.application_id,
            candidate_id: a.candidate_id,
            status: if needs { "needs_marking" } else { "graded" },
            sections,
            items: serde_json::to_string(&items).map_err(internal)?,
        });
    }
    tracing::debug!(elapsed = ?started.elapsed(), "grading: graded");
    Ok(Computed { run, rows, changed })
}

/// Stores computed grades, with the key correction that caused them if any,
/// and audits every changed score, in one transaction.
pub async fn write_grades(
    db: &DatabaseConnection,
    p: &paper::Model,
    computed: Computed,
    actor: &Actor,
    now_ms: i64,
    correction: Option<(i64, &Answer, &str)>,
) -> Result<GradeRun, AppError> {
    let Computed { run, rows, changed } = computed;
    let txn = db.begin_write().await?;
    if let Some((version, answer, reason)) = correction {
        store::insert_key_correction(
            &txn,
            p.id,
            i32::try_from(version).map_err(internal)?,
            &serde_json::to_string(answer).map_err(internal)?,
            reason,
            actor.id,
            now_ms,
        )
        .await?;
        audit::record(
            &txn,
            now_ms,
            actor,
            Entry::new("key_corrected", format!("paper {} version {version}", p.id))
                .detail(serde_json::json!({"reason": reason, "changed": run.changed}).to_string()),
        )
        .await?;
    }
    store::replace_grades(&txn, p.id, rows, now_ms).await?;
    let changed: Vec<_> = changed
        .iter()
        .map(|(a, _, before, after)| serde_json::json!({"attempt": a, "before": before, "after": after}))
        .collect();
    let detail = serde_json::json!({
        "graded": run.graded,
        "needs_marking": run.needs_marking,
        "changed": changed,
    });
    audit::record(
        &txn,
        now_ms,
        actor,
        Entry::new("paper_graded", format!("paper {}", p.id)).detail(detail.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(run)
}

/// A stored response. Single choice, the bulk of a computer test, is read
/// without the general JSON path (serde's tagged enums buffer every field);
/// the text is exactly what `serde_json` writes for it.
fn parse_response(json: &str) -> Option<Response> {
    if let Some(index) = json
        .strip_prefix(r#"{"kind":"choice","index":"#)
        .and_then(|rest| rest.strip_suffix('}'))
        .and_then(|n| n.parse().ok())
    {
        return Some(Response::Choice { index });
    }
    serde_json::from_str(json).ok()
}

fn actor_of(user: &CurrentUser) -> Actor {
    Actor {
        id: Some(user.id),
        name: user.username.clone(),
        client_addr: user.client_addr.clone(),
    }
}

/// Grades a paper for a member of staff who may manage or edit it.
pub async fn grade_paper_for(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<GradeRun, AppError> {
    let (p, _) = crate::exams::service::paper_for(state, user, paper_id).await?;
    if p.status == "draft" {
        return Err(AppError::invalid(
            "paper",
            Text::key("grading.paper_not_published"),
        ));
    }
    grade_paper(&state.db, &p, &actor_of(user), state.now_ms()).await
}

/// A rule-set section as a column of the results table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Column {
    pub round: String,
    pub section: String,
    pub title: String,
    pub max_points: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub application_id: i32,
    pub candidate_id: i32,
    pub full_name: String,
    pub username: String,
    /// Per column.
    pub sections: Vec<SectionCell>,
    pub priority_categories: Vec<String>,
    pub priority_points: f64,
    /// None while the candidate has no usable score in a counting round
    /// (not sat, not graded, essays awaiting marking): never a 0.
    pub score: Option<f64>,
    pub total: Option<f64>,
    pub rank: Option<u32>,
    /// `selected`, `not_selected`, `awaiting_tie_decision` or `failed`.
    #[schema(value_type = String)]
    pub standing: Standing,
    pub passed: bool,
    /// Why the candidate passed or failed, in the page's language.
    pub reason: String,
    #[schema(value_type = Vec<Object>)]
    pub failures: Vec<Failure>,
}

/// One section of one candidate's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SectionCell {
    /// Scaled to the section's maximum and rounded to the rule set's
    /// `score_decimals`; None when absent or exempt.
    pub score: Option<f64>,
    /// Exempted on the application (miễn): neither sat nor counted, never 0.
    pub exempt: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PositionResults {
    pub position_id: i32,
    pub code: String,
    pub title: String,
    pub quota: i32,
    pub rows: Vec<ResultRow>,
    /// Application ids tied for the last places, waiting for a decision.
    pub unresolved_tie: Option<Vec<i32>>,
    pub tie_places: Option<u32>,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<ranking::Warning>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignResults {
    pub campaign_id: i32,
    pub title: String,
    pub columns: Vec<Column>,
    pub positions: Vec<PositionResults>,
    pub released_ms: Option<i64>,
    /// Papers with attempts not graded yet or essays awaiting marking;
    /// release is refused until this is empty.
    pub pending: Vec<PendingPaper>,
    /// Totals of the candidates who have one; those without a grade are left out.
    #[schema(value_type = Vec<Object>)]
    pub histogram: Vec<Bin>,
    pub histogram_max: f64,
    /// How an exempt section reads in the caller's language, for exports.
    #[serde(skip)]
    pub exempt_label: String,
}

/// What stands between a paper's attempts and their final grades.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PendingPaper {
    pub paper_id: i32,
    pub title: String,
    pub round: i32,
    /// Submitted attempts not graded yet: grade the paper
    /// (`POST /api/papers/{id}/grade`).
    pub ungraded: u64,
    /// Graded attempts with essays awaiting marking: the paper's board marks
    /// them in its marking queue (`/api/papers/{id}/marking`).
    pub awaiting_marking: u64,
}

/// The papers with something pending, in round order. A paper of a round
/// the rule set does not have counts toward nothing, so it holds nothing up.
pub fn pending_papers(
    rules: &RuleSet,
    papers: &[paper::Model],
    progress: &HashMap<i32, store::PaperProgress>,
) -> Vec<PendingPaper> {
    let mut out: Vec<PendingPaper> = papers
        .iter()
        .filter(|p| usize::try_from(p.round).is_ok_and(|r| (1..=rules.rounds.len()).contains(&r)))
        .filter_map(|p| {
            let g = progress.get(&p.id).copied().unwrap_or_default();
            (g.ungraded() > 0 || g.needs_marking > 0).then(|| PendingPaper {
                paper_id: p.id,
                title: p.title.clone(),
                round: p.round,
                ungraded: g.ungraded(),
                awaiting_marking: g.needs_marking,
            })
        })
        .collect();
    out.sort_by_key(|p| (p.round, p.paper_id));
    out
}

/// Why a release is refused: one message per paper and kind of work left.
pub fn release_refusal(pending: &[PendingPaper]) -> Vec<crate::web::error::FieldError> {
    let line = |text: Text| crate::web::error::FieldError { field: None, text };
    let mut out = vec![line(Text::key("results.release_refused"))];
    for p in pending {
        if p.ungraded > 0 {
            out.push(line(
                Text::key("results.pending_ungraded")
                    .with("paper", &p.title)
                    .with("id", p.paper_id)
                    .with("count", p.ungraded),
            ));
        }
        if p.awaiting_marking > 0 {
            out.push(line(
                Text::key("results.pending_marking")
                    .with("paper", &p.title)
                    .with("id", p.paper_id)
                    .with("count", p.awaiting_marking),
            ));
        }
    }
    out
}

/// Why a candidate passed or failed, for people.
pub fn reason_text(entry: &ranking::RankedCandidate, rules: &RuleSet, lang: &str) -> Text {
    let title = |round: &str, section: &str| {
        rules
            .section(round, section)
            .map(|s| s.title.get(lang).to_owned())
            .unwrap_or_else(|| section.to_owned())
    };
    match entry.failures.first() {
        None => Text::key("results.reason_passed"),
        Some(Failure::Absent { round, section }) => {
            Text::key("results.reason_absent").with("section", title(round, section))
        }
        Some(Failure::BelowSectionPassMark {
            round,
            section,
            score,
            pass_mark,
        }) => Text::key("results.reason_below_section")
            .with("section", title(round, section))
            .with("score", numbers::score(*score))
            .with("pass_mark", numbers::score(*pass_mark)),
        Some(Failure::BelowTotalPassMark {
            score, pass_mark, ..
        }) => Text::key("results.reason_below_total")
            .with("score", numbers::score(*score))
            .with("pass_mark", numbers::score(*pass_mark)),
    }
}

/// A graded section's score as the ranking scales and rounds it, so that a
/// provisional result or an appeal shows the number the ranking will use.
pub fn graded_score(rules: &RuleSet, s: &GradedSection) -> Option<f64> {
    let rule = rules.section(&s.round, &s.section)?;
    (s.max_points > 0.0).then(|| ranking::scaled_score(rules, rule, s.points, s.max_points))
}

/// What a ranking reads of a grade: mapped sections with no essay pending.
fn section_scores(sections: Vec<GradedSection>) -> impl Iterator<Item = SectionScore> {
    sections
        .into_iter()
        .filter(|s| s.scaled_max > 0.0 && s.pending == 0)
        .map(|s| SectionScore {
            round: s.round,
            section: s.section,
            points: s.points,
            max_points: s.max_points,
            correct: Some(s.correct),
        })
}

/// Everything a ranking needs about a campaign, loaded once.
#[derive(Clone)]
pub struct RankingInput {
    pub rules: RuleSet,
    pub positions: Vec<position::Model>,
    pub candidates: BTreeMap<i32, Vec<CandidateResult>>,
    pub people: HashMap<i32, (i32, String, String)>,
    pub decisions: HashMap<i32, Vec<TieDecision>>,
    pub pending: Vec<PendingPaper>,
    pub papers: Vec<paper::Model>,
}

pub async fn ranking_input(
    db: &DatabaseConnection,
    c: &campaign::Model,
) -> Result<RankingInput, AppError> {
    let rules = rules_of(c)?;
    let positions = crate::campaigns::store::positions(db, c.id).await?;
    let papers: Vec<paper::Model> = crate::exams::store::papers_of_campaign(db, c.id)
        .await?
        .into_iter()
        .filter(|p| p.status == "published")
        .collect();
    let paper_ids: Vec<i32> = papers.iter().map(|p| p.id).collect();
    let grades = store::grade_sections_of_papers(db, &paper_ids).await?;
    let pending = pending_papers(
        &rules,
        &papers,
        &store::progress_of_papers(db, &paper_ids).await?,
    );
    let mut sections_of: HashMap<i32, Vec<SectionScore>> = HashMap::new();
    for (_, application_id, _, sections) in &grades {
        let sections: Vec<GradedSection> = serde_json::from_str(sections).map_err(internal)?;
        let out = sections_of.entry(*application_id).or_default();
        for s in sections
            .into_iter()
            .filter(|s| s.scaled_max > 0.0 && s.pending == 0)
        {
            out.push(SectionScore {
                round: s.round,
                section: s.section,
                points: s.points,
                max_points: s.max_points,
                correct: Some(s.correct),
            });
        }
    }
    let mut candidates: BTreeMap<i32, Vec<CandidateResult>> = BTreeMap::new();
    let mut people = HashMap::new();
    let applications = store::approved_applications(db, c.id).await?;
    // Accounts do not record gender; a linked staff record does (Decree 115's
    // first tie-break). Nobody else's gender is guessed.
    let genders = store::staff_genders(
        db,
        applications
            .iter()
            .filter_map(|(_, u)| u.as_ref()?.national_id.clone())
            .collect(),
    )
    .await?;
    for (a, u) in applications {
        let exemptions = a.exempt_sections()?;
        let priority_categories = a.priority_claims()?.into_iter().map(|c| c.code).collect();
        let facts = TieBreakFacts {
            date_of_birth: u.as_ref().and_then(|u| u.date_of_birth),
            gender: u
                .as_ref()
                .and_then(|u| u.national_id.as_ref())
                .and_then(|id| genders.get(id))
                .and_then(|g| gender_of(g)),
            ..Default::default()
        };
        candidates
            .entry(a.position_id)
            .or_default()
            .push(CandidateResult {
                application_id: i64::from(a.id),
                sections: sections_of.remove(&a.id).unwrap_or_default(),
                exemptions,
                priority_categories,
                facts,
            });
        people.insert(
            a.id,
            (
                a.candidate_id,
                u.as_ref().map(|u| u.full_name.clone()).unwrap_or_default(),
                u.map(|u| u.username).unwrap_or_default(),
            ),
        );
    }
    let mut decisions: HashMap<i32, Vec<TieDecision>> = HashMap::new();
    for d in store::tie_decisions(db, c.id).await? {
        let ids: Vec<i64> = serde_json::from_str(&d.application_ids).unwrap_or_default();
        decisions
            .entry(d.position_id)
            .or_default()
            .push(TieDecision {
                application_ids: ids,
                reason: d.reason,
            });
    }
    Ok(RankingInput {
        rules,
        positions,
        candidates,
        people,
        decisions,
        pending,
        papers,
    })
}

/// A staff record's gender as the tie-breaks read it.
fn gender_of(stored: &str) -> Option<Gender> {
    match crate::staff::domain::Gender::parse(stored)? {
        crate::staff::domain::Gender::Female => Some(Gender::Female),
        crate::staff::domain::Gender::Male => Some(Gender::Male),
    }
}

pub fn columns(rules: &RuleSet, lang: &str) -> Vec<Column> {
    rules
        .rounds
        .iter()
        .flat_map(|r| {
            r.sections.iter().map(|s| Column {
                round: r.id.clone(),
                section: s.id.clone(),
                title: s.title.get(lang).to_owned(),
                max_points: s.max_points,
            })
        })
        .collect()
}

/// Ranks one position.
pub fn rank_position(input: &RankingInput, p: &position::Model) -> Ranking {
    ranking::rank(
        &input.rules,
        u32::try_from(p.quota).unwrap_or(0),
        input.candidates.get(&p.id).map_or(&[], Vec::as_slice),
        input.decisions.get(&p.id).map_or(&[], Vec::as_slice),
    )
}

pub fn campaign_results(
    c: &campaign::Model,
    input: &RankingInput,
    released_ms: Option<i64>,
    locale: crate::web::i18n::Locale,
) -> CampaignResults {
    let lang = locale.code();
    let cols = columns(&input.rules, lang);
    let mut totals = Vec::new();
    let positions = input
        .positions
        .iter()
        .map(|p| {
            let r = rank_position(input, p);
            let rows = r
                .entries
                .iter()
                .map(|e| {
                    let id = i32::try_from(e.application_id).unwrap_or_default();
                    let (candidate_id, full_name, username) =
                        input.people.get(&id).cloned().unwrap_or_default();
                    // No grade is not a 0: such candidates stay out of the chart.
                    if e.graded {
                        totals.push(e.total);
                    }
                    ResultRow {
                        application_id: id,
                        candidate_id,
                        full_name,
                        username,
                        sections: cols
                            .iter()
                            .map(|c| {
                                let s = e
                                    .sections
                                    .iter()
                                    .find(|s| s.round == c.round && s.section == c.section);
                                SectionCell {
                                    score: s.and_then(|s| s.score),
                                    exempt: s.is_some_and(|s| s.exempt),
                                }
                            })
                            .collect(),
                        priority_categories: e.priority_categories.clone(),
                        priority_points: e.priority_points,
                        score: e.graded.then_some(e.score),
                        total: e.graded.then_some(e.total),
                        rank: e.rank,
                        standing: e.standing,
                        passed: e.passed,
                        reason: reason_text(e, &input.rules, lang).render(locale),
                        failures: e.failures.clone(),
                    }
                })
                .collect();
            PositionResults {
                position_id: p.id,
                code: p.code.clone(),
                title: p.title.clone(),
                quota: p.quota,
                rows,
                unresolved_tie: r.unresolved_tie.as_ref().map(|t| {
                    t.application_ids
                        .iter()
                        .map(|i| i32::try_from(*i).unwrap_or_default())
                        .collect()
                }),
                tie_places: r.unresolved_tie.as_ref().map(|t| t.places),
                warnings: r.warnings,
            }
        })
        .collect();
    let histogram_max = input
        .rules
        .rounds
        .iter()
        .filter(|r| r.role == crate::rules::model::RoundRole::Counting)
        .flat_map(|r| r.sections.iter().map(|s| s.max_points * s.weight))
        .sum::<f64>()
        .max(1.0);
    CampaignResults {
        campaign_id: c.id,
        title: c.title.clone(),
        columns: cols,
        positions,
        released_ms,
        pending: input.pending.clone(),
        histogram: item_analysis::histogram(&totals, 0.0, histogram_max, 20),
        histogram_max,
        exempt_label: Text::key("results.exempt").render(locale),
    }
}

/// The results of a campaign the user manages (404 otherwise).
pub async fn results_for(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<CampaignResults, AppError> {
    let c = crate::campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let input = ranking_input(&state.db, &c).await?;
    let released = store::release_of(&state.db, c.id)
        .await?
        .map(|r| r.released_ms);
    Ok(campaign_results(&c, &input, released, user.locale))
}

/// Records the head of agency's order for a tie, with a reason (audited).
pub async fn decide_tie(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    position_id: i32,
    application_ids: &[i32],
    reason: &str,
) -> Result<(), AppError> {
    let c = crate::campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            Text::key("results.reason_required"),
        ));
    }
    let input = ranking_input(&state.db, &c).await?;
    let p = input
        .positions
        .iter()
        .find(|p| p.id == position_id)
        .ok_or(AppError::NotFound)?;
    let tie = rank_position(&input, p)
        .unresolved_tie
        .ok_or_else(|| AppError::invalid("application_ids", Text::key("results.no_tie")))?;
    let mut given: Vec<i64> = application_ids.iter().map(|i| i64::from(*i)).collect();
    let mut expected = tie.application_ids.clone();
    given.sort_unstable();
    expected.sort_unstable();
    if given != expected {
        return Err(AppError::invalid(
            "application_ids",
            Text::key("results.tie_mismatch").with(
                "ids",
                expected
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::insert_tie_decision(&txn, c.id, p.id, application_ids, reason, user.id, now).await?;
    audit::record(
        &txn,
        now,
        &actor_of(user),
        Entry::new(
            "tie_decided",
            format!("campaign {} position {}", c.id, p.id),
        )
        .detail(serde_json::json!({"order": application_ids, "reason": reason}).to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Releases a campaign's results to its candidates (audited, once), only
/// when every submitted attempt is graded and every essay marked: the refusal
/// lists each paper and what is left on it.
pub async fn release(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<(), AppError> {
    let c = crate::campaigns::service::managed_campaign(state, user, campaign_id).await?;
    if store::release_of(&state.db, c.id).await?.is_some() {
        return Err(AppError::Conflict(crate::web::error::FieldError {
            field: None,
            text: Text::key("results.already_released"),
        }));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    // Counted in the release's own transaction (on SQLite under its write
    // lock), not from a page loaded earlier. On PostgreSQL an attempt
    // submitted in the same instant can still slip past; its paper then shows
    // as pending on the results page.
    let papers: Vec<paper::Model> = crate::exams::store::papers_of_campaign(&txn, c.id)
        .await?
        .into_iter()
        .filter(|p| p.status == "published")
        .collect();
    let ids: Vec<i32> = papers.iter().map(|p| p.id).collect();
    let pending = pending_papers(
        &rules_of(&c)?,
        &papers,
        &store::progress_of_papers(&txn, &ids).await?,
    );
    if !pending.is_empty() {
        return Err(AppError::Invalid(release_refusal(&pending)));
    }
    store::insert_release(&txn, c.id, user.id, now).await?;
    audit::record(
        &txn,
        now,
        &actor_of(user),
        Entry::new("results_released", format!("campaign {}", c.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One of a candidate's own results: released ones, and before release the
/// papers shown at once (`ReleasePolicy::Immediately`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnResult {
    pub campaign_id: i32,
    pub campaign_title: String,
    pub position_title: String,
    pub sections: Vec<OwnSection>,
    pub passed: bool,
    pub reason: String,
    /// None before release (provisional) and when there is no grade to total.
    pub total: Option<f64>,
    /// Only when the paper's release policy shows ranks.
    pub rank: Option<u32>,
    pub selected: bool,
    /// Scores of papers shown at once, before the campaign's results are
    /// released: no total, rank or selection yet.
    pub provisional: bool,
    pub appeals: Vec<crate::grading::marking::appeals::OwnAppeal>,
    /// Sections the candidate may still appeal, and until when.
    pub appealable: Vec<crate::grading::marking::appeals::AppealOption>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnSection {
    pub title: String,
    pub score: Option<f64>,
    /// Exempted on the application: shown as exempt (miễn), never as 0.
    pub exempt: bool,
    pub max_points: f64,
    /// Whether the score reaches the section's pass mark, where it has one.
    pub passed: Option<bool>,
}

fn section_passed(rules: &RuleSet, round: &str, section: &str, score: Option<f64>) -> Option<bool> {
    let s = rules.section(round, section)?;
    let mark = s.pass_mark?;
    // Compared as the ranking compares: at 1/10,000 of a point.
    Some(ranking_key(score?) >= ranking_key(mark.required_points(s.max_points)))
}

/// The candidate's own results: from released campaigns, and from papers
/// shown at once.
pub async fn own_results(state: &AppState, user: &CurrentUser) -> Result<Vec<OwnResult>, AppError> {
    user.require(&[Role::Candidate])?;
    let lang = user.locale.code();
    let mut out = Vec::new();
    for a in crate::campaigns::store::applications_of_candidate(&state.db, user.id).await? {
        let Some(c) = crate::campaigns::store::find_campaign(&state.db, a.campaign_id).await?
        else {
            continue;
        };
        if store::release_of(&state.db, a.campaign_id).await?.is_none() {
            if let Some(r) = provisional_result(state, user, &c, &a).await? {
                out.push(r);
            }
            continue;
        }
        let input = ranking_input(&state.db, &c).await?;
        let Some(p) = input.positions.iter().find(|p| p.id == a.position_id) else {
            continue;
        };
        let r = rank_position(&input, p);
        let Some(e) = r
            .entries
            .iter()
            .find(|e| e.application_id == i64::from(a.id))
        else {
            continue;
        };
        // The paper of the last round the rule set has decides.
        let show_rank = input
            .papers
            .iter()
            .filter(|p| usize::try_from(p.round).is_ok_and(|r| r <= input.rules.rounds.len()))
            .max_by_key(|p| p.round)
            .and_then(|p| crate::exams::service::spec_of(p).ok())
            .is_some_and(|s| s.release == ReleasePolicy::ScoresAndRank);
        let cols = columns(&input.rules, lang);
        let (appeals, appealable) =
            crate::grading::marking::appeals::for_application(state, &c, &a, &input.rules, lang)
                .await?;
        out.push(OwnResult {
            campaign_id: c.id,
            campaign_title: c.title.clone(),
            position_title: p.title.clone(),
            sections: cols
                .iter()
                .map(|col| {
                    let s = e
                        .sections
                        .iter()
                        .find(|s| s.round == col.round && s.section == col.section);
                    let score = s.and_then(|s| s.score);
                    OwnSection {
                        title: col.title.clone(),
                        score,
                        exempt: s.is_some_and(|s| s.exempt),
                        max_points: col.max_points,
                        passed: section_passed(&input.rules, &col.round, &col.section, score),
                    }
                })
                .collect(),
            passed: e.passed,
            reason: reason_text(e, &input.rules, lang).render(user.locale),
            total: e.graded.then_some(e.total),
            rank: if show_rank { e.rank } else { None },
            selected: e.standing == Standing::Selected,
            provisional: false,
            appeals,
            appealable,
        });
    }
    Ok(out)
}

/// Before release: the candidate's scores on papers shown at once, graded
/// now if the paper was not graded since they submitted (nothing is stored:
/// a page view writes nothing).
async fn provisional_result(
    state: &AppState,
    user: &CurrentUser,
    c: &campaign::Model,
    a: &crate::campaigns::entity::application::Model,
) -> Result<Option<OwnResult>, AppError> {
    let lang = user.locale.code();
    let rules = rules_of(c)?;
    let mut scores: HashMap<(String, String), f64> = HashMap::new();
    let own_grades = store::grades_of_candidate(&state.db, a.candidate_id).await?;
    for p in crate::exams::store::papers_of_campaign(&state.db, c.id).await? {
        if p.status != "published"
            || crate::exams::service::spec_of(&p)?.release != ReleasePolicy::Immediately
        {
            continue;
        }
        let sections = match own_grades
            .iter()
            .find(|g| g.paper_id == p.id && g.application_id == a.id)
        {
            Some(g) => (g.status == "graded").then(|| g.sections.clone()),
            None => match store::submitted_attempt_of(&state.db, p.id, a.id).await? {
                Some(attempt) => compute_grades_of(&state.db, &p, None, Some(attempt.id))
                    .await?
                    .rows
                    .into_iter()
                    .find(|r| r.status == "graded")
                    .map(|r| r.sections),
                None => None,
            },
        };
        let Some(sections) = sections else {
            continue;
        };
        let sections: Vec<GradedSection> = serde_json::from_str(&sections).map_err(internal)?;
        for s in sections.into_iter().filter(|s| s.scaled_max > 0.0) {
            if let Some(score) = graded_score(&rules, &s) {
                scores.insert((s.round, s.section), score);
            }
        }
    }
    if scores.is_empty() {
        return Ok(None);
    }
    let position_title = crate::campaigns::store::positions(&state.db, c.id)
        .await?
        .into_iter()
        .find(|p| p.id == a.position_id)
        .map(|p| p.title)
        .unwrap_or_default();
    let exempt = a.exempt_sections()?;
    let sections: Vec<OwnSection> = columns(&rules, lang)
        .iter()
        .map(|col| {
            let score = scores
                .get(&(col.round.clone(), col.section.clone()))
                .copied();
            OwnSection {
                title: col.title.clone(),
                score,
                exempt: exempt
                    .iter()
                    .any(|e| e.round == col.round && e.section == col.section),
                max_points: col.max_points,
                passed: score.and_then(|_| section_passed(&rules, &col.round, &col.section, score)),
            }
        })
        .collect();
    let (appeals, appealable) =
        crate::grading::marking::appeals::for_application(state, c, a, &rules, lang).await?;
    Ok(Some(OwnResult {
        campaign_id: c.id,
        campaign_title: c.title.clone(),
        position_title,
        passed: sections.iter().all(|s| s.passed != Some(false)),
        total: None,
        sections,
        reason: Text::key("results.provisional").render(user.locale),
        rank: None,
        selected: false,
        provisional: true,
        appeals,
        appealable,
    }))
}

/// Item statistics of one question version across the forms that used it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionStats {
    pub version_id: i64,
    pub question_id: i64,
    pub bank_id: i32,
    pub attempts: usize,
    pub facility: Option<f64>,
    pub sd: Option<f64>,
    pub discrimination: Option<f64>,
    pub discriminative_efficiency: Option<f64>,
    #[schema(value_type = Vec<String>)]
    pub flags: Vec<item_analysis::ItemFlag>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaperStatistics {
    pub paper_id: i32,
    pub title: String,
    #[schema(value_type = Object)]
    pub test: item_analysis::TestStats,
    pub items: Vec<VersionStats>,
    #[schema(value_type = Vec<Object>)]
    pub histogram: Vec<Bin>,
}

/// One version's statistics: (version id, attempts that drew it, statistics).
pub type VersionItem = (i64, usize, item_analysis::ItemStats);

/// Per attempt: (version, points possible, fraction) in form order.
pub type GradedItems = Vec<Vec<(i64, f64, f64)>>;

/// Item analysis across forms. Test statistics come from the attempts × form
/// positions matrix (the same for every form); each version is analysed
/// against the rest of the test on the attempts that drew it, which is the
/// item–rest correlation Moodle reports.
pub fn paper_statistics(
    attempts: &GradedItems,
) -> Result<(ItemAnalysis, Vec<VersionItem>), item_analysis::InputError> {
    let width = attempts.first().map_or(0, Vec::len);
    let same: Vec<&Vec<(i64, f64, f64)>> = attempts.iter().filter(|a| a.len() == width).collect();
    let max_points: Vec<f64> = same
        .first()
        .map(|a| a.iter().map(|i| i.1.max(f64::MIN_POSITIVE)).collect())
        .unwrap_or_default();
    let mut matrix = Vec::with_capacity(same.len() * width);
    for a in &same {
        matrix.extend(a.iter().map(|i| i.2));
    }
    let test = item_analysis::analyse(&max_points, &matrix)?;
    // Per version: [item, rest] pairs.
    let mut by_version: BTreeMap<i64, (f64, f64, Vec<f64>)> = BTreeMap::new();
    for a in attempts {
        let total_max: f64 = a.iter().map(|i| i.1).sum();
        let total: f64 = a.iter().map(|i| i.1 * i.2).sum();
        for &(v, max, f) in a {
            let rest_max = total_max - max;
            let e = by_version.entry(v).or_insert((max, rest_max, Vec::new()));
            let rest = if e.1 > 0.0 {
                (total - max * f) / e.1
            } else {
                0.0
            };
            e.2.push(f);
            e.2.push(rest);
        }
    }
    let mut items = Vec::with_capacity(by_version.len());
    for (v, (max, rest_max, cells)) in by_version {
        let n = cells.len() / 2;
        let a = item_analysis::analyse(
            &[max.max(f64::MIN_POSITIVE), rest_max.max(f64::MIN_POSITIVE)],
            &cells,
        )?;
        if let Some(s) = a.items.into_iter().next() {
            items.push((v, n, s));
        }
    }
    Ok((test, items))
}

pub async fn statistics_of(
    db: &DatabaseConnection,
    p: &paper::Model,
) -> Result<PaperStatistics, AppError> {
    let grades = store::grades_of_paper(db, p.id).await?;
    let mut attempts: GradedItems = Vec::with_capacity(grades.len());
    for g in &grades {
        let items: Vec<(i64, f64, Option<f64>)> =
            serde_json::from_str(&g.items).map_err(internal)?;
        // Essays not yet marked count as 0 here; the page says so.
        attempts.push(
            items
                .into_iter()
                .map(|(v, p, f)| (v, p, f.unwrap_or(0.0)))
                .collect(),
        );
    }
    let ids: Vec<i32> = attempts
        .iter()
        .flat_map(|a| a.iter().map(|i| i.0 as i32))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (pool, _) = crate::exams::store::frozen_pool(db, &ids).await?;
    let (analysis, items) =
        paper_statistics(&attempts).map_err(|e| AppError::BadRequest(Text::Raw(e.to_string())))?;
    let meta: HashMap<i64, (i64, i32)> = pool
        .iter()
        .map(|i| (i.version_id, (i.question_id, i.bank_id)))
        .collect();
    let max = analysis.test.max_score;
    Ok(PaperStatistics {
        paper_id: p.id,
        title: p.title.clone(),
        histogram: item_analysis::histogram(&analysis.scores, 0.0, max.max(1.0), 20),
        test: analysis.test,
        items: items
            .into_iter()
            .map(|(v, n, s)| {
                let (question_id, bank_id) = meta.get(&v).copied().unwrap_or_default();
                VersionStats {
                    version_id: v,
                    question_id,
                    bank_id,
                    attempts: n,
                    facility: s.facility,
                    sd: s.sd,
                    discrimination: s.discrimination,
                    discriminative_efficiency: s.discriminative_efficiency,
                    flags: s.flags,
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_single_choice_fast_path_reads_what_serde_writes() {
        for r in [
            Response::Choice { index: 3 },
            Response::Choices {
                indices: vec![0, 2],
            },
            Response::Text { text: "x".into() },
        ] {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(parse_response(&json), Some(r));
        }
        assert_eq!(parse_response(r#"{"kind":"choice","index":x}"#), None);
    }

    #[test]
    fn a_refused_release_names_each_paper_and_what_is_left_on_it() {
        let paper = |id: i32, ungraded, awaiting_marking| PendingPaper {
            paper_id: id,
            title: format!("Paper {id}"),
            round: 1,
            ungraded,
            awaiting_marking,
        };
        let lines: Vec<String> = release_refusal(&[paper(1, 2, 0), paper(2, 1, 3)])
            .iter()
            .map(|e| e.text.render(crate::web::i18n::Locale::En))
            .collect();
        assert_eq!(
            lines,
            [
                "Results cannot be released yet: work is still pending on these papers.",
                "Paper 1 (#1): 2 submitted attempt(s) not graded — grade the paper.",
                "Paper 2 (#2): 1 submitted attempt(s) not graded — grade the paper.",
                "Paper 2 (#2): 3 script(s) with essays awaiting marking — the paper's board marks them in its marking queue.",
            ]
        );
    }
}

/// A board member's correction of one question version's key on a paper.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct KeyCorrectionInput {
    pub version_id: i64,
    /// The corrected key, of the same kind and with as many options as before.
    #[schema(value_type = Object)]
    pub answer: Answer,
    pub reason: String,
    /// false: a dry run that changes nothing.
    #[serde(default)]
    pub apply: bool,
}

/// One candidate whose score, rank or standing the correction changes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImpactRow {
    pub application_id: i32,
    pub full_name: String,
    pub username: String,
    pub position: String,
    pub total_before: f64,
    pub total_after: f64,
    pub rank_before: Option<u32>,
    pub rank_after: Option<u32>,
    #[schema(value_type = String)]
    pub standing_before: Standing,
    #[schema(value_type = String)]
    pub standing_after: Standing,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyCorrectionImpact {
    pub applied: bool,
    /// Attempts whose section scores change.
    pub changed_attempts: usize,
    pub rows: Vec<ImpactRow>,
}

/// Shows whose scores and ranks a key correction changes; with `apply`,
/// records it and regrades the paper (audited, with the reason).
pub async fn correct_key(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    input: &KeyCorrectionInput,
) -> Result<KeyCorrectionImpact, AppError> {
    let (p, access) = crate::exams::service::paper_for(state, user, paper_id).await?;
    if access != crate::exams::service::Access::Edit {
        return Err(AppError::Forbidden);
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            Text::key("results.reason_required"),
        ));
    }
    let spec = crate::exams::service::spec_of(&p)?;
    let version = i32::try_from(input.version_id).unwrap_or(-1);
    if !spec.pool.contains(&version) {
        return Err(AppError::invalid(
            "version_id",
            Text::key("grading.version_not_on_paper"),
        ));
    }
    let (_, content) = crate::exams::store::frozen_pool(&state.db, &[version]).await?;
    let q = content.get(&input.version_id).ok_or_else(|| {
        AppError::invalid("version_id", Text::key("grading.version_not_on_paper"))
    })?;
    let mut corrected = q.clone();
    corrected.answer = input.answer.clone();
    if corrected.kind() != q.kind()
        || crate::exams::store::option_count(&corrected) != crate::exams::store::option_count(q)
    {
        return Err(AppError::invalid(
            "answer",
            Text::key("grading.correction_shape"),
        ));
    }
    let computed = compute_grades(&state.db, &p, Some((input.version_id, &input.answer))).await?;
    let c = crate::campaigns::store::find_campaign(&state.db, p.campaign_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = ranking_input(&state.db, &c).await?;
    let mut after = before.clone();
    for (_, application, _, sections) in &computed.changed {
        let new: Vec<SectionScore> =
            section_scores(serde_json::from_str(sections).map_err(internal)?).collect();
        for list in after.candidates.values_mut() {
            if let Some(cand) = list
                .iter_mut()
                .find(|x| x.application_id == i64::from(*application))
            {
                cand.sections.retain(|s| {
                    !new.iter()
                        .any(|n| n.round == s.round && n.section == s.section)
                });
                cand.sections.extend(new.iter().cloned());
            }
        }
    }
    let mut rows = Vec::new();
    for pos in &before.positions {
        let (b, a) = (rank_position(&before, pos), rank_position(&after, pos));
        for eb in &b.entries {
            let Some(ea) = a
                .entries
                .iter()
                .find(|e| e.application_id == eb.application_id)
            else {
                continue;
            };
            if ranking_key(eb.total) != ranking_key(ea.total)
                || eb.rank != ea.rank
                || eb.standing != ea.standing
            {
                let id = i32::try_from(eb.application_id).unwrap_or_default();
                let (_, full_name, username) = before.people.get(&id).cloned().unwrap_or_default();
                rows.push(ImpactRow {
                    application_id: id,
                    full_name,
                    username,
                    position: pos.code.clone(),
                    total_before: eb.total,
                    total_after: ea.total,
                    rank_before: eb.rank,
                    rank_after: ea.rank,
                    standing_before: eb.standing,
                    standing_after: ea.standing,
                });
            }
        }
    }
    let changed_attempts = computed.run.changed;
    if input.apply {
        write_grades(
            &state.db,
            &p,
            computed,
            &actor_of(user),
            state.now_ms(),
            Some((input.version_id, &input.answer, reason)),
        )
        .await?;
    }
    Ok(KeyCorrectionImpact {
        applied: input.apply,
        changed_attempts,
        rows,
    })
}

fn ranking_key(x: f64) -> i64 {
    (x * 10_000.0).round() as i64
}
