//! Payroll-streamlining plans as plain values: the workflow, targets, who may
//! be proposed, the early-retirement payout, and the projection of headcount,
//! payroll and the recruitment cap year by year. No database, no clock.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::staff::domain::{Coefficient, monthly_pay};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Submitted,
    Approved,
    CarriedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Hundredths of a percent of the baseline headcount (150 = 1.5%).
    Percent,
    /// A number of people.
    Count,
}

/// Why a person is proposed (Decree 29/2023 art. 2, summarised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Made redundant by reorganisation or merger.
    Reorganisation,
    /// Not qualified for the position and cannot be redeployed.
    Unqualified,
    /// Appraised "not completed" (or "completed" with low marks) two years running.
    LowAppraisal,
    /// Long sick leave two years running.
    LongSickLeave,
    Other,
}

/// How the person leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExitRoute {
    EarlyRetirement,
    Resignation,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}
str_enum!(PlanStatus { Draft = "draft", Submitted = "submitted", Approved = "approved", CarriedOut = "carried_out" });
str_enum!(TargetKind { Percent = "percent", Count = "count" });
str_enum!(Category { Reorganisation = "reorganisation", Unqualified = "unqualified", LowAppraisal = "low_appraisal", LongSickLeave = "long_sick_leave", Other = "other" });
str_enum!(ExitRoute { EarlyRetirement = "early_retirement", Resignation = "resignation" });

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Reorganisation,
        Category::Unqualified,
        Category::LowAppraisal,
        Category::LongSickLeave,
        Category::Other,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Return,
    CarryOut,
}

/// The next status, or `None` when the action does not apply now.
pub fn transition(status: PlanStatus, action: Action) -> Option<PlanStatus> {
    use PlanStatus::*;
    match (status, action) {
        (Draft, Action::Submit) => Some(Submitted),
        (Submitted, Action::Approve) => Some(Approved),
        (Submitted, Action::Return) => Some(Draft),
        (Approved, Action::CarryOut) => Some(CarriedOut),
        _ => None,
    }
}

/// Only a draft can be edited (targets, people); a returned plan is a draft again.
pub fn editable(status: PlanStatus) -> bool {
    status == PlanStatus::Draft
}

/// Approval needs personnel of a unit strictly above the plan's unit: `ancestors`
/// are the plan unit's ancestors, nearest first, without the unit itself.
pub fn may_approve(approver_unit: Option<i32>, ancestors: &[i32]) -> bool {
    approver_unit.is_some_and(|u| ancestors.contains(&u))
}

/// People to take out of the payroll for a target: percent targets round up,
/// so a 1.5% target on 30 people is one person, not zero.
pub fn target_count(kind: TargetKind, amount: i32, baseline: i32) -> i32 {
    match kind {
        TargetKind::Count => amount.max(0),
        TargetKind::Percent => {
            let num = i64::from(baseline.max(0)) * i64::from(amount.max(0));
            ((num + 9_999) / 10_000) as i32
        }
    }
}

/// What is known about a person when they are proposed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExclusionFacts {
    pub under_disciplinary_review: bool,
    pub pregnant: bool,
    pub on_maternity_leave: bool,
    pub youngest_child_birth: Option<NaiveDate>,
    pub volunteer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    UnderDisciplinaryReview,
    Pregnant,
    MaternityLeave,
    ChildUnder36Months,
}

impl Exclusion {
    pub fn key(self) -> &'static str {
        match self {
            Exclusion::UnderDisciplinaryReview => "plans.excluded_review",
            Exclusion::Pregnant => "plans.excluded_pregnant",
            Exclusion::MaternityLeave => "plans.excluded_maternity",
            Exclusion::ChildUnder36Months => "plans.excluded_child",
        }
    }
}

