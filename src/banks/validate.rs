//! The rules every question must satisfy, whatever format it came from or the
//! editor it was typed into. Messages are for the author: they name the option,
//! answer or pair at fault and say what was expected.

use crate::banks::model::{Answer, Choice, Kind, NumericValue, Question};
use crate::banks::normalize::fold;

/// Stems longer than this are allowed but unusual enough to mention.
const LONG_STEM_CHARS: usize = 5000;

/// Multiple-response weights are often thirds or sixths typed as 33.33 or 16.67,
/// which add up to 99.99 or 100.02; within this many points of 100 counts as 100.
const WEIGHT_SUM_SLACK: f64 = 0.1;

/// Everything that makes `q` unusable; empty when it may be saved and approved.
pub fn validate(q: &Question) -> Vec<String> {
    let mut problems = Vec::new();

    if q.topic.trim().is_empty() {
        problems.push("the topic is empty".to_owned());
    } else if q.topic.split('/').any(|level| level.trim().is_empty()) {
        problems.push(format!(
            "the topic \"{}\" has an empty level; levels are separated by a single \"/\"",
            q.topic
        ));
    }
    if !(1..=5).contains(&q.difficulty) {
        problems.push(format!("difficulty must be 1 to 5, got {}", q.difficulty));
    }
    if !q.points.is_finite() {
        problems.push("points must be a number".to_owned());
    } else if q.points <= 0.0 {
        problems.push(format!("points must be above 0, got {}", q.points));
    }
    if q.stem.trim().is_empty() {
        problems.push("the stem is empty".to_owned());
    }
    for (i, tag) in q.tags.iter().enumerate() {
        if tag.trim().is_empty() {
            problems.push(format!("tag {} is empty", i + 1));
        }
    }

    match &q.answer {
        Answer::SingleChoice { options } => {
            check_options(Kind::SingleChoice, options, &mut problems);
            let full: Vec<String> = options
                .iter()
                .enumerate()
                .filter(|(_, o)| is_full(o.weight))
                .map(|(i, _)| option_label(i))
                .collect();
            match full.len() {
                1 => {}
                0 => problems.push(
                    "a single-choice question needs exactly one option at 100%, found none"
                        .to_owned(),
                ),
                _ => problems.push(format!(
                    "a single-choice question needs exactly one option at 100%, found {} ({})",
                    full.len(),
                    full.join(", ")
                )),
            }
        }
        Answer::MultipleResponse { options } => {
            check_options(Kind::MultipleResponse, options, &mut problems);
            let sum: f64 = options
                .iter()
                .map(|o| o.weight)
                .filter(|w| *w > 0.0)
                // Not .sum(): it starts from -0.0, which would print as "-0%".
                .fold(0.0, |total, w| total + w);
            if (sum - 100.0).abs() > WEIGHT_SUM_SLACK {
                problems.push(format!(
                    "multiple-response weights of the right options add up to {}%, expected 100%",
                    round2(sum)
                ));
            }
        }
        Answer::TrueFalse { .. } => {}
        Answer::Numeric { answers } => {
            if answers.is_empty() {
                problems.push("a numeric question needs at least one answer".to_owned());
            }
            for (i, a) in answers.iter().enumerate() {
                let at = format!("answer {}", i + 1);
                check_weight(&at, a.weight, &mut problems);
                match a.value {
                    NumericValue::Exact { value, tolerance } => {
                        if !value.is_finite() {
                            problems.push(format!("{at}: the value must be a number"));
                        }
                        if !tolerance.is_finite() {
                            problems.push(format!("{at}: the tolerance must be a number"));
                        } else if tolerance < 0.0 {
                            problems.push(format!(
                                "{at}: tolerance can't be negative, got {tolerance}"
                            ));
                        }
                    }
                    NumericValue::Range { min, max } => {
                        if !min.is_finite() || !max.is_finite() {
                            problems.push(format!("{at}: range ends must be numbers"));
                        } else if min > max {
                            problems
                                .push(format!("{at}: numeric range: min {min} is above max {max}"));
                        }
                    }
                }
            }
            if !answers.is_empty() && !answers.iter().any(|a| is_full(a.weight)) {
                problems.push("a numeric question needs at least one answer at 100%".to_owned());
            }
        }
        Answer::ShortAnswer { answers, .. } => {
            for (i, a) in answers.iter().enumerate() {
                let at = format!("answer {}", i + 1);
                if a.text.trim().is_empty() {
                    problems.push(format!("{at} is empty"));
                }
                check_weight(&at, a.weight, &mut problems);
            }
            if !answers.iter().any(|a| is_full(a.weight)) {
                problems.push("short answer needs at least one answer at 100%".to_owned());
            }
        }
        Answer::Matching { pairs } => {
            let prompts = pairs.iter().filter(|p| !p.prompt.trim().is_empty()).count();
            if prompts < 2 {
                problems.push(format!(
                    "a matching question needs at least 2 pairs with a prompt, got {prompts}"
                ));
            }
            for (i, p) in pairs.iter().enumerate() {
                if p.answer.trim().is_empty() {
                    problems.push(format!("pair {}: the answer is empty", i + 1));
                }
            }
            // Two equal prompts would each accept the other's answer.
            let folded: Vec<String> = pairs.iter().map(|p| fold(&p.prompt, false)).collect();
            for (i, prompt) in folded.iter().enumerate() {
                if prompt.is_empty() {
                    continue;
                }
                if let Some(first) = folded[..i].iter().position(|p| p == prompt) {
                    problems.push(format!(
                        "pair {} repeats the prompt of pair {}",
                        i + 1,
                        first + 1
                    ));
                }
            }
        }
        Answer::Ordering { items } => {
            if items.len() < 2 {
                problems.push(format!(
                    "an ordering question needs at least 2 items, got {}",
                    items.len()
                ));
            }
            let folded: Vec<String> = items.iter().map(|i| fold(i, false)).collect();
            for (i, item) in folded.iter().enumerate() {
                if item.is_empty() {
                    problems.push(format!("item {} is empty", i + 1));
                } else if let Some(first) = folded[..i].iter().position(|p| p == item) {
                    problems.push(format!("item {} repeats item {}", i + 1, first + 1));
                }
            }
        }
        Answer::Essay { .. } => {}
    }
    problems
}

