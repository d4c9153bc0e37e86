//! The sitting's flows: dashboard, start, resume, save, flag, move, submit,
//! the sweeper's pass, and the invigilation board with extra time. Every write
//! a candidate makes goes through the group-commit writer; every refusal says
//! why in words a candidate can act on.

use crate::db::BeginWrite;
use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::domain::{self, ItemShape, Window};
use super::entity::attempt;
use super::store::{self, IN_PROGRESS, NewAttempt};
use super::writer::{Outcome, Write};
use crate::accounts::domain::Role;
use crate::audit::{self, Entry};
use crate::banks::model::{Answer, Kind, Question};
use crate::banks::scoring::Response;
use crate::campaigns;
use crate::exams::entity::paper;
use crate::exams::form::Form;
use crate::exams::paper::{Navigation, PaperSpec};
use crate::exams::store as papers;
use crate::exams::view::{SectionView, form_view};
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

/// A published paper as the sitting needs it; published papers never change
/// (an edit makes a new version), so this is cached per process.
pub struct PaperFacts {
    pub paper: paper::Model,
    pub spec: PaperSpec,
    pub content: HashMap<i64, Question>,
    /// Per question version, its shape in stored order (no key).
    shapes: HashMap<i64, ItemShape>,
    pool: Vec<crate::exams::blueprint::PoolItem>,
}

/// One attempt's form, decoded once per process. Kept small (no per-item
/// shapes: those come from the paper), since ten thousand candidates each
/// have one in memory on exam day.
pub struct FormFacts {
    pub attempt_id: i32,
    pub candidate_id: i32,
    pub paper_id: i32,
    pub form: Form,
    pub item_count: usize,
    paper: Arc<PaperFacts>,
}

