//! Essay marking and appeals (phúc khảo): who may mark an answer next, which
//! mark stands, and whether a candidate may still ask for a re-mark. Pure.
//!
//! Each answer is marked blind by two board members. When their marks differ
//! by more than the paper's threshold a third member reconciles and that mark
//! stands; otherwise the mean stands. An appeal's re-mark, by a member who has
//! not marked the answer before, replaces whatever stood.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::rules::model::AppealRule;
use crate::web::i18n::Text;

/// Which mark of an answer this is; stored as its number, one mark per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    First,
    Second,
    Reconcile,
    Appeal,
}

impl Slot {
    pub fn number(self) -> i32 {
        match self {
            Slot::First => 1,
            Slot::Second => 2,
            Slot::Reconcile => 3,
            Slot::Appeal => 4,
        }
    }

    pub fn from_number(n: i32) -> Option<Slot> {
        Some(match n {
            1 => Slot::First,
            2 => Slot::Second,
            3 => Slot::Reconcile,
            4 => Slot::Appeal,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::First => "first",
            Slot::Second => "second",
            Slot::Reconcile => "reconcile",
            Slot::Appeal => "appeal",
        }
    }

    fn blind(self) -> bool {
        matches!(self, Slot::First | Slot::Second)
    }
}

/// One mark given to one answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub marker: i32,
    pub slot: Slot,
    pub points: f64,
}

/// Marks this close are equal: they are typed with at most two decimals.
const EPSILON: f64 = 1e-9;

/// The largest difference between the two blind marks that still stands as
/// their mean, in points of an item worth `item_points`.
pub fn threshold_points(percent: f64, item_points: f64) -> f64 {
    percent.max(0.0) / 100.0 * item_points
}

fn mark_in(marks: &[Mark], slot: Slot) -> Option<f64> {
    marks.iter().find(|m| m.slot == slot).map(|m| m.points)
}

/// The two blind marks, when both are in.
fn blind_pair(marks: &[Mark]) -> Option<(f64, f64)> {
    Some((mark_in(marks, Slot::First)?, mark_in(marks, Slot::Second)?))
}

/// Whether the two blind marks are in and too far apart to stand as their mean.
pub fn needs_reconciling(marks: &[Mark], threshold: f64) -> bool {
    blind_pair(marks).is_some_and(|(a, b)| (a - b).abs() > threshold + EPSILON)
}

/// The points that stand for an answer, or None while marking goes on.
/// An appeal's re-mark wins over everything; then a reconciling mark; then
/// the mean of two blind marks within the threshold.
pub fn final_points(marks: &[Mark], threshold: f64) -> Option<f64> {
    if let Some(p) = mark_in(marks, Slot::Appeal) {
        return Some(p);
    }
    if let Some(p) = mark_in(marks, Slot::Reconcile) {
        return Some(p);
    }
    let (a, b) = blind_pair(marks)?;
    if (a - b).abs() > threshold + EPSILON {
        return None;
    }
    Some((a + b) / 2.0)
}

/// The points that stood before any appeal: what an appeal is measured against.
pub fn points_before_appeal(marks: &[Mark], threshold: f64) -> Option<f64> {
    let without: Vec<Mark> = marks
        .iter()
        .copied()
        .filter(|m| m.slot != Slot::Appeal)
        .collect();
    final_points(&without, threshold)
}

/// Why a board member may not mark an answer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// They marked it already (in any slot): a second marker must be someone else.
    AlreadyMarked,
    /// Its mark stands and no appeal is open on it.
    Complete,
}

impl Refusal {
    pub fn text(self) -> Text {
        match self {
            Refusal::AlreadyMarked => Text::key("marking.already_marked"),
            Refusal::Complete => Text::key("marking.complete"),
        }
    }
}