/// Who may not be streamlined (Decree 29/2023 art. 3): anyone under
/// disciplinary review or investigation, without exception; and, unless they
/// volunteer, a woman pregnant, on maternity leave or raising a child under 36
/// months on `day`.
pub fn exclusion(f: &ExclusionFacts, day: NaiveDate) -> Option<Exclusion> {
    if f.under_disciplinary_review {
        return Some(Exclusion::UnderDisciplinaryReview);
    }
    if f.volunteer {
        return None;
    }
    if f.pregnant {
        return Some(Exclusion::Pregnant);
    }
    if f.on_maternity_leave {
        return Some(Exclusion::MaternityLeave);
    }
    if let Some(born) = f.youngest_child_birth
        && born <= day
        && crate::staff::domain::whole_months(born, day) < 36
    {
        return Some(Exclusion::ChildUnder36Months);
    }
    None
}

/// The early-retirement payout (Decree 178/2024 art. 7, summarised): for
/// retiring 2–5 years early, 5 months' salary per year early, plus 5 months for
/// the first 20 years of social insurance and half a month for each later
/// year. Kept as data so a corrected reading of the decree is an edit, not a
/// release. Months are in tenths (50 = 5 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayoutRule {
    pub months_per_year_early: i32,
    pub months_for_first_20_years: i32,
    pub months_per_later_year: i32,
    pub min_years_early: i32,
    pub max_years_early: i32,
}

