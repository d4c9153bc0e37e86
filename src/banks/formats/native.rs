//! The native format: one TOML file per bank, laid out as documented in
//! `question-banks/README.md`. It carries every field of the model, so that an
//! export followed by an import gives back exactly what was exported.
//!
//! The file is read from toml's spanned document tree rather than through serde,
//! so that every problem can be reported at once, each at its own line and
//! column, instead of stopping at the first.

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_writer::{ToTomlValue, TomlStringBuilder};

use crate::banks::model::{
    Answer, BankInfo, Choice, ImportedQuestion, Kind, MatchPair, NumericAnswer, NumericValue,
    Parsed, Problem, Provenance, Question, Status, Subject, TextAnswer, TextFormat,
};
use crate::banks::validate::{option_label, validate, warnings};

const BANK_FIELDS: [&str; 5] = [
    "name",
    "subject",
    "language",
    "ignore_diacritics",
    "description",
];

const QUESTION_FIELDS: [&str; 14] = [
    "key",
    "status",
    "version",
    "author",
    "reviewer",
    "kind",
    "topic",
    "difficulty",
    "points",
    "format",
    "title",
    "stem",
    "tags",
    "explanation",
];

const SUBJECTS: [Subject; 4] = [
    Subject::GeneralKnowledge,
    Subject::ForeignLanguage,
    Subject::It,
    Subject::Specialised,
];

const STATUSES: [Status; 3] = [Status::Draft, Status::Approved, Status::Retired];

const FORMATS: [TextFormat; 3] = [TextFormat::Markdown, TextFormat::Html, TextFormat::Plain];

fn kind_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::SingleChoice | Kind::MultipleResponse => &["options"],
        Kind::TrueFalse => &["correct", "feedback_true", "feedback_false"],
        Kind::Numeric => &["answers"],
        Kind::ShortAnswer => &["answers", "case_sensitive"],
        Kind::Matching => &["pairs"],
        Kind::Ordering => &["items"],
        Kind::Essay => &["marking_guide"],
    }
}

fn subject_name(subject: Subject) -> &'static str {
    match subject {
        Subject::GeneralKnowledge => "general_knowledge",
        Subject::ForeignLanguage => "foreign_language",
        Subject::It => "it",
        Subject::Specialised => "specialised",
    }
}

fn format_name(format: TextFormat) -> &'static str {
    match format {
        TextFormat::Markdown => "markdown",
        TextFormat::Html => "html",
        TextFormat::Plain => "plain",
    }
}

/// Syntax errors reported from one file; the rest are counted.
const MAX_SYNTAX_ERRORS: usize = 100;
/// Files up to this size get every syntax error listed, larger ones the first.
const RECOVER_BYTES: usize = 64 * 1024;

/// Reads a bank file. `questions` holds every question that could be read, even
/// one that fails validation (so that a dry run can show it); any entry in
/// `errors` means the file must not be imported.
///
/// A file without `[bank]` is allowed (`bank` is then `None`) for importing
/// into a bank that already exists.
pub fn parse(text: &str) -> Parsed {
    // Windows editors often save UTF-8 with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::new(text);
    let mut parsed = Parsed::default();

    // Recovery lists every syntax error but costs some 300 bytes of memory per
    // byte of an error-dense file (1.6 GB for 5 MiB of `=` lines): it runs
    // only on small files; a large one reports its first error.
    let (document, syntax_errors) = match DeTable::parse(text) {
        Ok(document) => (document, Vec::new()),
        Err(_) if text.len() <= RECOVER_BYTES => DeTable::parse_recoverable(text),
        Err(first) => (Spanned::new(0..0, DeTable::default()), vec![first]),
    };
    if !syntax_errors.is_empty() {
        // What follows a syntax error is guesswork; checking it would mostly
        // report echoes of the same mistake.
        // A person acts on the first few; locating thousands on one long line
        // would cost time quadratic in the line's length.
        let more = syntax_errors.len().saturating_sub(MAX_SYNTAX_ERRORS);
        for e in syntax_errors.into_iter().take(MAX_SYNTAX_ERRORS) {
            let offset = e.span().map_or(0, |s| s.start);
            let message = match e.message() {
                "duplicate key" => {
                    let key = e.span().and_then(|s| text.get(s)).unwrap_or("this key");
                    format!("`{key}` is given twice; a key may appear only once per table")
                }
                other => format!("this is not valid TOML: {other}"),
            };
            reader.error(offset, message);
        }
        parsed.errors = reader.finish();
        if more > 0 {
            parsed.errors.push(Problem {
                line: parsed.errors.last().map_or(1, |p| p.line),
                column: None,
                message: format!("… and {more} more syntax errors after these"),
            });
        }
        return parsed;
    }

    let root = document.get_ref();
    for (key, _) in root.iter() {
        let name = key.get_ref().as_ref();
        if name != "bank" && name != "questions" {
            reader.error(
                key.span().start,
                format!("unknown section `{name}`; a bank file has [bank] and [[questions]]"),
            );
        }
    }

    if let Some(bank) = root.get("bank") {
        match bank.get_ref() {
            DeValue::Table(table) => {
                let fields = Fields {
                    table,
                    at: bank.span().start,
                    who: "[bank]: ".to_owned(),
                };
                parsed.bank = reader.bank(&fields).ok();
            }
            other => reader.error(
                bank.span().start,
                format!("`bank` must be a [bank] table, got {}", describe(other)),
            ),
        }
    }

    match root.get("questions").map(|q| (q.span(), q.get_ref())) {
        None => parsed.warnings.push(Problem {
            line: 1,
            column: None,
            message: "the file has no [[questions]]".to_owned(),
        }),
        Some((_, DeValue::Array(items))) => {
            let mut keys: HashMap<String, usize> = HashMap::new();
            for (n, item) in items.iter().enumerate() {
                let DeValue::Table(table) = item.get_ref() else {
                    reader.error(
                        item.span().start,
                        format!(
                            "question #{}: each question must be a [[questions]] table, got {}",
                            n + 1,
                            describe(item.get_ref())
                        ),
                    );
                    continue;
                };
                let line = reader.locate(item.span().start).0;
                if let Some(imported) = reader.question(table, item.span().start, n, &mut keys) {
                    let who = who(imported.provenance.key.as_deref(), n);
                    for message in validate(&imported.question) {
                        reader.error_at_line(line, format!("{who}{message}"));
                    }
                    for message in warnings(&imported.question) {
                        parsed.warnings.push(Problem {
                            line,
                            column: None,
                            message: format!("{who}{message}"),
                        });
                    }
                    parsed.questions.push(imported);
                }
            }
        }
        Some((span, other)) => reader.error(
            span.start,
            format!(
                "`questions` must be a list of [[questions]] tables, got {}",
                describe(other)
            ),
        ),
    }

    parsed.errors = reader.finish();
    parsed
}

