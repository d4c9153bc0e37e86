//! Blueprints: what each section of a paper draws from the banks, and whether the
//! approved questions can fill it.
//!
//! A row may accept questions another row accepts too ("any topic of bank 3" next to
//! "bank 3, Luật"), so "can every row be filled without using a question twice" is
//! a bipartite b-matching: rows on one side (each wanting `count` questions), questions
//! on the other (each usable once per form). [`ResolvedBlueprint::new`] solves it with
//! augmenting paths, and the same machinery repairs a random draw that a greedy pick
//! painted into a corner (see `crate::exams::form`). Nothing here does I/O.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::banks::model::Kind;

/// The sections of a paper and what each one draws.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Blueprint {
    pub sections: Vec<SectionSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SectionSpec {
    pub title: String,
    pub rows: Vec<BlueprintRow>,
    #[serde(default)]
    pub shuffle_questions: bool,
    #[serde(default)]
    pub shuffle_options: bool,
}

/// One stratum of a section: draw exactly `count` questions that match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlueprintRow {
    pub bank_id: i32,
    /// Topics of the bank, an array of whole topic paths exactly as the bank lists
    /// them (`topics` of `GET /api/banks/{id}`), e.g. `["Luật Cán bộ, công chức"]`:
    /// a comma is part of a name, never a separator. A topic takes its subtopics
    /// ("Luật" takes "Luật/Cán bộ" but not "Luật2"). Empty takes any topic. A topic
    /// the bank does not hold is refused (422) with the row named.
    #[serde(default)]
    pub topics: Vec<String>,
    /// 1–5, inclusive.
    pub difficulty_min: u8,
    pub difficulty_max: u8,
    /// Only questions of this kind (`single_choice`, `true_false`, `essay`, …); absent: any kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub kind: Option<Kind>,
    pub count: u32,
    pub points_each: f64,
}

/// An approved question version that forms may draw.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PoolItem {
    pub version_id: i64,
    pub question_id: i64,
    pub bank_id: i32,
    pub topic: String,
    pub difficulty: u8,
    pub kind: Kind,
    /// How many options (items, pairs) the renderer shuffles; 0 for kinds without any.
    pub option_count: u16,
}

/// Whether `topic` lies at or under the topic path `prefix`, comparing whole levels
/// with the spaces around each "/" ignored. An empty prefix takes every topic.
pub fn topic_matches(prefix: &str, topic: &str) -> bool {
    let mut topic_levels = topic.split('/').map(str::trim);
    prefix
        .split('/')
        .map(str::trim)
        .filter(|level| !level.is_empty())
        .all(|level| topic_levels.next() == Some(level))
}

/// Whether a row may draw this question version.
pub fn eligible(row: &BlueprintRow, item: &PoolItem) -> bool {
    item.bank_id == row.bank_id
        && (row.difficulty_min..=row.difficulty_max).contains(&item.difficulty)
        && row.kind.is_none_or(|kind| kind == item.kind)
        && (row.topics.is_empty() || row.topics.iter().any(|t| topic_matches(t, &item.topic)))
}

impl BlueprintRow {
    /// "bank 3, topics Luật, Hiến pháp, difficulty 2–3, single_choice", for messages.
    pub fn describe(&self, bank_name: Option<&str>) -> String {
        let mut text = match bank_name {
            Some(name) => format!("bank «{name}»"),
            None => format!("bank {}", self.bank_id),
        };
        if self.topics.is_empty() {
            text.push_str(", any topic");
        } else {
            let label = if self.topics.len() == 1 {
                "topic"
            } else {
                "topics"
            };
            text.push_str(&format!(", {label} {}", self.topics.join(", ")));
        }
        if self.difficulty_min == self.difficulty_max {
            text.push_str(&format!(", difficulty {}", self.difficulty_min));
        } else {
            text.push_str(&format!(
                ", difficulty {}–{}",
                self.difficulty_min, self.difficulty_max
            ));
        }
        if let Some(kind) = self.kind {
            text.push_str(&format!(", {}", kind.as_str()));
        }
        text
    }
}