impl Default for PayoutRule {
    fn default() -> Self {
        PayoutRule {
            months_per_year_early: 50,
            months_for_first_20_years: 50,
            months_per_later_year: 5,
            min_years_early: 2,
            max_years_early: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payout {
    Estimate {
        /// Months of salary, in tenths.
        months_tenths: i64,
        amount_vnd: i64,
    },
    /// Leaving less than the minimum or more than the maximum years early.
    OutsideWindow { months_early: i32 },
    /// The route has no formula here (resignation).
    NotEstimated,
}

/// Payout for leaving `months_early` months before the retirement date with
/// `insured_years` of social insurance. Partial years early count pro rata by
/// month.
pub fn early_retirement_payout(
    rule: &PayoutRule,
    monthly_salary: i64,
    months_early: i32,
    insured_years: i32,
) -> Payout {
    if months_early < rule.min_years_early * 12 || months_early > rule.max_years_early * 12 {
        return Payout::OutsideWindow { months_early };
    }
    // tenths of a month × 12, to keep months-early exact
    let early = i64::from(rule.months_per_year_early) * i64::from(months_early);
    let service = if insured_years >= 20 {
        i64::from(rule.months_for_first_20_years)
            + i64::from(rule.months_per_later_year) * i64::from(insured_years - 20)
    } else {
        0
    } * 12;
    let twelfths_of_tenths = early + service;
    let amount = (i128::from(monthly_salary) * i128::from(twelfths_of_tenths) + 60) / 120;
    Payout::Estimate {
        months_tenths: (twelfths_of_tenths + 6) / 12,
        amount_vnd: amount as i64,
    }
}

/// The recruitment cap (Decree 113/2018): hires may replace at most `ratio`
/// percent of the departures, rounded down.
pub fn recruitment_cap(ratio_pct: i32, departures: i32) -> i32 {
    (i64::from(departures.max(0)) * i64::from(ratio_pct.clamp(0, 100)) / 100) as i32
}

/// A person on the payroll at the baseline, as the projection sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Projected {
    pub staff_id: i32,
    pub unit_id: i32,
    pub coefficient: Coefficient,
    pub retirement_year: Option<i32>,
    /// The plan year they are proposed for, if any.
    pub streamlined_in: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitBaseline {
    pub unit_id: i32,
    pub headcount: i32,
    pub quota: i32,
    /// Reduction targets as people, by year.
    pub targets: BTreeMap<i32, i32>,
}

#[derive(Debug, Clone)]
pub struct ProjectionInput {
    pub first_year: i32,
    pub last_year: i32,
    pub cap_ratio_pct: i32,
    /// Coefficient assumed for each hire (the first step of A1 by default).
    pub hire_coefficient: Coefficient,
    /// Base salary by year (the rate the year ends with).
    pub base_by_year: BTreeMap<i32, i64>,
    pub units: Vec<UnitBaseline>,
    pub people: Vec<Projected>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProjectionRow {
    /// `None` in the totals row.
    pub unit_id: Option<i32>,
    pub year: i32,
    pub headcount_start: i32,
    pub streamlined: i32,
    pub retired: i32,
    pub departures: i32,
    /// Hires allowed this year: ratio × departures.
    pub cap: i32,
    /// At year end, hiring up to the cap.
    pub headcount_end: i32,
    pub quota: i32,
    /// Baseline minus the cumulative targets.
    pub target_headcount: i32,
    pub meets_target: bool,
    /// Coefficient × base × 12 for the year-end headcount.
    pub payroll_vnd: i64,
}

/// Year by year, per unit: who leaves (streamlined in their plan year, or
/// retiring in the year their retirement date falls — overdue retirements in
/// the first year), the hires the cap allows (assumed made), the headcount
/// against quota and target, and the payroll.
pub fn project(input: &ProjectionInput) -> Vec<ProjectionRow> {
    let mut rows = Vec::new();
    for unit in &input.units {
        let people: Vec<&Projected> = input
            .people
            .iter()
            .filter(|p| p.unit_id == unit.unit_id)
            .collect();
        let mut gone: HashSet<i32> = HashSet::new();
        let mut hires = 0;
        let mut cumulative_target = 0;
        // Staff the baseline counts but the list does not hold are kept as-is.
        let unlisted = (unit.headcount - people.len() as i32).max(0);
        for year in input.first_year..=input.last_year {
            let headcount_start = people.len() as i32 - gone.len() as i32 + unlisted + hires;
            let mut streamlined = 0;
            let mut retired = 0;
            for p in &people {
                if gone.contains(&p.staff_id) {
                    continue;
                }
                let retires = p.retirement_year.is_some_and(|y| y <= year);
                if p.streamlined_in == Some(year) && !retires {
                    streamlined += 1;
                    gone.insert(p.staff_id);
                } else if retires {
                    retired += 1;
                    gone.insert(p.staff_id);
                }
            }
            let departures = streamlined + retired;
            let cap = recruitment_cap(input.cap_ratio_pct, departures);
            hires += cap;
            let headcount_end = headcount_start - departures + cap;
            cumulative_target += unit.targets.get(&year).copied().unwrap_or(0);
            let target_headcount = (unit.headcount - cumulative_target).max(0);
            let coefficients: i64 = people
                .iter()
                .filter(|p| !gone.contains(&p.staff_id))
                .map(|p| i64::from(p.coefficient))
                .sum::<i64>()
                + i64::from(hires) * i64::from(input.hire_coefficient);
            let base = input.base_by_year.get(&year).copied().unwrap_or(0);
            let payroll_vnd = 12 * monthly_pay_sum(coefficients, base);
            rows.push(ProjectionRow {
                unit_id: Some(unit.unit_id),
                year,
                headcount_start,
                streamlined,
                retired,
                departures,
                cap,
                headcount_end,
                quota: unit.quota,
                target_headcount,
                meets_target: headcount_end <= target_headcount,
                payroll_vnd,
            });
        }
    }
    rows
}

fn monthly_pay_sum(coefficients: i64, base: i64) -> i64 {
    // Sums of coefficients can pass i32; the same rounding as `monthly_pay`.
    match i32::try_from(coefficients) {
        Ok(c) => monthly_pay(c, base),
        Err(_) => (coefficients * base + 50) / 100,
    }
}

/// The plan-wide row for each year: the sum of the units' rows.
pub fn totals(rows: &[ProjectionRow]) -> Vec<ProjectionRow> {
    let mut by_year: BTreeMap<i32, ProjectionRow> = BTreeMap::new();
    for r in rows {
        let t = by_year.entry(r.year).or_insert_with(|| ProjectionRow {
            unit_id: None,
            year: r.year,
            headcount_start: 0,
            streamlined: 0,
            retired: 0,
            departures: 0,
            cap: 0,
            headcount_end: 0,
            quota: 0,
            target_headcount: 0,
            meets_target: true,
            payroll_vnd: 0,
        });
        t.headcount_start += r.headcount_start;
        t.streamlined += r.streamlined;
        t.retired += r.retired;
        t.departures += r.departures;
        t.cap += r.cap;
        t.headcount_end += r.headcount_end;
        t.quota += r.quota;
        t.target_headcount += r.target_headcount;
        t.payroll_vnd += r.payroll_vnd;
    }
    by_year
        .into_values()
        .map(|mut t| {
            t.meets_target = t.headcount_end <= t.target_headcount;
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn workflow_goes_draft_submitted_approved_carried_out() {
        use PlanStatus::*;
        assert_eq!(transition(Draft, Action::Submit), Some(Submitted));
        assert_eq!(transition(Submitted, Action::Return), Some(Draft));
        assert_eq!(transition(Submitted, Action::Approve), Some(Approved));
        assert_eq!(transition(Approved, Action::CarryOut), Some(CarriedOut));
        assert_eq!(transition(Draft, Action::Approve), None);
        assert_eq!(transition(Draft, Action::CarryOut), None);
        assert_eq!(transition(CarriedOut, Action::Submit), None);
        assert!(editable(Draft) && !editable(Submitted) && !editable(Approved));
    }

    #[test]
    fn only_a_higher_unit_approves() {
        assert!(may_approve(Some(1), &[3, 1]));
        assert!(!may_approve(Some(4), &[3, 1]));
        assert!(!may_approve(None, &[3, 1]));
        assert!(!may_approve(Some(4), &[]));
    }

    #[test]
    fn percent_targets_round_up_to_whole_people() {
        assert_eq!(target_count(TargetKind::Percent, 150, 30), 1);
        assert_eq!(target_count(TargetKind::Percent, 200, 100), 2);
        assert_eq!(target_count(TargetKind::Percent, 1000, 45), 5);
        assert_eq!(target_count(TargetKind::Percent, 0, 45), 0);
        assert_eq!(target_count(TargetKind::Count, 3, 45), 3);
        assert_eq!(target_count(TargetKind::Count, -3, 45), 0);
    }

    #[test]
    fn disciplinary_review_excludes_even_volunteers() {
        let f = ExclusionFacts {
            under_disciplinary_review: true,
            volunteer: true,
            ..Default::default()
        };
        assert_eq!(
            exclusion(&f, d(2026, 1, 1)),
            Some(Exclusion::UnderDisciplinaryReview)
        );
    }

    #[test]
    fn mothers_are_excluded_unless_they_volunteer() {
        let day = d(2026, 6, 1);
        let pregnant = ExclusionFacts {
            pregnant: true,
            ..Default::default()
        };
        assert_eq!(exclusion(&pregnant, day), Some(Exclusion::Pregnant));
        let leave = ExclusionFacts {
            on_maternity_leave: true,
            ..Default::default()
        };
        assert_eq!(exclusion(&leave, day), Some(Exclusion::MaternityLeave));
        let child = ExclusionFacts {
            youngest_child_birth: Some(d(2023, 6, 2)),
            ..Default::default()
        };
        assert_eq!(exclusion(&child, day), Some(Exclusion::ChildUnder36Months));
        let older = ExclusionFacts {
            youngest_child_birth: Some(d(2023, 6, 1)),
            ..Default::default()
        };
        assert_eq!(
            exclusion(&older, day),
            None,
            "36 months on the day: no longer excluded"
        );
        let volunteer = ExclusionFacts {
            pregnant: true,
            on_maternity_leave: true,
            volunteer: true,
            ..Default::default()
        };
        assert_eq!(exclusion(&volunteer, day), None);
        assert_eq!(exclusion(&ExclusionFacts::default(), day), None);
    }

    #[test]
    fn early_retirement_payout_follows_decree_178() {
        let rule = PayoutRule::default();
        // 3 years early, 25 years insured: 15 + 5 + 2.5 = 22.5 months.
        assert_eq!(
            early_retirement_payout(&rule, 10_000_000, 36, 25),
            Payout::Estimate {
                months_tenths: 225,
                amount_vnd: 225_000_000
            }
        );
        // 2.5 years early, 20 years: 12.5 + 5 = 17.5 months.
        assert_eq!(
            early_retirement_payout(&rule, 10_000_000, 30, 20),
            Payout::Estimate {
                months_tenths: 175,
                amount_vnd: 175_000_000
            }
        );
        // Under 20 years insured: only the years-early part.
        assert_eq!(
            early_retirement_payout(&rule, 10_000_000, 24, 15),
            Payout::Estimate {
                months_tenths: 100,
                amount_vnd: 100_000_000
            }
        );
        assert_eq!(
            early_retirement_payout(&rule, 10_000_000, 23, 25),
            Payout::OutsideWindow { months_early: 23 }
        );
        assert_eq!(
            early_retirement_payout(&rule, 10_000_000, 61, 25),
            Payout::OutsideWindow { months_early: 61 }
        );
        let generous = PayoutRule {
            months_per_year_early: 60,
            ..rule
        };
        assert_eq!(
            early_retirement_payout(&generous, 1_000_000, 24, 0),
            Payout::Estimate {
                months_tenths: 120,
                amount_vnd: 12_000_000
            }
        );
    }

    #[test]
    fn cap_is_half_the_departures_rounded_down() {
        assert_eq!(recruitment_cap(50, 5), 2);
        assert_eq!(recruitment_cap(50, 6), 3);
        assert_eq!(recruitment_cap(0, 6), 0);
        assert_eq!(recruitment_cap(100, 6), 6);
        assert_eq!(recruitment_cap(50, 0), 0);
    }

    fn person(id: i32, unit: i32, coef: i32, retire: Option<i32>, out: Option<i32>) -> Projected {
        Projected {
            staff_id: id,
            unit_id: unit,
            coefficient: coef,
            retirement_year: retire,
            streamlined_in: out,
        }
    }

    #[test]
    fn projection_counts_departures_caps_and_payroll() {
        let input = ProjectionInput {
            first_year: 2026,
            last_year: 2027,
            cap_ratio_pct: 50,
            hire_coefficient: 234,
            base_by_year: BTreeMap::from([(2026, 2_340_000), (2027, 2_340_000)]),
            units: vec![UnitBaseline {
                unit_id: 1,
                headcount: 4,
                quota: 5,
                targets: BTreeMap::from([(2026, 1), (2027, 1)]),
            }],
            people: vec![
                person(1, 1, 300, Some(2026), None),
                person(2, 1, 300, None, Some(2026)),
                person(3, 1, 300, Some(2030), Some(2027)),
                person(4, 1, 300, Some(2025), None), // overdue: leaves in the first year
            ],
        };
        let rows = project(&input);
        assert_eq!(rows.len(), 2);
        let y1 = &rows[0];
        assert_eq!(
            (
                y1.headcount_start,
                y1.streamlined,
                y1.retired,
                y1.departures,
                y1.cap,
                y1.headcount_end
            ),
            (4, 1, 2, 3, 1, 2)
        );
        assert_eq!(y1.target_headcount, 3);
        assert!(y1.meets_target);
        // Person 3 and one hire at 2.34: (3.00 + 2.34) × 2,340,000 × 12.
        assert_eq!(y1.payroll_vnd, 12 * 12_495_600);
        let y2 = &rows[1];
        assert_eq!(
            (
                y2.headcount_start,
                y2.streamlined,
                y2.retired,
                y2.cap,
                y2.headcount_end
            ),
            (2, 1, 0, 0, 1)
        );
        assert_eq!(y2.target_headcount, 2);
        let t = totals(&rows);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].departures, 3);
        assert_eq!(t[0].unit_id, None);
    }

    #[test]
    fn someone_retiring_before_their_streamlining_year_counts_as_a_retirement() {
        let input = ProjectionInput {
            first_year: 2026,
            last_year: 2026,
            cap_ratio_pct: 50,
            hire_coefficient: 234,
            base_by_year: BTreeMap::new(),
            units: vec![UnitBaseline {
                unit_id: 1,
                headcount: 1,
                quota: 1,
                targets: BTreeMap::new(),
            }],
            people: vec![person(1, 1, 300, Some(2026), Some(2026))],
        };
        let rows = project(&input);
        assert_eq!((rows[0].streamlined, rows[0].retired), (0, 1));
    }
}
