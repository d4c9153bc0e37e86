//! Who passed, in what order, and who is selected within a position's quota —
//! as a rule set says.
//!
//! Per candidate: each round's sections are checked against their pass marks in
//! order (a failed round ends the exam, as it does in the hall); the score is the
//! weighted sum over the counting rounds; the total pass rule is checked on that
//! score alone; priority points are added only to candidates who passed. Passers
//! are ordered by total, then by the rule set's tie-breaks. A tie at the last
//! quota place that no automatic tie-break settles is reported as unresolved
//! until a recorded manual decision orders exactly those candidates.
//!
//! Scores are rounded once, here, to the rule set's `score_decimals`: each
//! section's scaled score, then the weighted score and the total from those
//! rounded parts. Every pass mark is checked on the rounded value, because that
//! is the number people read and can check by hand: a candidate shown 30 against
//! a pass mark of 30 has passed, whatever residue the division left. The pass
//! marks themselves are not rounded: they are the law's thresholds.
//!
//! Scores are compared at 1/10,000 of a point, so that 0.1 + 0.2 ties with 0.3
//! and the order never depends on how floating-point sums happened to round.
//!
//! A candidate with no usable score in any counting section, who did not pass
//! either, has no score to rank or chart: `graded` is false, and they are
//! listed after every failed candidate who has one, never as a 0 among them.

use std::cmp::Ordering;
use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::numbers::round_to;
use crate::rules::model::{
    PassMark, RoundRole, RuleSet, ScoreRef, Section, SectionRef, TieBreak, TotalPassRule,
};

pub type ApplicationId = i64;

/// A candidate's score in one section, as graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    pub round: String,
    pub section: String,
    /// Points earned on the paper; may be negative under negative marking.
    pub points: f64,
    /// The paper's maximum; the score is scaled to the section's maximum.
    pub max_points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
}

/// What tie-breaks may look at besides scores. A fact left unknown never wins.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TieBreakFacts {
    #[serde(default)]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub ethnic_minority: bool,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub service_months: Option<u32>,
    #[serde(default)]
    pub screening_exempt: bool,
    #[serde(default)]
    pub screening_score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CandidateResult {
    pub application_id: ApplicationId,
    pub sections: Vec<SectionScore>,
    /// Sections the candidate was exempted from; honoured only where the
    /// section is exemptible.
    #[serde(default)]
    pub exemptions: Vec<SectionRef>,
    /// Priority category codes the candidate has proved.
    #[serde(default)]
    pub priority_categories: Vec<String>,
    #[serde(default)]
    pub facts: TieBreakFacts,
}

/// The head of agency's decision on a tie: the candidates, first preferred.
/// It settles a tie only among exactly these candidates; if a re-mark changes
/// who is tied, the tie is reported again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TieDecision {
    pub application_ids: Vec<ApplicationId>,
    pub reason: String,
}

/// Why a candidate did not pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No usable score for a section the candidate had to sit.
    Absent { round: String, section: String },
    BelowSectionPassMark {
        round: String,
        section: String,
        score: f64,
        pass_mark: f64,
    },
    BelowTotalPassMark {
        of: ScoreRef,
        score: f64,
        pass_mark: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Selected,
    /// Passed, ranked below the quota.
    NotSelected,
    /// Tied for the last places; waits for a manual decision.
    AwaitingTieDecision,
    Failed,
}

/// One section as it counted for a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredSection {
    pub round: String,
    pub section: String,
    /// Scaled to the section's maximum; None when exempt or absent.
    pub score: Option<f64>,
    pub exempt: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedCandidate {
    pub application_id: ApplicationId,
    pub passed: bool,
    /// Empty when passed; otherwise the failures of the first round failed (or
    /// of the total pass rule).
    pub failures: Vec<Failure>,
    pub sections: Vec<ScoredSection>,
    /// Weighted sum over the counting rounds, without priority points.
    pub score: f64,
    /// Whether `score` comes from a grade: a counting section has a usable
    /// score, or the candidate passed (every section exempt). When false the
    /// score and the total are no one's result and are shown as missing.
    pub graded: bool,
    /// The points the candidate's categories are worth…
    pub priority_entitlement: f64,
    /// …and what was added: the entitlement if passed, else 0.
    pub priority_points: f64,
    pub priority_categories: Vec<String>,
    /// `score + priority_points`; passers are ranked on it.
    pub total: f64,
    /// 1-based; candidates no rule tells apart share a rank. None if failed.
    pub rank: Option<u32>,
    pub standing: Standing,
    /// When the next candidate has the same total: the tie-break that put this
    /// one ahead.
    pub ahead_by: Option<TieBreak>,
}

/// A tie across the last quota places that waits for a manual decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnresolvedTie {
    pub at_rank: u32,
    /// Places left for these candidates; fewer than there are of them.
    pub places: u32,
    pub application_ids: Vec<ApplicationId>,
}

/// Something in the input the ranking had to skip; shown to personnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    DuplicateApplication {
        application_id: ApplicationId,
    },
    UnknownPriorityCategory {
        application_id: ApplicationId,
        code: String,
    },
    ExemptionNotAllowed {
        application_id: ApplicationId,
        round: String,
        section: String,
    },
    /// The score is not a number, or its maximum is not above 0, or it is above
    /// the maximum; the section counts as absent.
    InvalidScore {
        application_id: ApplicationId,
        round: String,
        section: String,
    },
    /// A score for a section the rule set does not have; it is ignored.
    UnknownSection {
        application_id: ApplicationId,
        round: String,
        section: String,
    },
    /// A recorded decision matched no tie; the tied candidates have changed.
    TieDecisionNotApplied {
        application_ids: Vec<ApplicationId>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub quota: u32,
    /// Passers in rank order, then those who failed (by score, highest first).
    pub entries: Vec<RankedCandidate>,
    pub unresolved_tie: Option<UnresolvedTie>,
    pub warnings: Vec<Warning>,
}

impl Ranking {
    pub fn selected(&self) -> impl Iterator<Item = ApplicationId> + '_ {
        self.entries
            .iter()
            .filter(|e| e.standing == Standing::Selected)
            .map(|e| e.application_id)
    }
}

