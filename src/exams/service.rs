//! Paper flows: create, edit (a new version once published), check
//! feasibility, publish (freezing the pool), preview, issue forms, report on
//! fairness, reproduce a form. Each change writes its audit entry.

use crate::db::BeginWrite;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::blueprint::{Blueprint, BlueprintRow, PoolItem, SectionSpec, Shortfall};
use super::entity::paper;
use super::form::{self, Form};
use super::paper::{self as spec, PaperSpec, Timing};
use super::store::{self, NewPaper};
use crate::accounts::domain::Role;
use crate::audit::{self, Entry};
use crate::banks::model::Question;
use crate::campaigns;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

/// What a user may do with a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Board members assigned to the paper, and administrators: edit, publish.
    Edit,
    /// Personnel of the owning unit: see, assign board members, issue forms.
    Manage,
}

/// The paper and what this user may do with it; 404 for everyone else, so
/// other units' papers are not even confirmed to exist.
pub async fn paper_for(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<(paper::Model, Access), AppError> {
    let p = store::find_paper(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match user.role {
        Role::Admin => Ok((p, Access::Edit)),
        Role::Board if store::board_of(&state.db, p.id).await?.contains(&user.id) => {
            Ok((p, Access::Edit))
        }
        Role::Personnel => {
            campaigns::service::managed_campaign(state, user, p.campaign_id).await?;
            Ok((p, Access::Manage))
        }
        _ => Err(AppError::NotFound),
    }
}

pub fn spec_of(p: &paper::Model) -> Result<PaperSpec, AppError> {
    serde_json::from_str(&p.spec)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("paper {} spec: {e}", p.id)))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewPaperInput {
    pub title: String,
    /// The rule set's round this paper belongs to (1, 2, …).
    pub round: i32,
    /// Usernames of the board members who will build it.
    #[serde(default)]
    pub board: Vec<String>,
}

/// A blueprint to start from: one section per section of the rule set's round,
/// with its question count, from the first bank of the matching subject.
async fn starting_blueprint(
    state: &AppState,
    rule_set_json: &str,
    round: i32,
) -> Result<(Blueprint, i32), AppError> {
    let rules = campaigns::rules::parse(rule_set_json);
    let banks = crate::banks::store::banks(&state.db, None).await?;
    let mut minutes = 0;
    let sections = rules
        .as_ref()
        .and_then(|r| r.rounds.get(usize::try_from(round - 1).ok()?))
        .map(|r| {
            // A qualifying computer round is multiple choice (trắc nghiệm).
            let kind = (r.role == crate::rules::model::RoundRole::Qualifying)
                .then_some(crate::banks::model::Kind::SingleChoice);
            r.sections
                .iter()
                .filter(|s| s.questions > 0)
                .map(|s| {
                    minutes += i32::try_from(s.minutes).unwrap_or(0);
                    let bank = banks
                        .iter()
                        .find(|b| b.subject == subject_code(s.subject))
                        .map(|b| b.id)
                        .unwrap_or(0);
                    SectionSpec {
                        title: s.title.vi.clone(),
                        rows: vec![BlueprintRow {
                            bank_id: bank,
                            topics: Vec::new(),
                            difficulty_min: 1,
                            difficulty_max: 5,
                            kind,
                            count: s.questions,
                            points_each: 1.0,
                        }],
                        shuffle_questions: true,
                        shuffle_options: true,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((Blueprint { sections }, minutes.max(1)))
}

fn subject_code(s: crate::banks::model::Subject) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Personnel (or an administrator) add a paper to a campaign and assign the
/// board members who will build it.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    input: &NewPaperInput,
) -> Result<paper::Model, AppError> {
    let c = campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let title = input.title.trim();
    let mut errors = Vec::new();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new("title", Text::key("papers.bad_title")));
    }
    if !(1..=5).contains(&input.round) {
        errors.push(FieldError::new("round", Text::key("papers.bad_round")));
    }
    let mut board = Vec::new();
    for name in input
        .board
        .iter()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
    {
        match crate::accounts::store::find_by_username(&state.db, &name).await? {
            Some(u) if u.role == Role::Board.as_str() => board.push(u.id),
            _ => errors.push(FieldError::new(
                "board",
                Text::key("papers.not_a_board_member").with("name", &name),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let (blueprint, minutes) = starting_blueprint(state, &c.rule_set, input.round).await?;
    let spec_json = serde_json::to_string(&PaperSpec {
        blueprint,
        ..Default::default()
    })
    .map_err(anyhow::Error::from)?;
    let now = state.now_ms();
    // A sensible first window: a week after the applications close, 09:00 local.
    let day = 86_400_000;
    let offset = i64::from(state.config.utc_offset_minutes) * 60_000;
    let opens = ((c.applies_until_ms + offset) / day + 7) * day + 9 * 3_600_000 - offset;
    let txn = state.db.begin_write().await?;
    let p = store::insert_paper(
        &txn,
        NewPaper {
            campaign_id: c.id,
            round: input.round,
            title: title.to_owned(),
            spec_json,
            time_limit_minutes: minutes,
            opens_ms: opens,
            closes_ms: opens + i64::from(minutes) * 60_000 + 2 * 3_600_000,
            grace_seconds: 30,
            created_by: user.id,
            version: 1,
            supersedes_id: None,
        },
        now,
    )
    .await?;
    for id in board {
        store::add_board_member(&txn, p.id, id).await?;
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("paper_created", format!("paper {} campaign {}", p.id, c.id)).detail(title),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PaperEdit {
    pub title: String,
    pub spec: PaperSpec,
    pub time_limit_minutes: i32,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub grace_seconds: i32,
}

/// Saves a board member's changes. A draft is rewritten; a published paper is
/// frozen, so the change makes a new draft version (audited) and the
/// published one stays as it is for the attempts that use it.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    edit: &PaperEdit,
) -> Result<paper::Model, AppError> {
    let (p, access) = paper_for(state, user, id).await?;
    if access != Access::Edit {
        return Err(AppError::Forbidden);
    }
    let timing = Timing {
        time_limit_minutes: edit.time_limit_minutes,
        opens_ms: edit.opens_ms,
        closes_ms: edit.closes_ms,
        grace_seconds: edit.grace_seconds,
    };
    let mut errors: Vec<FieldError> = spec::check(&edit.spec, &timing)
        .into_iter()
        .map(|(f, t)| FieldError::new(f, t))
        .collect();
    if edit.title.trim().is_empty() {
        errors.push(FieldError::new("title", Text::key("papers.bad_title")));
    }
    errors.extend(unknown_topics(state, &edit.spec.blueprint).await?);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut spec = edit.spec.clone();
    spec.pool.clear();
    let spec_json = serde_json::to_string(&spec).map_err(anyhow::Error::from)?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let saved = if p.status == "draft" {
        let updated = paper::Model {
            title: edit.title.trim().to_owned(),
            spec: spec_json,
            time_limit_minutes: edit.time_limit_minutes,
            opens_ms: edit.opens_ms,
            closes_ms: edit.closes_ms,
            grace_seconds: edit.grace_seconds,
            ..p.clone()
        };
        store::update_draft(&txn, &updated).await?;
        audit::record(
            &txn,
            now,
            &user.actor(),
            Entry::new("paper_edited", format!("paper {}", p.id)),
        )
        .await?;
        updated
    } else {
        let next = store::insert_paper(
            &txn,
            NewPaper {
                campaign_id: p.campaign_id,
                round: p.round,
                title: edit.title.trim().to_owned(),
                spec_json,
                time_limit_minutes: edit.time_limit_minutes,
                opens_ms: edit.opens_ms,
                closes_ms: edit.closes_ms,
                grace_seconds: edit.grace_seconds,
                created_by: user.id,
                version: p.version + 1,
                supersedes_id: Some(p.id),
            },
            now,
        )
        .await?;
        for member in store::board_of(&txn, p.id).await? {
            store::add_board_member(&txn, next.id, member).await?;
        }
        audit::record(
            &txn,
            now,
            &user.actor(),
            Entry::new("paper_new_version", format!("paper {}", next.id)).detail(format!(
                "version {} of paper {}, which stays published until this one is",
                next.version, p.id
            )),
        )
        .await?;
        next
    };
    txn.commit().await?;
    Ok(saved)
}

/// One error per row topic that the row's bank does not hold, naming the row.
async fn unknown_topics(state: &AppState, bp: &Blueprint) -> Result<Vec<FieldError>, AppError> {
    let mut topics: HashMap<i32, Vec<String>> = HashMap::new();
    for row in bp.sections.iter().flat_map(|s| &s.rows) {
        if !row.topics.is_empty() && !topics.contains_key(&row.bank_id) {
            let tree = crate::banks::store::topics(&state.db, row.bank_id).await?;
            topics.insert(row.bank_id, tree);
        }
    }
    let unknown = super::blueprint::unknown_topics(bp, |bank| topics.get(&bank).map(Vec::as_slice));
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    let names = bank_names(state).await?;
    Ok(unknown
        .into_iter()
        .map(|u| {
            let section = bp.sections.get(u.section).map_or("", |s| s.title.as_str());
            let bank = names
                .get(&u.bank_id)
                .cloned()
                .unwrap_or_else(|| u.bank_id.to_string());
            FieldError::new(
                "blueprint",
                Text::key("papers.topic_not_in_bank")
                    .with("section", u.section + 1)
                    .with("title", section)
                    .with("row", u.row + 1)
                    .with("topic", &u.topic)
                    .with("bank", bank),
            )
        })
        .collect())
}

/// Whether every row can be filled now, and if not, which rows fall short.
pub async fn feasibility(state: &AppState, p: &paper::Model) -> Result<Vec<String>, AppError> {
    let s = spec_of(p)?;
    let pool = if s.pool.is_empty() {
        store::live_pool(&state.db, &s.blueprint).await?
    } else {
        store::frozen_pool(&state.db, &s.pool).await?.0
    };
    let names = bank_names(state).await?;
    Ok(
        match super::blueprint::check_feasibility(&s.blueprint, &pool) {
            Ok(()) => Vec::new(),
            Err(shortfalls) => messages(&s.blueprint, &shortfalls, &names),
        },
    )
}

async fn bank_names(state: &AppState) -> Result<HashMap<i32, String>, AppError> {
    Ok(crate::banks::store::banks(&state.db, None)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect())
}

fn messages(bp: &Blueprint, shortfalls: &[Shortfall], names: &HashMap<i32, String>) -> Vec<String> {
    shortfalls
        .iter()
        .map(|s| s.message(bp, |id| names.get(&id).cloned()))
        .collect()
}

/// Publishing checks the paper, freezes its pool and makes it the version
/// candidates sit; a version it supersedes stops being offered.
pub async fn publish(state: &AppState, user: &CurrentUser, id: i32) -> Result<(), AppError> {
    let (p, access) = paper_for(state, user, id).await?;
    if access != Access::Edit {
        return Err(AppError::Forbidden);
    }
    if p.status != "draft" {
        return Err(AppError::invalid(
            "status",
            Text::key("papers.already_published"),
        ));
    }
    let mut s = spec_of(&p)?;
    let timing = Timing {
        time_limit_minutes: p.time_limit_minutes,
        opens_ms: p.opens_ms,
        closes_ms: p.closes_ms,
        grace_seconds: p.grace_seconds,
    };
    let problems: Vec<FieldError> = spec::check(&s, &timing)
        .into_iter()
        .map(|(f, t)| FieldError::new(f, t))
        .collect();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let pool = store::live_pool(&state.db, &s.blueprint).await?;
    if let Err(shortfalls) = super::blueprint::check_feasibility(&s.blueprint, &pool) {
        let names = bank_names(state).await?;
        return Err(AppError::Invalid(
            messages(&s.blueprint, &shortfalls, &names)
                .into_iter()
                .map(|m| FieldError::new("blueprint", Text::Raw(m)))
                .collect(),
        ));
    }
    s.pool = pool
        .iter()
        .filter(|i| {
            s.blueprint
                .sections
                .iter()
                .flat_map(|x| &x.rows)
                .any(|r| super::blueprint::eligible(r, i))
        })
        .map(|i| i.version_id as i32)
        .collect();
    let spec_json = serde_json::to_string(&s).map_err(anyhow::Error::from)?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_status(&txn, p.id, "published", Some(now), Some(spec_json)).await?;
    if let Some(old) = p.supersedes_id {
        store::set_status(&txn, old, "superseded", None, None).await?;
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("paper_published", format!("paper {}", p.id)).detail(format!(
            "version {}, pool of {} question versions",
            p.version,
            s.pool.len()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The pool a paper draws from: frozen once published, live while a draft.
pub async fn pool_of(
    state: &AppState,
    p: &paper::Model,
) -> Result<(PaperSpec, Vec<PoolItem>, HashMap<i64, Question>), AppError> {
    let s = spec_of(p)?;
    let ids: Vec<i32> = if s.pool.is_empty() {
        store::live_pool(&state.db, &s.blueprint)
            .await?
            .iter()
            .map(|i| i.version_id as i32)
            .collect()
    } else {
        s.pool.clone()
    };
    let (pool, content) = store::frozen_pool(&state.db, &ids).await?;
    Ok((s, pool, content))
}

/// A sample form with a chosen seed, not stored.
pub async fn preview(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    seed: u64,
) -> Result<(paper::Model, Form, HashMap<i64, Question>), AppError> {
    let (p, _) = paper_for(state, user, id).await?;
    let (s, pool, content) = pool_of(state, &p).await?;
    let f = form::draw(&s.blueprint, &pool, seed).map_err(|shortfalls| {
        AppError::Invalid(
            shortfalls
                .iter()
                .map(|sh| FieldError::new("blueprint", Text::Raw(sh.to_string())))
                .collect(),
        )
    })?;
    Ok((p, f, content))
}

/// The sections of paper `p` that application `a` is exempt from, by index.
pub fn exempt_in_paper(
    rules: &crate::rules::model::RuleSet,
    p: &paper::Model,
    s: &PaperSpec,
    a: &campaigns::entity::application::Model,
) -> Result<Vec<usize>, AppError> {
    let exemptions = a.exempt_sections()?;
    if exemptions.is_empty() {
        return Ok(Vec::new());
    }
    let titles: Vec<String> = s
        .blueprint
        .sections
        .iter()
        .map(|x| x.title.clone())
        .collect();
    let round = usize::try_from(p.round - 1)
        .ok()
        .and_then(|r| rules.rounds.get(r));
    Ok(spec::exempt_sections(round, &titles, &exemptions))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Issued {
    pub issued: usize,
    pub already: usize,
    /// Approved applicants who did not qualify in the rounds before this
    /// paper's (or whose results there are not final yet): no form for them.
    pub not_admitted: usize,
}

/// Draws and stores a form for every approved applicant of the campaign who has
/// none for this paper yet, each with its own random seed. Drawing ahead of
/// exam day means the 09:00 start storm only has to create attempts.
pub async fn issue_forms(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<Issued, AppError> {
    let (p, _) = paper_for(state, user, id).await?;
    if p.status != "published" {
        return Err(AppError::invalid(
            "status",
            Text::key("papers.not_published"),
        ));
    }
    let (s, pool, _) = pool_of(state, &p).await?;
    let resolved = super::blueprint::ResolvedBlueprint::new(&s.blueprint, &pool).map_err(|sh| {
        AppError::Invalid(
            sh.iter()
                .map(|x| FieldError::new("blueprint", Text::Raw(x.to_string())))
                .collect(),
        )
    })?;
    let (apps, _) = campaigns::store::list_applications(
        &state.db,
        p.campaign_id,
        &campaigns::store::ApplicationFilter {
            status: Some("approved".into()),
            ..Default::default()
        },
        false,
    )
    .await?;
    let existing: std::collections::HashSet<i32> = store::forms_of_paper(&state.db, p.id)
        .await?
        .into_iter()
        .filter_map(|f| f.application_id)
        .collect();
    let rules = campaigns::store::find_campaign(&state.db, p.campaign_id)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(|c| campaigns::rules::of(&c))?;
    let admitted = campaigns::store::admitted_to_round(&state.db, p.campaign_id, p.round).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let mut issued = 0;
    let not_admitted = admitted.as_ref().map_or(0, |a| {
        apps.iter()
            .filter(|r| !a.contains(&r.application.id))
            .count()
    });
    let mut used = std::collections::BTreeSet::new();
    for row in apps.iter().filter(|r| {
        !existing.contains(&r.application.id)
            && admitted
                .as_ref()
                .is_none_or(|a| a.contains(&r.application.id))
    }) {
        let seed = u64::from_le_bytes(crate::random_bytes::<8>());
        let f = resolved
            .draw(seed)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("a feasible paper failed to draw")))?
            .without_sections(&exempt_in_paper(&rules, &p, &s, &row.application)?);
        used.extend(
            f.sections
                .iter()
                .flat_map(|s| s.items.iter().map(|i| i.version_id as i32)),
        );
        store::insert_form(&txn, p.id, Some(row.application.id), seed, &f, now).await?;
        issued += 1;
    }
    crate::banks::store::mark_used(&txn, &used.into_iter().collect::<Vec<_>>()).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("forms_issued", format!("paper {}", p.id)).detail(format!("{issued} forms")),
    )
    .await?;
    txn.commit().await?;
    Ok(Issued {
        issued,
        already: existing.len(),
        not_admitted,
    })
}

/// The fairness report over every form issued for the paper.
pub async fn fairness(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<(paper::Model, form::FairnessReport), AppError> {
    let (p, _) = paper_for(state, user, id).await?;
    let (s, pool, _) = pool_of(state, &p).await?;
    // An exempt candidate's form lacks the exempt sections by design: it is
    // counted apart, not reported as a form that misses its blueprint.
    let rules = campaigns::store::find_campaign(&state.db, p.campaign_id)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(|c| campaigns::rules::of(&c))?;
    let mut exempt = std::collections::HashSet::new();
    for a in campaigns::store::applications_of_campaign(&state.db, p.campaign_id).await? {
        if !exempt_in_paper(&rules, &p, &s, &a)?.is_empty() {
            exempt.insert(a.id);
        }
    }
    let mut exempt_forms = 0;
    let mut forms = Vec::new();
    for f in store::forms_of_paper(&state.db, p.id).await? {
        if f.application_id.is_some_and(|a| exempt.contains(&a)) {
            exempt_forms += 1;
            continue;
        }
        forms.push(
            Form::decode(&f.data)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("form {}: {e}", f.id)))?,
        );
    }
    let mut report = form::fairness(&s.blueprint, &pool, &forms);
    report.exempt_forms = exempt_forms;
    Ok((p, report))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reproduction {
    pub form_id: i32,
    pub seed: String,
    /// True when drawing again from the seed and the frozen pool gives back
    /// exactly the stored form.
    pub identical: bool,
    pub items: usize,
}

/// For an auditor: draw the form again from its seed and the paper's pinned
/// versions, and compare with what was stored.
pub async fn reproduce(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    form_id: i32,
) -> Result<Reproduction, AppError> {
    let (p, _) = paper_for(state, user, paper_id).await?;
    let stored = store::find_form(&state.db, form_id)
        .await?
        .filter(|f| f.paper_id == p.id)
        .ok_or(AppError::NotFound)?;
    let (s, pool, _) = pool_of(state, &p).await?;
    let exempt = match stored.application_id {
        Some(id) => {
            let a = campaigns::store::find_application(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let c = campaigns::store::find_campaign(&state.db, p.campaign_id)
                .await?
                .ok_or(AppError::NotFound)?;
            exempt_in_paper(&campaigns::rules::of(&c)?, &p, &s, &a)?
        }
        None => Vec::new(),
    };
    let seed = stored.seed as u64;
    let again = form::draw(&s.blueprint, &pool, seed)
        .ok()
        .map(|f| f.without_sections(&exempt));
    let identical = again.as_ref().is_some_and(|f| f.encode() == stored.data);
    Ok(Reproduction {
        form_id,
        seed: seed.to_string(),
        identical,
        items: usize::try_from(stored.item_count).unwrap_or(0),
    })
}
