//! Rule sets: how an exam's rounds and sections are passed, totalled, ranked and
//! appealed, and who may sit a promotion exam — as data, versioned by the date
//! they take effect.
//!
//! One engine serves many legal regimes (Vietnam's Decrees 138/2020, 170/2025,
//! 115/2020, a generic merit exam…); what differs between them lives here, so a
//! change in the law is a new rule set, not a code change. The caller stores a
//! rule set as JSON. Nothing here does I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::banks::model::Subject;

/// A text shown to people, in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub vi: String,
    pub en: String,
}

impl Label {
    pub fn new(vi: &str, en: &str) -> Label {
        Label {
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The text for `lang` ("vi" or "en"); Vietnamese for anything else.
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.vi }
    }
}

/// What a campaign run under this rule set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Recruitment,
    Promotion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub name: String,
    /// The preset this rule set started from ("vn-138-2020-recruitment"), or
    /// "custom".
    pub preset_id: String,
    pub purpose: Purpose,
    pub effective_from: NaiveDate,
    /// Last day the rules applied, when a later rule set replaced them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<NaiveDate>,
    /// In the order candidates sit them; failing a round ends the candidate's exam.
    pub rounds: Vec<Round>,
    #[serde(default)]
    pub priority: PriorityRule,
    /// What the score must reach, before any priority points, to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pass: Option<TotalPassRule>,
    /// Applied in order to candidates with equal totals; ends with
    /// [`TieBreak::ManualDecision`].
    pub tie_breaks: Vec<TieBreak>,
    #[serde(default)]
    pub appeal: AppealRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<PromotionEligibility>,
    /// Share of the places freed by streamlining, retirement and resignation
    /// that a unit may fill again (Decree 113/2018: 0.5).
    #[serde(default = "default_cap_ratio")]
    pub recruitment_cap_ratio: f64,
    /// Decimals every score is rounded to, once, where it is computed (0 to 4):
    /// section scores, the score and the total; pass marks are checked on the
    /// rounded value, which is the one people read.
    #[serde(default = "default_score_decimals")]
    pub score_decimals: u8,
    /// Where the rules come from and what could not be confirmed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn default_cap_ratio() -> f64 {
    0.5
}

pub const DEFAULT_SCORE_DECIMALS: u8 = 2;
/// Finer than 1/10,000 of a point is noise: rankings compare at that grain.
pub const MAX_SCORE_DECIMALS: u8 = 4;

fn default_score_decimals() -> u8 {
    DEFAULT_SCORE_DECIMALS
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub id: String,
    pub title: Label,
    pub role: RoundRole,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundRole {
    /// Pass or fail only; the scores are not carried into the total.
    Qualifying,
    /// Its sections' weighted scores make up the total that ranks candidates.
    Counting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: Label,
    pub subject: Subject,
    /// Default number of questions for a paper of this section (0 for an interview).
    pub questions: u32,
    /// Default time limit for a paper of this section.
    pub minutes: u32,
    /// Scores are scaled to this maximum whatever the paper's own maximum.
    pub max_points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_mark: Option<PassMark>,
    /// Multiplies the section's score in its round's score (and so in the total).
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Share of a question's points taken off for each wrong answer (0 = none,
    /// 0.25 = a quarter); blank answers cost nothing.
    #[serde(default)]
    pub negative_marking: f64,
    /// Whether negative marking may take the section's score below zero.
    #[serde(default = "default_true")]
    pub floor_at_zero: bool,
    /// Whether a candidate may be exempted (a language degree, a valid
    /// screening-test result…); an exempt section is neither sat nor counted.
    #[serde(default)]
    pub exemptible: bool,
}

fn default_weight() -> f64 {
    1.0
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PassMark {
    /// A share of the maximum, 0–100.
    Percent(f64),
    /// Points on the scale of whatever is measured.
    Points(f64),
}

impl PassMark {
    /// The points needed out of `max`.
    pub fn required_points(self, max: f64) -> f64 {
        match self {
            PassMark::Percent(p) => max * p / 100.0,
            PassMark::Points(p) => p,
        }
    }
}

/// Names one section of one round.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SectionRef {
    pub round: String,
    pub section: String,
}

impl SectionRef {
    pub fn new(round: &str, section: &str) -> SectionRef {
        SectionRef {
            round: round.to_owned(),
            section: section.to_owned(),
        }
    }
}

/// A score a pass rule or tie-break looks at. Never includes priority points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum ScoreRef {
    /// The weighted sum over the counting rounds.
    Total,
    /// The weighted sum over one round's sections.
    Round { round: String },
    /// One section's score, scaled to its maximum, unweighted.
    Section { round: String, section: String },
}

