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
/// percent of the departures, rounded down. For a group of units (a plan) the
/// departures are the whole group's: see [`group_cap`].
pub fn recruitment_cap(ratio_pct: i32, departures: i32) -> i32 {
    (i64::from(departures.max(0)) * i64::from(ratio_pct.clamp(0, 100)) / 100) as i32
}

/// The cap of a group of units: the ratio applied to the departures of the whole
/// group, rounded down once — not the sum of each unit's rounded-down figure, which
/// allows no one when one person leaves each of two units at 50%.
pub fn group_cap(ratio_pct: i32, departures: &[i32]) -> i32 {
    let total: i64 = departures.iter().map(|d| i64::from((*d).max(0))).sum();
    recruitment_cap(ratio_pct, i32::try_from(total).unwrap_or(i32::MAX))
}

/// Shares a group's cap among its units in proportion to their departures: each
/// unit first gets its own rounded-down figure, and the hires left over go one
/// each to the units with the largest remainders (ties: more departures, then
/// the unit listed first). The shares add up to [`group_cap`] exactly.
pub fn share_cap(ratio_pct: i32, departures: &[i32]) -> Vec<i32> {
    let ratio = i64::from(ratio_pct.clamp(0, 100));
    let mut shares: Vec<i32> = departures
        .iter()
        .map(|d| recruitment_cap(ratio_pct, *d))
        .collect();
    let mut left = group_cap(ratio_pct, departures) - shares.iter().sum::<i32>();
    let remainder = |i: usize| i64::from(departures[i].max(0)) * ratio % 100;
    let mut order: Vec<usize> = (0..departures.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(remainder(i)),
            std::cmp::Reverse(departures[i]),
            i,
        )
    });
    for i in order {
        if left <= 0 || remainder(i) == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
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
    /// Hires the ratio allows on these departures, rounded down. In the totals row
    /// this is the plan's cap, the one that applies: ratio × the whole plan's
    /// departures. In a unit's row it is the unit's own figure, for reference; the
    /// plan's cap can be more than their sum.
    pub cap: i32,
    /// Hires the projection assumes this year: the plan's cap shared among its
    /// units in proportion to their departures (largest remainder). In the totals
    /// row, the plan's cap.
    pub hires: i32,
    /// At year end, after the assumed hires.
    pub headcount_end: i32,
    pub quota: i32,
    /// Baseline minus the cumulative targets.
    pub target_headcount: i32,
    pub meets_target: bool,
    /// Coefficient × base × 12 for the year-end headcount.
    pub payroll_vnd: i64,
}

/// Who leaves one unit in one year, and what the staff who stay are paid.
struct Leaving {
    streamlined: i32,
    retired: i32,
    /// Listed staff still there at year end, and the sum of their coefficients.
    staying: i32,
    staying_coefficients: i64,
}