/// "question gk-007: ", or by position when the question has no key.
fn who(key: Option<&str>, n: usize) -> String {
    match key {
        Some(key) if !key.trim().is_empty() => format!("question {key}: "),
        _ => format!("question #{}: ", n + 1),
    }
}

/// An error has been recorded; the value it concerns could not be read.
struct Reported;

type Read<T> = Result<T, Reported>;

/// A table being read, and how to name it in messages.
struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    /// Where a problem with the table as a whole (a missing field) points.
    at: usize,
    /// Message prefix naming the table, e.g. "question gk-007: option B: ".
    who: String,
}

impl<'a, 'i> Fields<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }
}

struct Reader<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
    errors: Vec<Problem>,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Reader {
            text,
            line_starts,
            errors: Vec::new(),
        }
    }

    /// 1-based line and column; the column counts characters, as editors do.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line.max(1), column + 1)
    }

    fn error(&mut self, offset: usize, message: String) {
        let (line, column) = self.locate(offset);
        self.errors.push(Problem {
            line,
            column: Some(column),
            message,
        });
    }

    fn error_at_line(&mut self, line: usize, message: String) {
        self.errors.push(Problem {
            line,
            column: None,
            message,
        });
    }

    fn finish(mut self) -> Vec<Problem> {
        // The table's keys come back sorted by name, not by position.
        self.errors.sort_by_key(|p| (p.line, p.column));
        self.errors
    }

    fn unknown_fields(&mut self, f: &Fields, allowed: &[&str], kind: Option<Kind>) {
        for (key, _) in f.table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let message = match kind {
                Some(kind) if Kind::ALL.iter().any(|k| kind_fields(*k).contains(&name)) => {
                    format!(
                        "{}`{name}` is not used by a {} question",
                        f.who,
                        kind.as_str()
                    )
                }
                _ => format!(
                    "{}unknown field `{name}`; question-banks/README.md lists the fields",
                    f.who
                ),
            };
            self.error(key.span().start, message);
        }
    }

    fn wrong_type(&mut self, f: &Fields, key: &str, value: &Spanned<DeValue>, wanted: &str) {
        self.error(
            value.span().start,
            format!(
                "{}`{key}` must be {wanted}, got {}",
                f.who,
                describe(value.get_ref())
            ),
        );
    }

    fn missing(&mut self, f: &Fields, key: &str) -> Reported {
        self.error(f.at, format!("{}`{key}` is missing", f.who));
        Reported
    }

    fn opt_str(&mut self, f: &Fields, key: &str) -> Read<Option<String>> {
        match f.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some(s.to_string())),
                _ => {
                    self.wrong_type(f, key, v, "text");
                    Err(Reported)
                }
            },
        }
    }

    fn req_str(&mut self, f: &Fields, key: &str) -> Read<String> {
        self.opt_str(f, key)?.ok_or_else(|| self.missing(f, key))
    }

    fn opt_bool(&mut self, f: &Fields, key: &str) -> Read<Option<bool>> {
        match f.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => Ok(Some(*b)),
                _ => {
                    self.wrong_type(f, key, v, "true or false");
                    Err(Reported)
                }
            },
        }
    }

    /// Integers are accepted wherever a number is ("weight = 100").
    fn opt_number(&mut self, f: &Fields, key: &str) -> Read<Option<f64>> {
        let Some(v) = f.get(key) else {
            return Ok(None);
        };
        let number = match v.get_ref() {
            DeValue::Integer(i) => whole(i).map(|i| i as f64),
            DeValue::Float(x) => x.as_str().replace('_', "").parse::<f64>().ok(),
            _ => {
                self.wrong_type(f, key, v, "a number");
                return Err(Reported);
            }
        };
        match number {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => {
                self.error(
                    v.span().start,
                    format!("{}`{key}` must be a finite number", f.who),
                );
                Err(Reported)
            }
        }
    }

    fn req_number(&mut self, f: &Fields, key: &str) -> Read<f64> {
        self.opt_number(f, key)?.ok_or_else(|| self.missing(f, key))
    }

    /// A whole number within `range`, which `bounds` describes ("1 to 5").
    fn opt_whole(
        &mut self,
        f: &Fields,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
        bounds: &str,
    ) -> Read<Option<i64>> {
        let Some(v) = f.get(key) else {
            return Ok(None);
        };
        let out_of_range = |got: &str| {
            format!(
                "{}`{key}` must be a whole number {bounds}, got {got}",
                f.who
            )
        };
        match v.get_ref() {
            DeValue::Integer(i) => match whole(i) {
                Some(n) if range.contains(&n) => Ok(Some(n)),
                _ => {
                    self.error(v.span().start, out_of_range(i.as_str()));
                    Err(Reported)
                }
            },
            DeValue::Float(x) => {
                self.error(v.span().start, out_of_range(x.as_str()));
                Err(Reported)
            }
            _ => {
                self.wrong_type(f, key, v, "a whole number");
                Err(Reported)
            }
        }
    }

    fn opt_str_list(&mut self, f: &Fields, key: &str) -> Read<Option<Vec<String>>> {
        let Some(v) = f.get(key) else {
            return Ok(None);
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(f, key, v, "a list of text");
            return Err(Reported);
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push(s.to_string()),
                other => {
                    self.error(
                        item.span().start,
                        format!(
                            "{}`{key}` entry {} must be text, got {}",
                            f.who,
                            i + 1,
                            describe(other)
                        ),
                    );
                    ok = false;
                }
            }
        }
        if ok { Ok(Some(out)) } else { Err(Reported) }
    }

    /// A list of inline tables, each named by `label(index)` in messages. An
    /// entry that is not a table is reported and comes back as `None`, so that
    /// the others can still be checked.
    fn req_tables<'a, 'i>(
        &mut self,
        f: &Fields<'a, 'i>,
        key: &str,
        label: impl Fn(usize) -> String,
    ) -> Read<Vec<Option<Fields<'a, 'i>>>> {
        let Some(v) = f.get(key) else {
            return Err(self.missing(f, key));
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(f, key, v, "a list of { ... } tables");
            return Err(Reported);
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(table) => out.push(Some(Fields {
                    table,
                    at: item.span().start,
                    who: format!("{}{}: ", f.who, label(i)),
                })),
                other => {
                    self.error(
                        item.span().start,
                        format!(
                            "{}{} must be a {{ ... }} table, got {}",
                            f.who,
                            label(i),
                            describe(other)
                        ),
                    );
                    out.push(None);
                }
            }
        }
        Ok(out)
    }

    fn one_of<T: Copy>(
        &mut self,
        f: &Fields,
        key: &str,
        choices: &[T],
        name: impl Fn(T) -> &'static str,
    ) -> Read<Option<T>> {
        let Some(text) = self.opt_str(f, key)? else {
            return Ok(None);
        };
        if let Some(found) = choices.iter().find(|c| name(**c) == text) {
            return Ok(Some(*found));
        }
        let names: Vec<&str> = choices.iter().map(|c| name(*c)).collect();
        let at = f.get(key).map_or(f.at, |v| v.span().start);
        self.error(
            at,
            format!(
                "{}`{key}` must be one of {}, got \"{text}\"",
                f.who,
                names.join(", ")
            ),
        );
        Err(Reported)
    }

    fn bank(&mut self, f: &Fields) -> Read<BankInfo> {
        self.unknown_fields(f, &BANK_FIELDS, None);
        let name = self.req_str(f, "name");
        let subject = self.one_of(f, "subject", &SUBJECTS, subject_name);
        let language = self.opt_str(f, "language");
        let ignore_diacritics = self.opt_bool(f, "ignore_diacritics");
        let description = self.opt_str(f, "description");
        let name = name?;
        if name.trim().is_empty() {
            let at = f.get("name").map_or(f.at, |v| v.span().start);
            self.error(at, "[bank]: the bank name is empty".to_owned());
        }
        Ok(BankInfo {
            name,
            subject: subject?.unwrap_or_default(),
            description: description?,
            language: language?.unwrap_or_else(|| "vi".to_owned()),
            ignore_diacritics: ignore_diacritics?.unwrap_or(false),
        })
    }

    fn question(
        &mut self,
        table: &DeTable,
        at: usize,
        n: usize,
        keys: &mut HashMap<String, usize>,
    ) -> Option<ImportedQuestion> {
        let line = self.locate(at).0;
        let mut f = Fields {
            table,
            at,
            who: format!("question #{}: ", n + 1),
        };
        let key = self.opt_str(&f, "key");
        if let Ok(key) = &key {
            f.who = who(key.as_deref(), n);
        }
        if let Ok(Some(key)) = &key {
            let key_at = f.get("key").map_or(at, |v| v.span().start);
            if key.trim().is_empty() {
                self.error(key_at, format!("{}the key is empty", f.who));
            } else if let Some(first) = keys.get(key) {
                let message = format!(
                    "{}the key is already used by the question at line {first}",
                    f.who
                );
                self.error(key_at, message);
            } else {
                keys.insert(key.clone(), line);
            }
        }

        let kind = match self.opt_str(&f, "kind") {
            Ok(Some(name)) => match Kind::parse(&name) {
                Some(kind) => Ok(kind),
                None => {
                    let at = f.get("kind").map_or(at, |v| v.span().start);
                    self.error(
                        at,
                        format!(
                            "{}`kind` must be one of {}, got \"{name}\"",
                            f.who,
                            kind_names()
                        ),
                    );
                    Err(Reported)
                }
            },
            Ok(None) => {
                self.error(
                    at,
                    format!("{}`kind` is missing; it is one of {}", f.who, kind_names()),
                );
                Err(Reported)
            }
            Err(Reported) => Err(Reported),
        };
        match kind {
            Ok(kind) => {
                let mut allowed = QUESTION_FIELDS.to_vec();
                allowed.extend_from_slice(kind_fields(kind));
                self.unknown_fields(&f, &allowed, Some(kind));
            }
            Err(_) => {
                // Without a kind, only fields no kind uses are surely wrong.
                let mut allowed = QUESTION_FIELDS.to_vec();
                for k in Kind::ALL {
                    allowed.extend_from_slice(kind_fields(k));
                }
                self.unknown_fields(&f, &allowed, None);
            }
        }

        let status = self.one_of(&f, "status", &STATUSES, Status::as_str);
        let version = self.opt_whole(&f, "version", 1..=i64::from(u32::MAX), "from 1 up");
        let author = self.opt_str(&f, "author");
        let reviewer = self.opt_str(&f, "reviewer");
        let topic = self.req_str(&f, "topic");
        let difficulty = self
            .opt_whole(&f, "difficulty", 1..=5, "from 1 to 5")
            .and_then(|d| d.ok_or_else(|| self.missing(&f, "difficulty")));
        let points = self.opt_number(&f, "points");
        let format = self.one_of(&f, "format", &FORMATS, format_name);
        let title = self.opt_str(&f, "title");
        let stem = self.req_str(&f, "stem");
        let tags = self.opt_str_list(&f, "tags");
        let explanation = self.opt_str(&f, "explanation");
        let answer = kind.and_then(|kind| self.answer(kind, &f));

        Some(ImportedQuestion {
            line,
            question: Question {
                title: title.ok()?,
                topic: topic.ok()?,
                difficulty: u8::try_from(difficulty.ok()?).ok()?,
                points: points.ok()?.unwrap_or(1.0),
                stem: stem.ok()?,
                format: format.ok()?.unwrap_or_default(),
                answer: answer.ok()?,
                tags: tags.ok()?.unwrap_or_default(),
                explanation: explanation.ok()?,
            },
            provenance: Provenance {
                key: key.ok()?,
                status: status.ok()?.unwrap_or_default(),
                version: version.ok()?.and_then(|v| u32::try_from(v).ok()),
                author: author.ok()?,
                reviewer: reviewer.ok()?,
            },
        })
    }

    fn answer(&mut self, kind: Kind, f: &Fields) -> Read<Answer> {
        match kind {
            Kind::SingleChoice | Kind::MultipleResponse => {
                let items =
                    self.req_tables(f, "options", |i| format!("option {}", option_label(i)))?;
                let options = all(items.iter().map(|o| self.each(o, Self::choice)).collect())?;
                Ok(if kind == Kind::SingleChoice {
                    Answer::SingleChoice { options }
                } else {
                    Answer::MultipleResponse { options }
                })
            }
            Kind::TrueFalse => {
                let correct = self.opt_bool(f, "correct");
                let feedback_true = self.opt_str(f, "feedback_true");
                let feedback_false = self.opt_str(f, "feedback_false");
                Ok(Answer::TrueFalse {
                    correct: correct?.ok_or_else(|| self.missing(f, "correct"))?,
                    feedback_true: feedback_true?,
                    feedback_false: feedback_false?,
                })
            }
            Kind::Numeric => {
                let items = self.req_tables(f, "answers", |i| format!("answer {}", i + 1))?;
                let answers = all(items
                    .iter()
                    .map(|a| self.each(a, Self::numeric_answer))
                    .collect())?;
                Ok(Answer::Numeric { answers })
            }
            Kind::ShortAnswer => {
                let case_sensitive = self.opt_bool(f, "case_sensitive");
                let items = self.req_tables(f, "answers", |i| format!("answer {}", i + 1))?;
                let answers = all(items
                    .iter()
                    .map(|a| self.each(a, Self::text_answer))
                    .collect())?;
                Ok(Answer::ShortAnswer {
                    answers,
                    case_sensitive: case_sensitive?.unwrap_or(false),
                })
            }
            Kind::Matching => {
                let items = self.req_tables(f, "pairs", |i| format!("pair {}", i + 1))?;
                let pairs = all(items.iter().map(|p| self.each(p, Self::pair)).collect())?;
                Ok(Answer::Matching { pairs })
            }
            Kind::Ordering => {
                let items = self.opt_str_list(f, "items")?;
                Ok(Answer::Ordering {
                    items: items.ok_or_else(|| self.missing(f, "items"))?,
                })
            }
            Kind::Essay => Ok(Answer::Essay {
                marking_guide: self.opt_str(f, "marking_guide")?,
            }),
        }
    }

    /// Reads one entry of a [`Self::req_tables`] list, if it was a table.
    fn each<T>(
        &mut self,
        item: &Option<Fields>,
        read: impl FnOnce(&mut Self, &Fields) -> Read<T>,
    ) -> Read<T> {
        match item {
            Some(f) => read(self, f),
            None => Err(Reported),
        }
    }

    fn choice(&mut self, f: &Fields) -> Read<Choice> {
        self.unknown_fields(f, &["text", "weight", "feedback"], None);
        let text = self.req_str(f, "text");
        let weight = self.req_number(f, "weight");
        let feedback = self.opt_str(f, "feedback");
        Ok(Choice {
            text: text?,
            weight: weight?,
            feedback: feedback?,
        })
    }

    fn text_answer(&mut self, f: &Fields) -> Read<TextAnswer> {
        self.unknown_fields(f, &["text", "weight", "feedback"], None);
        let text = self.req_str(f, "text");
        let weight = self.req_number(f, "weight");
        let feedback = self.opt_str(f, "feedback");
        Ok(TextAnswer {
            text: text?,
            weight: weight?,
            feedback: feedback?,
        })
    }

    fn numeric_answer(&mut self, f: &Fields) -> Read<NumericAnswer> {
        self.unknown_fields(f, &["value", "weight", "feedback"], None);
        let weight = self.req_number(f, "weight");
        let feedback = self.opt_str(f, "feedback");
        let value = match f.get("value") {
            None => Err(self.missing(f, "value")),
            Some(v) => match v.get_ref() {
                DeValue::Table(table) => self.numeric_value(&Fields {
                    table,
                    at: v.span().start,
                    who: f.who.clone(),
                }),
                _ => {
                    self.wrong_type(f, "value", v, "a { type = ... } table");
                    Err(Reported)
                }
            },
        };
        Ok(NumericAnswer {
            value: value?,
            weight: weight?,
            feedback: feedback?,
        })
    }

    fn numeric_value(&mut self, f: &Fields) -> Read<NumericValue> {
        let kind = self.req_str(f, "type")?;
        match kind.as_str() {
            "exact" => {
                self.unknown_fields(f, &["type", "value", "tolerance"], None);
                let value = self.req_number(f, "value");
                let tolerance = self.opt_number(f, "tolerance");
                Ok(NumericValue::Exact {
                    value: value?,
                    tolerance: tolerance?.unwrap_or(0.0),
                })
            }
            "range" => {
                self.unknown_fields(f, &["type", "min", "max"], None);
                let min = self.req_number(f, "min");
                let max = self.req_number(f, "max");
                Ok(NumericValue::Range {
                    min: min?,
                    max: max?,
                })
            }
            other => {
                let at = f.get("type").map_or(f.at, |v| v.span().start);
                self.error(
                    at,
                    format!(
                        "{}`type` must be \"exact\" or \"range\", got \"{other}\"",
                        f.who
                    ),
                );
                Err(Reported)
            }
        }
    }

    fn pair(&mut self, f: &Fields) -> Read<MatchPair> {
        self.unknown_fields(f, &["prompt", "answer"], None);
        let prompt = self.opt_str(f, "prompt");
        let answer = self.req_str(f, "answer");
        Ok(MatchPair {
            prompt: prompt?.unwrap_or_default(),
            answer: answer?,
        })
    }
}

