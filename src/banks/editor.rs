//! The question editor's form: what the fields hold, and turning them into a
//! [`Question`] with messages an author can act on. Kind-specific answers are
//! numbered rows (`row_text_0`, `row_weight_0`, ...): options, numeric or
//! short answers, matching pairs, ordering items; blank rows are ignored.

use std::collections::HashMap;

use super::domain::clean_topic;
use super::model::{
    Answer, Choice, Kind, MatchPair, NumericAnswer, NumericValue, Question, TextAnswer, TextFormat,
};
use super::validate::validate;

/// Rows shown beyond those in use, so an author can add an option without JS.
const SPARE_ROWS: usize = 2;
/// Rows the form accepts; more is not a question anyone writes.
const MAX_ROWS: usize = 50;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub text: String,
    pub weight: String,
    pub feedback: String,
    /// Matching only: the answer the prompt (`text`) goes with.
    pub answer: String,
}

/// The editor's fields as typed, so that a form with mistakes comes back as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub kind: Kind,
    pub key: String,
    pub title: String,
    pub topic: String,
    pub difficulty: String,
    pub points: String,
    pub format: TextFormat,
    pub stem: String,
    pub tags: String,
    pub explanation: String,
    pub rows: Vec<Row>,
    pub correct: bool,
    pub feedback_true: String,
    pub feedback_false: String,
    pub case_sensitive: bool,
    pub marking_guide: String,
}

impl Editor {
    /// A blank form for a new question of this kind.
    pub fn blank(kind: Kind, topic: &str) -> Editor {
        let mut e = Editor {
            kind,
            key: String::new(),
            title: String::new(),
            topic: topic.to_owned(),
            difficulty: "2".into(),
            points: "1".into(),
            format: TextFormat::Markdown,
            stem: String::new(),
            tags: String::new(),
            explanation: String::new(),
            rows: Vec::new(),
            correct: true,
            feedback_true: String::new(),
            feedback_false: String::new(),
            case_sensitive: false,
            marking_guide: String::new(),
        };
        e.pad();
        e
    }