impl FormFacts {
    /// The shape of the item at a 0-based form position, as this form shows it.
    pub fn shape(&self, index: usize) -> Option<ItemShape> {
        let item = self
            .form
            .sections
            .iter()
            .flat_map(|s| s.items.iter())
            .nth(index)?;
        let mut shape = self.paper.shapes.get(&item.version_id)?.clone();
        shape.option_order = item.option_order.clone();
        Some(shape)
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{e}"))
}

fn conflict(key: &'static str) -> AppError {
    AppError::Conflict(FieldError {
        field: None,
        text: Text::key(key),
    })
}

/// The shape of a question as drawn, without its key.
fn base_shape(q: &Question) -> ItemShape {
    let mut shape = ItemShape {
        kind: q.kind(),
        option_order: Vec::new(),
        option_count: papers::option_count(q),
        answer_pairs: Vec::new(),
        pair_answers: Vec::new(),
    };
    if let Answer::Matching { pairs } = &q.answer {
        // The same offered list as `banks::render::candidate_view`: distinct, sorted.
        let mut offered: Vec<&str> = Vec::new();
        for p in pairs {
            if !offered.contains(&p.answer.as_str()) {
                offered.push(&p.answer);
            }
        }
        offered.sort();
        shape.answer_pairs = offered
            .iter()
            .map(|a| pairs.iter().position(|p| p.answer == *a).unwrap_or(0))
            .collect();
        shape.pair_answers = pairs
            .iter()
            .map(|p| offered.iter().position(|a| *a == p.answer).unwrap_or(0))
            .collect();
    }
    shape
}

pub async fn paper_facts(state: &AppState, paper_id: i32) -> Result<Arc<PaperFacts>, AppError> {
    if let Some(f) = state.sitting.paper(paper_id) {
        return Ok(f);
    }
    let p = papers::find_paper(&state.db, paper_id)
        .await?
        .filter(|p| p.status == "published")
        .ok_or(AppError::NotFound)?;
    let (spec, pool, content) = crate::exams::service::pool_of(state, &p).await?;
    let shapes = content
        .iter()
        .map(|(version, q)| (*version, base_shape(q)))
        .collect();
    let facts = Arc::new(PaperFacts {
        paper: p,
        spec,
        content,
        shapes,
        pool,
    });
    state.sitting.keep_paper(paper_id, facts.clone());
    Ok(facts)
}

async fn form_facts(state: &AppState, a: &attempt::Model) -> Result<Arc<FormFacts>, AppError> {
    if let Some(f) = state.sitting.form(a.id) {
        return Ok(f);
    }
    let paper = paper_facts(state, a.paper_id).await?;
    let row = papers::find_form(&state.db, a.form_id)
        .await?
        .ok_or_else(|| internal(format!("attempt {} has no form {}", a.id, a.form_id)))?;
    keep_form_facts(state, paper, a.id, a.candidate_id, row.id, &row.data)
}

/// Decodes an attempt's form and caches it.
fn keep_form_facts(
    state: &AppState,
    paper: Arc<PaperFacts>,
    attempt_id: i32,
    candidate_id: i32,
    form_id: i32,
    data: &[u8],
) -> Result<Arc<FormFacts>, AppError> {
    let form = Form::decode(data).map_err(|e| internal(format!("form {form_id}: {e}")))?;
    let mut item_count = 0;
    for item in form.sections.iter().flat_map(|s| s.items.iter()) {
        if !paper.shapes.contains_key(&item.version_id) {
            return Err(internal(format!(
                "form {form_id} names unknown version {}",
                item.version_id
            )));
        }
        item_count += 1;
    }
    let facts = Arc::new(FormFacts {
        attempt_id,
        candidate_id,
        paper_id: paper.paper.id,
        form,
        item_count,
        paper,
    });
    state.sitting.keep_form(attempt_id, facts.clone());
    Ok(facts)
}

/// What the candidate's dashboard shows for one paper.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenPaper {
    pub paper_id: i32,
    pub title: String,
    pub campaign_title: String,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub time_limit_minutes: i32,
    pub extra_minutes: i32,
    /// `upcoming`, `open`, `in_progress`, `submitted`, `closed`, `exempt`
    /// (exempted from every section of it), or for a later round
    /// `not_admitted` (did not qualify in the round before) and
    /// `awaiting_round` (its results are not final yet).
    pub state: String,
    pub attempt_id: Option<i32>,
    /// Why a later round is not offered, in the candidate's language.
    pub reason: Option<String>,
}

/// Whether an application may sit a paper of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Open,
    /// The round before has not been closed: nobody is admitted yet.
    AwaitingRound,
    /// Closed, and this candidate did not qualify in it.
    NotAdmitted,
}

impl Gate {
    fn state(self) -> Option<&'static str> {
        match self {
            Gate::Open => None,
            Gate::AwaitingRound => Some("awaiting_round"),
            Gate::NotAdmitted => Some("not_admitted"),
        }
    }

    /// Why the candidate may not start, naming the rounds.
    fn refusal(self, round: i32) -> Option<Text> {
        let key = match self {
            Gate::Open => return None,
            Gate::AwaitingRound => "attempts.round_not_final",
            Gate::NotAdmitted => "attempts.not_qualified",
        };
        Some(Text::key(key).with("round", round - 1).with("next", round))
    }
}

/// Round 1 is open to every approved application; a later round only once the
/// round before was closed with this candidate recorded as qualified.
async fn round_gate(state: &AppState, application_id: i32, round: i32) -> Result<Gate, AppError> {
    if round <= 1 {
        return Ok(Gate::Open);
    }
    Ok(
        match campaigns::store::round_result_of(&state.db, application_id, round - 1).await? {
            Some(r) if r.qualified => Gate::Open,
            Some(_) => Gate::NotAdmitted,
            None => Gate::AwaitingRound,
        },
    )
}