/// Every item read (each has reported its own problems), or none.
fn all<T>(results: Vec<Read<T>>) -> Read<Vec<T>> {
    results.into_iter().collect()
}

fn whole(i: &toml::de::DeInteger) -> Option<i64> {
    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
}

fn kind_names() -> String {
    Kind::ALL.map(Kind::as_str).join(", ")
}

fn describe(value: &DeValue) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// Writes a bank file that [`parse`] reads back to exactly `bank` and `questions`.
/// Accepts `parsed.questions.iter().map(|q| (&q.question, &q.provenance))` as well
/// as pairs loaded from the store.
pub fn write<'a>(
    bank: &BankInfo,
    questions: impl IntoIterator<Item = (&'a Question, &'a Provenance)>,
) -> String {
    let mut out = String::from(
        "# A merit question bank in the native format; see question-banks/README.md.\n\n[bank]\n",
    );
    field(&mut out, "name", &string(&bank.name));
    field(&mut out, "subject", &string(subject_name(bank.subject)));
    field(&mut out, "language", &string(&bank.language));
    field(
        &mut out,
        "ignore_diacritics",
        &bank.ignore_diacritics.to_string(),
    );
    opt_field(&mut out, "description", &bank.description);

    for (q, p) in questions {
        out.push_str("\n[[questions]]\n");
        opt_field(&mut out, "key", &p.key);
        field(&mut out, "status", &string(p.status.as_str()));
        if let Some(version) = p.version {
            field(&mut out, "version", &version.to_string());
        }
        opt_field(&mut out, "author", &p.author);
        opt_field(&mut out, "reviewer", &p.reviewer);
        field(&mut out, "kind", &string(q.kind().as_str()));
        field(&mut out, "topic", &string(&q.topic));
        field(&mut out, "difficulty", &q.difficulty.to_string());
        field(&mut out, "points", &q.points.to_toml_value());
        if q.format != TextFormat::default() {
            field(&mut out, "format", &string(format_name(q.format)));
        }
        opt_field(&mut out, "title", &q.title);
        field(&mut out, "stem", &string(&q.stem));
        if !q.tags.is_empty() {
            let tags: Vec<String> = q.tags.iter().map(|t| string(t)).collect();
            field(&mut out, "tags", &format!("[{}]", tags.join(", ")));
        }
        opt_field(&mut out, "explanation", &q.explanation);
        write_answer(&mut out, &q.answer);
    }
    out
}