impl Blueprint {
    /// Mistakes in the blueprint itself, before any pool is looked at; a paper with
    /// any of these should not be saved. Each message names its section and row (1-based).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.sections.is_empty() {
            problems.push("the paper has no sections".to_owned());
        }
        for (s, section) in self.sections.iter().enumerate() {
            let at = format!("section {} «{}»", s + 1, section.title);
            if section.title.trim().is_empty() {
                problems.push(format!("section {}: the title is empty", s + 1));
            }
            if section.rows.is_empty() {
                problems.push(format!("{at}: no blueprint rows"));
            }
            if section.rows.len() > usize::from(u16::MAX) + 1 {
                problems.push(format!(
                    "{at}: {} rows, at most {} are supported",
                    section.rows.len(),
                    usize::from(u16::MAX) + 1
                ));
            }
            for (r, row) in section.rows.iter().enumerate() {
                let at = format!("{at}, row {}", r + 1);
                if row.count == 0 {
                    problems.push(format!("{at}: draws no questions (count is 0)"));
                }
                if !(1..=5).contains(&row.difficulty_min) || !(1..=5).contains(&row.difficulty_max)
                {
                    problems.push(format!(
                        "{at}: difficulty {}–{} is outside 1–5",
                        row.difficulty_min, row.difficulty_max
                    ));
                } else if row.difficulty_min > row.difficulty_max {
                    problems.push(format!(
                        "{at}: difficulty from {} to {} is an empty range",
                        row.difficulty_min, row.difficulty_max
                    ));
                }
                if !row.points_each.is_finite() || row.points_each < 0.0 {
                    problems.push(format!(
                        "{at}: {} points per question, expected a number of 0 or more",
                        row.points_each
                    ));
                }
                if row
                    .topics
                    .iter()
                    .any(|t| t.trim().trim_matches('/').is_empty())
                {
                    problems.push(format!(
                        "{at}: an empty topic; leave the list empty to take any topic"
                    ));
                }
            }
        }
        problems
    }
}

/// A topic a blueprint row names that its bank does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTopic {
    /// 0-based, like [`Shortfall`].
    pub section: usize,
    pub row: usize,
    pub bank_id: i32,
    pub topic: String,
}

/// Whether two topic paths name the same topic, level by level, with the spaces
/// around each "/" ignored.
pub fn same_topic(a: &str, b: &str) -> bool {
    topic_matches(a, b) && topic_matches(b, a)
}

/// The row topics that are not in their bank's topic tree. `bank_topics` gives a
/// bank's topic paths (every level, as the bank records them); a bank it does not
/// know holds no topics. Topics are whole strings: a comma is part of a name.
pub fn unknown_topics<'a>(
    bp: &Blueprint,
    bank_topics: impl Fn(i32) -> Option<&'a [String]>,
) -> Vec<UnknownTopic> {
    let mut unknown = Vec::new();
    for (s, section) in bp.sections.iter().enumerate() {
        for (r, row) in section.rows.iter().enumerate() {
            let known = bank_topics(row.bank_id).unwrap_or(&[]);
            for topic in &row.topics {
                if !known.iter().any(|k| same_topic(topic, k)) {
                    unknown.push(UnknownTopic {
                        section: s,
                        row: r,
                        bank_id: row.bank_id,
                        topic: topic.clone(),
                    });
                }
            }
        }
    }
    unknown
}

/// A blueprint row that the pool cannot fill. Indices are 0-based; `Display` and
/// [`Shortfall::message`] print them 1-based.
///
/// Rows are filled in blueprint order, so when rows compete for the same questions the
/// later row is the one reported short; `needed - available` summed over all
/// shortfalls is exactly how many more questions the paper needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    pub section: usize,
    pub row: usize,
    pub needed: u32,
    /// How many it can get with every earlier row filled as far as possible.
    pub available: u32,
    /// How many distinct questions match the row on their own; more than `available`
    /// means earlier rows need the rest.
    pub matching: u32,
}

impl Shortfall {
    pub fn short_by(&self) -> u32 {
        self.needed.saturating_sub(self.available)
    }