/// Published papers of campaigns the candidate is approved for.
pub async fn dashboard(state: &AppState, user: &CurrentUser) -> Result<Vec<OpenPaper>, AppError> {
    user.require(&[Role::Candidate])?;
    let now = state.now_ms();
    let attempts = store::attempts_of_candidate(&state.db, user.id).await?;
    let mut out = Vec::new();
    for app in campaigns::store::applications_of_candidate(&state.db, user.id).await? {
        if app.status != "approved" {
            continue;
        }
        let Some(c) = campaigns::store::find_campaign(&state.db, app.campaign_id).await? else {
            continue;
        };
        for p in papers::papers_of_campaign(&state.db, c.id).await? {
            if p.status != "published" {
                continue;
            }
            let a = attempts
                .iter()
                .find(|a| a.paper_id == p.id && a.application_id == app.id);
            let gate = round_gate(state, app.id, p.round).await?;
            let exempt = a.is_none()
                && papers::form_of(&state.db, p.id, app.id)
                    .await?
                    .is_some_and(|f| f.item_count == 0);
            let st = match (a, domain::window(now, p.opens_ms, p.closes_ms)) {
                (None, _) if exempt => "exempt",
                (None, Window::NotYetOpen | Window::Open) if gate != Gate::Open => {
                    gate.state().unwrap_or("closed")
                }
                (Some(a), _) if a.status != IN_PROGRESS => "submitted",
                (Some(a), _) if domain::accepts(now, a.deadline_ms, a.grace_ms) => "in_progress",
                (Some(_), _) => "submitted",
                (None, Window::NotYetOpen) => "upcoming",
                (None, Window::Open) => "open",
                (None, Window::Closed) => "closed",
            };
            out.push(OpenPaper {
                paper_id: p.id,
                title: p.title.clone(),
                campaign_title: c.title.clone(),
                opens_ms: p.opens_ms,
                closes_ms: p.closes_ms,
                time_limit_minutes: p.time_limit_minutes,
                extra_minutes: app.extra_minutes,
                state: st.into(),
                attempt_id: a.map(|a| a.id),
                reason: a
                    .is_none()
                    .then(|| gate.refusal(p.round))
                    .flatten()
                    .map(|t| t.render(user.locale)),
            });
        }
    }
    Ok(out)
}

/// Starts the paper, or returns the attempt already started (a second click,
/// another tab, another computer). True when this call created it.
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<(attempt::Model, bool), AppError> {
    user.require(&[Role::Candidate])?;
    let facts = paper_facts(state, paper_id).await?;
    let p = &facts.paper;
    let standing = state
        .sitting
        .standings
        .read((p.id, p.campaign_id, user.id))
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    if standing.application_status != "approved" {
        return Err(AppError::invalid(
            "paper",
            Text::key("attempts.not_approved"),
        ));
    }
    if let Some(refusal) = round_gate(state, standing.application_id, p.round)
        .await?
        .refusal(p.round)
    {
        return Err(AppError::invalid("paper", refusal));
    }
    if let Some(id) = standing.attempt_id {
        let a = store::find_attempt(&state.db, id)
            .await?
            .ok_or_else(|| internal(format!("attempt {id} vanished")))?;
        if a.status != IN_PROGRESS {
            return Err(conflict("attempts.already_submitted"));
        }
        return Ok((a, false));
    }
    let now = state.now_ms();
    match domain::window(now, p.opens_ms, p.closes_ms) {
        Window::NotYetOpen => {
            return Err(AppError::invalid(
                "paper",
                Text::key("attempts.not_open_yet").with(
                    "opens",
                    crate::clock::format_local(p.opens_ms, state.config.utc_offset_minutes),
                ),
            ));
        }
        Window::Closed => return Err(AppError::invalid("paper", Text::key("attempts.closed"))),
        Window::Open => {}
    }
    // Forms are issued ahead of exam day; one drawn now is the exception.
    let form = match standing.form {
        Some(f) => f,
        None => {
            let f = draw_form(state, &facts, standing.application_id, now).await?;
            store::IssuedForm {
                id: f.id,
                item_count: f.item_count,
                data: f.data,
            }
        }
    };
    // Exempt from every section of the paper: nothing to sit.
    if form.item_count == 0 {
        return Err(AppError::invalid("paper", Text::key("attempts.exempt")));
    }
    let new = NewAttempt {
        paper_id: p.id,
        application_id: standing.application_id,
        candidate_id: user.id,
        form_id: form.id,
        item_count: form.item_count,
        sequential: facts.spec.navigation == Navigation::Sequential,
        started_ms: now,
        deadline_ms: domain::deadline(
            now,
            p.time_limit_minutes,
            standing.extra_minutes,
            0,
            p.closes_ms,
        ),
        grace_ms: i64::from(p.grace_seconds) * 1000,
    };
    let outcome = state
        .sitting
        .writer
        .apply(Write::Start(new.clone()))
        .await
        .map_err(internal)?;
    match outcome {
        // Everything the row holds is known: no need to read it back.
        Outcome::Started {
            attempt_id: Some(id),
        } => {
            // The first save then finds the form decoded and reads nothing.
            keep_form_facts(state, facts.clone(), id, user.id, form.id, &form.data)?;
            Ok((new.into_model(id), true))
        }
        _ => {
            let a = store::attempt_of(&state.db, p.id, standing.application_id)
                .await?
                .ok_or_else(|| internal("attempt vanished after insert"))?;
            Ok((a, false))
        }
    }
}

