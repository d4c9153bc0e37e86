//! Appeals (phúc khảo): a candidate asks, within the rule set's window and
//! once per section, for a remarkable section to be marked again; a board
//! member who has not marked those answers re-marks them (see `service`);
//! personnel follow the list per campaign.

use crate::db::BeginWrite;
use serde::{Deserialize, Serialize};

use super::domain::{self, AppealFacts};
use super::entity::appeal;
use super::store::{self, NewAppeal};
use crate::accounts::domain::Role;
use crate::audit::{self, Entry};
use crate::campaigns::entity::{application, campaign};
use crate::exams::entity::paper;
use crate::exams::paper::ReleasePolicy;
use crate::grading::entity::grade;
use crate::grading::grade::GradedSection;
use crate::grading::service::rules_of;
use crate::grading::store as grades;
use crate::rules::model::RuleSet;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AppealInput {
    pub campaign_id: i32,
    /// The rule set's round and section ids, e.g. `round_2` / `written`.
    pub round: String,
    pub section: String,
    /// Why the candidate asks; goes to the board and the audit log.
    pub reason: String,
}

/// The candidate's graded attempt that holds a rule-set section, with its paper.
struct Sitting {
    paper: paper::Model,
    grade: grade::Model,
    sections: Vec<GradedSection>,
}

async fn sitting(
    state: &AppState,
    c: &campaign::Model,
    a: &application::Model,
    round: &str,
    section: &str,
) -> Result<Option<Sitting>, AppError> {
    let papers = crate::exams::store::papers_of_campaign(&state.db, c.id).await?;
    for g in grades::grades_of_candidate(&state.db, a.candidate_id).await? {
        if g.application_id != a.id {
            continue;
        }
        let Some(p) = papers.iter().find(|p| p.id == g.paper_id) else {
            continue;
        };
        let sections: Vec<GradedSection> = serde_json::from_str(&g.sections).map_err(internal)?;
        if sections
            .iter()
            .any(|s| s.round == round && s.section == section)
        {
            return Ok(Some(Sitting {
                paper: p.clone(),
                grade: g,
                sections,
            }));
        }
    }
    Ok(None)
}

/// When the results holding this sitting reached the candidate: the
/// campaign's release, or the grading itself for a paper shown at once.
async fn published_ms(
    state: &AppState,
    c: &campaign::Model,
    s: &Sitting,
) -> Result<Option<i64>, AppError> {
    if let Some(r) = grades::release_of(&state.db, c.id).await? {
        return Ok(Some(r.released_ms));
    }
    let immediate = crate::exams::service::spec_of(&s.paper)?.release == ReleasePolicy::Immediately;
    Ok((immediate && s.grade.status == "graded").then_some(s.grade.graded_ms))
}

fn section_title(rules: &RuleSet, round: &str, section: &str, lang: &str) -> String {
    rules
        .section(round, section)
        .map(|s| s.title.get(lang).to_owned())
        .unwrap_or_else(|| section.to_owned())
}

