//! The rules of a sitting, decided without I/O: the deadline, whether a save or
//! submit is still accepted, the sequential-navigation rule, the sequence rule
//! for saves, and the translation between what a candidate sees (shuffled
//! options) and what is stored (the question's original order).

use crate::banks::model::Kind;
use crate::banks::scoring::Response;
use crate::clock::Millis;

/// The longest text answer stored: generous for an essay, small enough that one
/// save cannot fill the writer's batch.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Deadline = min(start + time limit + the candidate's accommodation + time
/// added by invigilators, paper close). Nobody writes past the paper's close.
pub fn deadline(
    started_ms: Millis,
    limit_minutes: i32,
    extra_minutes: i32,
    invigilator_extra_ms: i64,
    closes_ms: Millis,
) -> Millis {
    let own = started_ms
        .saturating_add(i64::from(limit_minutes.max(0)) * 60_000)
        .saturating_add(i64::from(extra_minutes.max(0)) * 60_000)
        .saturating_add(invigilator_extra_ms.max(0));
    own.min(closes_ms)
}

/// A save or submit is accepted exactly when `now ≤ deadline + grace`. The
/// grace absorbs the network delay of a save sent in the last second; the page
/// itself stops at the deadline.
pub fn accepts(now_ms: Millis, deadline_ms: Millis, grace_ms: i64) -> bool {
    now_ms <= deadline_ms.saturating_add(grace_ms.max(0))
}

/// An open attempt with no save for this long is "quiet" on the invigilation
/// board: the page saves every answer as it is given, so minutes of silence
/// mean a dropped connection, a frozen computer, or someone who needs a look.
pub const QUIET_AFTER_MS: i64 = 5 * 60_000;

/// Which attempts the invigilation board lists.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BoardShow {
    #[default]
    All,
    /// Still in progress.
    Writing,
    /// In progress with no save for [`QUIET_AFTER_MS`].
    Quiet,
    Submitted,
}

impl BoardShow {
    pub const ALL: [BoardShow; 4] = [
        BoardShow::All,
        BoardShow::Writing,
        BoardShow::Quiet,
        BoardShow::Submitted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BoardShow::All => "all",
            BoardShow::Writing => "writing",
            BoardShow::Quiet => "quiet",
            BoardShow::Submitted => "submitted",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            BoardShow::All => "common.all",
            BoardShow::Writing => "exam.show_writing",
            BoardShow::Quiet => "exam.show_quiet",
            BoardShow::Submitted => "exam.show_submitted",
        }
    }
}

/// Whole seconds left before the deadline, never negative.
pub fn remaining_seconds(now_ms: Millis, deadline_ms: Millis) -> i64 {
    ((deadline_ms - now_ms).max(0) + 999) / 1000
}

/// Whether a paper may be started now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    NotYetOpen,
    Open,
    Closed,
}

pub fn window(now_ms: Millis, opens_ms: Millis, closes_ms: Millis) -> Window {
    if now_ms < opens_ms {
        Window::NotYetOpen
    } else if now_ms < closes_ms {
        Window::Open
    } else {
        Window::Closed
    }
}

/// Free navigation: any item. Sequential: only the item the candidate is on;
/// an item left behind cannot be reopened and one ahead is not yet reached.
pub fn may_answer(sequential: bool, position: i32, item: i32, item_count: i32) -> bool {
    (0..item_count).contains(&item) && (!sequential || item == position)
}

/// Where a move to `to` leaves the candidate, or None when the rule forbids it:
/// sequential papers only move forward one item at a time.
pub fn may_move(sequential: bool, position: i32, to: i32, item_count: i32) -> Option<i32> {
    if !(0..item_count).contains(&to) {
        return None;
    }
    if !sequential || to == position || to == position + 1 {
        Some(to)
    } else {
        None
    }
}

/// A save replaces the stored answer only when its sequence number is higher:
/// a replay (the same number) or a stale save (a lower one) changes nothing.
pub fn is_newer(stored_seq: Option<i64>, incoming_seq: i64) -> bool {
    stored_seq.is_none_or(|s| incoming_seq > s)
}

/// What the sitting needs to know about one item of a form to check and
/// translate a response, without the question's content or key.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemShape {
    pub kind: Kind,
    /// Display position → original index (options, ordering items, matching
    /// prompts); empty when shown in stored order.
    pub option_order: Vec<u16>,
    /// Options, items or prompts shown.
    pub option_count: u16,
    /// Matching only: index in the offered answers → a pair index holding it.
    pub answer_pairs: Vec<usize>,
    /// Matching only: pair index → index in the offered answers.
    pub pair_answers: Vec<usize>,
}