impl ScoreRef {
    pub fn round(round: &str) -> ScoreRef {
        ScoreRef::Round {
            round: round.to_owned(),
        }
    }

    pub fn section(round: &str, section: &str) -> ScoreRef {
        ScoreRef::Section {
            round: round.to_owned(),
            section: section.to_owned(),
        }
    }
}

/// The score must reach `at_least` to pass. Priority points are never part of
/// it: they are added only after a candidate has passed, so they can raise a
/// rank but never turn a fail into a pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalPassRule {
    pub score: ScoreRef,
    pub at_least: PassMark,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PriorityRule {
    pub combination: Combination,
    pub categories: Vec<PriorityCategory>,
    /// With [`Combination::Cumulative`], the most points all categories
    /// together may add; None for no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Combination {
    /// Only the candidate's highest-scoring category counts.
    #[default]
    HighestOnly,
    /// The points of all the candidate's categories add up.
    Cumulative,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityCategory {
    pub code: String,
    pub label: Label,
    pub points: f64,
    /// Where the category comes from, or doubts about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The priority points a candidate is entitled to, and which categories gave them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entitlement {
    pub points: f64,
    /// Codes that count, in the rule set's order.
    pub applied: Vec<String>,
    /// Codes the rule set does not know.
    pub unknown: Vec<String>,
}

impl PriorityRule {
    /// What `codes` are worth under this rule. With [`Combination::HighestOnly`]
    /// and two categories worth the same, the one listed first in the rule set
    /// is named.
    pub fn entitlement<S: AsRef<str>>(&self, codes: &[S]) -> Entitlement {
        let held = |code: &str| codes.iter().any(|c| c.as_ref() == code);
        let mut out = Entitlement::default();
        for c in codes {
            let c = c.as_ref();
            if !self.categories.iter().any(|k| k.code == c) && !out.unknown.iter().any(|u| u == c) {
                out.unknown.push(c.to_owned());
            }
        }
        let matching = self.categories.iter().filter(|k| held(&k.code));
        match self.combination {
            Combination::HighestOnly => {
                let mut best: Option<&PriorityCategory> = None;
                for k in matching {
                    if best.is_none_or(|b| k.points > b.points) {
                        best = Some(k);
                    }
                }
                if let Some(b) = best {
                    out.points = b.points;
                    out.applied.push(b.code.clone());
                }
            }
            Combination::Cumulative => {
                for k in matching {
                    if !out.applied.contains(&k.code) {
                        out.points += k.points;
                        out.applied.push(k.code.clone());
                    }
                }
                if let Some(cap) = self.cap {
                    out.points = out.points.min(cap);
                }
            }
        }
        out
    }
}

/// One step of the ordered tie-break list. Each compares two candidates whose
/// totals (with priority points) are equal; the first step that tells them
/// apart decides. A fact missing from a candidate's record never wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum TieBreak {
    /// The higher score (without priority points) of a round, section or total.
    HigherScore {
        score: ScoreRef,
    },
    /// More correct answers in a section.
    MoreCorrect {
        round: String,
        section: String,
    },
    FemaleFirst,
    EthnicMinorityFirst,
    OlderFirst,
    LongerService,
    /// Candidates exempted from the entry screening test first.
    ScreeningExemptFirst,
    /// The higher score in the national entry screening test.
    HigherScreeningScore,
    /// The head of the agency decides; personnel record the order and a reason.
    ManualDecision,
}