/// The candidate's application to a campaign (404 when they have none).
async fn own_application(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<(campaign::Model, application::Model), AppError> {
    user.require(&[Role::Candidate])?;
    let a = crate::campaigns::store::applications_of_candidate(&state.db, user.id)
        .await?
        .into_iter()
        .find(|a| a.campaign_id == campaign_id)
        .ok_or(AppError::NotFound)?;
    let c = crate::campaigns::store::find_campaign(&state.db, campaign_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((c, a))
}

/// Records a candidate's appeal of one section (audited), or says why not.
pub async fn request(
    state: &AppState,
    user: &CurrentUser,
    input: &AppealInput,
) -> Result<OwnAppeal, AppError> {
    let (c, a) = own_application(state, user, input.campaign_id).await?;
    let rules = rules_of(&c)?;
    let lang = user.locale.code();
    let title = section_title(&rules, &input.round, &input.section, lang);
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            Text::key("appeals.reason_required"),
        ));
    }
    let refuse = |r: domain::AppealRefusal| AppError::invalid("section", r.text(&title));
    // Refuse a section the rules do not re-mark before looking for a sitting:
    // the message then says why, whether or not the candidate sat it.
    if !rules.appeal.allows(&input.round, &input.section) {
        return Err(refuse(domain::AppealRefusal::NotRemarkable));
    }
    let s = sitting(state, &c, &a, &input.round, &input.section)
        .await?
        .ok_or_else(|| refuse(domain::AppealRefusal::NotPublished))?;
    let k = s
        .sections
        .iter()
        .position(|x| x.round == input.round && x.section == input.section)
        .ok_or(AppError::NotFound)?;
    let script = super::service::Script {
        attempt_id: s.grade.attempt_id,
        code: String::new(),
        items: serde_json::from_str(&s.grade.items).map_err(internal)?,
        sections: s.sections.clone(),
    };
    let marks = store::marks_of_attempt(&state.db, s.grade.attempt_id).await?;
    let marked_answers = script
        .section_items(k)
        .filter(|i| marks.contains_key(&(s.grade.attempt_id, *i)))
        .count();
    let already = store::appeals_of_candidate(&state.db, user.id)
        .await?
        .iter()
        .any(|x| x.application_id == a.id && x.round == input.round && x.section == input.section);
    let facts = AppealFacts {
        round: input.round.clone(),
        section: input.section.clone(),
        published_ms: published_ms(state, &c, &s).await?,
        already_appealed: already,
        marked_answers,
    };
    let now = state.now_ms();
    domain::check_appeal(&rules.appeal, &facts, now).map_err(refuse)?;
    // An answer still being marked has no result to appeal yet.
    if s.grade.status != "graded" {
        return Err(refuse(domain::AppealRefusal::NotPublished));
    }
    let txn = state.db.begin_write().await?;
    let inserted = store::insert_appeal(
        &txn,
        NewAppeal {
            campaign_id: c.id,
            application_id: a.id,
            candidate_id: user.id,
            paper_id: s.paper.id,
            attempt_id: s.grade.attempt_id,
            round: &input.round,
            section: &input.section,
            reason,
            score_before: crate::grading::service::graded_score(&rules, &s.sections[k])
                .unwrap_or(s.sections[k].scaled),
        },
        now,
    )
    .await;
    let saved = match inserted {
        Ok(x) => x,
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return Err(AppError::Conflict(FieldError {
                field: Some("section"),
                text: domain::AppealRefusal::AlreadyAppealed.text(&title),
            }));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new(
            "appeal_requested",
            format!("campaign {} application {}", c.id, a.id),
        )
        .detail(
            serde_json::json!({
                "appeal": saved.id,
                "section": format!("{}/{}", input.round, input.section),
                "score": saved.score_before,
                "reason": reason,
            })
            .to_string(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(own_appeal(&saved, &rules, lang))
}

/// An appeal as its candidate sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnAppeal {
    pub id: i32,
    pub campaign_id: i32,
    pub section: String,
    pub reason: String,
    /// `pending` or `decided`.
    pub status: String,
    pub score_before: f64,
    pub score_after: Option<f64>,
    pub requested_ms: i64,
    pub decided_ms: Option<i64>,
}

pub fn own_appeal(a: &appeal::Model, rules: &RuleSet, lang: &str) -> OwnAppeal {
    OwnAppeal {
        id: a.id,
        campaign_id: a.campaign_id,
        section: section_title(rules, &a.round, &a.section, lang),
        reason: a.reason.clone(),
        status: a.status.clone(),
        score_before: a.score_before,
        score_after: a.score_after,
        requested_ms: a.requested_ms,
        decided_ms: a.decided_ms,
    }
}

/// A section the candidate may still appeal, and until when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealOption {
    pub round: String,
    pub section: String,
    pub title: String,
    pub closes_ms: i64,
}