    /// The form for an existing question.
    pub fn from_question(q: &Question, key: &str) -> Editor {
        let mut e = Editor::blank(q.kind(), &q.topic);
        e.rows.clear();
        e.key = key.to_owned();
        e.title = q.title.clone().unwrap_or_default();
        e.difficulty = q.difficulty.to_string();
        e.points = number(q.points);
        e.format = q.format;
        e.stem = q.stem.clone();
        e.tags = q.tags.join(", ");
        e.explanation = q.explanation.clone().unwrap_or_default();
        match &q.answer {
            Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
                e.rows = options
                    .iter()
                    .map(|o| Row {
                        text: o.text.clone(),
                        weight: number(o.weight),
                        feedback: o.feedback.clone().unwrap_or_default(),
                        answer: String::new(),
                    })
                    .collect();
            }
            Answer::TrueFalse {
                correct,
                feedback_true,
                feedback_false,
            } => {
                e.correct = *correct;
                e.feedback_true = feedback_true.clone().unwrap_or_default();
                e.feedback_false = feedback_false.clone().unwrap_or_default();
            }
            Answer::Numeric { answers } => {
                e.rows = answers
                    .iter()
                    .map(|a| Row {
                        text: numeric_spec(&a.value),
                        weight: number(a.weight),
                        feedback: a.feedback.clone().unwrap_or_default(),
                        answer: String::new(),
                    })
                    .collect();
            }
            Answer::ShortAnswer {
                answers,
                case_sensitive,
            } => {
                e.case_sensitive = *case_sensitive;
                e.rows = answers
                    .iter()
                    .map(|a| Row {
                        text: a.text.clone(),
                        weight: number(a.weight),
                        feedback: a.feedback.clone().unwrap_or_default(),
                        answer: String::new(),
                    })
                    .collect();
            }
            Answer::Matching { pairs } => {
                e.rows = pairs
                    .iter()
                    .map(|p| Row {
                        text: p.prompt.clone(),
                        answer: p.answer.clone(),
                        ..Row::default()
                    })
                    .collect();
            }
            Answer::Ordering { items } => {
                e.rows = items
                    .iter()
                    .map(|i| Row {
                        text: i.clone(),
                        ..Row::default()
                    })
                    .collect();
            }
            Answer::Essay { marking_guide } => {
                e.marking_guide = marking_guide.clone().unwrap_or_default();
            }
        }
        e.pad();
        e
    }

    /// Reads the posted fields. Unknown fields are ignored.
    pub fn from_fields(fields: &[(String, String)]) -> Editor {
        let map: HashMap<&str, &str> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let get = |k: &str| map.get(k).map(|v| v.to_string()).unwrap_or_default();
        let kind = Kind::parse(&get("kind")).unwrap_or(Kind::SingleChoice);
        let format = match get("format").as_str() {
            "html" => TextFormat::Html,
            "plain" => TextFormat::Plain,
            _ => TextFormat::Markdown,
        };
        let mut rows = Vec::new();
        for i in 0..MAX_ROWS {
            let row = Row {
                text: get(&format!("row_text_{i}")),
                weight: get(&format!("row_weight_{i}")),
                feedback: get(&format!("row_feedback_{i}")),
                answer: get(&format!("row_answer_{i}")),
            };
            rows.push(row);
        }
        while rows.last().is_some_and(Row::is_blank) {
            rows.pop();
        }
        let mut e = Editor {
            kind,
            key: get("key").trim().to_owned(),
            title: get("title"),
            topic: get("topic"),
            difficulty: get("difficulty"),
            points: get("points"),
            format,
            stem: get("stem"),
            tags: get("tags"),
            explanation: get("explanation"),
            rows,
            correct: get("correct") != "false",
            feedback_true: get("feedback_true"),
            feedback_false: get("feedback_false"),
            case_sensitive: matches!(get("case_sensitive").as_str(), "on" | "true" | "1"),
            marking_guide: get("marking_guide"),
        };
        e.pad();
        e
    }

    fn pad(&mut self) {
        let used = self.rows.iter().filter(|r| !r.is_blank()).count();
        let wanted = match self.kind {
            Kind::SingleChoice | Kind::MultipleResponse => (used + SPARE_ROWS).max(4),
            Kind::Matching | Kind::Ordering => (used + SPARE_ROWS).max(4),
            Kind::Numeric | Kind::ShortAnswer => (used + SPARE_ROWS).max(3),
            Kind::TrueFalse | Kind::Essay => 0,
        };
        self.rows.retain(|r| !r.is_blank());
        while self.rows.len() < wanted.min(MAX_ROWS) {
            self.rows.push(Row::default());
        }
    }

    /// The question the form describes, or every problem with it.
    pub fn to_question(&self) -> Result<Question, Vec<String>> {
        let mut problems = Vec::new();
        let difficulty = match self.difficulty.trim().parse::<u8>() {
            Ok(d) => d,
            Err(_) => {
                problems.push(format!(
                    "difficulty must be a whole number from 1 to 5, got \"{}\"",
                    self.difficulty.trim()
                ));
                0
            }
        };
        let points = if self.points.trim().is_empty() {
            1.0
        } else {
            match decimal(&self.points) {
                Some(p) => p,
                None => {
                    problems.push(format!(
                        "points must be a number such as 1 or 0.5, got \"{}\"",
                        self.points.trim()
                    ));
                    1.0
                }
            }
        };
        let used: Vec<(usize, &Row)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
            .collect();
        let weight = |i: usize, raw: &str, default: f64, problems: &mut Vec<String>| {
            if raw.trim().is_empty() {
                return default;
            }
            decimal(raw.trim_end_matches('%')).unwrap_or_else(|| {
                problems.push(format!(
                    "row {}: the weight must be a percentage such as 100, 50 or -25, got \"{}\"",
                    i + 1,
                    raw.trim()
                ));
                0.0
            })
        };
        let feedback = |r: &Row| non_empty(&r.feedback);
        let answer = match self.kind {
            Kind::SingleChoice | Kind::MultipleResponse => {
                let options = used
                    .iter()
                    .map(|(i, r)| Choice {
                        text: r.text.trim().to_owned(),
                        weight: weight(*i, &r.weight, 0.0, &mut problems),
                        feedback: feedback(r),
                    })
                    .collect();
                if self.kind == Kind::SingleChoice {
                    Answer::SingleChoice { options }
                } else {
                    Answer::MultipleResponse { options }
                }
            }
            Kind::TrueFalse => Answer::TrueFalse {
                correct: self.correct,
                feedback_true: non_empty(&self.feedback_true),
                feedback_false: non_empty(&self.feedback_false),
            },
            Kind::Numeric => Answer::Numeric {
                answers: used
                    .iter()
                    .filter_map(|(i, r)| match parse_numeric(&r.text) {
                        Ok(value) => Some(NumericAnswer {
                            value,
                            weight: weight(*i, &r.weight, 100.0, &mut problems),
                            feedback: feedback(r),
                        }),
                        Err(why) => {
                            problems.push(format!("row {}: {why}", i + 1));
                            None
                        }
                    })
                    .collect(),
            },
            Kind::ShortAnswer => Answer::ShortAnswer {
                answers: used
                    .iter()
                    .map(|(i, r)| TextAnswer {
                        text: r.text.trim().to_owned(),
                        weight: weight(*i, &r.weight, 100.0, &mut problems),
                        feedback: feedback(r),
                    })
                    .collect(),
                case_sensitive: self.case_sensitive,
            },
            Kind::Matching => Answer::Matching {
                pairs: used
                    .iter()
                    .map(|(_, r)| MatchPair {
                        prompt: r.text.trim().to_owned(),
                        answer: r.answer.trim().to_owned(),
                    })
                    .collect(),
            },
            Kind::Ordering => Answer::Ordering {
                items: used.iter().map(|(_, r)| r.text.trim().to_owned()).collect(),
            },
            Kind::Essay => Answer::Essay {
                marking_guide: non_empty(&self.marking_guide),
            },
        };
        let q = Question {
            title: non_empty(&self.title),
            topic: clean_topic(&self.topic),
            difficulty,
            points,
            stem: self.stem.trim().replace("\r\n", "\n"),
            format: self.format,
            answer,
            tags: self
                .tags
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            explanation: non_empty(&self.explanation),
        };
        if difficulty != 0 {
            problems.extend(validate(&q));
        } else {
            problems.extend(
                validate(&q)
                    .into_iter()
                    .filter(|p| !p.starts_with("difficulty")),
            );
        }
        if problems.is_empty() {
            Ok(q)
        } else {
            Err(problems)
        }
    }

    pub fn format_name(&self) -> &'static str {
        match self.format {
            TextFormat::Markdown => "markdown",
            TextFormat::Html => "html",
            TextFormat::Plain => "plain",
        }
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind.as_str()
    }
}