/// Which mark `marker` would give this answer next. `appeal_open`: a pending
/// appeal covers the answer, so a final mark may be re-marked once.
pub fn next_slot(
    marks: &[Mark],
    marker: i32,
    threshold: f64,
    appeal_open: bool,
) -> Result<Slot, Refusal> {
    if marks.iter().any(|m| m.marker == marker) {
        return Err(Refusal::AlreadyMarked);
    }
    let blind = marks.iter().filter(|m| m.slot.blind()).count();
    if blind < 2 {
        return Ok(if mark_in(marks, Slot::First).is_none() {
            Slot::First
        } else {
            Slot::Second
        });
    }
    if needs_reconciling(marks, threshold) && mark_in(marks, Slot::Reconcile).is_none() {
        return Ok(Slot::Reconcile);
    }
    if appeal_open && mark_in(marks, Slot::Appeal).is_none() {
        return Ok(Slot::Appeal);
    }
    Err(Refusal::Complete)
}

/// A marker's score as typed: a number from 0 to the item's points, with a
/// decimal point or a decimal comma ("7,5"), kept to two decimals.
pub fn parse_score(raw: &str, max_points: f64) -> Result<f64, Text> {
    let out_of_range =
        || Text::key("marking.bad_score").with("max", crate::grading::service::fmt2(max_points));
    let cleaned = raw.trim().replace(',', ".");
    let x: f64 = cleaned.parse().map_err(|_| out_of_range())?;
    if !x.is_finite() || x < 0.0 || x > max_points + EPSILON {
        return Err(out_of_range());
    }
    Ok((x * 100.0).round() / 100.0)
}

/// The name a script goes by in marking: stable for the attempt, and telling
/// nothing about the candidate (a keyed hash, not the attempt number, which
/// follows the order people started in).
pub fn script_code(key: &[u8], paper_id: i32, attempt_id: i32) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return format!("S{attempt_id}");
    };
    mac.update(format!("script:{paper_id}:{attempt_id}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex = hex::encode_upper(&bytes[..4]);
    format!("{}-{}", &hex[..4], &hex[4..])
}

/// Why a candidate may not appeal a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealRefusal {
    /// The rule set does not allow re-marking this section (computer-marked
    /// tests and interviews are not re-marked under the Vietnamese decrees).
    NotRemarkable,
    /// Results are not published to the candidate yet.
    NotPublished,
    /// The window closed at this instant.
    WindowClosed { closed_ms: i64 },
    /// This section was appealed already: once only.
    AlreadyAppealed,
    /// The section has no written answer a person marked.
    NothingToRemark,
}