/// Scores in ten-thousandths of a point: equality and order without float noise.
fn key(x: f64) -> i64 {
    (x * 10_000.0).round() as i64
}

/// A candidate with everything the comparisons need, worked out once.
struct Scored<'a> {
    input: &'a CandidateResult,
    /// Per rule-set section, in rule-set order (rounds, then sections).
    scores: Vec<Option<f64>>,
    correct: Vec<Option<u32>>,
    entry: RankedCandidate,
}

/// Ranks `candidates` for one position with `quota` places. `decisions` are the
/// recorded manual tie decisions, latest last (a later one for the same
/// candidates wins).
pub fn rank(
    rules: &RuleSet,
    quota: u32,
    candidates: &[CandidateResult],
    decisions: &[TieDecision],
) -> Ranking {
    let mut warnings = Vec::new();
    let mut seen = HashSet::new();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for c in candidates {
        if !seen.insert(c.application_id) {
            warnings.push(Warning::DuplicateApplication {
                application_id: c.application_id,
            });
            continue;
        }
        let s = score_candidate(rules, c, &mut warnings);
        if s.entry.passed {
            passed.push(s);
        } else {
            failed.push(s);
        }
    }

    let tie_breaks: Vec<&TieBreak> = rules
        .tie_breaks
        .iter()
        .take_while(|t| **t != TieBreak::ManualDecision)
        .collect();
    let manual_allowed = rules.tie_breaks.contains(&TieBreak::ManualDecision);

    // Which tie-break first tells a and b apart (None: none does), and which way.
    let decide = |a: &Scored, b: &Scored| -> (Ordering, Option<&TieBreak>) {
        let by_total = key(b.entry.total).cmp(&key(a.entry.total));
        if by_total != Ordering::Equal {
            return (by_total, None);
        }
        for tb in &tie_breaks {
            let o = compare(rules, tb, a, b);
            if o != Ordering::Equal {
                return (o, Some(*tb));
            }
        }
        (Ordering::Equal, None)
    };
    passed.sort_by(|a, b| {
        decide(a, b)
            .0
            .then(a.input.application_id.cmp(&b.input.application_id))
    });

    // Groups of passers no automatic rule tells apart; a manual decision may order one.
    let mut used = vec![false; decisions.len()];
    let mut distinct_from_previous = vec![true; passed.len()];
    let mut start = 0;
    while start < passed.len() {
        let mut end = start + 1;
        while end < passed.len() && decide(&passed[end - 1], &passed[end]).0 == Ordering::Equal {
            end += 1;
        }
        if end - start > 1 {
            let group: HashSet<ApplicationId> = passed[start..end]
                .iter()
                .map(|s| s.input.application_id)
                .collect();
            let found = if manual_allowed {
                decisions.iter().enumerate().rev().find(|(_, d)| {
                    d.application_ids.len() == group.len()
                        && d.application_ids.iter().collect::<HashSet<_>>()
                            == group.iter().collect::<HashSet<_>>()
                })
            } else {
                None
            };
            match found {
                Some((i, d)) => {
                    used[i] = true;
                    let position = |id: ApplicationId| {
                        d.application_ids
                            .iter()
                            .position(|x| *x == id)
                            .unwrap_or(usize::MAX)
                    };
                    passed[start..end].sort_by_key(|s| position(s.input.application_id));
                    for s in &mut passed[start..end - 1] {
                        s.entry.ahead_by = Some(TieBreak::ManualDecision);
                    }
                }
                None => {
                    for d in distinct_from_previous.iter_mut().take(end).skip(start + 1) {
                        *d = false;
                    }
                }
            }
        }
        start = end;
    }
    for k in 0..passed.len().saturating_sub(1) {
        if passed[k].entry.ahead_by.is_none() {
            passed[k].entry.ahead_by = decide(&passed[k], &passed[k + 1]).1.cloned();
        }
    }
    for (i, d) in decisions.iter().enumerate() {
        if !used[i] {
            warnings.push(Warning::TieDecisionNotApplied {
                application_ids: d.application_ids.clone(),
            });
        }
    }

    let mut rank_no = 0;
    for (i, s) in passed.iter_mut().enumerate() {
        if distinct_from_previous[i] {
            rank_no = i as u32 + 1;
        }
        s.entry.rank = Some(rank_no);
    }

    let q = quota as usize;
    let mut unresolved_tie = None;
    let mut cut = q.min(passed.len());
    if q > 0 && q < passed.len() && !distinct_from_previous[q] {
        let start = (0..q)
            .rev()
            .find(|&i| distinct_from_previous[i])
            .unwrap_or(0);
        let end = (q + 1..passed.len())
            .find(|&i| distinct_from_previous[i])
            .unwrap_or(passed.len());
        unresolved_tie = Some(UnresolvedTie {
            at_rank: start as u32 + 1,
            places: (q - start) as u32,
            application_ids: passed[start..end]
                .iter()
                .map(|s| s.input.application_id)
                .collect(),
        });
        for s in &mut passed[start..end] {
            s.entry.standing = Standing::AwaitingTieDecision;
        }
        cut = start;
    }
    for (i, s) in passed.iter_mut().enumerate() {
        if i < cut {
            s.entry.standing = Standing::Selected;
        } else if s.entry.standing != Standing::AwaitingTieDecision {
            s.entry.standing = Standing::NotSelected;
        }
    }

    // Failed candidates with a score, highest first; those without one last.
    failed.sort_by(|a, b| {
        b.entry
            .graded
            .cmp(&a.entry.graded)
            .then(key(b.entry.score).cmp(&key(a.entry.score)))
            .then(a.input.application_id.cmp(&b.input.application_id))
    });
    Ranking {
        quota,
        entries: passed.into_iter().chain(failed).map(|s| s.entry).collect(),
        unresolved_tie,
        warnings,
    }
}