impl Row {
    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
            && self.weight.trim().is_empty()
            && self.feedback.trim().is_empty()
            && self.answer.trim().is_empty()
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim().replace("\r\n", "\n");
    (!t.is_empty()).then_some(t)
}

/// "0,5" and "0.5" are both a half: Vietnamese writes decimals with a comma.
pub fn decimal(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', ".");
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Shortest form that reads back the same: 1 rather than 1.0.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// A numeric answer as typed: `3.14`, `3.14±0.01` (or `3.14+-0.01`), `1..5`.
pub fn parse_numeric(s: &str) -> Result<NumericValue, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "\"{s}\" is not a numeric answer; write a value (3.14), a value with a tolerance (3.14±0.01) or a range (1..5)"
        )
    };
    if let Some((min, max)) = s.split_once("..") {
        let (min, max) = (decimal(min).ok_or_else(bad)?, decimal(max).ok_or_else(bad)?);
        return Ok(NumericValue::Range { min, max });
    }
    let split = s.split_once('±').or_else(|| s.split_once("+-"));
    match split {
        Some((value, tolerance)) => Ok(NumericValue::Exact {
            value: decimal(value).ok_or_else(bad)?,
            tolerance: decimal(tolerance).ok_or_else(bad)?,
        }),
        None => Ok(NumericValue::Exact {
            value: decimal(s).ok_or_else(bad)?,
            tolerance: 0.0,
        }),
    }
}