    /// The full message for people, with the section title and the row's filter:
    /// "section 1 «Kiến thức chung», row 2 (bank 3, topic Luật, difficulty 2–3): needs
    /// 20 questions, only 14 can be drawn (6 short)". `bank_name` turns bank ids into
    /// names where the caller knows them.
    pub fn message(&self, bp: &Blueprint, bank_name: impl Fn(i32) -> Option<String>) -> String {
        let section = bp.sections.get(self.section);
        let row = section.and_then(|s| s.rows.get(self.row));
        let mut text = format!("section {}", self.section + 1);
        if let Some(section) = section {
            text.push_str(&format!(" «{}»", section.title));
        }
        text.push_str(&format!(", row {}", self.row + 1));
        if let Some(row) = row {
            text.push_str(&format!(
                " ({})",
                row.describe(bank_name(row.bank_id).as_deref())
            ));
        }
        text.push_str(": ");
        text.push_str(&self.what());
        text
    }

    fn what(&self) -> String {
        let mut text = format!(
            "needs {}, only {} can be drawn ({} short)",
            questions(self.needed),
            self.available,
            self.short_by()
        );
        if self.matching > self.available {
            text.push_str(&format!(
                "; {} match, {} of them are needed by earlier rows",
                self.matching,
                self.matching - self.available
            ));
        }
        text
    }
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "section {}, row {}: {}",
            self.section + 1,
            self.row + 1,
            self.what()
        )
    }
}

fn questions(n: u32) -> String {
    if n == 1 {
        "1 question".to_owned()
    } else {
        format!("{n} questions")
    }
}

/// Can every row be filled at once, with no question (by `question_id`, across all
/// sections) used twice? On failure, the short rows and by how many.
pub fn check_feasibility(bp: &Blueprint, pool: &[PoolItem]) -> Result<(), Vec<Shortfall>> {
    ResolvedBlueprint::new(bp, pool).map(|_| ())
}