async fn draw_form(
    state: &AppState,
    facts: &PaperFacts,
    application_id: i32,
    now: i64,
) -> Result<crate::exams::entity::form::Model, AppError> {
    let resolved =
        crate::exams::blueprint::ResolvedBlueprint::new(&facts.spec.blueprint, &facts.pool)
            .map_err(|_| internal(format!("paper {} cannot draw a form", facts.paper.id)))?;
    let application = campaigns::store::find_application(&state.db, application_id)
        .await?
        .ok_or_else(|| internal(format!("application {application_id} vanished")))?;
    let c = campaigns::store::find_campaign(&state.db, facts.paper.campaign_id)
        .await?
        .ok_or_else(|| internal(format!("campaign {} vanished", facts.paper.campaign_id)))?;
    let exempt = crate::exams::service::exempt_in_paper(
        &campaigns::rules::of(&c)?,
        &facts.paper,
        &facts.spec,
        &application,
    )?;
    let seed = u64::from_le_bytes(crate::random_bytes::<8>());
    let f = resolved
        .draw(seed)
        .map_err(|_| internal("a feasible paper failed to draw"))?
        .without_sections(&exempt);
    match papers::insert_form(
        &state.db,
        facts.paper.id,
        Some(application_id),
        seed,
        &f,
        now,
    )
    .await
    {
        Ok(row) => Ok(row),
        // Another request drew one at the same moment: use that one.
        Err(_) => crate::exams::store::form_of(&state.db, facts.paper.id, application_id)
            .await?
            .ok_or_else(|| internal("form insert failed")),
    }
}