/// Year by year, per unit: who leaves (streamlined in their plan year, or
/// retiring in the year their retirement date falls — overdue retirements in
/// the first year), the cap (the plan's: ratio × all its units' departures) and
/// each unit's share of it as hires assumed made, the headcount against quota
/// and target, and the payroll.
pub fn project(input: &ProjectionInput) -> Vec<ProjectionRow> {
    let years: Vec<i32> = (input.first_year..=input.last_year).collect();
    // Departures do not depend on hires, so they come first: the plan's cap in a
    // year needs every unit's departures in that year.
    let leaving: Vec<Vec<Leaving>> = input
        .units
        .iter()
        .map(|unit| {
            let people: Vec<&Projected> = input
                .people
                .iter()
                .filter(|p| p.unit_id == unit.unit_id)
                .collect();
            let mut gone: HashSet<i32> = HashSet::new();
            years
                .iter()
                .map(|&year| {
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
                    let staying: Vec<&&Projected> = people
                        .iter()
                        .filter(|p| !gone.contains(&p.staff_id))
                        .collect();
                    Leaving {
                        streamlined,
                        retired,
                        staying: staying.len() as i32,
                        staying_coefficients: staying
                            .iter()
                            .map(|p| i64::from(p.coefficient))
                            .sum(),
                    }
                })
                .collect()
        })
        .collect();
    // shares[year][unit]
    let shares: Vec<Vec<i32>> = (0..years.len())
        .map(|y| {
            let departures: Vec<i32> = leaving
                .iter()
                .map(|unit| unit[y].streamlined + unit[y].retired)
                .collect();
            share_cap(input.cap_ratio_pct, &departures)
        })
        .collect();

    let mut rows = Vec::new();
    for (u, unit) in input.units.iter().enumerate() {
        let listed = input
            .people
            .iter()
            .filter(|p| p.unit_id == unit.unit_id)
            .count() as i32;
        // Staff the baseline counts but the list does not hold are kept as-is.
        let unlisted = (unit.headcount - listed).max(0);
        let mut headcount_start = listed + unlisted;
        let mut hired = 0;
        let mut cumulative_target = 0;
        for (y, &year) in years.iter().enumerate() {
            let l = &leaving[u][y];
            let departures = l.streamlined + l.retired;
            let hires = shares[y][u];
            hired += hires;
            let headcount_end = l.staying + unlisted + hired;
            cumulative_target += unit.targets.get(&year).copied().unwrap_or(0);
            let target_headcount = (unit.headcount - cumulative_target).max(0);
            let coefficients =
                l.staying_coefficients + i64::from(hired) * i64::from(input.hire_coefficient);
            let base = input.base_by_year.get(&year).copied().unwrap_or(0);
            let payroll_vnd = 12 * monthly_pay_sum(coefficients, base);
            rows.push(ProjectionRow {
                unit_id: Some(unit.unit_id),
                year,
                headcount_start,
                streamlined: l.streamlined,
                retired: l.retired,
                departures,
                cap: recruitment_cap(input.cap_ratio_pct, departures),
                hires,
                headcount_end,
                quota: unit.quota,
                target_headcount,
                meets_target: headcount_end <= target_headcount,
                payroll_vnd,
            });
            headcount_start = headcount_end;
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

/// The plan-wide row for each year: the sum of the units' rows, except the cap,
/// which is the ratio applied to the plan's departures together.
pub fn totals(rows: &[ProjectionRow], cap_ratio_pct: i32) -> Vec<ProjectionRow> {
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
            hires: 0,
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
        t.hires += r.hires;
        t.headcount_end += r.headcount_end;
        t.quota += r.quota;
        t.target_headcount += r.target_headcount;
        t.payroll_vnd += r.payroll_vnd;
    }
    by_year
        .into_values()
        .map(|mut t| {
            t.cap = recruitment_cap(cap_ratio_pct, t.departures);
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
        let t = totals(&rows, 50);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].departures, 3);
        assert_eq!(t[0].unit_id, None);
    }

    #[test]
    fn the_cap_of_a_group_applies_the_ratio_to_its_whole_departures() {
        let unit = |unit_id| UnitBaseline {
            unit_id,
            headcount: 3,
            quota: 3,
            targets: BTreeMap::new(),
        };
        let input = ProjectionInput {
            first_year: 2026,
            last_year: 2027,
            cap_ratio_pct: 50,
            hire_coefficient: 234,
            base_by_year: BTreeMap::from([(2026, 2_340_000), (2027, 2_340_000)]),
            units: vec![unit(1), unit(2)],
            people: vec![
                person(1, 1, 300, None, Some(2026)),
                person(2, 1, 300, None, None),
                person(3, 1, 300, None, None),
                person(4, 2, 300, Some(2026), None),
                person(5, 2, 300, None, None),
                person(6, 2, 300, None, None),
            ],
        };
        let rows = project(&input);
        let y2026: Vec<&ProjectionRow> = rows.iter().filter(|r| r.year == 2026).collect();
        // Each unit alone: 50% of 1 departure is 0.
        assert_eq!(
            y2026
                .iter()
                .map(|r| (r.departures, r.cap))
                .collect::<Vec<_>>(),
            [(1, 0), (1, 0)]
        );
        // The plan: 50% of its 2 departures is 1, and the one hire is assumed in
        // the unit listed first (equal remainders, equal departures).
        assert_eq!(y2026.iter().map(|r| r.hires).collect::<Vec<_>>(), [1, 0]);
        assert_eq!(
            y2026.iter().map(|r| r.headcount_end).collect::<Vec<_>>(),
            [3, 2]
        );
        let t = totals(&rows, 50);
        assert_eq!(
            (t[0].departures, t[0].cap, t[0].hires, t[0].headcount_end),
            (2, 1, 1, 5)
        );
        // The hire stays on the payroll the next year, in the unit that made it.
        assert_eq!(rows[1].year, 2027);
        assert_eq!((rows[1].headcount_start, rows[1].headcount_end), (3, 3));
        assert_eq!(
            rows[1].payroll_vnd,
            12 * monthly_pay(300 + 300 + 234, 2_340_000)
        );
        assert_eq!((t[1].cap, t[1].hires), (0, 0));
    }

    #[test]
    fn a_groups_cap_is_shared_to_the_largest_remainders() {
        assert_eq!(group_cap(50, &[1, 1]), 1);
        assert_eq!(share_cap(50, &[1, 1]), [1, 0]);
        assert_eq!(group_cap(50, &[3, 1, 1]), 2);
        assert_eq!(
            share_cap(50, &[1, 3, 1]),
            [0, 2, 0],
            "more departures first"
        );
        assert_eq!(
            share_cap(30, &[3, 2, 2]),
            [1, 1, 0],
            "0.9 and 0.6 before 0.6"
        );
        assert_eq!(share_cap(50, &[0, 4, -2]), [0, 2, 0]);
        assert_eq!(share_cap(100, &[2, 1]), [2, 1]);
        for deps in [[1, 1, 1], [5, 0, 3], [7, 7, 7]] {
            for ratio in [0, 33, 50, 67, 100] {
                assert_eq!(
                    share_cap(ratio, &deps).iter().sum::<i32>(),
                    group_cap(ratio, &deps),
                    "{ratio}% of {deps:?}"
                );
            }
        }
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