/// A blueprint checked against a pool: each row with the questions it may draw.
/// Build it once per published paper and draw every form from it
/// ([`ResolvedBlueprint::draw`] in `crate::exams::form`).
#[derive(Debug, Clone)]
pub struct ResolvedBlueprint {
    pub(crate) sections: Vec<ResolvedSection>,
    /// All rows of all sections, in blueprint order.
    pub(crate) rows: Vec<ResolvedRow>,
    /// The pool, sorted by `version_id` and without repeated versions.
    pub(crate) items: Vec<PoolItem>,
    /// Distinct question ids in the pool.
    pub(crate) question_count: usize,
    /// Rows with the fewest candidates first: when rows nest ("Luật" inside "any
    /// topic"), filling the narrow one first keeps a random draw exactly uniform over
    /// all valid forms, and greedy picking rarely needs repair.
    pub(crate) fill_order: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedSection {
    pub(crate) shuffle_questions: bool,
    pub(crate) shuffle_options: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedRow {
    pub(crate) section: usize,
    pub(crate) row: u16,
    pub(crate) count: usize,
    pub(crate) points: f64,
    /// One per question the row accepts, ordered by question id.
    pub(crate) candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    /// Dense question index (questions numbered in `question_id` order).
    pub(crate) question: usize,
    /// Index into `ResolvedBlueprint::items`: the newest version of the question that
    /// the row accepts.
    pub(crate) item: usize,
}

/// Which question each row holds, as positions in the rows' candidate lists.
pub(crate) struct Assignment {
    /// Question index → holding row, or `FREE`.
    pub(crate) owner: Vec<usize>,
    pub(crate) picks: Vec<Vec<usize>>,
}

pub(crate) const FREE: usize = usize::MAX;

impl Assignment {
    pub(crate) fn new(resolved: &ResolvedBlueprint) -> Self {
        Assignment {
            owner: vec![FREE; resolved.question_count],
            picks: resolved
                .rows
                .iter()
                .map(|r| Vec::with_capacity(r.count.min(r.candidates.len())))
                .collect(),
        }
    }
}

impl ResolvedBlueprint {
    /// Resolves every row against the pool and proves that one form can be drawn.
    /// Pool order does not matter. When a question has several versions in the pool, a
    /// row takes the newest version it accepts.
    pub fn new(bp: &Blueprint, pool: &[PoolItem]) -> Result<Self, Vec<Shortfall>> {
        let mut items = pool.to_vec();
        // A total order, so that even a pool that lists one version twice with
        // different data resolves the same way whatever order it came in.
        items.sort_by(|a, b| {
            (
                a.version_id,
                a.question_id,
                a.bank_id,
                &a.topic,
                a.difficulty,
            )
                .cmp(&(
                    b.version_id,
                    b.question_id,
                    b.bank_id,
                    &b.topic,
                    b.difficulty,
                ))
                .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
                .then_with(|| a.option_count.cmp(&b.option_count))
        });
        items.dedup_by_key(|i| i.version_id);

        let mut question_ids: Vec<i64> = items.iter().map(|i| i.question_id).collect();
        question_ids.sort_unstable();
        question_ids.dedup();
        let question_of = |item: &PoolItem| question_ids.partition_point(|&q| q < item.question_id);

        let mut sections = Vec::with_capacity(bp.sections.len());
        let mut rows = Vec::new();
        let mut unrepresentable = Vec::new();
        for (s, section) in bp.sections.iter().enumerate() {
            sections.push(ResolvedSection {
                shuffle_questions: section.shuffle_questions,
                shuffle_options: section.shuffle_options,
            });
            for (r, spec) in section.rows.iter().enumerate() {
                let Ok(row) = u16::try_from(r) else {
                    // A form item records its row in 16 bits; `Blueprint::problems`
                    // names this, and drawing refuses rather than mislabel items.
                    unrepresentable.push(Shortfall {
                        section: s,
                        row: r,
                        needed: spec.count,
                        available: 0,
                        matching: 0,
                    });
                    continue;
                };
                // Items are in version order, so the last eligible version of a
                // question wins.
                let mut candidates: Vec<Candidate> = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    if eligible(spec, item) {
                        candidates.push(Candidate {
                            question: question_of(item),
                            item: index,
                        });
                    }
                }
                candidates.sort_by_key(|c| (c.question, std::cmp::Reverse(c.item)));
                candidates.dedup_by_key(|c| c.question);
                rows.push(ResolvedRow {
                    section: s,
                    row,
                    count: usize::try_from(spec.count).unwrap_or(usize::MAX),
                    points: spec.points_each,
                    candidates,
                });
            }
        }
        if !unrepresentable.is_empty() {
            return Err(unrepresentable);
        }

        let mut fill_order: Vec<usize> = (0..rows.len()).collect();
        fill_order.sort_by_key(|&g| rows[g].candidates.len());

        let resolved = ResolvedBlueprint {
            sections,
            rows,
            items,
            question_count: question_ids.len(),
            fill_order,
        };
        let shortfalls = resolved.max_fill();
        if shortfalls.is_empty() {
            Ok(resolved)
        } else {
            Err(shortfalls)
        }
    }

    /// Fills rows in blueprint order, each as far as any rearrangement of the earlier
    /// rows allows (Ford–Fulkerson on the row/question graph), and reports the rows
    /// left short. A row that once has no augmenting path never gains one later, so
    /// this reaches the maximum flow.
    fn max_fill(&self) -> Vec<Shortfall> {
        let mut assignment = Assignment::new(self);
        let mut shortfalls = Vec::new();
        for (g, row) in self.rows.iter().enumerate() {
            for (position, candidate) in row.candidates.iter().enumerate() {
                if assignment.picks[g].len() >= row.count {
                    break;
                }
                if assignment.owner[candidate.question] == FREE {
                    assignment.owner[candidate.question] = g;
                    assignment.picks[g].push(position);
                }
            }
            while assignment.picks[g].len() < row.count && self.augment(&mut assignment, g, 0) {}
            let got = assignment.picks[g].len();
            if got < row.count {
                shortfalls.push(self.shortfall(g, got));
            }
        }
        shortfalls
    }

    pub(crate) fn shortfall(&self, g: usize, got: usize) -> Shortfall {
        let row = &self.rows[g];
        Shortfall {
            section: row.section,
            row: usize::from(row.row),
            needed: u32::try_from(row.count).unwrap_or(u32::MAX),
            available: u32::try_from(got).unwrap_or(u32::MAX),
            matching: u32::try_from(row.candidates.len()).unwrap_or(u32::MAX),
        }
    }

    /// Gives row `start` one more question by a chain of swaps: it takes q1 from row
    /// r1, r1 takes q2 from r2, …, the last takes a free question. Breadth-first, so
    /// chains are short. Each row's candidates are scanned from `rotation` (mod their
    /// count), which lets a draw vary which repair it finds. Returns false when no
    /// chain exists: no rearrangement of the other rows gives `start` another question.
    pub(crate) fn augment(&self, a: &mut Assignment, start: usize, rotation: usize) -> bool {
        let rows = self.rows.len();
        let mut visited = vec![false; rows];
        // How a row was reached: (the row that wants its question, that row's position).
        let mut came_from: Vec<(usize, usize)> = vec![(FREE, FREE); rows];
        let mut queue = std::collections::VecDeque::from([start]);
        visited[start] = true;
        while let Some(x) = queue.pop_front() {
            let candidates = &self.rows[x].candidates;
            let n = candidates.len();
            for k in 0..n {
                let position = (k + rotation % n.max(1)) % n;
                let holder = a.owner[candidates[position].question];
                if holder == x {
                    continue;
                }
                if holder == FREE {
                    self.apply_chain(a, start, x, position, &came_from);
                    return true;
                }
                if !visited[holder] {
                    visited[holder] = true;
                    came_from[holder] = (x, position);
                    queue.push_back(holder);
                }
            }
        }
        false
    }

    fn apply_chain(
        &self,
        a: &mut Assignment,
        start: usize,
        mut row: usize,
        mut position: usize,
        came_from: &[(usize, usize)],
    ) {
        loop {
            let question = self.rows[row].candidates[position].question;
            a.owner[question] = row;
            if row == start {
                a.picks[row].push(position);
                return;
            }
            // `row` hands the question the previous row wants over and keeps this one
            // in its place.
            let (wanting, wanted_position) = came_from[row];
            let lost = self.rows[wanting].candidates[wanted_position].question;
            if let Some(slot) = a.picks[row]
                .iter_mut()
                .find(|p| self.rows[row].candidates[**p].question == lost)
            {
                *slot = position;
            }
            row = wanting;
            position = wanted_position;
        }
    }

    /// The pool as resolved: sorted by version id, each version once.
    pub fn items(&self) -> &[PoolItem] {
        &self.items
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn item(version_id: i64, question_id: i64, topic: &str, difficulty: u8) -> PoolItem {
        PoolItem {
            version_id,
            question_id,
            bank_id: 1,
            topic: topic.to_owned(),
            difficulty,
            kind: Kind::SingleChoice,
            option_count: 4,
        }
    }

    pub(crate) fn row(topics: &[&str], difficulty: (u8, u8), count: u32) -> BlueprintRow {
        BlueprintRow {
            bank_id: 1,
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            difficulty_min: difficulty.0,
            difficulty_max: difficulty.1,
            kind: None,
            count,
            points_each: 1.0,
        }
    }

    pub(crate) fn one_section(rows: Vec<BlueprintRow>) -> Blueprint {
        Blueprint {
            sections: vec![SectionSpec {
                title: "Kiến thức chung".to_owned(),
                rows,
                shuffle_questions: false,
                shuffle_options: false,
            }],
        }
    }

    #[test]
    fn topic_prefix_matches_whole_levels_only() {
        assert!(topic_matches("Luật", "Luật"));
        assert!(topic_matches("Luật", "Luật/Cán bộ"));
        assert!(topic_matches("Luật/", "Luật/Cán bộ"));
        assert!(topic_matches("Luật / Cán bộ", "Luật/Cán bộ/Quyền"));
        assert!(!topic_matches("Luật", "Luật2"));
        assert!(!topic_matches("Luật/Cán bộ", "Luật"));
        assert!(!topic_matches("Cán bộ", "Luật/Cán bộ"));
        assert!(topic_matches("", "Luật"));
    }

    #[test]
    fn a_topic_with_a_comma_is_one_topic_and_draws_its_questions() {
        let topic = "Luật Cán bộ, công chức";
        let mut pool: Vec<PoolItem> = (0..3)
            .map(|i| item(i, i, &format!("{topic}/Quyền và nghĩa vụ"), 2))
            .collect();
        pool.push(item(3, 3, "Luật Cán bộ", 2));
        let bp = one_section(vec![row(&[topic], (1, 5), 3)]);
        let resolved = ResolvedBlueprint::new(&bp, &pool).unwrap();
        assert_eq!(resolved.rows[0].candidates.len(), 3, "not «Luật Cán bộ»");
        let known = vec![
            topic.to_owned(),
            format!("{topic}/Quyền và nghĩa vụ"),
            "Luật Cán bộ".to_owned(),
        ];
        assert!(unknown_topics(&bp, |_| Some(known.as_slice())).is_empty());
    }

    #[test]
    fn a_topic_the_bank_does_not_hold_is_named_with_its_row() {
        let known = vec!["Luật".to_owned(), "Luật / Cán bộ".to_owned()];
        let mut bp = one_section(vec![
            row(&["Luật/Cán bộ"], (1, 5), 1),
            row(&["Luật", "Luật Cán bộ"], (1, 5), 1),
        ]);
        bp.sections[0].rows.push(BlueprintRow {
            bank_id: 2,
            ..row(&["Luật"], (1, 5), 1)
        });
        let unknown = unknown_topics(&bp, |bank| (bank == 1).then_some(known.as_slice()));
        assert_eq!(
            unknown,
            vec![
                UnknownTopic {
                    section: 0,
                    row: 1,
                    bank_id: 1,
                    topic: "Luật Cán bộ".to_owned()
                },
                UnknownTopic {
                    section: 0,
                    row: 2,
                    bank_id: 2,
                    topic: "Luật".to_owned()
                },
            ]
        );
    }

    #[test]
    fn eligibility_checks_bank_difficulty_kind_and_topics() {
        let mut r = row(&["Luật", "Hiến pháp"], (2, 3), 1);
        assert!(eligible(&r, &item(1, 1, "Hiến pháp/Chương 1", 2)));
        assert!(!eligible(&r, &item(1, 1, "Hiến pháp/Chương 1", 4)));
        assert!(!eligible(&r, &item(1, 1, "Địa lý", 2)));
        let mut other_bank = item(1, 1, "Luật", 3);
        other_bank.bank_id = 2;
        assert!(!eligible(&r, &other_bank));
        r.kind = Some(Kind::TrueFalse);
        assert!(!eligible(&r, &item(1, 1, "Luật", 3)));
        r.topics.clear();
        let mut tf = item(1, 1, "Bất kỳ", 3);
        tf.kind = Kind::TrueFalse;
        assert!(eligible(&r, &tf));
    }

    #[test]
    fn short_row_is_named_with_exact_numbers() {
        let mut pool: Vec<PoolItem> = (0..14).map(|i| item(i, i, "Luật/Cán bộ", 2)).collect();
        pool.extend((14..40).map(|i| item(i, i, "Địa lý", 1)));
        let mut bp = one_section(vec![row(&[], (1, 1), 10), row(&["Luật"], (2, 3), 20)]);
        bp.sections[0].rows[1].bank_id = 1;
        let shortfalls = check_feasibility(&bp, &pool).unwrap_err();
        assert_eq!(
            shortfalls,
            vec![Shortfall {
                section: 0,
                row: 1,
                needed: 20,
                available: 14,
                matching: 14
            }]
        );
        assert_eq!(
            shortfalls[0].message(&bp, |_| None),
            "section 1 «Kiến thức chung», row 2 (bank 1, topic Luật, difficulty 2–3): \
             needs 20 questions, only 14 can be drawn (6 short)"
        );
        assert_eq!(
            shortfalls[0].to_string(),
            "section 1, row 2: needs 20 questions, only 14 can be drawn (6 short)"
        );
    }

    #[test]
    fn competing_rows_report_the_later_row_and_who_took_its_questions() {
        // 12 questions on Luật; row 1 takes 10 of any topic, row 2 wants 5 on Luật.
        // 12 + 3 others = 15 questions for 15 places, but only if row 1 leaves Luật
        // alone as far as it can: it must take the 3 others and 7 Luật, leaving 5.
        let mut pool: Vec<PoolItem> = (0..12).map(|i| item(i, i, "Luật", 1)).collect();
        pool.extend((12..15).map(|i| item(i, i, "Địa lý", 1)));
        let bp = one_section(vec![row(&[], (1, 5), 10), row(&["Luật"], (1, 5), 5)]);
        assert_eq!(check_feasibility(&bp, &pool), Ok(()));

        let bp = one_section(vec![row(&[], (1, 5), 12), row(&["Luật"], (1, 5), 5)]);
        let shortfalls = check_feasibility(&bp, &pool).unwrap_err();
        assert_eq!(
            shortfalls[0].message(&bp, |id| Some(format!("Ngân hàng {id}"))),
            "section 1 «Kiến thức chung», row 2 (bank «Ngân hàng 1», topic Luật, \
             difficulty 1–5): needs 5 questions, only 3 can be drawn (2 short); \
             12 match, 9 of them are needed by earlier rows"
        );
    }

    #[test]
    fn a_question_counts_once_whatever_its_versions() {
        let pool = vec![item(1, 7, "Luật", 1), item(2, 7, "Luật", 1)];
        let bp = one_section(vec![row(&[], (1, 5), 2)]);
        let shortfalls = check_feasibility(&bp, &pool).unwrap_err();
        assert_eq!((shortfalls[0].available, shortfalls[0].matching), (1, 1));
    }

    #[test]
    fn questions_are_not_shared_across_sections() {
        let pool: Vec<PoolItem> = (0..5).map(|i| item(i, i, "Luật", 1)).collect();
        let mut bp = one_section(vec![row(&[], (1, 5), 3)]);
        bp.sections.push(SectionSpec {
            title: "Ngoại ngữ".to_owned(),
            rows: vec![row(&[], (1, 5), 3)],
            shuffle_questions: true,
            shuffle_options: true,
        });
        let shortfalls = check_feasibility(&bp, &pool).unwrap_err();
        assert_eq!(
            shortfalls[0].to_string(),
            "section 2, row 1: needs 3 questions, only 2 can be drawn (1 short); \
             5 match, 3 of them are needed by earlier rows"
        );
    }

    #[test]
    fn blueprint_mistakes_are_named() {
        let mut bp = one_section(vec![row(&[], (3, 2), 0), row(&[" / "], (0, 6), 1)]);
        bp.sections[0].rows[1].points_each = f64::NAN;
        assert_eq!(
            bp.problems(),
            vec![
                "section 1 «Kiến thức chung», row 1: draws no questions (count is 0)",
                "section 1 «Kiến thức chung», row 1: difficulty from 3 to 2 is an empty range",
                "section 1 «Kiến thức chung», row 2: difficulty 0–6 is outside 1–5",
                "section 1 «Kiến thức chung», row 2: NaN points per question, expected a number of 0 or more",
                "section 1 «Kiến thức chung», row 2: an empty topic; leave the list empty to take any topic",
            ]
        );
        assert!(
            one_section(vec![row(&["Luật"], (1, 5), 3)])
                .problems()
                .is_empty()
        );
    }

    #[test]
    fn blueprint_reads_from_json_with_defaults() {
        let bp: Blueprint = serde_json::from_str(
            r#"{"sections":[{"title":"Ngoại ngữ","rows":[
                {"bank_id":2,"difficulty_min":1,"difficulty_max":3,"kind":"single_choice",
                 "count":30,"points_each":1.0}]}]}"#,
        )
        .unwrap();
        let r = &bp.sections[0].rows[0];
        assert!(r.topics.is_empty());
        assert_eq!(r.kind, Some(Kind::SingleChoice));
        assert!(!bp.sections[0].shuffle_questions);
    }
}