/// Re-marking (phúc khảo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AppealRule {
    /// Days after results are published during which a candidate may ask.
    pub window_days: u32,
    /// Days after the window closes within which re-marking must be done.
    pub remark_days: u32,
    /// Sections that may be re-marked; others (computer-marked tests,
    /// interviews) may not.
    pub remarkable: Vec<SectionRef>,
}

impl AppealRule {
    pub fn allows(&self, round: &str, section: &str) -> bool {
        self.remarkable
            .iter()
            .any(|r| r.round == round && r.section == section)
    }
}

/// Annual appraisal levels, lowest first, so that `>=` reads "at least".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Appraisal {
    /// Không hoàn thành nhiệm vụ.
    NotCompleted,
    /// Hoàn thành nhiệm vụ.
    Completed,
    /// Hoàn thành tốt nhiệm vụ.
    CompletedWell,
    /// Hoàn thành xuất sắc nhiệm vụ.
    CompletedExcellently,
}

/// Who may sit a promotion exam (or be considered in a promotion review).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionEligibility {
    /// Grade codes a candidate may hold now; empty means "set per campaign"
    /// and admits any grade.
    #[serde(default)]
    pub from_grades: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_grade: Option<String>,
    /// Time in the current grade or an equivalent one.
    #[serde(default)]
    pub min_months_in_grade: u32,
    /// Of which at least this much in the current grade itself.
    #[serde(default)]
    pub min_months_in_current_grade: u32,
    pub min_appraisal: Appraisal,
    /// How many of the most recent yearly appraisals must reach `min_appraisal`.
    #[serde(default = "default_one")]
    pub appraisal_years: u32,
    /// No discipline in force and none under review.
    #[serde(default = "default_true")]
    pub no_discipline: bool,
    /// Qualification codes (diplomas, certificates) the candidate must hold.
    #[serde(default)]
    pub required_qualifications: Vec<String>,
}

fn default_one() -> u32 {
    1
}

/// What the staff record says about a would-be promotion candidate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StaffFacts {
    pub grade: String,
    pub months_in_grade: u32,
    pub months_in_current_grade: u32,
    /// Most recent year first; a missing year counts as not reaching the level.
    pub recent_appraisals: Vec<Appraisal>,
    pub under_discipline: bool,
    pub qualifications: Vec<String>,
}

/// Why someone may not sit the promotion exam, as data the UI translates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligibility {
    GradeNotEligible {
        grade: String,
    },
    TooLittleTimeInGrade {
        months: u32,
        required: u32,
    },
    TooLittleTimeInCurrentGrade {
        months: u32,
        required: u32,
    },
    /// `years_ago` 0 is the most recent appraisal; `level` None means no appraisal.
    AppraisalTooLow {
        years_ago: u32,
        level: Option<Appraisal>,
        required: Appraisal,
    },
    Disciplined,
    MissingQualification {
        code: String,
    },
}