fn write_answer(out: &mut String, answer: &Answer) {
    match answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            let rows = options.iter().map(|o| {
                inline(&[
                    ("text", Some(string(&o.text))),
                    ("weight", Some(weight(o.weight))),
                    ("feedback", o.feedback.as_deref().map(string)),
                ])
            });
            list(out, "options", rows);
        }
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => {
            field(out, "correct", &correct.to_string());
            opt_field(out, "feedback_true", feedback_true);
            opt_field(out, "feedback_false", feedback_false);
        }
        Answer::Numeric { answers } => {
            let rows = answers.iter().map(|a| {
                let value = match a.value {
                    NumericValue::Exact { value, tolerance } => inline(&[
                        ("type", Some(string("exact"))),
                        ("value", Some(value.to_toml_value())),
                        ("tolerance", Some(tolerance.to_toml_value())),
                    ]),
                    NumericValue::Range { min, max } => inline(&[
                        ("type", Some(string("range"))),
                        ("min", Some(min.to_toml_value())),
                        ("max", Some(max.to_toml_value())),
                    ]),
                };
                inline(&[
                    ("value", Some(value)),
                    ("weight", Some(weight(a.weight))),
                    ("feedback", a.feedback.as_deref().map(string)),
                ])
            });
            list(out, "answers", rows);
        }
        Answer::ShortAnswer {
            answers,
            case_sensitive,
        } => {
            let rows = answers.iter().map(|a| {
                inline(&[
                    ("text", Some(string(&a.text))),
                    ("weight", Some(weight(a.weight))),
                    ("feedback", a.feedback.as_deref().map(string)),
                ])
            });
            list(out, "answers", rows);
            if *case_sensitive {
                field(out, "case_sensitive", "true");
            }
        }
        Answer::Matching { pairs } => {
            let rows = pairs.iter().map(|p| {
                inline(&[
                    ("prompt", Some(string(&p.prompt))),
                    ("answer", Some(string(&p.answer))),
                ])
            });
            list(out, "pairs", rows);
        }
        Answer::Ordering { items } => list(out, "items", items.iter().map(|i| string(i))),
        Answer::Essay { marking_guide } => opt_field(out, "marking_guide", marking_guide),
    }
}