impl ItemShape {
    fn original(&self, display: usize) -> Option<usize> {
        if display >= usize::from(self.option_count) {
            return None;
        }
        if self.option_order.is_empty() {
            Some(display)
        } else {
            self.option_order.get(display).map(|&o| usize::from(o))
        }
    }

    fn display(&self, original: usize) -> Option<usize> {
        if self.option_order.is_empty() {
            (original < usize::from(self.option_count)).then_some(original)
        } else {
            self.option_order
                .iter()
                .position(|&o| usize::from(o) == original)
        }
    }
}

/// Why a response cannot be stored, as a message key.
pub type Rejection = &'static str;

/// Checks a response given in display terms against the item and translates it
/// to the question's original order, which is how responses are stored and
/// scored (see `banks::scoring`).
pub fn to_original(shape: &ItemShape, r: &Response) -> Result<Response, Rejection> {
    let bad = "attempts.bad_response";
    let n = usize::from(shape.option_count);
    let out = match (shape.kind, r) {
        (Kind::SingleChoice, Response::Choice { index }) => Response::Choice {
            index: shape.original(*index).ok_or(bad)?,
        },
        (Kind::MultipleResponse, Response::Choices { indices }) => {
            let mut mapped = indices
                .iter()
                .map(|&i| shape.original(i).ok_or(bad))
                .collect::<Result<Vec<_>, _>>()?;
            mapped.sort_unstable();
            mapped.dedup();
            Response::Choices { indices: mapped }
        }
        (Kind::TrueFalse, Response::Boolean { value }) => Response::Boolean { value: *value },
        (Kind::Numeric, Response::Number { value }) if value.is_finite() => {
            Response::Number { value: *value }
        }
        (Kind::ShortAnswer, Response::Text { text }) if text.chars().count() <= MAX_TEXT_CHARS => {
            Response::Text { text: text.clone() }
        }
        (Kind::Essay, Response::Essay { text }) if text.chars().count() <= MAX_TEXT_CHARS => {
            Response::Essay { text: text.clone() }
        }
        (Kind::Ordering, Response::Ordering { order }) => {
            if order.len() != n {
                return Err(bad);
            }
            let mapped = order
                .iter()
                .map(|&i| shape.original(i).ok_or(bad))
                .collect::<Result<Vec<_>, _>>()?;
            let mut seen = mapped.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != n {
                return Err(bad);
            }
            Response::Ordering { order: mapped }
        }
        (Kind::Matching, Response::Matching { answers }) => {
            if answers.len() != n {
                return Err(bad);
            }
            let mut stored = vec![None; n];
            for (display, chosen) in answers.iter().enumerate() {
                let prompt = shape.original(display).ok_or(bad)?;
                let slot = stored.get_mut(prompt).ok_or(bad)?;
                *slot = match chosen {
                    None => None,
                    Some(a) => Some(*shape.answer_pairs.get(*a).ok_or(bad)?),
                };
            }
            Response::Matching { answers: stored }
        }
        _ => return Err(bad),
    };
    Ok(out)
}