/// The candidate's own attempt; 404 for anyone else, so attempt ids of other
/// candidates are not even confirmed to exist.
pub async fn own_attempt(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<attempt::Model, AppError> {
    store::find_attempt(&state.db, id)
        .await?
        .filter(|a| a.candidate_id == user.id)
        .ok_or(AppError::NotFound)
}

/// The cached form of the candidate's own attempt, without reading the attempt
/// row: the hot path of a save.
async fn own_form(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<Arc<FormFacts>, AppError> {
    if let Some(f) = state.sitting.form(id) {
        return if f.candidate_id == user.id {
            Ok(f)
        } else {
            Err(AppError::NotFound)
        };
    }
    let a = own_attempt(state, user, id).await?;
    form_facts(state, &a).await
}

/// Says why a write was refused, reading the attempt as it is now.
async fn refusal(state: &AppState, id: i32, item: Option<i32>) -> AppError {
    let now = state.now_ms();
    match store::find_attempt(&state.db, id).await {
        Ok(Some(a)) if a.status != IN_PROGRESS => conflict("attempts.already_submitted"),
        Ok(Some(a)) if !domain::accepts(now, a.deadline_ms, a.grace_ms) => {
            conflict("attempts.time_up")
        }
        Ok(Some(a))
            if item.is_some_and(|i| {
                !domain::may_answer(a.sequential, a.position, i, a.item_count)
            }) =>
        {
            AppError::invalid("item", Text::key("attempts.sequential"))
        }
        Ok(_) => conflict("attempts.refused"),
        Err(e) => e.into(),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SaveAck {
    /// `saved`, or `stale` when a save with this sequence number or a higher
    /// one is already stored (a replay or an older save: nothing changed).
    pub status: String,
    /// 1-based item number.
    pub item: i32,
    pub seq: i64,
    pub deadline_ms: i64,
    /// Seconds left by the server's clock: the page re-syncs its countdown.
    pub remaining_seconds: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SaveInput {
    /// Per item, increasing: a save with a number not above the stored one changes nothing.
    pub seq: i64,
    /// In the order the page shows options; null clears the answer.
    #[schema(value_type = Option<Object>)]
    pub response: Option<Response>,
}

/// Saves one answer (`item` is 1-based). Acknowledged only once committed.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    item: i32,
    input: &SaveInput,
) -> Result<SaveAck, AppError> {
    let f = own_form(state, user, id).await?;
    let index = item - 1;
    let shape = usize::try_from(index)
        .ok()
        .and_then(|i| f.shape(i))
        .ok_or_else(|| AppError::invalid("item", Text::key("attempts.no_such_item")))?;
    if input.seq < 1 {
        return Err(AppError::invalid("seq", Text::key("attempts.bad_seq")));
    }
    let response = match &input.response {
        None => None,
        Some(r) => {
            let original = domain::to_original(&shape, r)
                .map_err(|k| AppError::invalid("response", Text::key(k)))?;
            Some(serde_json::to_string(&original).map_err(internal)?)
        }
    };
    let now = state.now_ms();
    let outcome = state
        .sitting
        .writer
        .apply(Write::Save {
            attempt_id: f.attempt_id,
            item: index,
            seq: input.seq,
            response,
            now_ms: now,
        })
        .await
        .map_err(internal)?;
    match outcome {
        Outcome::Saved { deadline_ms } => Ok(SaveAck {
            status: "saved".into(),
            item,
            seq: input.seq,
            deadline_ms,
            remaining_seconds: domain::remaining_seconds(now, deadline_ms),
        }),
        Outcome::Stale {
            deadline_ms,
            stored_seq,
        } => Ok(SaveAck {
            status: "stale".into(),
            item,
            seq: stored_seq,
            deadline_ms,
            remaining_seconds: domain::remaining_seconds(now, deadline_ms),
        }),
        _ => Err(refusal(state, id, Some(index)).await),
    }
}

/// Flags or unflags an item for review (1-based).
pub async fn flag(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    item: i32,
    flagged: bool,
) -> Result<(), AppError> {
    let f = own_form(state, user, id).await?;
    if item < 1 || usize::try_from(item).unwrap_or(usize::MAX) > f.item_count {
        return Err(AppError::invalid(
            "item",
            Text::key("attempts.no_such_item"),
        ));
    }
    let outcome = state
        .sitting
        .writer
        .apply(Write::Flag {
            attempt_id: f.attempt_id,
            item: item - 1,
            flagged,
            now_ms: state.now_ms(),
        })
        .await
        .map_err(internal)?;
    match outcome {
        Outcome::Saved { .. } => Ok(()),
        _ => Err(refusal(state, id, None).await),
    }
}

/// Moves to an item (1-based). Sequential papers move forward one at a time
/// and never back; the server holds the position.
pub async fn move_to(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    item: i32,
) -> Result<(), AppError> {
    let a = own_attempt(state, user, id).await?;
    if domain::may_move(a.sequential, a.position, item - 1, a.item_count).is_none() {
        if a.status != IN_PROGRESS {
            return Err(conflict("attempts.already_submitted"));
        }
        return Err(AppError::invalid("item", Text::key("attempts.sequential")));
    }
    if item - 1 == a.position {
        return Ok(());
    }
    let outcome = state
        .sitting
        .writer
        .apply(Write::Move {
            attempt_id: a.id,
            to: item - 1,
            now_ms: state.now_ms(),
        })
        .await
        .map_err(internal)?;
    match outcome {
        Outcome::Done(true) => Ok(()),
        _ => Err(refusal(state, id, None).await),
    }
}

/// Submits with what was saved. `reason` is `manual` or `deadline` (the page
/// at zero).
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    reason: &'static str,
) -> Result<attempt::Model, AppError> {
    // Ownership from the cached form, the row from the UPDATE itself: a
    // submit storm at the deadline reads nothing.
    let f = own_form(state, user, id).await?;
    let outcome = state
        .sitting
        .writer
        .apply(Write::Submit {
            attempt_id: f.attempt_id,
            reason,
            now_ms: state.now_ms(),
        })
        .await
        .map_err(internal)?;
    match outcome {
        Outcome::Submitted(Some(a)) => Ok(*a),
        _ => Err(refusal(state, id, None).await),
    }
}

/// Submits every attempt whose deadline + grace has passed; returns how many
/// this call submitted. Safe to run twice or in several processes at once.
pub async fn sweep(state: &AppState, now_ms: i64) -> Result<usize, AppError> {
    let n = store::sweep(&state.db, now_ms).await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    /// 1-based.
    pub item: i32,
    /// In the order the page shows options.
    #[schema(value_type = Option<Object>)]
    pub response: Option<Response>,
    pub seq: i64,
    pub flagged: bool,
}

/// Everything the exam page needs to continue: the form without keys, the
/// acknowledged answers, the same deadline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub id: i32,
    pub paper_id: i32,
    pub title: String,
    /// `in_progress` or `submitted`.
    pub status: String,
    pub navigation: Navigation,
    /// 1-based: where the candidate is (sequential papers: the only item open).
    pub position: i32,
    pub item_count: i32,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub remaining_seconds: i64,
    pub submitted_ms: Option<i64>,
    pub sections: Vec<SectionView>,
    pub answers: Vec<AnswerView>,
}

pub async fn view(state: &AppState, user: &CurrentUser, id: i32) -> Result<AttemptView, AppError> {
    let a = own_attempt(state, user, id).await?;
    view_of(state, a).await
}

pub async fn view_of(state: &AppState, a: attempt::Model) -> Result<AttemptView, AppError> {
    let facts = paper_facts(state, a.paper_id).await?;
    let f = form_facts(state, &a).await?;
    let answers = store::answers_of(&state.db, a.id)
        .await?
        .into_iter()
        .map(|row| {
            let shape = usize::try_from(row.item).ok().and_then(|i| f.shape(i));
            let response = row
                .response
                .as_deref()
                .and_then(|j| serde_json::from_str::<Response>(j).ok())
                .and_then(|r| shape.as_ref().and_then(|s| domain::to_display(s, &r)));
            AnswerView {
                item: row.item + 1,
                response,
                seq: row.seq,
                flagged: row.flagged,
            }
        })
        .collect();
    let now = state.now_ms();
    Ok(AttemptView {
        id: a.id,
        paper_id: a.paper_id,
        title: facts.paper.title.clone(),
        status: a.status.clone(),
        navigation: facts.spec.navigation,
        position: a.position + 1,
        item_count: a.item_count,
        started_ms: a.started_ms,
        deadline_ms: a.deadline_ms,
        remaining_seconds: if a.status == IN_PROGRESS {
            domain::remaining_seconds(now, a.deadline_ms)
        } else {
            0
        },
        submitted_ms: a.submitted_ms,
        sections: form_view(&facts.spec.blueprint, &f.form, &facts.content),
        answers,
    })
}

/// One line of the invigilation board.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    pub attempt_id: i32,
    pub candidate_id: i32,
    pub full_name: String,
    pub username: String,
    pub status: String,
    pub answered: i32,
    pub item_count: i32,
    pub started_ms: i64,
    pub deadline_ms: i64,
    pub remaining_seconds: i64,
    pub last_save_ms: Option<i64>,
    /// Seconds since the last save while in progress: a long gap may be a
    /// lost connection.
    pub gap_seconds: Option<i64>,
    pub extra_minutes_added: i64,
    pub submit_reason: Option<String>,
}

/// One page of the board, with the paper's totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub paper_id: i32,
    pub title: String,
    pub approved: u64,
    pub started: u64,
    pub submitted: u64,
    /// The filter this page shows, as asked (`q` trimmed, empty as none).
    pub show: domain::BoardShow,
    pub q: Option<String>,
    /// Attempts the filter finds, over all pages.
    pub matching: u64,
    pub page: u64,
    pub pages: u64,
    pub rows: Vec<BoardRow>,
}