/// `Less` when `a` goes first.
fn compare(rules: &RuleSet, tb: &TieBreak, a: &Scored, b: &Scored) -> Ordering {
    // Higher first, unknown last.
    fn higher<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
        b.cmp(&a)
    }
    let (fa, fb) = (&a.input.facts, &b.input.facts);
    match tb {
        TieBreak::HigherScore { score } => higher(
            score_of(rules, score, &a.scores).map(key),
            score_of(rules, score, &b.scores).map(key),
        ),
        TieBreak::MoreCorrect { round, section } => match section_index(rules, round, section) {
            Some(i) => higher(a.correct[i], b.correct[i]),
            None => Ordering::Equal,
        },
        TieBreak::FemaleFirst => {
            let female = |f: &TieBreakFacts| f.gender == Some(Gender::Female);
            female(fb).cmp(&female(fa))
        }
        TieBreak::EthnicMinorityFirst => fb.ethnic_minority.cmp(&fa.ethnic_minority),
        // Earlier birth first; Reverse keeps unknown (None) last.
        TieBreak::OlderFirst => higher(
            fa.date_of_birth.map(std::cmp::Reverse),
            fb.date_of_birth.map(std::cmp::Reverse),
        ),
        TieBreak::LongerService => higher(fa.service_months, fb.service_months),
        TieBreak::ScreeningExemptFirst => fb.screening_exempt.cmp(&fa.screening_exempt),
        TieBreak::HigherScreeningScore => {
            higher(fa.screening_score.map(key), fb.screening_score.map(key))
        }
        TieBreak::ManualDecision => Ordering::Equal,
    }
}