/// The inverse of [`to_original`]: a stored response as the candidate's page
/// shows it. A stored value that no longer fits (it cannot, but rows are data)
/// is dropped rather than shown wrongly.
pub fn to_display(shape: &ItemShape, r: &Response) -> Option<Response> {
    Some(match r {
        Response::Choice { index } => Response::Choice {
            index: shape.display(*index)?,
        },
        Response::Choices { indices } => {
            let mut d = indices
                .iter()
                .map(|&i| shape.display(i))
                .collect::<Option<Vec<_>>>()?;
            d.sort_unstable();
            Response::Choices { indices: d }
        }
        Response::Ordering { order } => Response::Ordering {
            order: order
                .iter()
                .map(|&i| shape.display(i))
                .collect::<Option<Vec<_>>>()?,
        },
        Response::Matching { answers } => {
            let n = usize::from(shape.option_count);
            let mut shown = vec![None; n];
            for (display, slot) in shown.iter_mut().enumerate() {
                let prompt = shape.original(display)?;
                *slot = match answers.get(prompt).copied().flatten() {
                    None => None,
                    Some(pair) => Some(*shape.pair_answers.get(pair)?),
                };
            }
            Response::Matching { answers: shown }
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::clock::{Clock, ManualClock};

    fn shape(kind: Kind, order: &[u16]) -> ItemShape {
        ItemShape {
            kind,
            option_order: order.to_vec(),
            option_count: order.len() as u16,
            answer_pairs: vec![],
            pair_answers: vec![],
        }
    }

    #[test]
    fn the_paper_close_caps_the_deadline() {
        // 09:00 start, 60 min, 15 min accommodation, 5 min from an invigilator.
        assert_eq!(deadline(0, 60, 15, 300_000, i64::MAX), 80 * 60_000);
        assert_eq!(deadline(0, 60, 15, 300_000, 70 * 60_000), 70 * 60_000);
    }

    #[test]
    fn a_save_at_the_last_grace_millisecond_is_accepted_and_one_after_is_not() {
        assert!(accepts(1_000 + 30_000, 1_000, 30_000));
        assert!(!accepts(1_000 + 30_001, 1_000, 30_000));
        assert_eq!(remaining_seconds(0, 1_500), 2);
        assert_eq!(remaining_seconds(5_000, 1_500), 0);
    }

    #[test]
    fn sequential_papers_answer_only_the_current_item_and_move_forward_by_one() {
        assert!(may_answer(true, 3, 3, 10));
        assert!(!may_answer(true, 3, 2, 10));
        assert!(!may_answer(true, 3, 4, 10));
        assert!(may_answer(false, 3, 9, 10));
        assert!(!may_answer(false, 3, 10, 10));
        assert_eq!(may_move(true, 3, 4, 10), Some(4));
        assert_eq!(may_move(true, 3, 2, 10), None);
        assert_eq!(may_move(true, 3, 5, 10), None);
        assert_eq!(may_move(false, 3, 0, 10), Some(0));
        assert_eq!(may_move(true, 9, 10, 10), None);
    }

    #[test]
    fn replays_and_stale_saves_are_not_newer() {
        assert!(is_newer(None, 1));
        assert!(is_newer(Some(1), 2));
        assert!(!is_newer(Some(2), 2));
        assert!(!is_newer(Some(3), 2));
    }

    #[test]
    fn shuffled_choices_are_stored_in_the_questions_order_and_shown_back_shuffled() {
        let s = shape(Kind::SingleChoice, &[2, 0, 1]);
        let stored = to_original(&s, &Response::Choice { index: 0 }).unwrap();
        assert_eq!(stored, Response::Choice { index: 2 });
        assert_eq!(to_display(&s, &stored), Some(Response::Choice { index: 0 }));
        assert!(to_original(&s, &Response::Choice { index: 3 }).is_err());
        assert!(to_original(&s, &Response::Boolean { value: true }).is_err());
        let m = shape(Kind::MultipleResponse, &[2, 0, 1]);
        assert_eq!(
            to_original(
                &m,
                &Response::Choices {
                    indices: vec![1, 0, 1]
                }
            )
            .unwrap(),
            Response::Choices {
                indices: vec![0, 2]
            }
        );
        let o = shape(Kind::Ordering, &[1, 2, 0]);
        let stored = to_original(
            &o,
            &Response::Ordering {
                order: vec![2, 0, 1],
            },
        )
        .unwrap();
        assert_eq!(
            stored,
            Response::Ordering {
                order: vec![0, 1, 2]
            }
        );
        assert!(
            to_original(
                &o,
                &Response::Ordering {
                    order: vec![0, 0, 1]
                }
            )
            .is_err()
        );
        assert_eq!(
            to_display(&o, &stored),
            Some(Response::Ordering {
                order: vec![2, 0, 1]
            })
        );
    }

    #[test]
    fn matching_maps_prompts_and_offered_answers_both_ways() {
        let s = ItemShape {
            kind: Kind::Matching,
            option_order: vec![1, 0],
            option_count: 2,
            // offered answers (sorted): "a" is pair 1's, "b" pair 0's
            answer_pairs: vec![1, 0],
            pair_answers: vec![1, 0],
        };
        let shown = Response::Matching {
            answers: vec![Some(0), None],
        };
        let stored = to_original(&s, &shown).unwrap();
        assert_eq!(
            stored,
            Response::Matching {
                answers: vec![None, Some(1)]
            }
        );
        assert_eq!(to_display(&s, &stored), Some(shown));
    }

    proptest! {
        /// With the injected clock: a save or submit is accepted exactly when
        /// now ≤ deadline + grace, whatever the start, limit, extra time and close.
        #[test]
        fn accepted_exactly_until_deadline_plus_grace(
            start in 0i64..1_000_000_000,
            limit in 1i32..600,
            extra in 0i32..120,
            invigilator in 0i64..3_600_000,
            close_after in 0i64..50_000_000,
            grace_s in 0i64..600,
            step in 0i64..60_000_000,
        ) {
            let clock = ManualClock::starting_at(start);
            let d = deadline(start, limit, extra, invigilator, start + close_after);
            prop_assert!(d <= start + close_after);
            clock.advance_ms(step);
            let now = clock.now_ms();
            prop_assert_eq!(accepts(now, d, grace_s * 1000), now <= d + grace_s * 1000);
            if accepts(now, d, grace_s * 1000) {
                prop_assert!(now - start <= close_after + grace_s * 1000);
            }
        }
    }
}