impl PromotionEligibility {
    /// Every reason `facts` fall short; empty when the person is eligible.
    pub fn check(&self, facts: &StaffFacts) -> Vec<Ineligibility> {
        let mut out = Vec::new();
        if !self.from_grades.is_empty() && !self.from_grades.contains(&facts.grade) {
            out.push(Ineligibility::GradeNotEligible {
                grade: facts.grade.clone(),
            });
        }
        if facts.months_in_grade < self.min_months_in_grade {
            out.push(Ineligibility::TooLittleTimeInGrade {
                months: facts.months_in_grade,
                required: self.min_months_in_grade,
            });
        }
        if facts.months_in_current_grade < self.min_months_in_current_grade {
            out.push(Ineligibility::TooLittleTimeInCurrentGrade {
                months: facts.months_in_current_grade,
                required: self.min_months_in_current_grade,
            });
        }
        for years_ago in 0..self.appraisal_years {
            let level = facts.recent_appraisals.get(years_ago as usize).copied();
            if level.is_none_or(|l| l < self.min_appraisal) {
                out.push(Ineligibility::AppraisalTooLow {
                    years_ago,
                    level,
                    required: self.min_appraisal,
                });
            }
        }
        if self.no_discipline && facts.under_discipline {
            out.push(Ineligibility::Disciplined);
        }
        for code in &self.required_qualifications {
            if !facts.qualifications.contains(code) {
                out.push(Ineligibility::MissingQualification { code: code.clone() });
            }
        }
        out
    }
}

impl RuleSet {
    pub fn round(&self, id: &str) -> Option<&Round> {
        self.rounds.iter().find(|r| r.id == id)
    }

    pub fn section(&self, round: &str, section: &str) -> Option<&Section> {
        self.round(round)?.sections.iter().find(|s| s.id == section)
    }

    /// The highest value `score` can take, or None when it names nothing.
    pub fn max_of(&self, score: &ScoreRef) -> Option<f64> {
        let weighted = |r: &Round| {
            r.sections
                .iter()
                .map(|s| s.weight * s.max_points)
                .sum::<f64>()
        };
        match score {
            ScoreRef::Total => Some(
                self.rounds
                    .iter()
                    .filter(|r| r.role == RoundRole::Counting)
                    .map(weighted)
                    .sum(),
            ),
            ScoreRef::Round { round } => self.round(round).map(weighted),
            ScoreRef::Section { round, section } => {
                self.section(round, section).map(|s| s.max_points)
            }
        }
    }

    /// Whether this rule set applies to something held on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        date >= self.effective_from && self.effective_until.is_none_or(|u| date <= u)
    }

    /// Whether the rule set applies on every day from `from` to `until`, both
    /// included: a campaign run under it may neither start before the rules take
    /// effect nor go on after a later rule set replaced them.
    pub fn in_force_throughout(&self, from: NaiveDate, until: NaiveDate) -> bool {
        self.in_force_on(from) && self.in_force_on(until)
    }
}

