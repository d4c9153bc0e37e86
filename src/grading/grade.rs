//! Grading one attempt: each item scored against its pinned key version, then
//! totalled per section with the rule set's negative marking. Pure.
//!
//! Paper sections map to rule-set sections of the paper's round (paper round
//! N → the rule set's N-th round): first by title (the paper's section title
//! equal to the rule-set section's Vietnamese or English title, as the
//! starting blueprint names them), otherwise by position among the round's
//! sections that have questions. A paper section that maps to nothing is kept
//! under its own title and left out of rankings (the ranking warns).

use serde::{Deserialize, Serialize};

use crate::banks::model::Answer;
use crate::banks::scoring::{Response, Scored, score};
use crate::exams::form::Form;
use crate::rules::model::Round;

/// How one paper section is totalled.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionRule {
    pub round: String,
    pub section: String,
    pub title: String,
    /// The rule set's maximum the section is scaled to.
    pub scaled_max: f64,
    pub negative_marking: f64,
    pub floor_at_zero: bool,
}

/// The rules for each of a paper's sections, in paper order.
pub fn section_rules(round: Option<&Round>, paper_titles: &[String]) -> Vec<SectionRule> {
    crate::exams::paper::rule_sections(round, paper_titles)
        .into_iter()
        .zip(paper_titles)
        .map(|(section, title)| match (section, round) {
            (Some(s), Some(r)) => SectionRule {
                round: r.id.clone(),
                section: s.id.clone(),
                title: title.clone(),
                scaled_max: s.max_points,
                negative_marking: s.negative_marking,
                floor_at_zero: s.floor_at_zero,
            },
            _ => SectionRule {
                round: round.map(|r| r.id.clone()).unwrap_or_default(),
                section: title.clone(),
                title: title.clone(),
                scaled_max: 0.0,
                negative_marking: 0.0,
                floor_at_zero: true,
            },
        })
        .collect()
}

/// One section of a graded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradedSection {
    pub round: String,
    pub section: String,
    pub title: String,
    /// Points earned on the paper, after negative marking.
    pub points: f64,
    /// The paper's maximum for the section.
    pub max_points: f64,
    /// `points` scaled to the rule set's maximum (0 when unmapped).
    pub scaled: f64,
    pub scaled_max: f64,
    /// Items with full credit.
    pub correct: u32,
    pub answered: u32,
    pub items: u32,
    /// Essays waiting for a marker.
    pub pending: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    pub sections: Vec<GradedSection>,
    /// Per form item (form order): the fraction earned; None for an essay
    /// not yet marked.
    pub fractions: Vec<Option<f64>>,
}

impl Graded {
    pub fn needs_marking(&self) -> bool {
        self.sections.iter().any(|s| s.pending > 0)
    }
}

/// A pinned key: the answer and whether its bank ignores diacritics.
pub type Key<'a> = (&'a Answer, bool);

/// Grades one attempt. `responses` is indexed by form item (form order), in
/// original option indices as stored; `key` finds a version's key (a version
/// it cannot find scores 0 for every response). `rules` has one entry per form
/// section. `marked` gives the fraction that stands for an essay (by form
/// item) once its markers are done; an essay without one waits.
pub fn grade<'a>(
    form: &Form,
    responses: &[Option<Response>],
    key: impl Fn(i64) -> Option<Key<'a>>,
    rules: &[SectionRule],
    marked: impl Fn(usize) -> Option<f64>,
) -> Graded {
    let mut fractions = Vec::with_capacity(form.item_count());
    let mut sections = Vec::with_capacity(form.sections.len());
    let mut i = 0;
    for (s_index, section) in form.sections.iter().enumerate() {
        let rule = rules.get(s_index);
        let nm = rule.map_or(0.0, |r| r.negative_marking);
        let (mut points, mut max, mut correct, mut answered, mut pending) = (0.0, 0.0, 0, 0, 0);
        for item in &section.items {
            max += item.points;
            let index = i;
            let response = responses.get(i).and_then(Option::as_ref);
            i += 1;
            let Some(response) = response else {
                fractions.push(Some(0.0));
                continue;
            };
            answered += 1;
            let scored = match key(item.version_id) {
                Some((answer, fold)) => match score(answer, response, fold) {
                    Scored::NeedsMarking => match marked(index) {
                        Some(f) => Scored::Fraction(f.clamp(0.0, 1.0)),
                        None => Scored::NeedsMarking,
                    },
                    s => s,
                },
                None => Scored::Fraction(0.0),
            };
            match scored {
                Scored::NeedsMarking => {
                    pending += 1;
                    fractions.push(None);
                }
                Scored::Fraction(f) => {
                    if f >= 1.0 {
                        correct += 1;
                    }
                    points += f * item.points;
                    // A wrong answer (no credit at all) costs its share; a blank
                    // one costs nothing, and a negative-weight option already
                    // carries its own penalty.
                    if f == 0.0 {
                        points -= nm * item.points;
                    }
                    fractions.push(Some(f));
                }
            }
        }
        if rule.is_none_or(|r| r.floor_at_zero) && points < 0.0 {
            points = 0.0;
        }
        let scaled_max = rule.map_or(0.0, |r| r.scaled_max);
        let scaled = if max > 0.0 {
            points / max * scaled_max
        } else {
            0.0
        };
        sections.push(GradedSection {
            round: rule.map(|r| r.round.clone()).unwrap_or_default(),
            section: rule
                .map(|r| r.section.clone())
                .unwrap_or_else(|| format!("section_{}", s_index + 1)),
            title: rule.map(|r| r.title.clone()).unwrap_or_default(),
            points: round4(points),
            max_points: round4(max),
            scaled: round4(scaled),
            scaled_max,
            correct,
            answered,
            items: u32::try_from(section.items.len()).unwrap_or(u32::MAX),
            pending,
        });
    }
    Graded {
        sections,
        fractions,
    }
}

