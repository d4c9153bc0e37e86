//! How a candidate's response to one question scores, as a fraction of the
//! question's points.
//!
//! Indices in a [`Response`] always refer to the question's ORIGINAL order of
//! options, pairs and items. Forms shuffle what candidates see; they translate
//! each displayed position back to the original index before storing or scoring
//! a response, so that a shuffle can never change a score.
//!
//! A response that could not have come from a form for this question (the wrong
//! kind, an index out of range, an ordering that is not a permutation) scores 0
//! rather than failing: scoring runs over stored attempts and must not stop at one
//! bad row.

use serde::{Deserialize, Serialize};

use crate::banks::model::{Answer, NumericValue};
use crate::banks::normalize::{fold, fold_keep_case};

/// What a candidate gave for one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// Single choice: the index of the chosen option.
    Choice { index: usize },
    /// Multiple response: the indices of the ticked options; a repeat counts once.
    Choices { indices: Vec<usize> },
    /// True/false.
    Boolean { value: bool },
    /// Numeric.
    Number { value: f64 },
    /// Short answer.
    Text { text: String },
    /// Matching: one entry per pair that has a prompt, in the order of `pairs`
    /// with distractors skipped. Each entry is the index into `pairs` of the
    /// answer chosen for that prompt (distractors' answers are offered too), or
    /// `None` when left blank.
    Matching { answers: Vec<Option<usize>> },
    /// Ordering: the candidate's arrangement, first to last, as indices into `items`.
    Ordering { order: Vec<usize> },
    /// Essay.
    Essay { text: String },
}

/// The outcome of scoring one response.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Scored {
    /// The fraction of the question's points earned: in 0..=1, except that a
    /// single-choice option with a negative weight gives down to -1 (see [`score`]).
    Fraction(f64),
    /// An essay: a person marks it later.
    NeedsMarking,
}

/// Scores `response` against the question's `answer`.
///
/// - Single choice: the chosen option's weight / 100, clamped to -1..=1. A
///   negative result only arises when the author gave that wrong option a
///   negative weight (GIFT `~%-50%`), which is how Moodle reads it too; a plain
///   wrong option (weight 0) scores 0. Whether a section total may go below zero
///   is decided where sections are totalled, not here.
/// - Multiple response: the sum of the ticked options' weights / 100, clamped to
///   0..=1, so that negative weights cancel lucky ticks but never cost more than
///   the question.
/// - True/false: 1 or 0.
/// - Numeric: the best weight among the answers that accept the value, 0..=1.
/// - Short answer: the best weight among the accepted answers equal to the text
///   after [`fold`] (case kept when the question is case-sensitive; diacritics
///   ignored when the bank says so), 0..=1.
/// - Matching: the share of prompts given their right answer. An answer whose
///   text equals the right one counts, so two prompts sharing an answer ("run"
///   and "jump" → "verb") work whichever copy was picked.
/// - Ordering: the share of positions holding the right item ("absolute
///   position"). Simple to explain to a candidate, though one item moved from
///   last to first costs every position after it.
/// - Essay: [`Scored::NeedsMarking`].
pub fn score(answer: &Answer, response: &Response, ignore_diacritics: bool) -> Scored {
    let fraction = match (answer, response) {
        (Answer::SingleChoice { options }, Response::Choice { index }) => options
            .get(*index)
            .map_or(0.0, |o| clamp(o.weight / 100.0, -1.0)),
        (Answer::MultipleResponse { options }, Response::Choices { indices }) => {
            if indices.iter().any(|i| *i >= options.len()) {
                0.0
            } else {
                let mut ticked = vec![false; options.len()];
                for i in indices {
                    ticked[*i] = true;
                }
                let sum: f64 = options
                    .iter()
                    .zip(ticked)
                    .filter(|(_, t)| *t)
                    .map(|(o, _)| o.weight)
                    // Not .sum(): it starts from -0.0, which would store as "-0.0".
                    .fold(0.0, |total, w| total + w);
                clamp(sum / 100.0, 0.0)
            }
        }
        // A wrong true/false answer falls through to the 0 at the end.
        (Answer::TrueFalse { correct, .. }, Response::Boolean { value }) if value == correct => 1.0,
        (Answer::Numeric { answers }, Response::Number { value }) => best(
            answers
                .iter()
                .filter(|a| accepts(&a.value, *value))
                .map(|a| a.weight),
        ),
        (
            Answer::ShortAnswer {
                answers,
                case_sensitive,
            },
            Response::Text { text },
        ) => {
            let norm = |s: &str| {
                if *case_sensitive {
                    fold_keep_case(s, ignore_diacritics)
                } else {
                    fold(s, ignore_diacritics)
                }
            };
            let given = norm(text);
            if given.is_empty() {
                0.0
            } else {
                best(
                    answers
                        .iter()
                        .filter(|a| norm(&a.text) == given)
                        .map(|a| a.weight),
                )
            }
        }
        (Answer::Matching { pairs }, Response::Matching { answers }) => {
            let prompts: Vec<&str> = pairs
                .iter()
                .filter(|p| !p.prompt.trim().is_empty())
                .map(|p| p.answer.as_str())
                .collect();
            let in_range = answers.iter().flatten().all(|i| *i < pairs.len());
            if prompts.is_empty() || answers.len() != prompts.len() || !in_range {
                0.0
            } else {
                let right = prompts
                    .iter()
                    .zip(answers)
                    .filter(|(want, got)| got.is_some_and(|i| pairs[i].answer == **want))
                    .count();
                right as f64 / prompts.len() as f64
            }
        }
        (Answer::Ordering { items }, Response::Ordering { order }) => {
            let mut seen = vec![false; items.len()];
            let permutation = order.len() == items.len()
                && order
                    .iter()
                    .all(|i| *i < items.len() && !std::mem::replace(&mut seen[*i], true));
            if items.is_empty() || !permutation {
                0.0
            } else {
                // Compared by text so that two equal items are interchangeable.
                let right = order
                    .iter()
                    .enumerate()
                    .filter(|(pos, i)| items[**i] == items[*pos])
                    .count();
                right as f64 / items.len() as f64
            }
        }
        (Answer::Essay { .. }, Response::Essay { .. }) => return Scored::NeedsMarking,
        _ => 0.0,
    };
    Scored::Fraction(fraction)
}