/// Everything wrong with `rules`, one sentence each; empty when the rule set
/// can be used.
pub fn validate(rules: &RuleSet) -> Vec<String> {
    let mut out = Vec::new();
    if rules.name.trim().is_empty() {
        out.push("the rule set needs a name".to_owned());
    }
    if rules.preset_id.trim().is_empty() {
        out.push(
            "the preset id is empty; use \"custom\" for a rule set made from scratch".to_owned(),
        );
    }
    if let Some(until) = rules.effective_until
        && until < rules.effective_from
    {
        out.push(format!(
            "the rule set ends on {until}, before it takes effect on {}",
            rules.effective_from
        ));
    }
    validate_rounds(rules, &mut out);
    validate_priority(&rules.priority, &mut out);

    let score_ref = |score: &ScoreRef, what: &str, out: &mut Vec<String>| {
        let named = match score {
            ScoreRef::Total => true,
            ScoreRef::Round { round } => rules.round(round).is_some(),
            ScoreRef::Section { round, section } => rules.section(round, section).is_some(),
        };
        if !named {
            out.push(format!(
                "{what} refers to {}, which the rule set does not have",
                describe(score)
            ));
        }
    };

    if let Some(rule) = &rules.total_pass {
        score_ref(&rule.score, "the pass rule", &mut out);
        if let Some(max) = rules.max_of(&rule.score) {
            check_pass_mark(rule.at_least, max, "the pass rule", &mut out);
        }
    }

    for (i, tb) in rules.tie_breaks.iter().enumerate() {
        let what = format!("tie-break {}", i + 1);
        match tb {
            TieBreak::HigherScore { score } => score_ref(score, &what, &mut out),
            TieBreak::MoreCorrect { round, section } => {
                score_ref(&ScoreRef::section(round, section), &what, &mut out)
            }
            _ => {}
        }
        if rules.tie_breaks[..i].contains(tb) {
            out.push(format!("{what} repeats an earlier tie-break"));
        }
    }
    match rules.tie_breaks.iter().position(|t| *t == TieBreak::ManualDecision) {
        None => out.push(
            "the tie-break list must end with a manual decision, so that every tie can be settled"
                .to_owned(),
        ),
        Some(p) if p + 1 != rules.tie_breaks.len() => out.push(format!(
            "the manual decision is tie-break {} of {}; it must come last, since nothing after it is ever reached",
            p + 1,
            rules.tie_breaks.len()
        )),
        Some(_) => {}
    }

    for r in &rules.appeal.remarkable {
        if rules.section(&r.round, &r.section).is_none() {
            out.push(format!(
                "re-marking is allowed for round \"{}\", section \"{}\", which the rule set does not have",
                r.round, r.section
            ));
        }
    }
    if !rules.appeal.remarkable.is_empty() && rules.appeal.window_days == 0 {
        out.push("sections may be re-marked but the appeal window is 0 days".to_owned());
    }

    if rules.purpose == Purpose::Promotion && rules.promotion.is_none() {
        out.push("a promotion rule set needs eligibility rules".to_owned());
    }
    if let Some(p) = &rules.promotion
        && p.min_months_in_current_grade > p.min_months_in_grade
    {
        out.push(format!(
            "promotion asks for {} months in the current grade but only {} in grade overall",
            p.min_months_in_current_grade, p.min_months_in_grade
        ));
    }

    if rules.score_decimals > MAX_SCORE_DECIMALS {
        out.push(format!(
            "scores are rounded to {} decimals; expected 0 to {}",
            rules.score_decimals, MAX_SCORE_DECIMALS
        ));
    }
    let cap = rules.recruitment_cap_ratio;
    if !(cap.is_finite() && (0.0..=1.0).contains(&cap)) {
        out.push(format!("the recruitment cap ratio is {cap}, expected between 0 and 1 (0.5 = half the freed places)"));
    }
    out
}

fn describe(score: &ScoreRef) -> String {
    match score {
        ScoreRef::Total => "the total".to_owned(),
        ScoreRef::Round { round } => format!("round \"{round}\""),
        ScoreRef::Section { round, section } => format!("round \"{round}\", section \"{section}\""),
    }
}

fn validate_rounds(rules: &RuleSet, out: &mut Vec<String>) {
    if rules.rounds.is_empty() {
        out.push("the rule set has no rounds".to_owned());
        return;
    }
    for (i, round) in rules.rounds.iter().enumerate() {
        let at = if round.id.trim().is_empty() {
            out.push(format!("round {} has no id", i + 1));
            format!("round {}", i + 1)
        } else {
            format!("round \"{}\"", round.id)
        };
        if rules.rounds[..i].iter().any(|r| r.id == round.id) {
            out.push(format!("{at} appears twice; round ids must be unique"));
        }
        if round.sections.is_empty() {
            out.push(format!("{at} has no sections"));
        }
        for (j, s) in round.sections.iter().enumerate() {
            let at = if s.id.trim().is_empty() {
                out.push(format!("{at}: section {} has no id", j + 1));
                format!("{at}, section {}", j + 1)
            } else {
                format!("{at}, section \"{}\"", s.id)
            };
            if round.sections[..j].iter().any(|o| o.id == s.id) {
                out.push(format!(
                    "{at} appears twice in the round; section ids must be unique"
                ));
            }
            if !(s.max_points.is_finite() && s.max_points > 0.0) {
                out.push(format!(
                    "{at}: maximum points must be above 0, got {}",
                    s.max_points
                ));
                continue;
            }
            if !(s.weight.is_finite() && s.weight >= 0.0) {
                out.push(format!("{at}: weight must be 0 or more, got {}", s.weight));
            }
            if !(s.negative_marking.is_finite() && (0.0..=1.0).contains(&s.negative_marking)) {
                out.push(format!(
                    "{at}: negative marking is {}, expected a share of a question's points between 0 and 1",
                    s.negative_marking
                ));
            }
            if let Some(pm) = s.pass_mark {
                check_pass_mark(pm, s.max_points, &at, out);
            }
        }
    }
    let counting: Vec<&Round> = rules
        .rounds
        .iter()
        .filter(|r| r.role == RoundRole::Counting)
        .collect();
    if counting.is_empty() {
        out.push(
            "no round counts toward the ranking; mark at least one round as counting".to_owned(),
        );
    } else if !counting
        .iter()
        .flat_map(|r| &r.sections)
        .any(|s| s.weight > 0.0)
    {
        out.push(
            "every section of the counting rounds has weight 0, so every total would be 0"
                .to_owned(),
        );
    }
}