/// Stored scores keep four decimals: what rankings compare at.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::model::Choice;
    use crate::exams::form::{FormItem, FormSection};
    use crate::rules::presets;

    fn form(sections: &[usize]) -> Form {
        let mut v = 0;
        Form {
            seed: 1,
            sections: sections
                .iter()
                .map(|&n| FormSection {
                    items: (0..n)
                        .map(|_| {
                            v += 1;
                            FormItem {
                                version_id: v,
                                row: 0,
                                points: 1.0,
                                option_order: vec![],
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn single(correct: usize) -> Answer {
        Answer::SingleChoice {
            options: (0..4)
                .map(|i| Choice {
                    text: format!("o{i}"),
                    weight: if i == correct { 100.0 } else { 0.0 },
                    feedback: None,
                })
                .collect(),
        }
    }

    fn rule(nm: f64, floor: bool) -> SectionRule {
        SectionRule {
            round: "r".into(),
            section: "s".into(),
            title: "S".into(),
            scaled_max: 100.0,
            negative_marking: nm,
            floor_at_zero: floor,
        }
    }

    #[test]
    fn right_wrong_and_blank_answers_total_and_scale() {
        let key = single(2);
        let f = form(&[4]);
        let r = |i| Some(Response::Choice { index: i });
        let g = grade(
            &f,
            &[r(2), r(2), r(0), None],
            |_| Some((&key, false)),
            &[rule(0.0, true)],
            |_| None,
        );
        let s = &g.sections[0];
        assert_eq!((s.points, s.max_points, s.scaled), (2.0, 4.0, 50.0));
        assert_eq!((s.correct, s.answered, s.items), (2, 3, 4));
        assert_eq!(
            g.fractions,
            vec![Some(1.0), Some(1.0), Some(0.0), Some(0.0)]
        );
    }

    #[test]
    fn negative_marking_costs_wrong_answers_but_not_blanks() {
        let key = single(0);
        let f = form(&[4]);
        let r = |i| Some(Response::Choice { index: i });
        let g = grade(
            &f,
            &[r(0), r(1), r(1), None],
            |_| Some((&key, false)),
            &[rule(0.25, true)],
            |_| None,
        );
        assert_eq!(g.sections[0].points, 0.5);
        let g = grade(
            &f,
            &[r(1), r(1), r(1), None],
            |_| Some((&key, false)),
            &[rule(0.5, true)],
            |_| None,
        );
        assert_eq!(g.sections[0].points, 0.0, "floored at zero");
        let g = grade(
            &f,
            &[r(1), r(1), r(1), None],
            |_| Some((&key, false)),
            &[rule(0.5, false)],
            |_| None,
        );
        assert_eq!(g.sections[0].points, -1.5);
    }

    #[test]
    fn essays_wait_for_a_marker() {
        let key = Answer::Essay {
            marking_guide: None,
        };
        let f = form(&[1]);
        let g = grade(
            &f,
            &[Some(Response::Essay { text: "x".into() })],
            |_| Some((&key, false)),
            &[rule(0.0, true)],
            |_| None,
        );
        assert!(g.needs_marking());
        assert_eq!(g.fractions, vec![None]);
        let g = grade(
            &f,
            &[Some(Response::Essay { text: "x".into() })],
            |_| Some((&key, false)),
            &[rule(0.0, true)],
            |_| Some(0.75),
        );
        assert!(!g.needs_marking(), "a marked essay counts");
        assert_eq!(g.sections[0].points, 0.75);
        assert_eq!(g.fractions, vec![Some(0.75)]);
    }

    #[test]
    fn paper_sections_map_to_rule_sections_by_title_then_order() {
        let rules = presets::vn_138_2020_recruitment();
        let titles = vec!["Ngoại ngữ".to_owned(), "Phần B".into(), "Phần C".into()];
        let m = section_rules(rules.rounds.first(), &titles);
        assert_eq!(m[0].section, "foreign_language");
        assert_eq!(m[1].section, "foreign_language", "by order: second section");
        assert_eq!(m[2].section, "it");
        assert_eq!(m[0].scaled_max, 30.0);
    }
}
