//! Staff records as plain values: grades and their salary scales, the events
//! that make a record, and the dates and amounts derived from it (retirement,
//! next step raise, monthly pay, vacancies). No database, no clock.
//!
//! Coefficients are hundredths (2.34 → 234); money is whole VND.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A salary coefficient in hundredths: `234` is 2.34.
pub type Coefficient = i32;

pub fn format_coefficient(c: Coefficient) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// Reads `2.34`, `2,34` or `2` as hundredths; more than two decimals is refused
/// because the scales have two.
pub fn parse_coefficient(raw: &str) -> Option<Coefficient> {
    let s = raw.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let c = whole.checked_mul(100)?.checked_add(frac)?;
    (1..=2000).contains(&c).then_some(c)
}

/// Formats VND with dots between thousands, as Vietnamese documents do.
pub fn format_vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

/// A grade (ngạch) and its scale (Decree 204/2004): step n has coefficient
/// first + increment × (n − 1).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Scale {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub first: Coefficient,
    pub increment: Coefficient,
    pub steps: i32,
    /// 36 for college level and above, 24 below.
    pub step_months: i32,
}

impl Scale {
    pub fn coefficient(&self, step: i32) -> Option<Coefficient> {
        (1..=self.steps)
            .contains(&step)
            .then(|| self.first + self.increment * (step - 1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentType {
    CivilServant,
    PublicEmployee,
    Contract,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Retired,
    Streamlined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionGroup {
    Leadership,
    Professional,
    Support,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Excellent,
    Good,
    Completed,
    NotCompleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    Maternity,
    Sick,
    Unpaid,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisciplineStage {
    /// Under review or investigation: blocks streamlining and promotion.
    ReviewOpened,
    /// A sanction was decided; the review is over.
    Sanctioned,
    /// The review ended without a sanction.
    Cleared,
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
str_enum!(Gender { Male = "male", Female = "female" });
str_enum!(EmploymentType { CivilServant = "civil_servant", PublicEmployee = "public_employee", Contract = "contract" });
str_enum!(Status { Active = "active", Retired = "retired", Streamlined = "streamlined" });
str_enum!(PositionGroup { Leadership = "leadership", Professional = "professional", Support = "support" });
str_enum!(Rating { Excellent = "excellent", Good = "good", Completed = "completed", NotCompleted = "not_completed" });
str_enum!(LeaveKind { Maternity = "maternity", Sick = "sick", Unpaid = "unpaid", Other = "other" });
str_enum!(DisciplineStage { ReviewOpened = "review_opened", Sanctioned = "sanctioned", Cleared = "cleared" });

/// What happened to a person, as recorded. The record is the fold of these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Hire {
        unit_id: i32,
        position_id: Option<i32>,
        employment_type: EmploymentType,
        grade: String,
        step: i32,
        coefficient: Coefficient,
        /// When the step was last raised before the record was opened (imports).
        #[serde(default)]
        last_step_raise: Option<NaiveDate>,
    },
    Transfer {
        unit_id: i32,
        position_id: Option<i32>,
    },
    StepRaise {
        step: i32,
        coefficient: Coefficient,
    },
    Promotion {
        grade: String,
        step: i32,
        coefficient: Coefficient,
        #[serde(default)]
        position_id: Option<i32>,
        /// Time in step carries over from the old grade (see [`Placement`]);
        /// otherwise it counts from the promotion.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        keeps_step_since: bool,
    },
    Appraisal {
        year: i32,
        rating: Rating,
    },
    Discipline {
        stage: DisciplineStage,
    },
    Leave {
        leave_kind: LeaveKind,
        /// The first day back at work.
        until: NaiveDate,
    },
    Retirement,
    Streamlining {
        #[serde(default)]
        plan_id: Option<i32>,
        category: String,
        route: String,
    },
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Hire { .. } => "hire",
            EventKind::Transfer { .. } => "transfer",
            EventKind::StepRaise { .. } => "step_raise",
            EventKind::Promotion { .. } => "promotion",
            EventKind::Appraisal { .. } => "appraisal",
            EventKind::Discipline { .. } => "discipline",
            EventKind::Leave { .. } => "leave",
            EventKind::Retirement => "retirement",
            EventKind::Streamlining { .. } => "streamlining",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub effective: NaiveDate,
    pub kind: EventKind,
}

/// The current state of a person's employment: what the events add up to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Record {
    pub unit_id: i32,
    pub position_id: Option<i32>,
    pub employment_type: EmploymentType,
    pub grade: String,
    pub step: i32,
    pub coefficient: Coefficient,
    pub last_step_raise: Option<NaiveDate>,
    pub hire_date: NaiveDate,
    pub status: Status,
    pub leave_kind: Option<LeaveKind>,
    pub leave_until: Option<NaiveDate>,
    pub under_review: bool,
    pub last_appraisal: Option<(i32, Rating)>,
}

impl Record {
    pub fn on_leave(&self, day: NaiveDate) -> Option<LeaveKind> {
        match (self.leave_kind, self.leave_until) {
            (Some(k), Some(until)) if day < until => Some(k),
            _ => None,
        }
    }

    /// Counts against the approved headcount of the position and unit.
    pub fn in_post(&self) -> bool {
        self.status == Status::Active
    }

    /// The date step seniority counts from: the last raise, else the hire.
    pub fn step_since(&self) -> NaiveDate {
        self.last_step_raise.unwrap_or(self.hire_date)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FoldError {
    #[error("a record starts with a hire event")]
    NoHire,
    #[error("the person already left on {0}; nothing can follow but an appraisal")]
    Closed(NaiveDate),
    #[error("a second hire event on {0}")]
    SecondHire(NaiveDate),
}

/// Folds events, in effective-date order (ties in the given order), into the
/// current record.
pub fn fold(events: &[Event]) -> Result<Record, FoldError> {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| e.effective); // stable: same-day events keep their order
    let mut iter = sorted.into_iter();
    let first = iter.next().ok_or(FoldError::NoHire)?;
    let EventKind::Hire {
        unit_id,
        position_id,
        employment_type,
        grade,
        step,
        coefficient,
        last_step_raise,
    } = &first.kind
    else {
        return Err(FoldError::NoHire);
    };
    let mut r = Record {
        unit_id: *unit_id,
        position_id: *position_id,
        employment_type: *employment_type,
        grade: grade.clone(),
        step: *step,
        coefficient: *coefficient,
        last_step_raise: *last_step_raise,
        hire_date: first.effective,
        status: Status::Active,
        leave_kind: None,
        leave_until: None,
        under_review: false,
        last_appraisal: None,
    };
    let mut closed_on = None;
    for e in iter {
        if let Some(day) = closed_on
            && !matches!(e.kind, EventKind::Appraisal { .. })
        {
            return Err(FoldError::Closed(day));
        }
        match &e.kind {
            EventKind::Hire { .. } => return Err(FoldError::SecondHire(e.effective)),
            EventKind::Transfer {
                unit_id,
                position_id,
            } => {
                r.unit_id = *unit_id;
                r.position_id = *position_id;
            }
            EventKind::StepRaise { step, coefficient } => {
                r.step = *step;
                r.coefficient = *coefficient;
                r.last_step_raise = Some(e.effective);
            }
            EventKind::Promotion {
                grade,
                step,
                coefficient,
                position_id,
                keeps_step_since,
            } => {
                r.grade = grade.clone();
                r.step = *step;
                r.coefficient = *coefficient;
                // Seniority in the new grade counts from the promotion, unless
                // the placement kept the old grade's.
                if !keeps_step_since {
                    r.last_step_raise = Some(e.effective);
                }
                if position_id.is_some() {
                    r.position_id = *position_id;
                }
            }
            EventKind::Appraisal { year, rating } => {
                if r.last_appraisal.is_none_or(|(y, _)| *year >= y) {
                    r.last_appraisal = Some((*year, *rating));
                }
            }
            EventKind::Discipline { stage } => {
                r.under_review = *stage == DisciplineStage::ReviewOpened
            }
            EventKind::Leave { leave_kind, until } => {
                r.leave_kind = Some(*leave_kind);
                r.leave_until = Some(*until);
            }
            EventKind::Retirement => {
                r.status = Status::Retired;
                closed_on = Some(e.effective);
            }
            EventKind::Streamlining { .. } => {
                r.status = Status::Streamlined;
                closed_on = Some(e.effective);
            }
        }
    }
    Ok(r)
}

/// Where a promotion puts a person on the new grade's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Placement {
    pub step: i32,
    pub coefficient: Coefficient,
    /// The next step raise still counts from the last one in the old grade.
    pub keeps_step_since: bool,
}

/// The step in the new grade on promotion: the lowest whose coefficient is at
/// or above the current one (domain.md). When the current coefficient is above
/// the whole new scale, the person takes its last step and keeps the current
/// coefficient, so a promotion never lowers pay.
///
/// Time in step (Circular 02/2007/TT-BNV, not in domain.md's sources): when
/// the rise is smaller than one step of the old grade (`old_increment`), the
/// time since the last raise carries over; otherwise it restarts on the
/// promotion date. Without the old scale it restarts, as before.
pub fn promotion_placement(
    new: &Scale,
    current: Coefficient,
    old_increment: Option<Coefficient>,
) -> Option<Placement> {
    if new.steps < 1 {
        return None;
    }
    let (step, coefficient) = (1..=new.steps)
        .filter_map(|s| new.coefficient(s).map(|c| (s, c)))
        .find(|(_, c)| *c >= current)
        .unwrap_or((new.steps, current));
    Some(Placement {
        step,
        coefficient,
        keeps_step_since: old_increment.is_some_and(|inc| coefficient - current < inc),
    })
}

/// Retirement age (years, months) for someone who reaches it in `year`
/// (Labor Code 2019 art. 169, Decree 135/2020): before 2021, 60 and 55; from
/// 2021 men 60y3m rising 3 months a year to 62 (2028), women 55y4m rising 4
/// months a year to 60 (2035).
pub fn retirement_age(gender: Gender, year: i32) -> (i32, i32) {
    let (base_years, step, cap) = match gender {
        Gender::Male => (60, 3, 24),
        Gender::Female => (55, 4, 60),
    };
    let extra = if year < 2021 {
        0
    } else {
        (step * (year - 2020)).min(cap)
    };
    (base_years + extra / 12, extra % 12)
}

/// When the person retires: the last day of the month in which they reach
/// the retirement age in force for the year they reach it (Decree 135/2020
/// art. 4). The age depends on that year, so the year is found as the first
/// one whose age is reached within it.
pub fn retirement_date(gender: Gender, birth: NaiveDate) -> Option<NaiveDate> {
    let start = birth.year() + 55;
    for year in start..start + 20 {
        let (y, m) = retirement_age(gender, year);
        let reached = birth.checked_add_months(Months::new((y * 12 + m) as u32))?;
        if reached.year() <= year {
            return last_day_of_month(reached);
        }
    }
    None
}

pub fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// What comes next on the pay scale.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepOutlook {
    /// The next step and when it is due (if tasks are completed and there is no discipline).
    NextStep {
        due: NaiveDate,
        step: i32,
        coefficient: Coefficient,
    },
    /// At the last step: a seniority allowance of 5% from `from`, +1% each year after.
    Seniority { from: NaiveDate },
    /// The step is not on the grade's scale (e.g. a kept coefficient); nothing to derive.
    Unknown,
}

/// The next step raise: every `step_months` (36, or 24 below college level)
/// after the last one; past the last step the seniority allowance starts after
/// the same interval.
pub fn next_step(scale: &Scale, step: i32, since: NaiveDate) -> StepOutlook {
    let Some(due) = since.checked_add_months(Months::new(scale.step_months.max(0) as u32)) else {
        return StepOutlook::Unknown;
    };
    if step == scale.steps {
        return StepOutlook::Seniority { from: due };
    }
    match scale.coefficient(step + 1) {
        Some(coefficient) => StepOutlook::NextStep {
            due,
            step: step + 1,
            coefficient,
        },
        None => StepOutlook::Unknown,
    }
}

/// Seniority allowance in percent on `day`: 5% from the start, then +1% for
/// each further full year.
pub fn seniority_percent(from: NaiveDate, day: NaiveDate) -> i32 {
    if day < from {
        return 0;
    }
    let mut years = day.year() - from.year();
    if (day.month(), day.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    5 + years
}

/// The base salary in force on `day`: the latest row effective on or before it.
pub fn base_salary_on(table: &[(NaiveDate, i64)], day: NaiveDate) -> Option<i64> {
    table
        .iter()
        .filter(|(from, _)| *from <= day)
        .max_by_key(|(from, _)| *from)
        .map(|(_, a)| *a)
}

/// Coefficient × base salary, rounded to the dong.
pub fn monthly_pay(coefficient: Coefficient, base_vnd: i64) -> i64 {
    (i64::from(coefficient) * base_vnd + 50) / 100
}

/// Approved headcount minus the people in post; negative when overstaffed.
pub fn vacancies(headcount: i32, in_post: i32) -> i32 {
    headcount - in_post
}

/// Whole years between two dates (age, years of service).
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut y = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y.max(0)
}

/// Whole months from `from` to `to` (0 when `to` is earlier).
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> i32 {
    if to <= from {
        return 0;
    }
    let mut m = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        m -= 1;
    }
    m.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn a1() -> Scale {
        Scale {
            code: "A1".into(),
            name_vi: "Chuyên viên".into(),
            name_en: "Specialist".into(),
            first: 234,
            increment: 33,
            steps: 9,
            step_months: 36,
        }
    }

    fn b() -> Scale {
        Scale {
            code: "B".into(),
            name_vi: "Nhân viên".into(),
            name_en: "Staff".into(),
            first: 186,
            increment: 20,
            steps: 12,
            step_months: 24,
        }
    }

    #[test]
    fn scale_steps_follow_first_plus_increment() {
        assert_eq!(a1().coefficient(1), Some(234));
        assert_eq!(a1().coefficient(9), Some(498));
        assert_eq!(a1().coefficient(10), None);
        assert_eq!(a1().coefficient(0), None);
        assert_eq!(b().coefficient(12), Some(406));
    }

    #[test]
    fn coefficients_read_and_print_with_two_decimals() {
        assert_eq!(parse_coefficient("2.34"), Some(234));
        assert_eq!(parse_coefficient("2,67"), Some(267));
        assert_eq!(parse_coefficient("4"), Some(400));
        assert_eq!(parse_coefficient("4.5"), Some(450));
        assert_eq!(parse_coefficient("4.555"), None);
        assert_eq!(parse_coefficient("abc"), None);
        assert_eq!(parse_coefficient("-1"), None);
        assert_eq!(format_coefficient(234), "2.34");
        assert_eq!(format_coefficient(400), "4.00");
        assert_eq!(format_vnd(5_475_600), "5.475.600");
        assert_eq!(format_vnd(0), "0");
    }

    #[test]
    fn retirement_age_rises_by_schedule_and_stops_at_the_cap() {
        assert_eq!(retirement_age(Gender::Male, 2020), (60, 0));
        assert_eq!(retirement_age(Gender::Male, 2021), (60, 3));
        assert_eq!(retirement_age(Gender::Male, 2024), (61, 0));
        assert_eq!(retirement_age(Gender::Male, 2027), (61, 9));
        assert_eq!(retirement_age(Gender::Male, 2028), (62, 0));
        assert_eq!(retirement_age(Gender::Male, 2040), (62, 0));
        assert_eq!(retirement_age(Gender::Female, 2021), (55, 4));
        assert_eq!(retirement_age(Gender::Female, 2023), (56, 0));
        assert_eq!(retirement_age(Gender::Female, 2034), (59, 8));
        assert_eq!(retirement_age(Gender::Female, 2035), (60, 0));
        assert_eq!(retirement_age(Gender::Female, 2050), (60, 0));
    }

    #[test]
    fn man_born_late_1960_retires_under_the_old_age() {
        // 60 reached in December 2020, before the schedule began.
        assert_eq!(
            retirement_date(Gender::Male, d(1960, 12, 15)),
            Some(d(2020, 12, 31))
        );
    }

    #[test]
    fn man_born_january_1961_retires_at_60y3m_in_2021() {
        assert_eq!(
            retirement_date(Gender::Male, d(1961, 1, 10)),
            Some(d(2021, 4, 30))
        );
    }

    #[test]
    fn age_depends_on_the_year_it_is_reached_not_the_birth_year() {
        // Born October 1961: 60y3m would fall in January 2022, when the age is
        // already 60y6m, so he retires in April 2022 (Decree 135/2020 appendix).
        assert_eq!(
            retirement_date(Gender::Male, d(1961, 10, 5)),
            Some(d(2022, 4, 30))
        );
        assert_eq!(
            retirement_date(Gender::Male, d(1961, 9, 5)),
            Some(d(2021, 12, 31))
        );
        // Women born September 1966: 55y4m → January 2022 → 55y8m → May 2022.
        assert_eq!(
            retirement_date(Gender::Female, d(1966, 8, 20)),
            Some(d(2021, 12, 31))
        );
        assert_eq!(
            retirement_date(Gender::Female, d(1966, 9, 20)),
            Some(d(2022, 5, 31))
        );
    }

    #[test]
    fn retirement_reaches_the_caps() {
        // Men reach the cap of 62 from births in April 1966 (January 1966 still
        // reaches 61y9m within 2027); women reach 60 from births in May 1975.
        assert_eq!(
            retirement_date(Gender::Male, d(1966, 1, 1)),
            Some(d(2027, 10, 31))
        );
        assert_eq!(
            retirement_date(Gender::Male, d(1966, 4, 1)),
            Some(d(2028, 4, 30))
        );
        assert_eq!(
            retirement_date(Gender::Female, d(1975, 4, 2)),
            Some(d(2034, 12, 31))
        );
        assert_eq!(
            retirement_date(Gender::Male, d(1970, 6, 30)),
            Some(d(2032, 6, 30))
        );
        assert_eq!(
            retirement_date(Gender::Female, d(1975, 5, 2)),
            Some(d(2035, 5, 31))
        );
        assert_eq!(
            retirement_date(Gender::Female, d(1980, 2, 29)),
            Some(d(2040, 2, 29))
        );
        // Born April 1965: 61y6m falls in October 2026; born July 1965 it
        // would fall in January 2027, when the age is 61y9m: April 2027.
        assert_eq!(
            retirement_date(Gender::Male, d(1965, 4, 1)),
            Some(d(2026, 10, 31))
        );
        assert_eq!(
            retirement_date(Gender::Male, d(1965, 7, 1)),
            Some(d(2027, 4, 30))
        );
        let mut last = d(1900, 1, 1);
        for month in 1..=12 {
            let r = retirement_date(Gender::Male, d(1965, month, 1)).unwrap();
            assert!(r >= last, "retirement dates go forward with birth dates");
            last = r;
        }
    }

    #[test]
    fn month_end_birthdays_do_not_overflow() {
        // 31 August + 4 months is 31 December; adding months to the 31st clamps to the month's end.
        assert_eq!(
            retirement_date(Gender::Female, d(1966, 8, 31)),
            Some(d(2021, 12, 31))
        );
        assert_eq!(
            retirement_date(Gender::Female, d(1967, 8, 31)),
            Some(d(2023, 8, 31))
        );
    }

    #[test]
    fn steps_rise_every_36_months_or_24_below_college() {
        assert_eq!(
            next_step(&a1(), 3, d(2023, 3, 1)),
            StepOutlook::NextStep {
                due: d(2026, 3, 1),
                step: 4,
                coefficient: 333
            }
        );
        assert_eq!(
            next_step(&b(), 3, d(2023, 3, 1)),
            StepOutlook::NextStep {
                due: d(2025, 3, 1),
                step: 4,
                coefficient: 246
            }
        );
    }

    #[test]
    fn past_the_last_step_comes_the_seniority_allowance() {
        assert_eq!(
            next_step(&a1(), 9, d(2022, 1, 31)),
            StepOutlook::Seniority {
                from: d(2025, 1, 31)
            }
        );
        assert_eq!(seniority_percent(d(2025, 1, 31), d(2025, 1, 30)), 0);
        assert_eq!(seniority_percent(d(2025, 1, 31), d(2025, 1, 31)), 5);
        assert_eq!(seniority_percent(d(2025, 1, 31), d(2027, 2, 1)), 7);
        assert_eq!(next_step(&a1(), 12, d(2022, 1, 1)), StepOutlook::Unknown);
    }

    #[test]
    fn pay_is_coefficient_times_the_base_in_force() {
        let table = vec![(d(2023, 7, 1), 1_800_000), (d(2024, 7, 1), 2_340_000)];
        assert_eq!(base_salary_on(&table, d(2024, 6, 30)), Some(1_800_000));
        assert_eq!(base_salary_on(&table, d(2024, 7, 1)), Some(2_340_000));
        assert_eq!(base_salary_on(&table, d(2020, 1, 1)), None);
        assert_eq!(monthly_pay(234, 2_340_000), 5_475_600);
        assert_eq!(monthly_pay(267, 1_800_000), 4_806_000);
    }

    fn hire(on: NaiveDate) -> Event {
        Event {
            effective: on,
            kind: EventKind::Hire {
                unit_id: 1,
                position_id: Some(10),
                employment_type: EmploymentType::CivilServant,
                grade: "A1".into(),
                step: 1,
                coefficient: 234,
                last_step_raise: None,
            },
        }
    }

    #[test]
    fn the_record_is_the_sum_of_its_events() {
        let events = vec![
            Event {
                effective: d(2021, 1, 1),
                kind: EventKind::StepRaise {
                    step: 2,
                    coefficient: 267,
                },
            },
            hire(d(2018, 1, 1)),
            Event {
                effective: d(2022, 5, 1),
                kind: EventKind::Transfer {
                    unit_id: 2,
                    position_id: None,
                },
            },
            Event {
                effective: d(2023, 1, 10),
                kind: EventKind::Appraisal {
                    year: 2022,
                    rating: Rating::Good,
                },
            },
            Event {
                effective: d(2023, 2, 1),
                kind: EventKind::Discipline {
                    stage: DisciplineStage::ReviewOpened,
                },
            },
            Event {
                effective: d(2023, 6, 1),
                kind: EventKind::Leave {
                    leave_kind: LeaveKind::Maternity,
                    until: d(2023, 12, 1),
                },
            },
            Event {
                effective: d(2024, 1, 1),
                kind: EventKind::Promotion {
                    grade: "A2.1".into(),
                    step: 1,
                    coefficient: 440,
                    position_id: Some(11),
                    keeps_step_since: false,
                },
            },
        ];
        let r = fold(&events).unwrap();
        assert_eq!(r.hire_date, d(2018, 1, 1));
        assert_eq!((r.unit_id, r.position_id), (2, Some(11)));
        assert_eq!((r.grade.as_str(), r.step, r.coefficient), ("A2.1", 1, 440));
        assert_eq!(r.last_step_raise, Some(d(2024, 1, 1)));
        assert_eq!(r.last_appraisal, Some((2022, Rating::Good)));
        assert!(r.under_review);
        assert_eq!(r.on_leave(d(2023, 11, 30)), Some(LeaveKind::Maternity));
        assert_eq!(r.on_leave(d(2023, 12, 1)), None);
        assert_eq!(r.status, Status::Active);
    }

    #[test]
    fn a_record_needs_a_hire_and_closes_on_leaving() {
        assert_eq!(fold(&[]), Err(FoldError::NoHire));
        assert_eq!(
            fold(&[Event {
                effective: d(2020, 1, 1),
                kind: EventKind::Retirement
            }]),
            Err(FoldError::NoHire)
        );
        let retired = vec![
            hire(d(2000, 1, 1)),
            Event {
                effective: d(2020, 1, 1),
                kind: EventKind::Retirement,
            },
        ];
        assert_eq!(fold(&retired).unwrap().status, Status::Retired);
        let mut late = retired.clone();
        late.push(Event {
            effective: d(2021, 1, 1),
            kind: EventKind::StepRaise {
                step: 3,
                coefficient: 300,
            },
        });
        assert_eq!(fold(&late), Err(FoldError::Closed(d(2020, 1, 1))));
        let mut appraised = retired;
        appraised.push(Event {
            effective: d(2021, 1, 1),
            kind: EventKind::Appraisal {
                year: 2019,
                rating: Rating::Excellent,
            },
        });
        assert!(fold(&appraised).is_ok());
        assert_eq!(
            fold(&[hire(d(2000, 1, 1)), hire(d(2001, 1, 1))]),
            Err(FoldError::SecondHire(d(2001, 1, 1)))
        );
    }

    fn a2() -> Scale {
        Scale {
            code: "A2.1".into(),
            name_vi: "Chuyên viên chính".into(),
            name_en: "Principal specialist".into(),
            first: 440,
            increment: 34,
            steps: 8,
            step_months: 36,
        }
    }

    #[test]
    fn promotion_takes_the_nearest_step_at_or_above() {
        // A1 step 7 (4.32) → A2.1: 4.40 is the first at or above, step 1.
        let p = promotion_placement(&a2(), 432, Some(33)).unwrap();
        assert_eq!((p.step, p.coefficient), (1, 440));
        assert!(
            p.keeps_step_since,
            "a rise of 0.08 is less than one A1 step"
        );
        // A1 step 9 (4.98) → between 4.74 (step 2) and 5.08 (step 3): step 3.
        let p = promotion_placement(&a2(), 498, Some(33)).unwrap();
        assert_eq!((p.step, p.coefficient), (3, 508));
        assert!(p.keeps_step_since, "0.10 < 0.33");
        // A1 step 1 (2.34) → step 1 of A2.1, a rise of 2.06: seniority restarts.
        let p = promotion_placement(&a2(), 234, Some(33)).unwrap();
        assert_eq!((p.step, p.coefficient), (1, 440));
        assert!(!p.keeps_step_since);
    }

    #[test]
    fn an_equal_coefficient_takes_that_step_and_keeps_the_time() {
        // 4.74 is exactly A2.1 step 2: same pay, so the time in step carries over.
        let p = promotion_placement(&a2(), 474, Some(33)).unwrap();
        assert_eq!((p.step, p.coefficient), (2, 474));
        assert!(p.keeps_step_since);
        // The top step exactly.
        let p = promotion_placement(&a2(), 678, Some(34)).unwrap();
        assert_eq!((p.step, p.coefficient), (8, 678));
    }

    #[test]
    fn above_the_whole_new_scale_takes_the_top_step_and_keeps_the_pay() {
        let p = promotion_placement(&a2(), 700, Some(36)).unwrap();
        assert_eq!(
            (p.step, p.coefficient),
            (8, 700),
            "no higher step: pay kept"
        );
        assert!(p.keeps_step_since);
        // Without the old scale the time restarts, as a typed promotion does.
        let p = promotion_placement(&a2(), 700, None).unwrap();
        assert!(!p.keeps_step_since);
        let empty = Scale { steps: 0, ..a2() };
        assert_eq!(promotion_placement(&empty, 300, None), None);
    }

    #[test]
    fn a_promotion_keeping_the_time_leaves_the_last_raise_alone() {
        let raised = Event {
            effective: d(2022, 1, 1),
            kind: EventKind::StepRaise {
                step: 7,
                coefficient: 432,
            },
        };
        let promoted = |keeps| Event {
            effective: d(2024, 6, 1),
            kind: EventKind::Promotion {
                grade: "A2.1".into(),
                step: 1,
                coefficient: 440,
                position_id: None,
                keeps_step_since: keeps,
            },
        };
        let kept = fold(&[hire(d(2005, 1, 1)), raised.clone(), promoted(true)]).unwrap();
        assert_eq!(kept.step_since(), d(2022, 1, 1));
        assert_eq!(kept.coefficient, 440);
        let restarted = fold(&[hire(d(2005, 1, 1)), raised, promoted(false)]).unwrap();
        assert_eq!(restarted.step_since(), d(2024, 6, 1));
    }

    #[test]
    fn cleared_review_lifts_the_block() {
        let events = vec![
            hire(d(2018, 1, 1)),
            Event {
                effective: d(2023, 2, 1),
                kind: EventKind::Discipline {
                    stage: DisciplineStage::ReviewOpened,
                },
            },
            Event {
                effective: d(2023, 3, 1),
                kind: EventKind::Discipline {
                    stage: DisciplineStage::Cleared,
                },
            },
        ];
        assert!(!fold(&events).unwrap().under_review);
    }

    #[test]
    fn events_round_trip_as_json() {
        let e = EventKind::Leave {
            leave_kind: LeaveKind::Sick,
            until: d(2024, 1, 1),
        };
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"kind\":\"leave\""));
        assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), e);
        assert_eq!(
            serde_json::from_str::<EventKind>(r#"{"kind":"retirement"}"#).unwrap(),
            EventKind::Retirement
        );
    }

    #[test]
    fn vacancies_and_service_years() {
        assert_eq!(vacancies(5, 3), 2);
        assert_eq!(vacancies(2, 3), -1);
        assert_eq!(whole_years(d(2000, 5, 2), d(2020, 5, 1)), 19);
        assert_eq!(whole_months(d(2024, 1, 31), d(2024, 3, 30)), 1);
        assert_eq!(whole_months(d(2024, 3, 1), d(2024, 1, 1)), 0);
    }
}