fn check_pass_mark(pm: PassMark, max: f64, at: &str, out: &mut Vec<String>) {
    match pm {
        PassMark::Percent(p) if !(p.is_finite() && p > 0.0 && p <= 100.0) => out.push(format!(
            "{at}: pass mark {p}% must be above 0% and at most 100%"
        )),
        PassMark::Points(p) if !(p.is_finite() && p > 0.0 && p <= max) => out.push(format!(
            "{at}: pass mark {p} points must be above 0 and at most the maximum, {max}"
        )),
        _ => {}
    }
}

fn validate_priority(rule: &PriorityRule, out: &mut Vec<String>) {
    if let Some(cap) = rule.cap
        && !(cap.is_finite() && cap >= 0.0)
    {
        out.push(format!("the priority cap must be 0 or more, got {cap}"));
    }
    for (i, k) in rule.categories.iter().enumerate() {
        let at = if k.code.trim().is_empty() {
            out.push(format!("priority category {} has no code", i + 1));
            format!("priority category {}", i + 1)
        } else {
            format!("priority category \"{}\"", k.code)
        };
        if rule.categories[..i].iter().any(|o| o.code == k.code) {
            out.push(format!("{at} appears twice; codes must be unique"));
        }
        if !(k.points.is_finite() && k.points >= 0.0) {
            out.push(format!("{at}: points must be 0 or more, got {}", k.points));
        }
        if k.label.vi.trim().is_empty() || k.label.en.trim().is_empty() {
            out.push(format!("{at} needs a label in both Vietnamese and English"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(id: &str, max: f64) -> Section {
        Section {
            id: id.to_owned(),
            title: Label::new(id, id),
            subject: Subject::Specialised,
            questions: 0,
            minutes: 60,
            max_points: max,
            pass_mark: Some(PassMark::Percent(50.0)),
            weight: 1.0,
            negative_marking: 0.0,
            floor_at_zero: true,
            exemptible: false,
        }
    }

    fn minimal() -> RuleSet {
        RuleSet {
            name: "test".to_owned(),
            preset_id: "custom".to_owned(),
            purpose: Purpose::Recruitment,
            effective_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            effective_until: None,
            rounds: vec![Round {
                id: "exam".to_owned(),
                title: Label::new("Thi", "Exam"),
                role: RoundRole::Counting,
                sections: vec![section("paper", 100.0)],
            }],
            priority: PriorityRule::default(),
            total_pass: None,
            tie_breaks: vec![TieBreak::ManualDecision],
            appeal: AppealRule::default(),
            promotion: None,
            recruitment_cap_ratio: 0.5,
            score_decimals: DEFAULT_SCORE_DECIMALS,
            notes: vec![],
        }
    }

    fn category(code: &str, points: f64) -> PriorityCategory {
        PriorityCategory {
            code: code.to_owned(),
            label: Label::new(code, code),
            points,
            note: None,
        }
    }

    #[test]
    fn minimal_rule_set_is_valid() {
        assert_eq!(validate(&minimal()), Vec::<String>::new());
    }

    #[test]
    fn score_precision_defaults_to_two_decimals_and_stops_at_four() {
        let mut json = serde_json::to_value(minimal()).unwrap_or_default();
        if let Some(o) = json.as_object_mut() {
            o.remove("score_decimals");
        }
        let r: Option<RuleSet> = serde_json::from_value(json).ok();
        assert_eq!(
            r.map(|r| r.score_decimals),
            Some(2),
            "older rule sets read as 2"
        );
        let mut r = minimal();
        r.score_decimals = 4;
        assert!(validate(&r).is_empty());
        r.score_decimals = 5;
        assert_eq!(
            validate(&r),
            vec!["scores are rounded to 5 decimals; expected 0 to 4"]
        );
    }

    #[test]
    fn pass_mark_above_hundred_percent_is_named_with_its_section() {
        let mut r = minimal();
        r.rounds[0].sections[0].pass_mark = Some(PassMark::Percent(120.0));
        let problems = validate(&r);
        assert_eq!(
            problems,
            vec![
                "round \"exam\", section \"paper\": pass mark 120% must be above 0% and at most 100%"
            ]
        );
    }

    #[test]
    fn pass_rule_naming_a_missing_round_is_reported() {
        let mut r = minimal();
        r.total_pass = Some(TotalPassRule {
            score: ScoreRef::round("round_2"),
            at_least: PassMark::Points(50.0),
        });
        let problems = validate(&r);
        assert_eq!(
            problems,
            vec!["the pass rule refers to round \"round_2\", which the rule set does not have"]
        );
    }

    #[test]
    fn manual_decision_must_close_the_tie_break_list() {
        let mut r = minimal();
        r.tie_breaks = vec![TieBreak::OlderFirst];
        assert!(validate(&r)[0].contains("must end with a manual decision"));
        r.tie_breaks = vec![TieBreak::ManualDecision, TieBreak::OlderFirst];
        assert!(validate(&r)[0].contains("it must come last"));
    }

    #[test]
    fn duplicate_ids_and_bad_numbers_are_all_reported() {
        let mut r = minimal();
        r.rounds[0].sections.push(section("paper", 0.0));
        r.priority.categories = vec![category("x", -1.0), category("x", 2.0)];
        r.recruitment_cap_ratio = 1.5;
        let problems = validate(&r);
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("appears twice in the round"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("maximum points must be above 0, got 0"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"x\": points must be 0 or more"))
        );
        assert!(problems.iter().any(|p| p.contains("\"x\" appears twice")));
        assert!(problems.iter().any(|p| p.contains("cap ratio is 1.5")));
    }

    #[test]
    fn a_rule_set_with_only_qualifying_rounds_cannot_rank() {
        let mut r = minimal();
        r.rounds[0].role = RoundRole::Qualifying;
        assert!(validate(&r).iter().any(|p| p.contains("no round counts")));
    }

    #[test]
    fn highest_only_takes_the_best_category_and_names_it() {
        let rule = PriorityRule {
            combination: Combination::HighestOnly,
            cap: None,
            categories: vec![category("a", 2.5), category("b", 5.0), category("c", 7.5)],
        };
        let e = rule.entitlement(&["a", "b", "zz"]);
        assert_eq!(e.points, 5.0);
        assert_eq!(e.applied, vec!["b"]);
        assert_eq!(e.unknown, vec!["zz"]);
    }

    #[test]
    fn cumulative_adds_each_category_once() {
        let rule = PriorityRule {
            combination: Combination::Cumulative,
            cap: None,
            categories: vec![category("a", 2.5), category("b", 5.0)],
        };
        let e = rule.entitlement(&["b", "a", "a"]);
        assert_eq!(e.points, 7.5);
        assert_eq!(e.applied, vec!["a", "b"]);
    }

    #[test]
    fn eligibility_lists_every_shortfall() {
        let rule = PromotionEligibility {
            from_grades: vec!["01.003".to_owned()],
            to_grade: Some("01.002".to_owned()),
            min_months_in_grade: 108,
            min_months_in_current_grade: 12,
            min_appraisal: Appraisal::CompletedWell,
            appraisal_years: 2,
            no_discipline: true,
            required_qualifications: vec!["master".to_owned()],
        };
        let facts = StaffFacts {
            grade: "01.003".to_owned(),
            months_in_grade: 100,
            months_in_current_grade: 24,
            recent_appraisals: vec![Appraisal::CompletedExcellently],
            under_discipline: true,
            qualifications: vec![],
        };
        assert_eq!(
            rule.check(&facts),
            vec![
                Ineligibility::TooLittleTimeInGrade {
                    months: 100,
                    required: 108
                },
                Ineligibility::AppraisalTooLow {
                    years_ago: 1,
                    level: None,
                    required: Appraisal::CompletedWell
                },
                Ineligibility::Disciplined,
                Ineligibility::MissingQualification {
                    code: "master".to_owned()
                },
            ]
        );
        let ok = StaffFacts {
            months_in_grade: 120,
            recent_appraisals: vec![Appraisal::CompletedWell, Appraisal::CompletedExcellently],
            under_discipline: false,
            qualifications: vec!["master".to_owned()],
            ..facts
        };
        assert!(rule.check(&ok).is_empty());
    }

    #[test]
    fn rule_set_round_trips_through_json() {
        let mut r = minimal();
        r.total_pass = Some(TotalPassRule {
            score: ScoreRef::section("exam", "paper"),
            at_least: PassMark::Points(50.0),
        });
        r.tie_breaks = vec![
            TieBreak::HigherScore {
                score: ScoreRef::Total,
            },
            TieBreak::FemaleFirst,
            TieBreak::ManualDecision,
        ];
        let json = serde_json::to_string(&r).unwrap_or_default();
        let back: Result<RuleSet, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(r));
        assert!(
            json.contains(r#"{"rule":"higher_score","score":{"of":"total"}}"#),
            "{json}"
        );
    }

    #[test]
    fn in_force_covers_both_ends() {
        let mut r = minimal();
        r.effective_until = NaiveDate::from_ymd_opt(2024, 12, 31);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert!(r.in_force_on(d(2024, 1, 1)));
        assert!(r.in_force_on(d(2024, 12, 31)));
        assert!(!r.in_force_on(d(2025, 1, 1)));
        assert!(!r.in_force_on(d(2023, 12, 31)));
    }

    #[test]
    fn a_period_is_in_force_only_when_both_its_ends_are() {
        let mut r = minimal();
        r.effective_from = NaiveDate::from_ymd_opt(2020, 12, 1).unwrap_or_default();
        r.effective_until = NaiveDate::from_ymd_opt(2025, 6, 30);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert!(r.in_force_throughout(d(2025, 5, 1), d(2025, 6, 30)));
        assert!(
            !r.in_force_throughout(d(2025, 6, 1), d(2025, 7, 1)),
            "runs past the day the rules were replaced"
        );
        assert!(
            !r.in_force_throughout(d(2026, 11, 25), d(2026, 12, 25)),
            "wholly after"
        );
        assert!(
            !r.in_force_throughout(d(2020, 11, 30), d(2020, 12, 30)),
            "starts the day before the rules took effect"
        );
        r.effective_until = None;
        assert!(r.in_force_throughout(d(2026, 11, 25), d(2030, 1, 1)));
    }
}
