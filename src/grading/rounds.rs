//! Closing a round: once every paper of it is closed and graded, personnel
//! record who qualified for the rounds after it (Decree 170/2025: only those who
//! pass round 1 sit round 2). A later round's paper is offered, issued and
//! started only for them (see `attempts::service::round_gate`).

use serde::Serialize;

use super::ranking;
use super::service::{RankingInput, ranking_input};
use crate::audit::{self, Entry};
use crate::campaigns;
use crate::db::BeginWrite;
use crate::rules::model::RuleSet;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

/// A round of a campaign as the results page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundState {
    /// 1-based, as papers number their round.
    pub round: i32,
    pub title: String,
    /// Whether a later round depends on it (the last round is ranked, not closed).
    pub gates_next: bool,
    pub closed_ms: Option<i64>,
    pub qualified: usize,
    pub not_qualified: usize,
}

/// What closing `round` would refuse on, one message per problem: a paper of
/// the round still open or not fully graded, or no paper at all.
fn pending(input: &RankingInput, round: i32, now_ms: i64) -> Vec<FieldError> {
    let papers: Vec<_> = input.papers.iter().filter(|p| p.round == round).collect();
    if papers.is_empty() {
        return vec![FieldError::new(
            "round",
            Text::key("rounds.no_paper").with("round", round),
        )];
    }
    let mut out = Vec::new();
    for p in papers {
        if now_ms < p.closes_ms {
            out.push(FieldError::new(
                "round",
                Text::key("rounds.paper_open").with("paper", &p.title),
            ));
        } else if input.pending.iter().any(|x| x.paper_id == p.id) {
            out.push(FieldError::new(
                "round",
                Text::key("rounds.paper_ungraded").with("paper", &p.title),
            ));
        }
    }
    out
}

/// Records who qualified in rounds 1..=`round` (audited). May be done again,
/// e.g. after a re-mark: the new record replaces the old one.
pub async fn close_round(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    round: i32,
) -> Result<RoundState, AppError> {
    let c = campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let input = ranking_input(&state.db, &c).await?;
    let rounds = i32::try_from(input.rules.rounds.len()).unwrap_or(i32::MAX);
    if !(1..rounds).contains(&round) {
        return Err(AppError::invalid(
            "round",
            Text::key("rounds.not_gating")
                .with("round", round)
                .with("last", rounds),
        ));
    }
    let now = state.now_ms();
    let problems = pending(&input, round, now);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let candidates: Vec<_> = input.candidates.values().flatten().cloned().collect();
    let through = usize::try_from(round).unwrap_or(0);
    let outcomes: Vec<(i32, bool, String)> =
        ranking::qualification(&input.rules, through, &candidates)
            .into_iter()
            .map(|(id, failures)| {
                let json = serde_json::to_string(&failures).unwrap_or_else(|_| "[]".into());
                (
                    i32::try_from(id).unwrap_or_default(),
                    failures.is_empty(),
                    json,
                )
            })
            .collect();
    let qualified = outcomes.iter().filter(|o| o.1).count();
    let txn = state.db.begin_write().await?;
    campaigns::store::record_round_results(&txn, c.id, round, &outcomes, now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("round_closed", format!("campaign {} round {round}", c.id))
            .detail(format!("{qualified} of {} qualified", outcomes.len())),
    )
    .await?;
    txn.commit().await?;
    Ok(RoundState {
        round,
        title: round_title(&input.rules, round, user.locale.code()),
        gates_next: true,
        closed_ms: Some(now),
        qualified,
        not_qualified: outcomes.len() - qualified,
    })
}

fn round_title(rules: &RuleSet, round: i32, lang: &str) -> String {
    usize::try_from(round - 1)
        .ok()
        .and_then(|i| rules.rounds.get(i))
        .map(|r| r.title.get(lang).to_owned())
        .unwrap_or_default()
}

/// Every round of a campaign the user manages, with whether it was closed and
/// how many qualified.
pub async fn round_states(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<Vec<RoundState>, AppError> {
    let c = campaigns::service::managed_campaign(state, user, campaign_id).await?;
    let rules = campaigns::rules::of(&c)?;
    let lang = user.locale.code();
    let rounds = i32::try_from(rules.rounds.len()).unwrap_or(i32::MAX);
    let mut out = Vec::new();
    for round in 1..=rounds {
        let results = if round < rounds {
            campaigns::store::round_results(&state.db, c.id, round).await?
        } else {
            Vec::new()
        };
        let qualified = results.iter().filter(|r| r.qualified).count();
        out.push(RoundState {
            round,
            title: round_title(&rules, round, lang),
            gates_next: round < rounds,
            closed_ms: results.iter().map(|r| r.decided_ms).max(),
            qualified,
            not_qualified: results.len() - qualified,
        });
    }
    Ok(out)
}
