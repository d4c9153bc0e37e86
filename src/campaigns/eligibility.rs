//! Who may sit a promotion exam: the staff records of the campaign's units,
//! checked against the rule set's promotion predicates, each exclusion with
//! its reason.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::rules::model::{Appraisal, Ineligibility, StaffFacts};
use crate::staff::domain::{Event, EventKind, Rating, whole_months};
use crate::web::i18n::{Locale, Text};

fn appraisal_of(r: Rating) -> Appraisal {
    match r {
        Rating::Excellent => Appraisal::CompletedExcellently,
        Rating::Good => Appraisal::CompletedWell,
        Rating::Completed => Appraisal::Completed,
        Rating::NotCompleted => Appraisal::NotCompleted,
    }
}

/// The facts the predicates need, read from a person's events: the grade held
/// since the last promotion (or hire), yearly appraisals newest first, and
/// whether a disciplinary review is open. Qualifications are not yet kept in
/// staff records, so a rule set that requires some reports them as missing.
pub fn facts(grade: &str, under_review: bool, events: &[Event], today: NaiveDate) -> StaffFacts {
    let grade_since = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Promotion { .. } | EventKind::Hire { .. }))
        .map(|e| e.effective)
        .max()
        .unwrap_or(today);
    let months = u32::try_from(whole_months(grade_since, today)).unwrap_or(0);
    let mut appraisals: Vec<(i32, Rating)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Appraisal { year, rating } => Some((year, rating)),
            _ => None,
        })
        .collect();
    appraisals.sort_by_key(|a| std::cmp::Reverse(a.0));
    StaffFacts {
        grade: grade.to_owned(),
        months_in_grade: months,
        months_in_current_grade: months,
        recent_appraisals: appraisals
            .into_iter()
            .map(|(_, r)| appraisal_of(r))
            .collect(),
        under_discipline: under_review,
        qualifications: Vec::new(),
    }
}

/// One exclusion reason as text a person reads.
pub fn reason(i: &Ineligibility) -> Text {
    match i {
        Ineligibility::GradeNotEligible { grade } => {
            Text::key("eligibility.grade").with("grade", grade)
        }
        Ineligibility::TooLittleTimeInGrade { months, required }
        | Ineligibility::TooLittleTimeInCurrentGrade { months, required } => {
            Text::key("eligibility.time_in_grade")
                .with("months", months)
                .with("required", required)
        }
        Ineligibility::AppraisalTooLow {
            years_ago, level, ..
        } => match level {
            None => Text::key("eligibility.no_appraisal").with("years_ago", years_ago + 1),
            Some(_) => Text::key("eligibility.appraisal_low").with("years_ago", years_ago + 1),
        },
        Ineligibility::Disciplined => Text::key("eligibility.discipline"),
        Ineligibility::MissingQualification { code } => {
            Text::key("eligibility.qualification").with("code", code)
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EligibilityRow {
    pub staff_id: i32,
    pub full_name: String,
    pub unit_id: i32,
    pub grade: String,
    pub months_in_grade: u32,
    pub eligible: bool,
    /// Why not, one line per unmet predicate.
    pub reasons: Vec<String>,
}

pub fn row(
    staff_id: i32,
    full_name: &str,
    unit_id: i32,
    f: &StaffFacts,
    problems: &[Ineligibility],
    locale: Locale,
) -> EligibilityRow {
    EligibilityRow {
        staff_id,
        full_name: full_name.to_owned(),
        unit_id,
        grade: f.grade.clone(),
        months_in_grade: f.months_in_grade,
        eligible: problems.is_empty(),
        reasons: problems.iter().map(|p| reason(p).render(locale)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::PromotionEligibility;
    use crate::staff::domain::EmploymentType;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn history() -> Vec<Event> {
        vec![
            Event {
                effective: day(2015, 3, 1),
                kind: EventKind::Hire {
                    unit_id: 1,
                    position_id: None,
                    employment_type: EmploymentType::CivilServant,
                    grade: "A1".into(),
                    step: 1,
                    coefficient: 234,
                    last_step_raise: None,
                },
            },
            Event {
                effective: day(2024, 12, 31),
                kind: EventKind::Appraisal {
                    year: 2024,
                    rating: Rating::Completed,
                },
            },
            Event {
                effective: day(2025, 12, 31),
                kind: EventKind::Appraisal {
                    year: 2025,
                    rating: Rating::Good,
                },
            },
        ]
    }

    fn rule() -> PromotionEligibility {
        PromotionEligibility {
            from_grades: vec!["A1".into()],
            to_grade: Some("A2.1".into()),
            min_months_in_grade: 108,
            min_months_in_current_grade: 12,
            min_appraisal: Appraisal::CompletedWell,
            appraisal_years: 1,
            no_discipline: true,
            required_qualifications: vec![],
        }
    }

    #[test]
    fn facts_come_from_the_events() {
        let f = facts("A1", false, &history(), day(2026, 11, 25));
        assert_eq!(f.months_in_grade, 140, "March 2015 to November 2026");
        assert_eq!(
            f.recent_appraisals,
            [Appraisal::CompletedWell, Appraisal::Completed],
            "newest first"
        );
        assert!(rule().check(&f).is_empty());
    }

    #[test]
    fn every_exclusion_has_its_reason() {
        let f = facts("A1", true, &history()[..2], day(2023, 1, 1));
        let problems = rule().check(&f);
        let texts: Vec<String> = problems.iter().map(|p| reason(p).english()).collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(
            texts[0].contains("94 months") && texts[0].contains("108"),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.contains("appraisal")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("disciplin")), "{texts:?}");
    }
}