/// What the invigilator asked to see: `?show=quiet&q=nguyen&page=2`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardFilter {
    #[serde(default)]
    pub show: domain::BoardShow,
    /// Part of a candidate's name, username or email.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    pub page: Option<u64>,
}

/// Rows per page of the board: a room's worth, small enough to reload every
/// few seconds on a paper of ten thousand.
pub const BOARD_PAGE_SIZE: u64 = 100;

/// Personnel of the owning unit (and administrators) on invigilation duty.
async fn invigilated_paper(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<paper::Model, AppError> {
    user.require(&[Role::Personnel, Role::Admin])?;
    let (p, _) = crate::exams::service::paper_for(state, user, paper_id).await?;
    Ok(p)
}

/// One page of a paper's invigilation board. Everything is counted by the
/// database and only the page's rows are read: invigilators reload the board
/// every few seconds while ten thousand candidates save.
pub async fn board(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
    filter: &BoardFilter,
) -> Result<Board, AppError> {
    let p = invigilated_paper(state, user, paper_id).await?;
    let now = state.now_ms();
    let approved = campaigns::store::count_applications(
        &state.db,
        p.campaign_id,
        campaigns::domain::ApplicationStatus::Approved,
    )
    .await?;
    let (open, submitted) = store::attempt_counts(&state.db, p.id).await?;
    let search = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let page = filter.page.unwrap_or(1).max(1);
    let (attempts, matching) = store::board_attempts(
        &state.db,
        p.id,
        &store::BoardQuery {
            show: filter.show,
            search: search.map(str::to_owned),
            page,
            page_size: BOARD_PAGE_SIZE,
            now_ms: now,
        },
    )
    .await?;
    let ids: Vec<i32> = attempts.iter().map(|a| a.id).collect();
    let answered = store::answered_counts(&state.db, &ids).await?;
    let people: HashMap<i32, crate::accounts::entity::user::Model> =
        crate::accounts::store::find_users(
            &state.db,
            &attempts.iter().map(|a| a.candidate_id).collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let rows = attempts
        .iter()
        .map(|a| {
            let open = a.status == IN_PROGRESS;
            let person = people.get(&a.candidate_id);
            BoardRow {
                attempt_id: a.id,
                candidate_id: a.candidate_id,
                full_name: person.map(|u| u.full_name.clone()).unwrap_or_default(),
                username: person.map(|u| u.username.clone()).unwrap_or_default(),
                status: a.status.clone(),
                answered: answered.get(&a.id).copied().unwrap_or(0),
                item_count: a.item_count,
                started_ms: a.started_ms,
                deadline_ms: a.deadline_ms,
                remaining_seconds: if open {
                    domain::remaining_seconds(now, a.deadline_ms)
                } else {
                    0
                },
                last_save_ms: a.last_save_ms,
                gap_seconds: open.then(|| (now - a.last_save_ms.unwrap_or(a.started_ms)) / 1000),
                extra_minutes_added: a.extra_ms / 60_000,
                submit_reason: a.submit_reason.clone(),
            }
        })
        .collect();
    Ok(Board {
        paper_id: p.id,
        title: p.title,
        approved,
        started: open + submitted,
        submitted,
        show: filter.show,
        q: search.map(str::to_owned),
        matching,
        page,
        pages: matching.div_ceil(BOARD_PAGE_SIZE).max(1),
        rows,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ExtraTime {
    pub minutes: i32,
    pub reason: String,
}

/// Adds time for one candidate (a broken computer, a power cut), audited with
/// the reason. The paper's close still caps the deadline.
pub async fn add_time(
    state: &AppState,
    user: &CurrentUser,
    attempt_id: i32,
    input: &ExtraTime,
) -> Result<attempt::Model, AppError> {
    let a = store::find_attempt(&state.db, attempt_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = invigilated_paper(state, user, a.paper_id).await?;
    if !(1..=120).contains(&input.minutes) {
        return Err(AppError::invalid(
            "minutes",
            Text::key("attempts.extra_range"),
        ));
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            Text::key("attempts.reason_required"),
        ));
    }
    let app = campaigns::store::find_application(&state.db, a.application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let extra_ms = a.extra_ms + i64::from(input.minutes) * 60_000;
    let deadline = domain::deadline(
        a.started_ms,
        p.time_limit_minutes,
        app.extra_minutes,
        extra_ms,
        p.closes_ms,
    );
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    if !store::add_extra(&txn, a.id, extra_ms, deadline).await? {
        return Err(conflict("attempts.already_submitted"));
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("attempt_extra_time", format!("attempt {}", a.id)).detail(format!(
            "+{} min (deadline {}): {reason}",
            input.minutes,
            crate::clock::format_ms(deadline)
        )),
    )
    .await?;
    txn.commit().await?;
    store::find_attempt(&state.db, a.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Attempt id, item (1-based) and stored sequence of every answer of a paper:
/// how the load generator checks that every acknowledged save is stored.
pub async fn stored_seqs(
    state: &AppState,
    user: &CurrentUser,
    paper_id: i32,
) -> Result<Vec<[i64; 3]>, AppError> {
    invigilated_paper(state, user, paper_id).await?;
    Ok(store::answers_of_paper(&state.db, paper_id)
        .await?
        .into_iter()
        .map(|a| [i64::from(a.attempt_id), i64::from(a.item + 1), a.seq])
        .collect())
}

/// Items with no stored response, and flagged items (1-based): what the
/// confirmation page lists before submitting.
pub fn unanswered_and_flagged(v: &AttemptView) -> (Vec<i32>, Vec<i32>) {
    let answered: std::collections::HashSet<i32> = v
        .answers
        .iter()
        .filter(|a| a.response.is_some())
        .map(|a| a.item)
        .collect();
    let unanswered = (1..=v.item_count)
        .filter(|i| !answered.contains(i))
        .collect();
    let flagged = v
        .answers
        .iter()
        .filter(|a| a.flagged)
        .map(|a| a.item)
        .collect();
    (unanswered, flagged)
}

/// The kind of an item, for pages that render the answer controls.
pub fn kind_of(v: &AttemptView, item: i32) -> Option<Kind> {
    v.sections
        .iter()
        .flat_map(|s| s.items.iter())
        .find(|i| i32::try_from(i.number).ok() == Some(item))
        .and_then(|i| Kind::parse(&i.question.kind))
}