impl AppealRefusal {
    pub fn text(&self, section: &str) -> Text {
        match self {
            AppealRefusal::NotRemarkable => {
                Text::key("appeals.not_remarkable").with("section", section)
            }
            AppealRefusal::NotPublished => Text::key("appeals.not_published"),
            AppealRefusal::WindowClosed { closed_ms } => Text::key("appeals.window_closed")
                .with("closed", crate::clock::format_ms(*closed_ms)),
            AppealRefusal::AlreadyAppealed => {
                Text::key("appeals.already_appealed").with("section", section)
            }
            AppealRefusal::NothingToRemark => {
                Text::key("appeals.nothing_to_remark").with("section", section)
            }
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// The last instant a request is accepted: `window_days` after publication.
pub fn appeal_closes_ms(rule: &AppealRule, published_ms: i64) -> i64 {
    published_ms + i64::from(rule.window_days) * DAY_MS
}

/// The date re-marking is due: `remark_days` after the window closes.
pub fn remark_due_ms(rule: &AppealRule, published_ms: i64) -> i64 {
    appeal_closes_ms(rule, published_ms) + i64::from(rule.remark_days) * DAY_MS
}

/// A re-marking still pending after its due date: the rule set's deadline for
/// deciding it has passed, which the personnel list shows.
pub fn remark_overdue(decided: bool, due_ms: Option<i64>, now_ms: i64) -> bool {
    !decided && due_ms.is_some_and(|due| now_ms > due)
}

/// What a candidate's appeal of one section needs, as plain facts.
#[derive(Debug, Clone, PartialEq)]
pub struct AppealFacts {
    pub round: String,
    pub section: String,
    /// When the results were published to the candidate, if they were.
    pub published_ms: Option<i64>,
    pub already_appealed: bool,
    /// Answers of the section that board members marked.
    pub marked_answers: usize,
}

/// Whether the candidate may appeal this section now.
pub fn check_appeal(
    rule: &AppealRule,
    facts: &AppealFacts,
    now_ms: i64,
) -> Result<(), AppealRefusal> {
    if !rule.allows(&facts.round, &facts.section) {
        return Err(AppealRefusal::NotRemarkable);
    }
    let published = facts.published_ms.ok_or(AppealRefusal::NotPublished)?;
    let closes = appeal_closes_ms(rule, published);
    if now_ms > closes {
        return Err(AppealRefusal::WindowClosed { closed_ms: closes });
    }
    if facts.already_appealed {
        return Err(AppealRefusal::AlreadyAppealed);
    }
    if facts.marked_answers == 0 {
        return Err(AppealRefusal::NothingToRemark);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::SectionRef;

    fn m(marker: i32, slot: Slot, points: f64) -> Mark {
        Mark {
            marker,
            slot,
            points,
        }
    }

    #[test]
    fn the_first_two_markers_mark_blind_and_nobody_marks_twice() {
        assert_eq!(next_slot(&[], 1, 1.0, false), Ok(Slot::First));
        let one = [m(1, Slot::First, 7.0)];
        assert_eq!(next_slot(&one, 1, 1.0, false), Err(Refusal::AlreadyMarked));
        assert_eq!(next_slot(&one, 2, 1.0, false), Ok(Slot::Second));
        let two = [m(1, Slot::First, 7.0), m(2, Slot::Second, 7.5)];
        assert_eq!(next_slot(&two, 3, 1.0, false), Err(Refusal::Complete));
        assert_eq!(next_slot(&two, 2, 1.0, false), Err(Refusal::AlreadyMarked));
    }

    #[test]
    fn marks_within_the_threshold_stand_as_their_mean() {
        let two = [m(1, Slot::First, 7.0), m(2, Slot::Second, 8.0)];
        assert_eq!(
            final_points(&two, 1.0),
            Some(7.5),
            "a difference of exactly the threshold"
        );
        assert!(!needs_reconciling(&two, 1.0));
        assert_eq!(final_points(&[m(1, Slot::First, 7.0)], 1.0), None);
    }

    #[test]
    fn marks_further_apart_wait_for_a_third_marker_whose_mark_stands() {
        let two = [m(1, Slot::First, 4.0), m(2, Slot::Second, 8.0)];
        assert!(needs_reconciling(&two, 1.0));
        assert_eq!(final_points(&two, 1.0), None);
        assert_eq!(next_slot(&two, 1, 1.0, false), Err(Refusal::AlreadyMarked));
        assert_eq!(next_slot(&two, 3, 1.0, false), Ok(Slot::Reconcile));
        let three = [two[0], two[1], m(3, Slot::Reconcile, 5.0)];
        assert_eq!(final_points(&three, 1.0), Some(5.0));
        assert_eq!(next_slot(&three, 4, 1.0, false), Err(Refusal::Complete));
    }

    #[test]
    fn an_appeal_is_re_marked_once_by_someone_new_and_that_mark_replaces_the_old() {
        let two = [m(1, Slot::First, 6.0), m(2, Slot::Second, 6.5)];
        assert_eq!(next_slot(&two, 1, 1.0, true), Err(Refusal::AlreadyMarked));
        assert_eq!(next_slot(&two, 3, 1.0, true), Ok(Slot::Appeal));
        let after = [two[0], two[1], m(3, Slot::Appeal, 8.0)];
        assert_eq!(final_points(&after, 1.0), Some(8.0));
        assert_eq!(points_before_appeal(&after, 1.0), Some(6.25));
        assert_eq!(next_slot(&after, 4, 1.0, true), Err(Refusal::Complete));
    }

    #[test]
    fn the_threshold_is_a_share_of_the_items_points() {
        assert_eq!(threshold_points(10.0, 20.0), 2.0);
        assert_eq!(threshold_points(-5.0, 20.0), 0.0);
    }

    #[test]
    fn scores_are_numbers_within_the_items_points_with_a_point_or_a_comma() {
        assert_eq!(parse_score("7,5", 10.0), Ok(7.5));
        assert_eq!(parse_score(" 10 ", 10.0), Ok(10.0));
        assert_eq!(parse_score("0", 10.0), Ok(0.0));
        for bad in ["", "abc", "-1", "10.5", "NaN", "inf"] {
            assert_eq!(
                parse_score(bad, 10.0),
                Err(Text::key("marking.bad_score").with("max", "10")),
                "{bad}"
            );
        }
    }

    #[test]
    fn script_codes_are_stable_distinct_and_keyed() {
        let a = script_code(b"k1", 1, 7);
        assert_eq!(a, script_code(b"k1", 1, 7));
        assert_ne!(a, script_code(b"k1", 1, 8));
        assert_ne!(a, script_code(b"k2", 1, 7));
        assert_eq!(a.len(), 9);
        assert!(!a.contains('7') || a != "7", "not the attempt number");
    }

    fn rule() -> AppealRule {
        AppealRule {
            window_days: 15,
            remark_days: 15,
            remarkable: vec![SectionRef::new("round_2", "written")],
        }
    }

    fn facts() -> AppealFacts {
        AppealFacts {
            round: "round_2".into(),
            section: "written".into(),
            published_ms: Some(0),
            already_appealed: false,
            marked_answers: 2,
        }
    }

    #[test]
    fn a_pending_re_marking_is_overdue_only_after_its_due_date() {
        let due = remark_due_ms(&rule(), 0);
        assert!(!remark_overdue(false, Some(due), due), "due that day");
        assert!(remark_overdue(false, Some(due), due + 1));
        assert!(!remark_overdue(true, Some(due), due + 1), "decided");
        assert!(!remark_overdue(false, None, due + 1), "no release, no date");
    }

    #[test]
    fn an_appeal_is_accepted_within_the_window_once() {
        assert_eq!(check_appeal(&rule(), &facts(), 15 * DAY_MS), Ok(()));
        assert_eq!(remark_due_ms(&rule(), 0), 30 * DAY_MS);
        assert_eq!(
            check_appeal(&rule(), &facts(), 15 * DAY_MS + 1),
            Err(AppealRefusal::WindowClosed {
                closed_ms: 15 * DAY_MS
            })
        );
        let again = AppealFacts {
            already_appealed: true,
            ..facts()
        };
        assert_eq!(
            check_appeal(&rule(), &again, 0),
            Err(AppealRefusal::AlreadyAppealed)
        );
    }

    #[test]
    fn computer_marked_sections_and_unpublished_results_are_not_appealed() {
        let round_1 = AppealFacts {
            round: "round_1".into(),
            section: "general_knowledge".into(),
            ..facts()
        };
        assert_eq!(
            check_appeal(&rule(), &round_1, 0),
            Err(AppealRefusal::NotRemarkable)
        );
        let unpublished = AppealFacts {
            published_ms: None,
            ..facts()
        };
        assert_eq!(
            check_appeal(&rule(), &unpublished, 0),
            Err(AppealRefusal::NotPublished)
        );
        let blank = AppealFacts {
            marked_answers: 0,
            ..facts()
        };
        assert_eq!(
            check_appeal(&rule(), &blank, 0),
            Err(AppealRefusal::NothingToRemark)
        );
    }

    #[test]
    fn the_vietnamese_presets_do_not_re_mark_the_computer_round() {
        for rules in [
            crate::rules::presets::vn_138_2020_recruitment(),
            crate::rules::presets::vn_170_2025_recruitment(),
        ] {
            assert!(!rules.appeal.allows("round_1", "general_knowledge"));
            assert!(rules.appeal.allows("round_2", "written"));
        }
    }
}
