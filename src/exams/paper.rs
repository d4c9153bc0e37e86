//! A paper's settings beyond its blueprint, and the checks on them. Pure.

use serde::{Deserialize, Serialize};

use super::blueprint::Blueprint;
use crate::rules::model::{Round, Section, SectionRef};
use crate::web::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Navigation {
    /// Candidates move freely between questions.
    #[default]
    Free,
    /// One way only: a question left behind cannot be reopened (enforced on the server).
    Sequential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleasePolicy {
    /// Candidates see their scores by section and pass or fail once released.
    #[default]
    Scores,
    /// ...and also their rank.
    ScoresAndRank,
    /// Computer-marked round: shown at once after submission (Decree 138: round 1).
    Immediately,
}

/// Everything of a paper that is stored as one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaperSpec {
    pub blueprint: Blueprint,
    #[serde(default)]
    pub navigation: Navigation,
    #[serde(default)]
    pub release: ReleasePolicy,
    /// The question versions forms are drawn from, frozen when the paper is
    /// published, so a seed gives back the same form whatever is approved later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pool: Vec<i32>,
    /// How far apart, as a percentage of an essay's points, two blind marks
    /// may be and still stand as their mean; further apart, a third board
    /// member reconciles.
    #[serde(default = "default_marking_threshold")]
    pub marking_threshold_percent: f64,
}

/// 10% of the item's points: one point on a 10-point essay.
pub const DEFAULT_MARKING_THRESHOLD: f64 = 10.0;

fn default_marking_threshold() -> f64 {
    DEFAULT_MARKING_THRESHOLD
}

impl Default for PaperSpec {
    fn default() -> Self {
        PaperSpec {
            blueprint: Blueprint::default(),
            navigation: Navigation::default(),
            release: ReleasePolicy::default(),
            pool: Vec::new(),
            marking_threshold_percent: DEFAULT_MARKING_THRESHOLD,
        }
    }
}

/// The timed part of a paper, checked together.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub time_limit_minutes: i32,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub grace_seconds: i32,
}

pub const MAX_MINUTES: i32 = 600;
pub const MAX_GRACE_SECONDS: i32 = 600;

pub fn check(spec: &PaperSpec, timing: &Timing) -> Vec<(&'static str, Text)> {
    let mut errors = Vec::new();
    if !(1..=MAX_MINUTES).contains(&timing.time_limit_minutes) {
        errors.push((
            "time_limit_minutes",
            Text::key("papers.bad_time_limit").with("max", MAX_MINUTES),
        ));
    }
    if timing.closes_ms <= timing.opens_ms {
        errors.push(("closes", Text::key("papers.bad_window")));
    } else if timing.closes_ms - timing.opens_ms < i64::from(timing.time_limit_minutes) * 60_000 {
        errors.push(("closes", Text::key("papers.window_shorter_than_limit")));
    }
    if !(0..=MAX_GRACE_SECONDS).contains(&timing.grace_seconds) {
        errors.push((
            "grace_seconds",
            Text::key("papers.bad_grace").with("max", MAX_GRACE_SECONDS),
        ));
    }
    if !(0.0..=100.0).contains(&spec.marking_threshold_percent) {
        errors.push((
            "marking_threshold_percent",
            Text::key("papers.bad_marking_threshold"),
        ));
    }
    for p in spec.blueprint.problems() {
        errors.push(("blueprint", Text::Raw(p)));
    }
    errors
}

/// The rule-set section each paper section stands for, in paper order (paper
/// round N is the rule set's N-th round): the section whose Vietnamese or
/// English title is the paper section's title, as the starting blueprint names
/// them; otherwise the one at the same position among the round's sections that
/// have questions; None for a paper section that stands for nothing.
pub fn rule_sections<'r>(
    round: Option<&'r Round>,
    paper_titles: &[String],
) -> Vec<Option<&'r Section>> {
    let counted: Vec<&Section> = round
        .map(|r| r.sections.iter().filter(|s| s.questions > 0).collect())
        .unwrap_or_default();
    paper_titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let title = title.trim();
            round
                .and_then(|r| {
                    r.sections
                        .iter()
                        .find(|s| s.title.vi.trim() == title || s.title.en.trim() == title)
                })
                .or_else(|| counted.get(i).copied())
        })
        .collect()
}

/// The paper sections (by index) that stand for a section the candidate is
/// exempt from: their form holds no items there, so nothing is sat or scored.
pub fn exempt_sections(
    round: Option<&Round>,
    paper_titles: &[String],
    exemptions: &[SectionRef],
) -> Vec<usize> {
    let Some(r) = round else {
        return Vec::new();
    };
    rule_sections(round, paper_titles)
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.is_some_and(|s| {
                s.exemptible
                    && exemptions
                        .iter()
                        .any(|e| e.round == r.id && e.section == s.id)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exams::blueprint::{BlueprintRow, SectionSpec};

    #[test]
    fn only_the_exempt_sections_of_the_papers_round_are_left_out() {
        let mut rules = crate::rules::presets::vn_138_2020_recruitment();
        rules.rounds[0].sections[1].exemptible = true;
        let titles = vec!["Kiến thức chung".to_owned(), "Foreign language".into()];
        let fl = SectionRef::new("round_1", "foreign_language");
        assert_eq!(
            exempt_sections(rules.rounds.first(), &titles, std::slice::from_ref(&fl)),
            vec![1]
        );
        assert!(
            exempt_sections(rules.rounds.get(1), &titles, &[fl]).is_empty(),
            "an exemption names its round"
        );
        let gk = SectionRef::new("round_1", "general_knowledge");
        assert!(
            exempt_sections(rules.rounds.first(), &titles, &[gk]).is_empty(),
            "a section the rules do not let be exempted is sat"
        );
    }

    fn spec(count: u32) -> PaperSpec {
        PaperSpec {
            blueprint: Blueprint {
                sections: vec![SectionSpec {
                    title: "Kiến thức chung".into(),
                    rows: vec![BlueprintRow {
                        bank_id: 1,
                        topics: vec![],
                        difficulty_min: 1,
                        difficulty_max: 3,
                        kind: None,
                        count,
                        points_each: 1.0,
                    }],
                    shuffle_questions: true,
                    shuffle_options: true,
                }],
            },
            ..Default::default()
        }
    }

    fn timing() -> Timing {
        Timing {
            time_limit_minutes: 60,
            opens_ms: 0,
            closes_ms: 2 * 3_600_000,
            grace_seconds: 30,
        }
    }

    #[test]
    fn a_sound_paper_passes() {
        assert!(check(&spec(60), &timing()).is_empty());
    }

    #[test]
    fn timing_problems_are_named() {
        let t = Timing {
            time_limit_minutes: 0,
            opens_ms: 10,
            closes_ms: 5,
            grace_seconds: 9999,
        };
        let fields: Vec<_> = check(&spec(60), &t).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["time_limit_minutes", "closes", "grace_seconds"]);
    }

    #[test]
    fn the_window_must_hold_the_whole_time_limit() {
        let t = Timing {
            closes_ms: 30 * 60_000,
            ..timing()
        };
        assert_eq!(
            check(&spec(60), &t)[0].1,
            Text::key("papers.window_shorter_than_limit")
        );
    }

    #[test]
    fn blueprint_problems_are_reported() {
        let errs = check(&spec(0), &timing());
        assert!(errs.iter().any(|(f, _)| *f == "blueprint"), "{errs:?}");
    }
}