/// The candidate's appeals of one application, and the sections they may
/// still appeal now.
pub async fn for_application(
    state: &AppState,
    c: &campaign::Model,
    a: &application::Model,
    rules: &RuleSet,
    lang: &str,
) -> Result<(Vec<OwnAppeal>, Vec<AppealOption>), AppError> {
    let mine: Vec<appeal::Model> = store::appeals_of_candidate(&state.db, a.candidate_id)
        .await?
        .into_iter()
        .filter(|x| x.application_id == a.id)
        .collect();
    let now = state.now_ms();
    let mut options = Vec::new();
    for r in &rules.appeal.remarkable {
        let Some(s) = sitting(state, c, a, &r.round, &r.section).await? else {
            continue;
        };
        if s.grade.status != "graded" {
            continue;
        }
        let Some(published) = published_ms(state, c, &s).await? else {
            continue;
        };
        let k = s
            .sections
            .iter()
            .position(|x| x.round == r.round && x.section == r.section);
        let marks = store::marks_of_attempt(&state.db, s.grade.attempt_id).await?;
        let script = super::service::Script {
            attempt_id: s.grade.attempt_id,
            code: String::new(),
            items: serde_json::from_str(&s.grade.items).map_err(internal)?,
            sections: s.sections.clone(),
        };
        let marked_answers = k.map_or(0, |k| {
            script
                .section_items(k)
                .filter(|i| marks.contains_key(&(s.grade.attempt_id, *i)))
                .count()
        });
        let facts = AppealFacts {
            round: r.round.clone(),
            section: r.section.clone(),
            published_ms: Some(published),
            already_appealed: mine
                .iter()
                .any(|x| x.round == r.round && x.section == r.section),
            marked_answers,
        };
        if domain::check_appeal(&rules.appeal, &facts, now).is_ok() {
            options.push(AppealOption {
                round: r.round.clone(),
                section: r.section.clone(),
                title: section_title(rules, &r.round, &r.section, lang),
                closes_ms: domain::appeal_closes_ms(&rules.appeal, published),
            });
        }
    }
    Ok((
        mine.iter().map(|x| own_appeal(x, rules, lang)).collect(),
        options,
    ))
}

/// One appeal on the personnel's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealRow {
    pub id: i32,
    pub application_id: i32,
    pub full_name: String,
    pub username: String,
    pub section: String,
    pub reason: String,
    pub status: String,
    pub score_before: f64,
    pub score_after: Option<f64>,
    pub requested_ms: i64,
    pub decided_ms: Option<i64>,
    /// When re-marking is due: the rule set's days after the window closes.
    pub remark_due_ms: Option<i64>,
    /// Still being re-marked after `remark_due_ms`.
    pub overdue: bool,
}

/// A campaign's appeals, for personnel who manage it (404 otherwise).
pub async fn of_campaign(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<(campaign::Model, Vec<AppealRow>), AppError> {
    let c = crate::campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let rules = rules_of(&c)?;
    let lang = user.locale.code();
    let people: std::collections::HashMap<i32, (String, String)> =
        grades::approved_applications(&state.db, c.id)
            .await?
            .into_iter()
            .map(|(a, u)| {
                (
                    a.id,
                    u.map(|u| (u.full_name, u.username)).unwrap_or_default(),
                )
            })
            .collect();
    let due = grades::release_of(&state.db, c.id)
        .await?
        .map(|r| domain::remark_due_ms(&rules.appeal, r.released_ms));
    let now = state.now_ms();
    let rows = store::appeals_of_campaign(&state.db, c.id)
        .await?
        .into_iter()
        .map(|a| {
            let (full_name, username) = people.get(&a.application_id).cloned().unwrap_or_default();
            let overdue = domain::remark_overdue(a.status == "decided", due, now);
            AppealRow {
                id: a.id,
                application_id: a.application_id,
                full_name,
                username,
                section: section_title(&rules, &a.round, &a.section, lang),
                reason: a.reason,
                status: a.status,
                score_before: a.score_before,
                score_after: a.score_after,
                requested_ms: a.requested_ms,
                decided_ms: a.decided_ms,
                remark_due_ms: due,
                overdue,
            }
        })
        .collect();
    Ok((c, rows))
}