/// Things that are allowed but probably not what the author meant.
pub fn warnings(q: &Question) -> Vec<String> {
    let mut found = Vec::new();
    let stem_chars = q.stem.chars().count();
    if stem_chars > LONG_STEM_CHARS {
        found.push(format!(
            "the stem is {stem_chars} characters long (over {LONG_STEM_CHARS}); candidates read it on screen"
        ));
    }
    for (i, tag) in q.tags.iter().enumerate() {
        if q.tags[..i].contains(tag) {
            found.push(format!("tag \"{tag}\" is given twice"));
        }
    }
    if let Answer::MultipleResponse { options } = &q.answer {
        let right = options.iter().filter(|o| o.weight > 0.0).count();
        if right == 1 {
            found.push(
                "only one option is right; a single-choice question may be what was meant"
                    .to_owned(),
            );
        }
        if options.len() > 1 && right == options.len() {
            found.push("every option is right, so ticking them all scores full marks".to_owned());
        }
    }
    found
}

/// "A".."Z" as the options are shown to authors, then numbers past 26.
pub fn option_label(index: usize) -> String {
    match u8::try_from(index) {
        Ok(i) if i < 26 => char::from(b'A' + i).to_string(),
        _ => (index + 1).to_string(),
    }
}

fn check_options(kind: Kind, options: &[Choice], problems: &mut Vec<String>) {
    let name = match kind {
        Kind::SingleChoice => "a single-choice question",
        _ => "a multiple-response question",
    };
    if options.len() < 2 {
        problems.push(format!(
            "{name} needs at least 2 options, got {}",
            options.len()
        ));
    }
    let folded: Vec<String> = options.iter().map(|o| fold(&o.text, false)).collect();
    for (i, o) in options.iter().enumerate() {
        let at = format!("option {}", option_label(i));
        if folded[i].is_empty() {
            problems.push(format!("{at} is empty"));
        } else if let Some(first) = folded[..i].iter().position(|t| *t == folded[i]) {
            problems.push(format!("{at} repeats option {}", option_label(first)));
        }
        check_weight(&at, o.weight, problems);
    }
}

fn check_weight(at: &str, weight: f64, problems: &mut Vec<String>) {
    if !weight.is_finite() {
        problems.push(format!("{at}: the weight must be a number"));
    } else if !(-100.0..=100.0).contains(&weight) {
        problems.push(format!("{at}: weight {weight}% is outside -100% to 100%"));
    }
}