fn section_index(rules: &RuleSet, round: &str, section: &str) -> Option<usize> {
    let mut i = 0;
    for r in &rules.rounds {
        for s in &r.sections {
            if r.id == round && s.id == section {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

/// The value of `score` from per-section scores; exempt and absent sections add 0.
fn score_of(rules: &RuleSet, score: &ScoreRef, scores: &[Option<f64>]) -> Option<f64> {
    let mut i = 0;
    let mut sum = 0.0;
    let mut named = false;
    for r in &rules.rounds {
        let in_scope = match score {
            ScoreRef::Total => r.role == RoundRole::Counting,
            ScoreRef::Round { round } => r.id == *round,
            ScoreRef::Section { round, .. } => r.id == *round,
        };
        for s in &r.sections {
            if in_scope {
                match score {
                    ScoreRef::Section { section, .. } if s.id == *section => return scores[i],
                    ScoreRef::Section { .. } => {}
                    _ => {
                        named = true;
                        sum += s.weight * scores[i].unwrap_or(0.0);
                    }
                }
            }
            i += 1;
        }
    }
    (named || *score == ScoreRef::Total).then_some(round_to(sum, rules.score_decimals))
}

/// Paper points as the section's score: scaled to the section's maximum,
/// floored at 0 where the rule set says so, rounded to its precision.
pub fn scaled_score(rules: &RuleSet, s: &Section, points: f64, max_points: f64) -> f64 {
    let scaled = points / max_points * s.max_points;
    let scaled = if s.floor_at_zero {
        scaled.max(0.0)
    } else {
        scaled
    };
    round_to(scaled, rules.score_decimals)
}

fn score_candidate<'a>(
    rules: &RuleSet,
    c: &'a CandidateResult,
    warnings: &mut Vec<Warning>,
) -> Scored<'a> {
    let id = c.application_id;
    let mut scores = Vec::new();
    let mut correct = Vec::new();
    let mut sections = Vec::new();
    let mut failures = Vec::new();
    for e in &c.exemptions {
        if rules
            .section(&e.round, &e.section)
            .is_some_and(|s| !s.exemptible)
        {
            warnings.push(Warning::ExemptionNotAllowed {
                application_id: id,
                round: e.round.clone(),
                section: e.section.clone(),
            });
        }
    }
    for g in &c.sections {
        if rules.section(&g.round, &g.section).is_none() {
            warnings.push(Warning::UnknownSection {
                application_id: id,
                round: g.round.clone(),
                section: g.section.clone(),
            });
        }
    }
    for r in &rules.rounds {
        let mut round_failures = Vec::new();
        for s in &r.sections {
            let exempt = s.exemptible
                && c.exemptions
                    .iter()
                    .any(|e| e.round == r.id && e.section == s.id);
            let given = c
                .sections
                .iter()
                .find(|g| g.round == r.id && g.section == s.id);
            let valid = given.filter(|g| {
                g.points.is_finite()
                    && g.max_points.is_finite()
                    && g.max_points > 0.0
                    && key(g.points) <= key(g.max_points)
            });
            if let (Some(g), None, false) = (given, valid, exempt) {
                warnings.push(Warning::InvalidScore {
                    application_id: id,
                    round: g.round.clone(),
                    section: g.section.clone(),
                });
            }
            let score = if exempt {
                None
            } else {
                valid.map(|g| scaled_score(rules, s, g.points, g.max_points))
            };
            scores.push(score);
            correct.push(if exempt {
                None
            } else {
                valid.and_then(|g| g.correct)
            });
            sections.push(ScoredSection {
                round: r.id.clone(),
                section: s.id.clone(),
                score,
                exempt,
            });
            if exempt {
                continue;
            }
            match (score, s.pass_mark) {
                (None, _) => round_failures.push(Failure::Absent {
                    round: r.id.clone(),
                    section: s.id.clone(),
                }),
                (Some(v), Some(pm)) => {
                    let need = pm.required_points(s.max_points);
                    if key(v) < key(need) {
                        round_failures.push(Failure::BelowSectionPassMark {
                            round: r.id.clone(),
                            section: s.id.clone(),
                            score: v,
                            pass_mark: need,
                        });
                    }
                }
                (Some(_), None) => {}
            }
        }
        if failures.is_empty() {
            failures = round_failures;
        }
    }

    let score = score_of(rules, &ScoreRef::Total, &scores).unwrap_or(0.0);
    if failures.is_empty()
        && let Some(TotalPassRule {
            score: of,
            at_least,
        }) = &rules.total_pass
        && let (Some(value), Some(max)) = (score_of(rules, of, &scores), rules.max_of(of))
    {
        let need = PassMark::required_points(*at_least, max);
        if key(value) < key(need) {
            failures.push(Failure::BelowTotalPassMark {
                of: of.clone(),
                score: value,
                pass_mark: need,
            });
        }
    }
    let passed = failures.is_empty();
    let graded = passed
        || rules
            .rounds
            .iter()
            .flat_map(|r| r.sections.iter().map(move |_| r.role))
            .zip(&scores)
            .any(|(role, s)| role == RoundRole::Counting && s.is_some());

    let entitlement = rules.priority.entitlement(&c.priority_categories);
    for code in &entitlement.unknown {
        warnings.push(Warning::UnknownPriorityCategory {
            application_id: id,
            code: code.clone(),
        });
    }
    let priority_points = if passed { entitlement.points } else { 0.0 };
    Scored {
        input: c,
        scores,
        correct,
        entry: RankedCandidate {
            application_id: id,
            passed,
            failures,
            sections,
            score,
            graded,
            priority_entitlement: entitlement.points,
            priority_points,
            priority_categories: entitlement.applied,
            total: round_to(score + priority_points, rules.score_decimals),
            rank: None,
            standing: Standing::Failed,
            ahead_by: None,
        },
    }
}

/// Who qualified in rounds 1..=`through` for the rounds after them: per
/// candidate, the failures of the first of those rounds they failed, empty when
/// they passed every one (exemptions count as in the ranking). Only section pass
/// marks decide here; the total pass rule and priority points belong to the
/// final ranking.
pub fn qualification(
    rules: &RuleSet,
    through: usize,
    candidates: &[CandidateResult],
) -> Vec<(ApplicationId, Vec<Failure>)> {
    let mut earlier = rules.clone();
    earlier.rounds.truncate(through);
    earlier.total_pass = None;
    let mut warnings = Vec::new();
    candidates
        .iter()
        .map(|c| {
            let failures = score_candidate(&earlier, c, &mut warnings).entry.failures;
            (c.application_id, failures)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::{Label, PassMark, Section};
    use crate::rules::presets;
    use proptest::prelude::*;

    fn score(round: &str, section: &str, points: f64, max: f64) -> SectionScore {
        SectionScore {
            round: round.to_owned(),
            section: section.to_owned(),
            points,
            max_points: max,
            correct: None,
        }
    }

    /// Passes every qualifying section comfortably (70%).
    fn round_one(rules: &RuleSet) -> Vec<SectionScore> {
        rules
            .rounds
            .iter()
            .filter(|r| r.role == RoundRole::Qualifying)
            .flat_map(|r| {
                r.sections
                    .iter()
                    .map(|s| score(&r.id, &s.id, s.max_points * 0.7, s.max_points))
            })
            .collect()
    }

    /// A candidate who passed round 1 and scored `round_two` on each round-2 section.
    fn candidate(rules: &RuleSet, id: ApplicationId, round_two: &[(&str, f64)]) -> CandidateResult {
        let mut sections = round_one(rules);
        let counting = rules
            .rounds
            .iter()
            .find(|r| r.role == RoundRole::Counting)
            .map(|r| r.id.clone())
            .unwrap_or_default();
        for (section, points) in round_two {
            sections.push(score(&counting, section, *points, 100.0));
        }
        CandidateResult {
            application_id: id,
            sections,
            ..CandidateResult::default()
        }
    }

    fn with_priority(mut c: CandidateResult, codes: &[&str]) -> CandidateResult {
        c.priority_categories = codes.iter().map(|s| (*s).to_owned()).collect();
        c
    }

    fn entry(r: &Ranking, id: ApplicationId) -> &RankedCandidate {
        match r.entries.iter().find(|e| e.application_id == id) {
            Some(e) => e,
            None => panic!("application {id} missing from the ranking"),
        }
    }

    fn selected(r: &Ranking) -> Vec<ApplicationId> {
        r.selected().collect()
    }

    #[test]
    fn priority_points_never_rescue_a_failed_round_two_score_under_138() {
        let rules = presets::vn_138_2020_recruitment();
        let hero = with_priority(
            candidate(&rules, 1, &[("written", 49.5)]),
            &["hero_or_war_invalid"],
        );
        let plain = candidate(&rules, 2, &[("written", 50.0)]);
        let r = rank(&rules, 2, &[hero, plain], &[]);
        let h = entry(&r, 1);
        assert!(!h.passed);
        assert_eq!(
            h.failures,
            vec![Failure::BelowTotalPassMark {
                of: ScoreRef::round("round_2"),
                score: 49.5,
                pass_mark: 50.0
            }]
        );
        assert_eq!(
            (h.priority_entitlement, h.priority_points, h.total),
            (7.5, 0.0, 49.5)
        );
        assert_eq!(h.standing, Standing::Failed);
        assert_eq!(h.rank, None);
        assert_eq!(selected(&r), vec![2]);
    }

    #[test]
    fn priority_points_never_rescue_a_failed_round_two_score_under_170() {
        let rules = presets::vn_170_2025_recruitment();
        let minority = with_priority(
            candidate(&rules, 1, &[("written", 45.0)]),
            &["ethnic_minority"],
        );
        let r = rank(&rules, 1, &[minority], &[]);
        assert!(!r.entries[0].passed);
        assert_eq!(r.entries[0].total, 45.0);
        assert_eq!(selected(&r), Vec::<ApplicationId>::new());
    }

    #[test]
    fn preference_points_never_rescue_a_fail_in_the_generic_preset_but_lift_a_pass() {
        let rules = presets::generic_merit();
        let c = |id, points, codes: &[&str]| CandidateResult {
            application_id: id,
            sections: vec![score("exam", "test", points, 100.0)],
            priority_categories: codes.iter().map(|s| (*s).to_owned()).collect(),
            ..CandidateResult::default()
        };
        let r = rank(
            &rules,
            2,
            &[
                c(1, 69.0, &["disabled_veteran"]),
                c(2, 80.0, &[]),
                c(3, 75.0, &["disabled_veteran"]),
            ],
            &[],
        );
        assert!(!entry(&r, 1).passed);
        assert_eq!(entry(&r, 3).total, 85.0);
        assert_eq!(entry(&r, 3).rank, Some(1));
        assert_eq!(selected(&r), vec![3, 2]);
    }

    #[test]
    fn only_the_highest_priority_category_counts_under_138() {
        let rules = presets::vn_138_2020_recruitment();
        let c = with_priority(
            candidate(&rules, 1, &[("written", 60.0)]),
            &[
                "completed_service",
                "ethnic_minority",
                "hero_or_war_invalid",
            ],
        );
        let r = rank(&rules, 1, &[c], &[]);
        let e = &r.entries[0];
        assert_eq!(e.priority_points, 7.5);
        assert_eq!(e.priority_categories, vec!["hero_or_war_invalid"]);
        assert_eq!(e.total, 67.5);
    }

    #[test]
    fn tie_at_last_place_goes_to_higher_round_two_score_under_138() {
        let rules = presets::vn_138_2020_recruitment();
        let minority = with_priority(
            candidate(&rules, 1, &[("written", 60.0)]),
            &["ethnic_minority"],
        );
        let plain = candidate(&rules, 2, &[("written", 65.0)]);
        let r = rank(&rules, 1, &[minority, plain], &[]);
        assert_eq!(entry(&r, 1).total, entry(&r, 2).total);
        assert_eq!(selected(&r), vec![2]);
        assert_eq!(entry(&r, 1).standing, Standing::NotSelected);
        assert_eq!(
            entry(&r, 2).ahead_by,
            Some(TieBreak::HigherScore {
                score: ScoreRef::round("round_2")
            })
        );
        assert_eq!(r.unresolved_tie, None);
    }

    #[test]
    fn tie_under_170_goes_to_specialised_score() {
        let rules = presets::vn_170_2025_recruitment();
        let minority = with_priority(
            candidate(&rules, 1, &[("written", 55.0)]),
            &["ethnic_minority"],
        );
        let plain = candidate(&rules, 2, &[("written", 60.0)]);
        let r = rank(&rules, 1, &[minority, plain], &[]);
        assert_eq!(selected(&r), vec![2]);
    }

    #[test]
    fn tie_under_170_with_equal_specialised_scores_goes_to_written_score() {
        let mut rules = presets::vn_170_2025_recruitment();
        let Some(round_2) = rules.rounds.iter_mut().find(|r| r.id == "round_2") else {
            panic!("no round_2")
        };
        let interview = Section {
            id: "interview".to_owned(),
            title: Label::new("Phỏng vấn", "Interview"),
            pass_mark: Some(PassMark::Percent(50.0)),
            weight: 0.5,
            ..round_2.sections[0].clone()
        };
        round_2.sections[0].weight = 0.5;
        round_2.sections[0].pass_mark = Some(PassMark::Percent(50.0));
        round_2.sections.push(interview);
        assert_eq!(crate::rules::model::validate(&rules), Vec::<String>::new());

        let better_written = candidate(&rules, 1, &[("written", 70.0), ("interview", 50.0)]);
        let better_interview = candidate(&rules, 2, &[("written", 50.0), ("interview", 70.0)]);
        let r = rank(&rules, 1, &[better_interview, better_written], &[]);
        assert_eq!(entry(&r, 1).score, 60.0);
        assert_eq!(entry(&r, 2).score, 60.0);
        assert_eq!(selected(&r), vec![1]);
        assert_eq!(
            entry(&r, 1).ahead_by,
            Some(TieBreak::HigherScore {
                score: ScoreRef::section("round_2", "written")
            })
        );

        // Each part needs 50% on its own.
        let weak_interview = candidate(&rules, 3, &[("written", 100.0), ("interview", 40.0)]);
        let r = rank(&rules, 1, &[weak_interview], &[]);
        assert!(matches!(
            r.entries[0].failures.as_slice(),
            [Failure::BelowSectionPassMark { section, .. }] if section == "interview"
        ));
    }

    #[test]
    fn ties_under_115_go_to_women_then_ethnic_minorities_then_the_older_then_longer_service() {
        let rules = presets::vn_115_2020_promotion();
        let base = |id| {
            let mut c = candidate(&rules, id, &[("specialised", 80.0)]);
            c.facts = TieBreakFacts {
                gender: Some(Gender::Male),
                ethnic_minority: false,
                date_of_birth: NaiveDate::from_ymd_opt(1985, 6, 1),
                service_months: Some(120),
                ..TieBreakFacts::default()
            };
            c
        };
        let winner = |a: CandidateResult, b: CandidateResult| {
            let r = rank(&rules, 1, &[a, b], &[]);
            assert_eq!(r.unresolved_tie, None);
            (selected(&r), r.entries[0].ahead_by.clone())
        };

        let mut woman = base(2);
        woman.facts.gender = Some(Gender::Female);
        assert_eq!(
            winner(base(1), woman.clone()),
            (vec![2], Some(TieBreak::FemaleFirst))
        );

        let mut minority_woman = woman.clone();
        minority_woman.application_id = 3;
        minority_woman.facts.ethnic_minority = true;
        assert_eq!(
            winner(woman.clone(), minority_woman.clone()),
            (vec![3], Some(TieBreak::EthnicMinorityFirst))
        );
        // Gender comes before ethnicity.
        let mut minority_man = base(4);
        minority_man.facts.ethnic_minority = true;
        assert_eq!(winner(minority_man, woman.clone()).0, vec![2]);

        let mut older = woman.clone();
        older.application_id = 5;
        older.facts.date_of_birth = NaiveDate::from_ymd_opt(1980, 1, 1);
        assert_eq!(
            winner(woman.clone(), older),
            (vec![5], Some(TieBreak::OlderFirst))
        );

        let mut veteran = woman.clone();
        veteran.application_id = 6;
        veteran.facts.service_months = Some(121);
        assert_eq!(
            winner(woman, veteran),
            (vec![6], Some(TieBreak::LongerService))
        );
    }

    #[test]
    fn unknown_facts_never_win_a_tie_break() {
        let rules = presets::vn_115_2020_promotion();
        let mut known = candidate(&rules, 1, &[("specialised", 80.0)]);
        known.facts.date_of_birth = NaiveDate::from_ymd_opt(2000, 1, 1);
        let unknown = candidate(&rules, 2, &[("specialised", 80.0)]);
        let r = rank(&rules, 1, &[unknown, known], &[]);
        assert_eq!(selected(&r), vec![1]);
    }

    #[test]
    fn unresolved_tie_is_reported_then_settled_by_a_manual_decision() {
        let rules = presets::vn_138_2020_recruitment();
        let cands = [
            candidate(&rules, 10, &[("written", 80.0)]),
            candidate(&rules, 11, &[("written", 70.0)]),
            candidate(&rules, 12, &[("written", 70.0)]),
            candidate(&rules, 13, &[("written", 60.0)]),
        ];
        let r = rank(&rules, 2, &cands, &[]);
        assert_eq!(
            r.unresolved_tie,
            Some(UnresolvedTie {
                at_rank: 2,
                places: 1,
                application_ids: vec![11, 12]
            })
        );
        assert_eq!(selected(&r), vec![10]);
        assert_eq!(entry(&r, 11).standing, Standing::AwaitingTieDecision);
        assert_eq!(entry(&r, 12).standing, Standing::AwaitingTieDecision);
        assert_eq!(entry(&r, 11).rank, Some(2));
        assert_eq!(entry(&r, 12).rank, Some(2));
        assert_eq!(entry(&r, 13).rank, Some(4));
        assert_eq!(entry(&r, 13).standing, Standing::NotSelected);

        let stale = TieDecision {
            application_ids: vec![11, 12, 13],
            reason: "old".to_owned(),
        };
        let decision = TieDecision {
            application_ids: vec![12, 11],
            reason: "Thủ trưởng cơ quan quyết định".to_owned(),
        };
        let r = rank(&rules, 2, &cands, &[stale, decision]);
        assert_eq!(r.unresolved_tie, None);
        assert_eq!(selected(&r), vec![10, 12]);
        assert_eq!(entry(&r, 11).standing, Standing::NotSelected);
        assert_eq!((entry(&r, 12).rank, entry(&r, 11).rank), (Some(2), Some(3)));
        assert_eq!(entry(&r, 12).ahead_by, Some(TieBreak::ManualDecision));
        assert_eq!(
            r.warnings,
            vec![Warning::TieDecisionNotApplied {
                application_ids: vec![11, 12, 13]
            }]
        );
    }

    #[test]
    fn tie_inside_the_quota_selects_everyone_tied() {
        let rules = presets::vn_138_2020_recruitment();
        let cands = [
            candidate(&rules, 1, &[("written", 70.0)]),
            candidate(&rules, 2, &[("written", 70.0)]),
            candidate(&rules, 3, &[("written", 60.0)]),
        ];
        let r = rank(&rules, 2, &cands, &[]);
        assert_eq!(r.unresolved_tie, None);
        assert_eq!(selected(&r), vec![1, 2]);
    }

    #[test]
    fn a_failed_qualifying_section_excludes_the_candidate() {
        let rules = presets::vn_138_2020_recruitment();
        let mut weak = candidate(&rules, 1, &[("written", 95.0)]);
        for s in &mut weak.sections {
            if s.section == "foreign_language" {
                s.points = 14.0;
            }
        }
        let mut borderline = candidate(&rules, 2, &[("written", 55.0)]);
        for s in &mut borderline.sections {
            if s.section == "foreign_language" {
                s.points = 15.0;
            }
        }
        let r = rank(&rules, 5, &[weak, borderline], &[]);
        assert_eq!(
            entry(&r, 1).failures,
            vec![Failure::BelowSectionPassMark {
                round: "round_1".to_owned(),
                section: "foreign_language".to_owned(),
                score: 14.0,
                pass_mark: 15.0
            }]
        );
        assert!(entry(&r, 2).passed, "exactly 50% passes");
        assert_eq!(selected(&r), vec![2]);
    }

    #[test]
    fn a_failed_round_hides_later_rounds() {
        let rules = presets::vn_138_2020_recruitment();
        let c = CandidateResult {
            application_id: 1,
            sections: vec![score("round_1", "general_knowledge", 10.0, 60.0)],
            ..CandidateResult::default()
        };
        let r = rank(&rules, 1, &[c], &[]);
        let kinds: Vec<_> = r.entries[0]
            .failures
            .iter()
            .map(|f| match f {
                Failure::Absent { section, .. } => format!("absent {section}"),
                Failure::BelowSectionPassMark { section, .. } => format!("below {section}"),
                Failure::BelowTotalPassMark { .. } => "total".to_owned(),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "below general_knowledge",
                "absent foreign_language",
                "absent it"
            ]
        );
    }

    #[test]
    fn a_round_one_failure_does_not_qualify_for_round_two_and_an_exempt_section_is_not_needed() {
        let rules = presets::vn_138_2020_recruitment();
        let passed = CandidateResult {
            application_id: 1,
            sections: round_one(&rules),
            ..CandidateResult::default()
        };
        let mut failed = passed.clone();
        failed.application_id = 2;
        failed.sections[1].points = 10.0;
        let mut exempt = passed.clone();
        exempt.application_id = 3;
        exempt.sections.retain(|s| s.section != "foreign_language");
        exempt.exemptions = vec![SectionRef::new("round_1", "foreign_language")];
        let absent = CandidateResult {
            application_id: 4,
            ..CandidateResult::default()
        };
        let q = qualification(&rules, 1, &[passed, failed, exempt, absent]);
        let failures = |id| {
            &q.iter()
                .find(|(a, _)| *a == id)
                .map(|(_, f)| f)
                .unwrap_or_else(|| panic!("{id}"))[..]
        };
        assert!(
            failures(1).is_empty(),
            "no round-2 score is needed to qualify"
        );
        assert_eq!(
            failures(2),
            &[Failure::BelowSectionPassMark {
                round: "round_1".into(),
                section: "foreign_language".into(),
                score: 10.0,
                pass_mark: 15.0
            }]
        );
        assert!(
            failures(3).is_empty(),
            "an exempt section is not sat and not needed"
        );
        assert_eq!(failures(4).len(), 3, "absent from every section");
    }

    #[test]
    fn cumulative_priority_stops_at_the_rule_sets_cap() {
        let mut rules = presets::vn_170_2025_recruitment();
        rules.priority.combination = crate::rules::model::Combination::Cumulative;
        rules.priority.cap = Some(10.0);
        let e = rules
            .priority
            .entitlement(&["hero_or_war_invalid", "ethnic_minority"]);
        assert_eq!(e.points, 10.0, "7.5 + 5 capped at 10");
        assert_eq!(e.applied, vec!["hero_or_war_invalid", "ethnic_minority"]);
    }

    #[test]
    fn exemptions_skip_a_section_only_where_allowed() {
        let rules = presets::vn_138_2020_recruitment();
        let mut exempt = candidate(&rules, 1, &[("written", 60.0)]);
        exempt.sections.retain(|s| s.section != "foreign_language");
        exempt.exemptions = vec![SectionRef::new("round_1", "foreign_language")];
        let mut not_allowed = candidate(&rules, 2, &[("written", 60.0)]);
        not_allowed
            .sections
            .retain(|s| s.section != "general_knowledge");
        not_allowed.exemptions = vec![SectionRef::new("round_1", "general_knowledge")];

        let r = rank(&rules, 5, &[exempt, not_allowed], &[]);
        let e = entry(&r, 1);
        assert!(e.passed);
        assert!(
            e.sections
                .iter()
                .any(|s| s.section == "foreign_language" && s.exempt && s.score.is_none())
        );
        assert_eq!(
            entry(&r, 2).failures,
            vec![Failure::Absent {
                round: "round_1".to_owned(),
                section: "general_knowledge".to_owned()
            }]
        );
        assert_eq!(
            r.warnings,
            vec![Warning::ExemptionNotAllowed {
                application_id: 2,
                round: "round_1".to_owned(),
                section: "general_knowledge".to_owned()
            }]
        );
    }

    #[test]
    fn quota_larger_than_passers_selects_all_passers() {
        let rules = presets::vn_138_2020_recruitment();
        let cands = [
            candidate(&rules, 1, &[("written", 70.0)]),
            candidate(&rules, 2, &[("written", 40.0)]),
            candidate(&rules, 3, &[("written", 50.0)]),
        ];
        let r = rank(&rules, 10, &cands, &[]);
        assert_eq!(selected(&r), vec![1, 3]);
        assert_eq!(entry(&r, 2).standing, Standing::Failed);
    }

    #[test]
    fn scores_are_scaled_to_the_section_maximum() {
        let rules = presets::vn_138_2020_recruitment();
        let mut c = candidate(&rules, 1, &[("written", 50.0)]);
        for s in &mut c.sections {
            if s.section == "general_knowledge" {
                (s.points, s.max_points) = (59.0, 120.0);
            }
            if s.section == "written" {
                (s.points, s.max_points) = (5.0, 10.0);
            }
        }
        let r = rank(&rules, 1, &[c], &[]);
        assert_eq!(
            r.entries[0].failures,
            vec![Failure::BelowSectionPassMark {
                round: "round_1".to_owned(),
                section: "general_knowledge".to_owned(),
                score: 29.5,
                pass_mark: 30.0
            }]
        );
        assert_eq!(r.entries[0].score, 50.0);
    }

    #[test]
    fn bad_input_is_warned_about_not_trusted() {
        let rules = presets::vn_138_2020_recruitment();
        let mut c = with_priority(candidate(&rules, 1, &[("written", 120.0)]), &["astronaut"]);
        c.sections.push(score("round_3", "essay", 5.0, 10.0));
        let dup = candidate(&rules, 1, &[("written", 90.0)]);
        let r = rank(&rules, 1, &[c, dup], &[]);
        assert_eq!(r.entries.len(), 1);
        assert_eq!(
            r.warnings,
            vec![
                Warning::UnknownSection {
                    application_id: 1,
                    round: "round_3".to_owned(),
                    section: "essay".to_owned()
                },
                Warning::InvalidScore {
                    application_id: 1,
                    round: "round_2".to_owned(),
                    section: "written".to_owned()
                },
                Warning::UnknownPriorityCategory {
                    application_id: 1,
                    code: "astronaut".to_owned()
                },
                Warning::DuplicateApplication { application_id: 1 },
            ]
        );
        assert!(matches!(
            r.entries[0].failures.as_slice(),
            [Failure::Absent { .. }]
        ));
    }

    #[test]
    fn float_noise_does_not_break_a_tie() {
        let rules = presets::vn_138_2020_recruitment();
        let a = candidate(&rules, 1, &[("written", 0.1 + 0.2 + 50.0)]);
        let b = candidate(&rules, 2, &[("written", 50.3)]);
        let r = rank(&rules, 1, &[a, b], &[]);
        assert_eq!(
            r.unresolved_tie.map(|t| t.application_ids),
            Some(vec![1, 2])
        );
    }

    #[test]
    fn ranking_round_trips_through_json() {
        let rules = presets::vn_138_2020_recruitment();
        let r = rank(
            &rules,
            1,
            &[candidate(&rules, 1, &[("written", 70.0)])],
            &[],
        );
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert!(json.contains(r#""standing":"selected""#), "{json}");
        let back: Option<Ranking> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(r));
    }

    #[test]
    fn a_scaled_score_of_31_is_31_not_31_000000000000004() {
        assert_eq!(
            31.0 / 60.0 * 60.0,
            31.000000000000004,
            "the residue at issue"
        );
        let rules = presets::vn_138_2020_recruitment();
        let mut c = candidate(&rules, 1, &[("written", 0.0)]);
        for s in &mut c.sections {
            if s.section == "general_knowledge" {
                (s.points, s.max_points) = (31.0, 60.0);
            }
            if s.section == "written" {
                // 31 of 60 on the paper is 51.666… of the section's 100.
                (s.points, s.max_points) = (31.0, 60.0);
            }
        }
        let r = rank(&rules, 1, &[c], &[]);
        let e = &r.entries[0];
        let gk = e.sections.iter().find(|s| s.section == "general_knowledge");
        assert_eq!(gk.and_then(|s| s.score), Some(31.0));
        let written = e.sections.iter().find(|s| s.section == "written");
        assert_eq!(written.and_then(|s| s.score), Some(51.67));
        assert_eq!((e.score, e.total), (51.67, 51.67));
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert!(!json.contains("31.000000000000004"), "{json}");
        assert!(json.contains("51.67") && !json.contains("51.666"), "{json}");
    }

    #[test]
    fn the_score_and_total_are_sums_of_rounded_parts_rounded_again() {
        let mut rules = presets::vn_138_2020_recruitment();
        rules.score_decimals = 1;
        let c = with_priority(
            candidate(&rules, 1, &[("written", 100.0 / 3.0 * 2.0)]),
            &["completed_service"],
        );
        let r = rank(&rules, 1, &[c], &[]);
        let e = &r.entries[0];
        assert_eq!(e.score, 66.7);
        assert!(e.priority_points > 0.0);
        assert_eq!(e.total, round_to(66.7 + e.priority_points, 1));
    }

    /// Chosen: the pass mark is checked on the rounded score, the one people
    /// read, so that no one is shown 30 against a pass mark of 30 and failed.
    #[test]
    fn the_pass_mark_is_checked_on_the_rounded_score() {
        let mut rules = presets::vn_138_2020_recruitment();
        rules.score_decimals = 1;
        let with_gk = |id, points| {
            let mut c = candidate(&rules, id, &[("written", 60.0)]);
            for s in &mut c.sections {
                if s.section == "general_knowledge" {
                    s.points = points;
                }
            }
            c
        };
        // Pass mark: 50% of 60 = 30.
        let r = rank(&rules, 5, &[with_gk(1, 29.96), with_gk(2, 29.94)], &[]);
        let shown = |id| {
            entry(&r, id)
                .sections
                .iter()
                .find(|s| s.section == "general_knowledge")
                .and_then(|s| s.score)
        };
        assert_eq!(shown(1), Some(30.0));
        assert!(entry(&r, 1).passed, "shown 30, pass mark 30: passed");
        assert_eq!(shown(2), Some(29.9));
        assert_eq!(
            entry(&r, 2).failures,
            vec![Failure::BelowSectionPassMark {
                round: "round_1".to_owned(),
                section: "general_knowledge".to_owned(),
                score: 29.9,
                pass_mark: 30.0
            }]
        );
    }

    #[test]
    fn a_candidate_without_a_grade_is_not_ranked_as_a_zero() {
        let rules = presets::vn_138_2020_recruitment();
        let nothing = CandidateResult {
            application_id: 1,
            ..CandidateResult::default()
        };
        // Round 1 passed, round 2 not graded yet: no total either.
        let round_one_only = CandidateResult {
            application_id: 2,
            sections: round_one(&rules),
            ..CandidateResult::default()
        };
        let zero = candidate(&rules, 3, &[("written", 0.0)]);
        let r = rank(&rules, 1, &[nothing, round_one_only, zero], &[]);
        let order: Vec<_> = r.entries.iter().map(|e| e.application_id).collect();
        assert_eq!(order, vec![3, 1, 2], "a real 0 ranks above no grade");
        assert!(entry(&r, 3).graded);
        assert!(!entry(&r, 1).graded && !entry(&r, 2).graded);
    }

    fn arb_candidate() -> impl Strategy<Value = CandidateResult> {
        (
            (2u32..=6, 1u32..=3, 1u32..=3),
            prop::option::of(0u32..=10),
            prop::collection::vec(
                prop::sample::select(vec![
                    "hero_or_war_invalid",
                    "ethnic_minority",
                    "completed_service",
                    "trade_union_official",
                ]),
                0..3,
            ),
            (
                any::<bool>(),
                any::<bool>(),
                prop::option::of(1980i32..1983),
                any::<bool>(),
            ),
        )
            .prop_map(
                |((gk, fl, it), written, codes, (female, minority, born, exempt))| {
                    let mut sections = vec![
                        score("round_1", "general_knowledge", f64::from(gk * 10), 60.0),
                        score("round_1", "foreign_language", f64::from(fl * 10), 30.0),
                        score("round_1", "it", f64::from(it * 10), 30.0),
                    ];
                    if let Some(w) = written {
                        sections.push(score("round_2", "written", f64::from(w) * 10.0, 100.0));
                    }
                    CandidateResult {
                        application_id: 0,
                        sections,
                        exemptions: if exempt {
                            vec![SectionRef::new("round_1", "it")]
                        } else {
                            vec![]
                        },
                        priority_categories: codes.into_iter().map(str::to_owned).collect(),
                        facts: TieBreakFacts {
                            gender: Some(if female { Gender::Female } else { Gender::Male }),
                            ethnic_minority: minority,
                            date_of_birth: born.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)),
                            ..TieBreakFacts::default()
                        },
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn selection_respects_quota_passing_and_order(
            mut cands in prop::collection::vec(arb_candidate(), 0..25),
            quota in 0u32..8,
            preset in 0usize..2,
        ) {
            for (i, c) in cands.iter_mut().enumerate() {
                c.application_id = i as ApplicationId + 1;
            }
            let rules = if preset == 0 {
                presets::vn_138_2020_recruitment()
            } else {
                let mut r = presets::vn_138_2020_recruitment();
                r.tie_breaks = presets::vn_115_2020_promotion().tie_breaks;
                r
            };
            let r = rank(&rules, quota, &cands, &[]);
            let chosen: Vec<_> = r.entries.iter().filter(|e| e.standing == Standing::Selected).collect();
            prop_assert!(chosen.len() <= quota as usize);
            prop_assert!(chosen.iter().all(|e| e.passed));
            prop_assert_eq!(r.entries.len(), cands.len());
            let ranked: Vec<_> = r.entries.iter().take_while(|e| e.passed).collect();
            prop_assert!(r.entries[ranked.len()..].iter().all(|e| !e.passed && e.rank.is_none()));
            for w in ranked.windows(2) {
                prop_assert!(key(w[0].total) >= key(w[1].total));
                prop_assert!(w[0].rank <= w[1].rank);
            }
            for e in &r.entries {
                if !e.passed {
                    prop_assert_eq!(e.priority_points, 0.0);
                    prop_assert!(!e.failures.is_empty());
                }
            }
            match &r.unresolved_tie {
                Some(t) => {
                    prop_assert!(t.application_ids.len() > t.places as usize);
                    prop_assert_eq!(chosen.len() + t.places as usize, quota as usize);
                }
                None => prop_assert_eq!(chosen.len(), (quota as usize).min(ranked.len())),
            }

            // The order of the input changes nothing.
            let mut reversed = cands.clone();
            reversed.reverse();
            prop_assert_eq!(rank(&rules, quota, &reversed, &[]), r);
        }
    }
}