pub fn numeric_spec(v: &NumericValue) -> String {
    match v {
        NumericValue::Exact { value, tolerance } if *tolerance == 0.0 => number(*value),
        NumericValue::Exact { value, tolerance } => {
            format!("{}±{}", number(*value), number(*tolerance))
        }
        NumericValue::Range { min, max } => format!("{}..{}", number(*min), number(*max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_single_choice_form_becomes_a_question() {
        let e = Editor::from_fields(&fields(&[
            ("kind", "single_choice"),
            ("topic", " Luật / Cán bộ "),
            ("difficulty", "2"),
            ("points", "0,5"),
            ("stem", "Thủ đô?"),
            ("row_text_0", "Hà Nội"),
            ("row_weight_0", "100"),
            ("row_text_1", "Huế"),
            ("row_feedback_1", "Cố đô."),
            ("tags", "địa lý, , 2024"),
        ]));
        let q = e.to_question().unwrap();
        assert_eq!(q.topic, "Luật/Cán bộ");
        assert_eq!(q.points, 0.5);
        assert_eq!(q.tags, ["địa lý", "2024"]);
        let Answer::SingleChoice { options } = &q.answer else {
            panic!()
        };
        assert_eq!(options[1].weight, 0.0);
        assert_eq!(options[1].feedback.as_deref(), Some("Cố đô."));
    }

    #[test]
    fn validation_speaks_to_the_author() {
        let e = Editor::from_fields(&fields(&[
            ("kind", "single_choice"),
            ("topic", "T"),
            ("difficulty", "x"),
            ("stem", "S"),
            ("row_text_0", "a"),
            ("row_text_1", "b"),
            ("row_weight_1", "lots"),
        ]));
        let problems = e.to_question().unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("difficulty must be a whole number"))
        );
        assert!(problems.iter().any(|p| p.contains("row 2: the weight")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("exactly one option at 100%"))
        );
    }

    #[test]
    fn numeric_answers_read_values_tolerances_and_ranges() {
        assert_eq!(
            parse_numeric("2,54±0,01"),
            Ok(NumericValue::Exact {
                value: 2.54,
                tolerance: 0.01
            })
        );
        assert_eq!(
            parse_numeric("1..5"),
            Ok(NumericValue::Range { min: 1.0, max: 5.0 })
        );
        assert!(parse_numeric("abc").is_err());
        for v in ["2", "2.5±0.1", "1..5"] {
            assert_eq!(numeric_spec(&parse_numeric(v).unwrap()), v);
        }
    }

    #[test]
    fn every_kind_survives_the_form() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/question-banks/tieng-anh.toml"
        ))
        .unwrap();
        let mut parsed = crate::banks::formats::native::parse(&text);
        for file in ["tin-hoc.toml", "kien-thuc-chung.toml"] {
            let path = format!("{}/question-banks/{file}", env!("CARGO_MANIFEST_DIR"));
            let more = std::fs::read_to_string(path).unwrap();
            parsed
                .questions
                .extend(crate::banks::formats::native::parse(&more).questions);
        }
        let mut kinds = std::collections::HashSet::new();
        for iq in &parsed.questions {
            let e = Editor::from_question(&iq.question, "k");
            let posted: Vec<(String, String)> = to_fields(&e);
            let back = Editor::from_fields(&posted).to_question().unwrap();
            assert_eq!(back, iq.question);
            kinds.insert(iq.question.kind());
        }
        assert_eq!(kinds.len(), 8, "{kinds:?}");
    }

    /// What a browser would post for the editor as rendered.
    fn to_fields(e: &Editor) -> Vec<(String, String)> {
        let mut out = vec![
            ("kind".to_owned(), e.kind_name().to_owned()),
            ("title".into(), e.title.clone()),
            ("topic".into(), e.topic.clone()),
            ("difficulty".into(), e.difficulty.clone()),
            ("points".into(), e.points.clone()),
            ("format".into(), e.format_name().to_owned()),
            ("stem".into(), e.stem.clone()),
            ("tags".into(), e.tags.clone()),
            ("explanation".into(), e.explanation.clone()),
            ("correct".into(), e.correct.to_string()),
            ("feedback_true".into(), e.feedback_true.clone()),
            ("feedback_false".into(), e.feedback_false.clone()),
            ("marking_guide".into(), e.marking_guide.clone()),
        ];
        if e.case_sensitive {
            out.push(("case_sensitive".into(), "on".into()));
        }
        for (i, r) in e.rows.iter().enumerate() {
            out.push((format!("row_text_{i}"), r.text.clone()));
            out.push((format!("row_weight_{i}"), r.weight.clone()));
            out.push((format!("row_feedback_{i}"), r.feedback.clone()));
            out.push((format!("row_answer_{i}"), r.answer.clone()));
        }
        out
    }
}