fn is_full(weight: f64) -> bool {
    (weight - 100.0).abs() < 1e-9
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::{MatchPair, NumericAnswer, TextAnswer, TextFormat};

    fn question(answer: Answer) -> Question {
        Question {
            title: None,
            topic: "Luật Cán bộ, công chức/Quyền và nghĩa vụ".to_owned(),
            difficulty: 2,
            points: 1.0,
            stem: "Câu hỏi?".to_owned(),
            format: TextFormat::Markdown,
            answer,
            tags: vec![],
            explanation: None,
        }
    }

    fn options(weights: &[(&str, f64)]) -> Vec<Choice> {
        weights
            .iter()
            .map(|(t, w)| Choice {
                text: (*t).to_owned(),
                weight: *w,
                feedback: None,
            })
            .collect()
    }

    fn single(weights: &[(&str, f64)]) -> Question {
        question(Answer::SingleChoice {
            options: options(weights),
        })
    }

    fn multiple(weights: &[(&str, f64)]) -> Question {
        question(Answer::MultipleResponse {
            options: options(weights),
        })
    }

    fn numeric(values: &[(NumericValue, f64)]) -> Question {
        question(Answer::Numeric {
            answers: values
                .iter()
                .map(|(value, weight)| NumericAnswer {
                    value: *value,
                    weight: *weight,
                    feedback: None,
                })
                .collect(),
        })
    }

    fn short(answers: &[(&str, f64)]) -> Question {
        question(Answer::ShortAnswer {
            answers: answers
                .iter()
                .map(|(t, w)| TextAnswer {
                    text: (*t).to_owned(),
                    weight: *w,
                    feedback: None,
                })
                .collect(),
            case_sensitive: false,
        })
    }

    fn matching(pairs: &[(&str, &str)]) -> Question {
        question(Answer::Matching {
            pairs: pairs
                .iter()
                .map(|(p, a)| MatchPair {
                    prompt: (*p).to_owned(),
                    answer: (*a).to_owned(),
                })
                .collect(),
        })
    }

    fn ordering(items: &[&str]) -> Question {
        question(Answer::Ordering {
            items: items.iter().map(|i| (*i).to_owned()).collect(),
        })
    }

    fn exact(value: f64, tolerance: f64) -> NumericValue {
        NumericValue::Exact { value, tolerance }
    }

    fn has(problems: &[String], wanted: &str) -> bool {
        problems.iter().any(|p| p == wanted)
    }

    #[test]
    fn a_good_question_of_every_kind_passes() {
        let good = [
            single(&[("Hà Nội", 100.0), ("Huế", 0.0), ("Đà Nẵng", -25.0)]),
            multiple(&[("a", 50.0), ("b", 50.0), ("c", -100.0)]),
            question(Answer::TrueFalse {
                correct: true,
                feedback_true: None,
                feedback_false: None,
            }),
            numeric(&[
                (exact(2.54, 0.01), 100.0),
                (NumericValue::Range { min: 3.0, max: 4.0 }, 50.0),
            ]),
            short(&[("Hà Nội", 100.0), ("Thăng Long", 50.0)]),
            matching(&[("Pháp", "Paris"), ("Ý", "Rome"), ("", "Berlin")]),
            ordering(&["một", "hai", "ba"]),
            question(Answer::Essay {
                marking_guide: None,
            }),
        ];
        for q in good {
            assert_eq!(validate(&q), Vec::<String>::new(), "{:?}", q.kind());
            assert_eq!(warnings(&q), Vec::<String>::new(), "{:?}", q.kind());
        }
    }

    #[test]
    fn single_choice_without_a_right_option_is_refused() {
        let p = validate(&single(&[("a", 50.0), ("b", 0.0)]));
        assert!(has(
            &p,
            "a single-choice question needs exactly one option at 100%, found none"
        ));
    }

    #[test]
    fn single_choice_with_two_right_options_names_them() {
        let p = validate(&single(&[("a", 100.0), ("b", 0.0), ("c", 100.0)]));
        assert!(has(
            &p,
            "a single-choice question needs exactly one option at 100%, found 2 (A, C)"
        ));
    }

    #[test]
    fn choice_questions_need_two_options() {
        let p = validate(&single(&[("a", 100.0)]));
        assert!(has(
            &p,
            "a single-choice question needs at least 2 options, got 1"
        ));
        let p = validate(&multiple(&[("a", 100.0)]));
        assert!(has(
            &p,
            "a multiple-response question needs at least 2 options, got 1"
        ));
    }

    #[test]
    fn multiple_response_weights_must_add_up_to_100() {
        let p = validate(&multiple(&[("a", 60.0), ("b", 60.0), ("c", -50.0)]));
        assert!(has(
            &p,
            "multiple-response weights of the right options add up to 120%, expected 100%"
        ));
        let p = validate(&multiple(&[("a", 0.0), ("b", 0.0)]));
        assert!(has(
            &p,
            "multiple-response weights of the right options add up to 0%, expected 100%"
        ));
    }

    #[test]
    fn multiple_response_thirds_typed_to_two_decimals_count_as_100() {
        let p = validate(&multiple(&[
            ("a", 33.33),
            ("b", 33.33),
            ("c", 33.33),
            ("d", -100.0),
        ]));
        assert_eq!(p, Vec::<String>::new());
    }

    #[test]
    fn weights_outside_minus_100_to_100_are_refused() {
        let p = validate(&single(&[("a", 100.0), ("b", -150.0)]));
        assert!(has(&p, "option B: weight -150% is outside -100% to 100%"));
        let p = validate(&short(&[("a", 100.0), ("b", 120.0)]));
        assert!(has(&p, "answer 2: weight 120% is outside -100% to 100%"));
        let p = validate(&numeric(&[(exact(1.0, 0.0), f64::NAN)]));
        assert!(has(&p, "answer 1: the weight must be a number"));
    }

    #[test]
    fn repeated_options_are_named() {
        let p = validate(&single(&[
            ("Hà Nội", 100.0),
            ("Huế", 0.0),
            ("  hà nội", 0.0),
        ]));
        assert!(has(&p, "option C repeats option A"));
    }

    #[test]
    fn empty_options_are_named() {
        let p = validate(&multiple(&[("a", 100.0), (" ", 0.0)]));
        assert!(has(&p, "option B is empty"));
    }

    #[test]
    fn difficulty_must_be_1_to_5() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.difficulty = 7;
        assert!(has(&validate(&q), "difficulty must be 1 to 5, got 7"));
        q.difficulty = 0;
        assert!(has(&validate(&q), "difficulty must be 1 to 5, got 0"));
    }

    #[test]
    fn points_must_be_above_zero() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.points = 0.0;
        assert!(has(&validate(&q), "points must be above 0, got 0"));
        q.points = -1.5;
        assert!(has(&validate(&q), "points must be above 0, got -1.5"));
        q.points = f64::INFINITY;
        assert!(has(&validate(&q), "points must be a number"));
    }

    #[test]
    fn empty_stem_is_refused() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.stem = " \n ".to_owned();
        assert!(has(&validate(&q), "the stem is empty"));
    }

    #[test]
    fn empty_topic_and_empty_topic_levels_are_refused() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.topic = "  ".to_owned();
        assert!(has(&validate(&q), "the topic is empty"));
        q.topic = "Luật//Cán bộ".to_owned();
        assert!(has(
            &validate(&q),
            "the topic \"Luật//Cán bộ\" has an empty level; levels are separated by a single \"/\""
        ));
        q.topic = "Luật/".to_owned();
        assert_eq!(validate(&q).len(), 1);
    }

    #[test]
    fn empty_tags_are_refused() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.tags = vec!["luật".to_owned(), "".to_owned()];
        assert!(has(&validate(&q), "tag 2 is empty"));
    }

    #[test]
    fn true_false_is_always_fine() {
        for correct in [true, false] {
            let q = question(Answer::TrueFalse {
                correct,
                feedback_true: Some(String::new()),
                feedback_false: None,
            });
            assert_eq!(validate(&q), Vec::<String>::new());
        }
    }

    #[test]
    fn numeric_needs_an_answer_at_100() {
        let p = validate(&numeric(&[]));
        assert!(has(&p, "a numeric question needs at least one answer"));
        let p = validate(&numeric(&[(exact(1.0, 0.0), 50.0)]));
        assert!(has(
            &p,
            "a numeric question needs at least one answer at 100%"
        ));
    }

    #[test]
    fn numeric_range_with_min_above_max_is_refused() {
        let p = validate(&numeric(&[(
            NumericValue::Range { min: 5.0, max: 1.0 },
            100.0,
        )]));
        assert!(has(&p, "answer 1: numeric range: min 5 is above max 1"));
        let p = validate(&numeric(&[(
            NumericValue::Range {
                min: f64::NEG_INFINITY,
                max: 1.0,
            },
            100.0,
        )]));
        assert!(has(&p, "answer 1: range ends must be numbers"));
    }

    #[test]
    fn negative_tolerance_is_refused() {
        let p = validate(&numeric(&[(exact(3.0, -0.5), 100.0)]));
        assert!(has(&p, "answer 1: tolerance can't be negative, got -0.5"));
        let p = validate(&numeric(&[(exact(f64::NAN, f64::NAN), 100.0)]));
        assert!(has(&p, "answer 1: the value must be a number"));
        assert!(has(&p, "answer 1: the tolerance must be a number"));
    }

    #[test]
    fn short_answer_needs_an_answer_at_100() {
        let p = validate(&short(&[("Hà Nội", 50.0)]));
        assert!(has(&p, "short answer needs at least one answer at 100%"));
        let p = validate(&short(&[]));
        assert!(has(&p, "short answer needs at least one answer at 100%"));
    }

    #[test]
    fn empty_short_answers_are_refused() {
        let p = validate(&short(&[("Hà Nội", 100.0), ("", 50.0)]));
        assert!(has(&p, "answer 2 is empty"));
    }

    #[test]
    fn matching_needs_two_prompts() {
        let p = validate(&matching(&[
            ("Pháp", "Paris"),
            ("", "Rome"),
            ("  ", "Berlin"),
        ]));
        assert!(has(
            &p,
            "a matching question needs at least 2 pairs with a prompt, got 1"
        ));
    }

    #[test]
    fn matching_pairs_need_an_answer_and_distinct_prompts() {
        let p = validate(&matching(&[
            ("Pháp", "Paris"),
            ("Ý", " "),
            ("pháp", "Lyon"),
        ]));
        assert!(has(&p, "pair 2: the answer is empty"));
        assert!(has(&p, "pair 3 repeats the prompt of pair 1"));
    }

    #[test]
    fn matching_may_share_answers_between_prompts() {
        let p = validate(&matching(&[
            ("run", "verb"),
            ("jump", "verb"),
            ("cat", "noun"),
        ]));
        assert_eq!(p, Vec::<String>::new());
    }

    #[test]
    fn ordering_needs_two_distinct_items() {
        let p = validate(&ordering(&["một"]));
        assert!(has(
            &p,
            "an ordering question needs at least 2 items, got 1"
        ));
        let p = validate(&ordering(&["một", "", "Một "]));
        assert!(has(&p, "item 2 is empty"));
        assert!(has(&p, "item 3 repeats item 1"));
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let mut q = single(&[("a", 50.0)]);
        q.difficulty = 9;
        q.stem = String::new();
        assert_eq!(validate(&q).len(), 4);
    }

    #[test]
    fn long_stems_are_a_warning_not_an_error() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.stem = "ạ".repeat(5001);
        assert_eq!(validate(&q), Vec::<String>::new());
        assert_eq!(
            warnings(&q),
            vec![
                "the stem is 5001 characters long (over 5000); candidates read it on screen"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn multiple_response_with_one_right_option_is_a_warning() {
        let q = multiple(&[("a", 100.0), ("b", 0.0), ("c", 0.0)]);
        assert_eq!(validate(&q), Vec::<String>::new());
        assert_eq!(
            warnings(&q),
            vec![
                "only one option is right; a single-choice question may be what was meant"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn multiple_response_with_every_option_right_is_a_warning() {
        let q = multiple(&[("a", 50.0), ("b", 50.0)]);
        assert_eq!(
            warnings(&q),
            vec!["every option is right, so ticking them all scores full marks".to_owned()]
        );
    }

    #[test]
    fn repeated_tags_are_a_warning() {
        let mut q = single(&[("a", 100.0), ("b", 0.0)]);
        q.tags = vec!["luật".into(), "x".into(), "luật".into()];
        assert_eq!(warnings(&q), vec!["tag \"luật\" is given twice".to_owned()]);
    }

    #[test]
    fn options_past_z_are_numbered() {
        assert_eq!(option_label(0), "A");
        assert_eq!(option_label(25), "Z");
        assert_eq!(option_label(26), "27");
    }
}