/// Decimal answers such as 3.15 are not exact in binary, so |3.15 - 3.14| comes
/// out a hair above 0.01; a relative slack far below any sensible tolerance
/// keeps the boundary where the author meant it.
fn accepts(value: &NumericValue, given: f64) -> bool {
    if !given.is_finite() {
        return false;
    }
    match *value {
        NumericValue::Exact { value, tolerance } => {
            (given - value).abs() <= tolerance + slack(value)
        }
        NumericValue::Range { min, max } => given >= min - slack(min) && given <= max + slack(max),
    }
}

fn slack(x: f64) -> f64 {
    1e-9 * x.abs().max(1.0)
}

fn best(weights: impl Iterator<Item = f64>) -> f64 {
    weights
        .filter(|w| w.is_finite())
        .map(|w| clamp(w / 100.0, 0.0))
        .fold(0.0, f64::max)
}

fn clamp(x: f64, floor: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(floor, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{Choice, MatchPair, NumericAnswer, TextAnswer};

    fn options(weights: &[f64]) -> Vec<Choice> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| Choice {
                text: format!("option {i}"),
                weight: *w,
                feedback: None,
            })
            .collect()
    }

    fn single(weights: &[f64]) -> Answer {
        Answer::SingleChoice {
            options: options(weights),
        }
    }

    fn multiple(weights: &[f64]) -> Answer {
        Answer::MultipleResponse {
            options: options(weights),
        }
    }

    fn numeric(values: &[(NumericValue, f64)]) -> Answer {
        Answer::Numeric {
            answers: values
                .iter()
                .map(|(value, weight)| NumericAnswer {
                    value: *value,
                    weight: *weight,
                    feedback: None,
                })
                .collect(),
        }
    }

    fn short(answers: &[(&str, f64)], case_sensitive: bool) -> Answer {
        Answer::ShortAnswer {
            answers: answers
                .iter()
                .map(|(t, w)| TextAnswer {
                    text: (*t).to_owned(),
                    weight: *w,
                    feedback: None,
                })
                .collect(),
            case_sensitive,
        }
    }

    fn matching(pairs: &[(&str, &str)]) -> Answer {
        Answer::Matching {
            pairs: pairs
                .iter()
                .map(|(p, a)| MatchPair {
                    prompt: (*p).to_owned(),
                    answer: (*a).to_owned(),
                })
                .collect(),
        }
    }

    fn ordering(items: &[&str]) -> Answer {
        Answer::Ordering {
            items: items.iter().map(|i| (*i).to_owned()).collect(),
        }
    }

    fn fraction(answer: &Answer, response: Response) -> f64 {
        match score(answer, &response, false) {
            Scored::Fraction(f) => f,
            Scored::NeedsMarking => panic!("expected a fraction"),
        }
    }

    fn text(t: &str) -> Response {
        Response::Text { text: t.to_owned() }
    }

    #[test]
    fn single_choice_scores_the_chosen_weight() {
        let a = single(&[0.0, 100.0, 50.0]);
        assert_eq!(fraction(&a, Response::Choice { index: 1 }), 1.0);
        assert_eq!(fraction(&a, Response::Choice { index: 2 }), 0.5);
        assert_eq!(fraction(&a, Response::Choice { index: 0 }), 0.0);
    }

    #[test]
    fn single_choice_negative_weight_gives_a_negative_fraction_down_to_minus_one() {
        let a = single(&[100.0, -50.0, -300.0]);
        assert_eq!(fraction(&a, Response::Choice { index: 1 }), -0.5);
        assert_eq!(fraction(&a, Response::Choice { index: 2 }), -1.0);
    }

    #[test]
    fn single_choice_out_of_range_index_scores_zero() {
        let a = single(&[100.0, 0.0]);
        assert_eq!(fraction(&a, Response::Choice { index: 2 }), 0.0);
    }

    #[test]
    fn multiple_response_sums_and_clamps_to_zero_and_one() {
        let a = multiple(&[50.0, 50.0, -100.0, 0.0]);
        let pick = |indices: &[usize]| {
            fraction(
                &a,
                Response::Choices {
                    indices: indices.to_vec(),
                },
            )
        };
        assert_eq!(pick(&[0, 1]), 1.0);
        assert_eq!(pick(&[0]), 0.5);
        assert_eq!(pick(&[0, 3]), 0.5);
        assert_eq!(pick(&[0, 2]), 0.0, "negative weights clamp at 0");
        assert_eq!(pick(&[0, 1, 2, 3]), 0.0);
        assert_eq!(pick(&[]), 0.0);
    }

    #[test]
    fn multiple_response_counts_a_repeated_index_once() {
        let a = multiple(&[50.0, 50.0, 0.0]);
        let r = Response::Choices {
            indices: vec![0, 0, 0],
        };
        assert_eq!(fraction(&a, r), 0.5);
    }

    #[test]
    fn multiple_response_over_100_clamps_to_one() {
        let a = multiple(&[80.0, 80.0]);
        let r = Response::Choices {
            indices: vec![0, 1],
        };
        assert_eq!(fraction(&a, r), 1.0);
    }

    #[test]
    fn multiple_response_out_of_range_index_scores_zero() {
        let a = multiple(&[50.0, 50.0, 0.0]);
        let r = Response::Choices {
            indices: vec![0, 1, 7],
        };
        assert_eq!(fraction(&a, r), 0.0);
    }

    #[test]
    fn true_false_scores_one_or_zero() {
        let a = Answer::TrueFalse {
            correct: false,
            feedback_true: None,
            feedback_false: None,
        };
        assert_eq!(fraction(&a, Response::Boolean { value: false }), 1.0);
        assert_eq!(fraction(&a, Response::Boolean { value: true }), 0.0);
    }

    #[test]
    fn numeric_takes_the_best_accepting_answer() {
        let a = numeric(&[
            (
                NumericValue::Exact {
                    value: 2.54,
                    tolerance: 0.01,
                },
                100.0,
            ),
            (NumericValue::Range { min: 2.0, max: 3.0 }, 50.0),
        ]);
        let n = |value| fraction(&a, Response::Number { value });
        assert_eq!(n(2.54), 1.0);
        // 2.54 - 2.53 is 0.010000000000000231 in binary.
        assert_eq!(n(2.53), 1.0, "the tolerance boundary is inclusive");
        assert_eq!(n(2.55), 1.0);
        assert_eq!(n(2.56), 0.5);
        assert_eq!(n(3.0), 0.5);
        assert_eq!(n(3.01), 0.0);
        assert_eq!(n(f64::NAN), 0.0);
    }

    #[test]
    fn numeric_negative_weight_clamps_to_zero() {
        let a = numeric(&[(NumericValue::Range { min: 0.0, max: 1.0 }, -50.0)]);
        assert_eq!(fraction(&a, Response::Number { value: 0.5 }), 0.0);
    }

    #[test]
    fn short_answer_ignores_case_and_spacing() {
        let a = short(&[("Hà Nội", 100.0), ("Thăng Long", 50.0)], false);
        assert_eq!(fraction(&a, text("  hà   NỘI ")), 1.0);
        assert_eq!(fraction(&a, text("thăng long")), 0.5);
        assert_eq!(fraction(&a, text("ha noi")), 0.0);
        assert_eq!(fraction(&a, text("")), 0.0);
    }

    #[test]
    fn short_answer_ignores_diacritics_when_the_bank_says_so() {
        let a = short(&[("Hà Nội", 100.0)], false);
        assert_eq!(score(&a, &text("ha noi"), true), Scored::Fraction(1.0));
        let b = short(&[("Đà Nẵng", 100.0)], false);
        assert_eq!(score(&b, &text("DA NANG"), true), Scored::Fraction(1.0));
    }

    #[test]
    fn short_answer_respects_case_sensitivity() {
        let a = short(&[("NaCl", 100.0)], true);
        assert_eq!(fraction(&a, text("NaCl")), 1.0);
        assert_eq!(fraction(&a, text(" NaCl  ")), 1.0);
        assert_eq!(fraction(&a, text("nacl")), 0.0);
    }

    #[test]
    fn short_answer_takes_the_best_weight_and_clamps_negatives() {
        let a = short(
            &[("Sài Gòn", -100.0), ("sài gòn", 30.0), ("Huế", -50.0)],
            false,
        );
        assert_eq!(fraction(&a, text("Sài Gòn")), 0.3);
        assert_eq!(fraction(&a, text("Huế")), 0.0);
    }

    #[test]
    fn matching_scores_the_share_of_right_prompts() {
        let a = matching(&[
            ("Pháp", "Paris"),
            ("", "Berlin"),
            ("Ý", "Rome"),
            ("Anh", "London"),
        ]);
        let m = |answers: Vec<Option<usize>>| fraction(&a, Response::Matching { answers });
        assert_eq!(m(vec![Some(0), Some(2), Some(3)]), 1.0);
        assert!((m(vec![Some(0), Some(1), None]) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(m(vec![None, None, None]), 0.0);
    }

    #[test]
    fn matching_accepts_either_copy_of_a_shared_answer() {
        let a = matching(&[("run", "verb"), ("jump", "verb"), ("cat", "noun")]);
        let r = Response::Matching {
            answers: vec![Some(1), Some(0), Some(2)],
        };
        assert_eq!(fraction(&a, r), 1.0);
    }

    #[test]
    fn matching_malformed_response_scores_zero() {
        let a = matching(&[("Pháp", "Paris"), ("Ý", "Rome")]);
        let too_short = Response::Matching {
            answers: vec![Some(0)],
        };
        assert_eq!(fraction(&a, too_short), 0.0);
        let out_of_range = Response::Matching {
            answers: vec![Some(0), Some(9)],
        };
        assert_eq!(fraction(&a, out_of_range), 0.0);
    }

    #[test]
    fn ordering_scores_the_share_of_items_in_place() {
        let a = ordering(&["một", "hai", "ba", "bốn"]);
        let o = |order: Vec<usize>| fraction(&a, Response::Ordering { order });
        assert_eq!(o(vec![0, 1, 2, 3]), 1.0);
        assert_eq!(o(vec![1, 0, 2, 3]), 0.5);
        assert_eq!(
            o(vec![3, 0, 1, 2]),
            0.0,
            "a shifted order loses every position"
        );
    }

    #[test]
    fn ordering_that_is_not_a_permutation_scores_zero() {
        let a = ordering(&["một", "hai", "ba"]);
        let o = |order: Vec<usize>| fraction(&a, Response::Ordering { order });
        assert_eq!(o(vec![0, 0, 2]), 0.0);
        assert_eq!(o(vec![0, 1]), 0.0);
        assert_eq!(o(vec![0, 1, 5]), 0.0);
    }

    #[test]
    fn essay_needs_marking() {
        let a = Answer::Essay {
            marking_guide: None,
        };
        let r = Response::Essay {
            text: "Bài làm".to_owned(),
        };
        assert_eq!(score(&a, &r, false), Scored::NeedsMarking);
    }

    #[test]
    fn a_response_of_the_wrong_kind_scores_zero() {
        let a = single(&[100.0, 0.0]);
        assert_eq!(fraction(&a, Response::Boolean { value: true }), 0.0);
        assert_eq!(fraction(&a, Response::Choices { indices: vec![0] }), 0.0);
        let essay = Answer::Essay {
            marking_guide: None,
        };
        assert_eq!(fraction(&essay, text("x")), 0.0);
    }

    #[test]
    fn responses_are_tagged_by_kind_in_json() {
        let r = Response::Matching {
            answers: vec![Some(1), None],
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"kind":"matching","answers":[1,null]}"#);
        let back: Response = serde_json::from_str(r#"{"kind":"choice","index":2}"#).unwrap();
        assert_eq!(back, Response::Choice { index: 2 });
    }
}