fn field(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str(" = ");
    out.push_str(value);
    out.push('\n');
}

fn opt_field(out: &mut String, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        field(out, key, &string(value));
    }
}

/// One entry per line, so that a diff of two versions shows which option changed.
fn list(out: &mut String, key: &str, rows: impl Iterator<Item = String>) {
    out.push_str(key);
    out.push_str(" = [\n");
    for row in rows {
        out.push_str("  ");
        out.push_str(&row);
        out.push_str(",\n");
    }
    out.push_str("]\n");
}

fn inline(fields: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v}")))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// toml_writer picks the plainest quoting that round-trips: "..." when it can,
/// '...' for text with backslashes, """...""" for text over several lines.
fn string(s: &str) -> String {
    TomlStringBuilder::new(s).as_default().to_toml_value()
}

/// Percentages read best as "100", not "100.0".
fn weight(w: f64) -> String {
    if w.fract() == 0.0 && w.abs() < 1e15 {
        format!("{}", w as i64)
    } else {
        w.to_toml_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    fn bank() -> BankInfo {
        BankInfo {
            name: "Kiến thức chung".to_owned(),
            subject: Subject::GeneralKnowledge,
            description: Some("Ngân hàng \"mẫu\"\ncho kỳ thi".to_owned()),
            language: "vi".to_owned(),
            ignore_diacritics: true,
        }
    }

    fn base(answer: Answer) -> Question {
        Question {
            title: Some("Thủ đô".to_owned()),
            topic: "Luật Cán bộ, công chức/Quyền và nghĩa vụ".to_owned(),
            difficulty: 2,
            points: 1.5,
            stem: "Dòng một với \"ngoặc kép\" và \\ gạch chéo\nDòng hai: '''ba nháy''' và \"\"\"ba ngoặc\"\"\"\n\n\tthụt lề\r\n".to_owned(),
            format: TextFormat::Markdown,
            answer,
            tags: vec!["luật".to_owned(), "C:\\path".to_owned()],
            explanation: Some("Vì 'thế'".to_owned()),
        }
    }

    fn provenance(key: &str) -> Provenance {
        Provenance {
            key: Some(key.to_owned()),
            status: Status::Approved,
            version: Some(3),
            author: Some("Nguyễn Văn A".to_owned()),
            reviewer: Some("Trần Thị B".to_owned()),
        }
    }

    fn every_kind() -> Vec<(Question, Provenance)> {
        let choice = |text: &str, weight: f64, feedback: Option<&str>| Choice {
            text: text.to_owned(),
            weight,
            feedback: feedback.map(str::to_owned),
        };
        let mut plain = base(Answer::Essay {
            marking_guide: None,
        });
        plain.title = None;
        plain.tags = vec![];
        plain.explanation = None;
        plain.format = TextFormat::Plain;
        plain.stem = "Viết một đoạn văn.".to_owned();
        let mut html = base(Answer::TrueFalse {
            correct: false,
            feedback_true: None,
            feedback_false: Some("Đúng là <b>sai</b>".to_owned()),
        });
        html.format = TextFormat::Html;
        vec![
            (
                base(Answer::SingleChoice {
                    options: vec![
                        choice("Hà Nội", 100.0, Some("Đúng")),
                        choice("Huế", 0.0, None),
                        choice("Đà Nẵng \\ \"x\"", -33.5, Some("a\nb")),
                    ],
                }),
                provenance("gk-001"),
            ),
            (
                base(Answer::MultipleResponse {
                    options: vec![
                        choice("a", 50.0, None),
                        choice("b", 50.0, None),
                        choice("c", -100.0, None),
                    ],
                }),
                Provenance::default(),
            ),
            (
                base(Answer::TrueFalse {
                    correct: true,
                    feedback_true: Some("Đúng".to_owned()),
                    feedback_false: Some("Sai".to_owned()),
                }),
                provenance("gk-003"),
            ),
            (html, provenance("gk-004")),
            (
                base(Answer::Numeric {
                    answers: vec![
                        NumericAnswer {
                            value: NumericValue::Exact {
                                value: 2.54,
                                tolerance: 0.01,
                            },
                            weight: 100.0,
                            feedback: Some("chính xác".to_owned()),
                        },
                        NumericAnswer {
                            value: NumericValue::Range {
                                min: -1e-7,
                                max: 12345678.9,
                            },
                            weight: 33.333,
                            feedback: None,
                        },
                    ],
                }),
                provenance("gk-005"),
            ),
            (
                base(Answer::ShortAnswer {
                    answers: vec![
                        TextAnswer {
                            text: "Hà Nội".to_owned(),
                            weight: 100.0,
                            feedback: None,
                        },
                        TextAnswer {
                            text: "Thăng Long".to_owned(),
                            weight: 50.0,
                            feedback: Some("tên cũ".to_owned()),
                        },
                    ],
                    case_sensitive: true,
                }),
                provenance("gk-006"),
            ),
            (
                base(Answer::Matching {
                    pairs: vec![
                        MatchPair {
                            prompt: "Pháp".to_owned(),
                            answer: "Paris".to_owned(),
                        },
                        MatchPair {
                            prompt: "Ý".to_owned(),
                            answer: "Rome".to_owned(),
                        },
                        MatchPair {
                            prompt: String::new(),
                            answer: "Berlin".to_owned(),
                        },
                    ],
                }),
                provenance("gk-007"),
            ),
            (
                base(Answer::Ordering {
                    items: vec!["một".to_owned(), "hai".to_owned(), "ba".to_owned()],
                }),
                provenance("gk-008"),
            ),
            (
                base(Answer::Essay {
                    marking_guide: Some("Ý 1: 2 điểm\nÝ 2: 3 điểm".to_owned()),
                }),
                provenance("gk-009"),
            ),
            (plain, provenance("gk-010")),
        ]
    }

    fn round_trip(bank: &BankInfo, questions: &[(Question, Provenance)]) -> Parsed {
        let text = write(bank, questions.iter().map(|(q, p)| (q, p)));
        parse(&text)
    }

    #[test]
    fn write_then_parse_gives_back_every_kind_and_field() {
        let questions = every_kind();
        let parsed = round_trip(&bank(), &questions);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.bank, Some(bank()));
        let back: Vec<(Question, Provenance)> = parsed
            .questions
            .into_iter()
            .map(|q| (q.question, q.provenance))
            .collect();
        assert_eq!(back, questions);
    }

    #[test]
    fn written_questions_start_at_the_recorded_lines() {
        let questions = every_kind();
        let text = write(&bank(), questions.iter().map(|(q, p)| (q, p)));
        let lines: Vec<&str> = text.lines().collect();
        let parsed = parse(&text);
        assert_eq!(parsed.questions.len(), questions.len());
        for q in &parsed.questions {
            assert_eq!(lines[q.line - 1], "[[questions]]");
        }
    }

    #[test]
    fn writer_uses_the_documented_layout() {
        let questions = every_kind();
        let text = write(&bank(), questions[..1].iter().map(|(q, p)| (q, p)));
        assert!(text.contains("[bank]\nname = \"Kiến thức chung\"\nsubject = \"general_knowledge\"\nlanguage = \"vi\"\nignore_diacritics = true\n"), "{text}");
        assert!(
            text.contains(
                "\n[[questions]]\nkey = \"gk-001\"\nstatus = \"approved\"\nversion = 3\n"
            ),
            "{text}"
        );
        assert!(text.contains("kind = \"single_choice\"\n"), "{text}");
        assert!(text.contains("points = 1.5\n"), "{text}");
        assert!(text.contains("stem = \"\"\""), "{text}");
        assert!(text.contains("options = [\n  { text = \"Hà Nội\", weight = 100, feedback = \"Đúng\" },\n  { text = \"Huế\", weight = 0 },\n"), "{text}");
        assert!(
            !text.contains("format ="),
            "markdown is the default: {text}"
        );
    }

    const SAMPLE: &str = r#"[bank]
name = "Kiến thức chung"
subject = "general_knowledge"
language = "vi"
ignore_diacritics = true
description = "Mẫu"

[[questions]]
key = "gk-001"
status = "approved"
kind = "single_choice"
topic = "Luật/Cán bộ"
difficulty = 2
points = 1
stem = """
Thủ đô của Việt Nam là?"""
options = [ { text = "Hà Nội", weight = 100 }, { text = "Huế", weight = 0, feedback = "Cố đô" } ]

[[questions]]
key = "gk-002"
kind = "numeric"
topic = "Toán"
difficulty = 1
stem = "1 inch bằng bao nhiêu cm?"
answers = [
  { value = { type = "exact", value = 2.54 }, weight = 100 },
  { value = { type = "range", min = 2, max = 3 }, weight = 50 },
]
"#;

    #[test]
    fn sample_in_the_documented_layout_reads_with_defaults() {
        let parsed = parse(SAMPLE);
        assert_eq!(messages(&parsed.errors), Vec::<String>::new());
        assert_eq!(parsed.questions.len(), 2);
        let first = &parsed.questions[0];
        assert_eq!(first.line, 8);
        assert_eq!(first.question.points, 1.0);
        assert_eq!(first.question.stem, "Thủ đô của Việt Nam là?");
        assert_eq!(first.provenance.status, Status::Approved);
        let second = &parsed.questions[1];
        assert_eq!(second.line, 19);
        assert_eq!(
            second.provenance.status,
            Status::Draft,
            "status defaults to draft"
        );
        assert_eq!(second.provenance.version, None);
        assert_eq!(second.question.points, 1.0, "points default to 1");
        assert_eq!(second.question.format, TextFormat::Markdown);
        assert_eq!(
            second.question.answer,
            Answer::Numeric {
                answers: vec![
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 2.54,
                            tolerance: 0.0
                        },
                        weight: 100.0,
                        feedback: None
                    },
                    NumericAnswer {
                        value: NumericValue::Range { min: 2.0, max: 3.0 },
                        weight: 50.0,
                        feedback: None
                    },
                ]
            }
        );
    }

    #[test]
    fn bank_fields_have_defaults() {
        let parsed = parse("[bank]\nname = \"IT\"\n");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.bank,
            Some(BankInfo {
                name: "IT".to_owned(),
                subject: Subject::GeneralKnowledge,
                description: None,
                language: "vi".to_owned(),
                ignore_diacritics: false,
            })
        );
        assert_eq!(
            messages(&parsed.warnings),
            vec!["line 1: the file has no [[questions]]"]
        );
    }

    #[test]
    fn a_file_without_a_bank_header_reads_its_questions() {
        let text = "[[questions]]\nkind = \"true_false\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\ncorrect = true\n";
        let parsed = parse(text);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.bank, None);
        assert_eq!(parsed.questions.len(), 1);
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let parsed = parse(&format!("\u{feff}{SAMPLE}"));
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.questions[0].line, 8);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let text = "[bank]\nname = \"x\"\n\n[[questions]]\nkey = \"gk-001\nkind = \"essay\"\n";
        let parsed = parse(text);
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert_eq!(parsed.errors[0].line, 5);
        assert!(
            parsed.errors[0]
                .message
                .starts_with("this is not valid TOML"),
            "{:?}",
            parsed.errors
        );
    }

    #[test]
    fn duplicate_toml_keys_are_errors_at_the_second_one() {
        let text = "[bank]\nname = \"x\"\n\n[[questions]]\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\nstem = \"T\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec!["line 9, column 1: `stem` is given twice; a key may appear only once per table"]
        );
    }

    #[test]
    fn duplicate_question_keys_are_errors() {
        let q = "[[questions]]\nkey = \"gk-001\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\n";
        let text = format!("[bank]\nname = \"x\"\n\n{q}\n{q}");
        let parsed = parse(&text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 12, column 7: question gk-001: the key is already used by the question at line 4"
            ]
        );
    }

    #[test]
    fn validation_problems_are_reported_at_the_question_line() {
        let mut text = String::from("[bank]\nname = \"x\"\n");
        for n in 1..=3 {
            text.push_str(&format!(
                "\n[[questions]]\nkey = \"gk-00{n}\"\nkind = \"single_choice\"\ntopic = \"A\"\ndifficulty = 2\nstem = \"S\"\noptions = [ {{ text = \"a\", weight = 100 }}, {{ text = \"b\", weight = {} }} ]\n",
                if n == 3 { 100 } else { 0 }
            ));
        }
        let parsed = parse(&text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 20: question gk-003: a single-choice question needs exactly one option at 100%, found 2 (A, B)"
            ]
        );
        assert_eq!(
            parsed.questions.len(),
            3,
            "invalid questions are still listed"
        );
    }

    #[test]
    fn questions_without_a_key_are_named_by_position() {
        let text = "[[questions]]\nkind = \"ordering\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\nitems = [\"one\"]\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec!["line 1: question #1: an ordering question needs at least 2 items, got 1"]
        );
    }

    #[test]
    fn wrong_types_are_reported_where_the_value_is() {
        let text = "[bank]\nname = 5\n\n[[questions]]\nkey = \"q1\"\nkind = \"single_choice\"\ntopic = \"A\"\ndifficulty = \"hard\"\nstem = \"S\"\ntags = [\"a\", 2]\noptions = [\n  { text = \"a\", weight = \"100%\" },\n  \"b\",\n]\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 2, column 8: [bank]: `name` must be text, got a whole number",
                "line 8, column 14: question q1: `difficulty` must be a whole number, got text",
                "line 10, column 14: question q1: `tags` entry 2 must be text, got a whole number",
                "line 12, column 26: question q1: option A: `weight` must be a number, got text",
                "line 13, column 3: question q1: option B must be a { ... } table, got text",
            ]
        );
        assert_eq!(parsed.bank, None);
        assert_eq!(parsed.questions, vec![]);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "[[questions]]\nkey = \"q1\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\ntags = [\"đấtđấtđất\", 1]\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec!["line 7, column 22: question q1: `tags` entry 2 must be text, got a whole number"]
        );
    }

    #[test]
    fn missing_fields_are_reported_at_the_question_header() {
        let text = "[bank]\nname = \"x\"\n\n[[questions]]\nkey = \"q1\"\nkind = \"true_false\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 4, column 1: question q1: `topic` is missing",
                "line 4, column 1: question q1: `difficulty` is missing",
                "line 4, column 1: question q1: `stem` is missing",
                "line 4, column 1: question q1: `correct` is missing",
            ]
        );
    }

    #[test]
    fn missing_kind_lists_the_kinds() {
        let text = "[[questions]]\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 1, column 1: question #1: `kind` is missing; it is one of single_choice, multiple_response, true_false, numeric, short_answer, matching, ordering, essay"
            ]
        );
    }

    #[test]
    fn unknown_values_of_enumerations_list_the_allowed_ones() {
        let text = "[bank]\nname = \"x\"\nsubject = \"maths\"\n\n[[questions]]\nkey = \"q1\"\nstatus = \"aproved\"\nkind = \"mcq\"\nformat = \"docx\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 3, column 11: [bank]: `subject` must be one of general_knowledge, foreign_language, it, specialised, got \"maths\"",
                "line 7, column 10: question q1: `status` must be one of draft, approved, retired, got \"aproved\"",
                "line 8, column 8: question q1: `kind` must be one of single_choice, multiple_response, true_false, numeric, short_answer, matching, ordering, essay, got \"mcq\"",
                "line 9, column 10: question q1: `format` must be one of markdown, html, plain, got \"docx\"",
            ]
        );
    }

    #[test]
    fn unknown_fields_and_fields_of_another_kind_are_errors() {
        let text = "[bank]\nname = \"x\"\ncolour = \"red\"\n\n[[questions]]\nkey = \"q1\"\nkind = \"true_false\"\ntopic = \"A\"\ndificulty = 1\ndifficulty = 1\nstem = \"S\"\ncorrect = true\noptions = []\n\n[extra]\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 3, column 1: [bank]: unknown field `colour`; question-banks/README.md lists the fields",
                "line 9, column 1: question q1: unknown field `dificulty`; question-banks/README.md lists the fields",
                "line 13, column 1: question q1: `options` is not used by a true_false question",
                "line 15, column 2: unknown section `extra`; a bank file has [bank] and [[questions]]",
            ]
        );
    }

    #[test]
    fn unknown_fields_inside_options_and_values_are_errors() {
        let text = "[[questions]]\nkey = \"q1\"\nkind = \"numeric\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\nanswers = [\n  { value = { type = \"exact\", value = 1, tol = 0.1 }, weight = 100 },\n  { value = { type = \"approx\", value = 1 }, weight = 100 },\n]\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 8, column 42: question q1: answer 1: unknown field `tol`; question-banks/README.md lists the fields",
                "line 9, column 22: question q1: answer 2: `type` must be \"exact\" or \"range\", got \"approx\"",
            ]
        );
    }

    #[test]
    fn difficulty_and_version_must_be_in_range() {
        let text = "[[questions]]\nkey = \"q1\"\nversion = 0\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 7\nstem = \"S\"\n\n[[questions]]\nkey = \"q2\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 2.5\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 3, column 11: question q1: `version` must be a whole number from 1 up, got 0",
                "line 6, column 14: question q1: `difficulty` must be a whole number from 1 to 5, got 7",
                "line 13, column 14: question q2: `difficulty` must be a whole number from 1 to 5, got 2.5",
            ]
        );
    }

    #[test]
    fn numbers_must_be_finite() {
        let text = "[[questions]]\nkey = \"q1\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\npoints = inf\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec!["line 6, column 10: question q1: `points` must be a finite number"]
        );
    }

    #[test]
    fn underscores_in_numbers_are_read() {
        let text = "[[questions]]\nkey = \"q1\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\npoints = 1_000.5\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.questions[0].question.points, 1000.5);
    }

    #[test]
    fn an_empty_bank_name_or_key_is_an_error() {
        let text = "[bank]\nname = \" \"\n\n[[questions]]\nkey = \"\"\nkind = \"essay\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\n";
        let parsed = parse(text);
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "line 2, column 8: [bank]: the bank name is empty",
                "line 5, column 7: question #1: the key is empty",
            ]
        );
    }

    #[test]
    fn matching_pairs_without_a_prompt_are_distractors() {
        let text = "[[questions]]\nkey = \"q1\"\nkind = \"matching\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\npairs = [\n  { prompt = \"Pháp\", answer = \"Paris\" },\n  { prompt = \"Ý\", answer = \"Rome\" },\n  { answer = \"Berlin\" },\n]\n";
        let parsed = parse(text);
        assert_eq!(parsed.errors, vec![]);
        let Answer::Matching { pairs } = &parsed.questions[0].question.answer else {
            panic!("expected matching");
        };
        assert_eq!(pairs[2].prompt, "");
        assert_eq!(pairs[2].answer, "Berlin");
    }

    #[test]
    fn warnings_are_reported_at_the_question_line() {
        let text = "[bank]\nname = \"x\"\n\n[[questions]]\nkey = \"q1\"\nkind = \"multiple_response\"\ntopic = \"A\"\ndifficulty = 1\nstem = \"S\"\noptions = [ { text = \"a\", weight = 100 }, { text = \"b\", weight = 0 } ]\n";
        let parsed = parse(text);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            messages(&parsed.warnings),
            vec![
                "line 4: question q1: only one option is right; a single-choice question may be what was meant"
            ]
        );
    }

    #[test]
    fn readme_examples_parse_without_problems() {
        let readme = include_str!("../../../question-banks/README.md");
        let blocks: Vec<&str> = readme
            .split("```toml\n")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .collect();
        assert_eq!(blocks.len(), 9, "one layout example and one per kind");
        for block in blocks {
            let parsed = parse(block);
            assert_eq!(messages(&parsed.errors), Vec::<String>::new(), "{block}");
            assert_eq!(messages(&parsed.warnings), Vec::<String>::new(), "{block}");
            assert_eq!(parsed.questions.len(), 1, "{block}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-zA-Z0-9 àáạảãâầấậẩẫăằắặẳẵđĐêếềệộơờớưừứ\"'\\\\\n\t#=\\[\\]{},.]{0,24}",
                any::<String>(),
                Just("'''\"\"\"\\\\\r\n".to_owned()),
            ]
        }

        fn opt_text() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(text())
        }

        fn number() -> impl Strategy<Value = f64> {
            prop_oneof![
                (-100i32..=100).prop_map(f64::from),
                -1e9f64..1e9,
                proptest::num::f64::NORMAL
                    | proptest::num::f64::SUBNORMAL
                    | proptest::num::f64::ZERO,
            ]
        }

        fn choices() -> impl Strategy<Value = Vec<Choice>> {
            proptest::collection::vec(
                (text(), number(), opt_text()).prop_map(|(text, weight, feedback)| Choice {
                    text,
                    weight,
                    feedback,
                }),
                0..5,
            )
        }

        fn answer() -> impl Strategy<Value = Answer> {
            let numeric_value = prop_oneof![
                (number(), number())
                    .prop_map(|(value, tolerance)| NumericValue::Exact { value, tolerance }),
                (number(), number()).prop_map(|(min, max)| NumericValue::Range { min, max }),
            ];
            prop_oneof![
                choices().prop_map(|options| Answer::SingleChoice { options }),
                choices().prop_map(|options| Answer::MultipleResponse { options }),
                (any::<bool>(), opt_text(), opt_text()).prop_map(
                    |(correct, feedback_true, feedback_false)| Answer::TrueFalse {
                        correct,
                        feedback_true,
                        feedback_false,
                    }
                ),
                proptest::collection::vec(
                    (numeric_value, number(), opt_text()).prop_map(|(value, weight, feedback)| {
                        NumericAnswer {
                            value,
                            weight,
                            feedback,
                        }
                    }),
                    0..4
                )
                .prop_map(|answers| Answer::Numeric { answers }),
                (
                    proptest::collection::vec(
                        (text(), number(), opt_text()).prop_map(|(text, weight, feedback)| {
                            TextAnswer {
                                text,
                                weight,
                                feedback,
                            }
                        }),
                        0..4
                    ),
                    any::<bool>()
                )
                    .prop_map(|(answers, case_sensitive)| Answer::ShortAnswer {
                        answers,
                        case_sensitive
                    }),
                proptest::collection::vec(
                    (text(), text()).prop_map(|(prompt, answer)| MatchPair { prompt, answer }),
                    0..4
                )
                .prop_map(|pairs| Answer::Matching { pairs }),
                proptest::collection::vec(text(), 0..4)
                    .prop_map(|items| Answer::Ordering { items }),
                opt_text().prop_map(|marking_guide| Answer::Essay { marking_guide }),
            ]
        }

        fn question() -> impl Strategy<Value = (Question, Provenance)> {
            let format = prop_oneof![
                Just(TextFormat::Markdown),
                Just(TextFormat::Html),
                Just(TextFormat::Plain)
            ];
            let status = prop_oneof![
                Just(Status::Draft),
                Just(Status::Approved),
                Just(Status::Retired)
            ];
            (
                (opt_text(), text(), 1u8..=5, number(), text(), format),
                (
                    answer(),
                    proptest::collection::vec(text(), 0..3),
                    opt_text(),
                ),
                (
                    proptest::option::of("[a-z]{2}-[0-9]{3}"),
                    status,
                    proptest::option::of(1u32..),
                    opt_text(),
                    opt_text(),
                ),
            )
                .prop_map(
                    |(
                        (title, topic, difficulty, points, stem, format),
                        (answer, tags, explanation),
                        (key, status, version, author, reviewer),
                    )| {
                        (
                            Question {
                                title,
                                topic,
                                difficulty,
                                points,
                                stem,
                                format,
                                answer,
                                tags,
                                explanation,
                            },
                            Provenance {
                                key,
                                status,
                                version,
                                author,
                                reviewer,
                            },
                        )
                    },
                )
        }

        fn bank_info() -> impl Strategy<Value = BankInfo> {
            let subject = prop_oneof![
                Just(Subject::GeneralKnowledge),
                Just(Subject::ForeignLanguage),
                Just(Subject::It),
                Just(Subject::Specialised)
            ];
            (
                "[^\\s][^\\n]{0,10}",
                subject,
                opt_text(),
                text(),
                any::<bool>(),
            )
                .prop_map(
                    |(name, subject, description, language, ignore_diacritics)| BankInfo {
                        name,
                        subject,
                        description,
                        language,
                        ignore_diacritics,
                    },
                )
        }

        proptest! {
            #[test]
            fn parse_reads_back_what_write_wrote(
                bank in bank_info(),
                questions in proptest::collection::vec(question(), 0..4),
            ) {
                // Keys must be unique within a file; drop repeats.
                let mut seen = std::collections::HashSet::new();
                let questions: Vec<(Question, Provenance)> = questions
                    .into_iter()
                    .map(|(q, mut p)| {
                        if let Some(k) = &p.key && !seen.insert(k.clone()) {
                            p.key = None;
                        }
                        (q, p)
                    })
                    .collect();
                let text = write(&bank, questions.iter().map(|(q, p)| (q, p)));
                let parsed = parse(&text);
                let structural: Vec<&Problem> = parsed
                    .errors
                    .iter()
                    .filter(|p| p.column.is_some())
                    .collect();
                prop_assert!(structural.is_empty(), "{structural:?}\n{text}");
                prop_assert_eq!(parsed.bank, Some(bank));
                let back: Vec<(Question, Provenance)> = parsed
                    .questions
                    .into_iter()
                    .map(|q| (q.question, q.provenance))
                    .collect();
                prop_assert_eq!(back, questions, "{}", text);
            }
        }
    }
}
