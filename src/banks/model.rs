//! The question model: what a bank holds, independent of storage and file formats.
//!
//! Every format (native TOML, GIFT, Moodle XML, spreadsheets) reads into and writes
//! from these types; the store keeps them as versioned rows. Nothing here does I/O.

use serde::{Deserialize, Serialize};

/// What a bank is about; the rule sets match sections to banks by subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    #[default]
    GeneralKnowledge,
    ForeignLanguage,
    It,
    Specialised,
}

/// How a question's text fields are written. Markdown is the native form; HTML
/// and plain text arrive from GIFT and Moodle imports and are kept as they came
/// (HTML is sanitised when rendered, never trusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    #[default]
    Markdown,
    Html,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SingleChoice,
    MultipleResponse,
    TrueFalse,
    Numeric,
    ShortAnswer,
    Matching,
    Ordering,
    Essay,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SingleChoice,
        Kind::MultipleResponse,
        Kind::TrueFalse,
        Kind::Numeric,
        Kind::ShortAnswer,
        Kind::Matching,
        Kind::Ordering,
        Kind::Essay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SingleChoice => "single_choice",
            Kind::MultipleResponse => "multiple_response",
            Kind::TrueFalse => "true_false",
            Kind::Numeric => "numeric",
            Kind::ShortAnswer => "short_answer",
            Kind::Matching => "matching",
            Kind::Ordering => "ordering",
            Kind::Essay => "essay",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Review status. Only approved versions are drawn into forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Draft,
    Approved,
    Retired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Approved => "approved",
            Status::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Draft, Status::Approved, Status::Retired]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An option of a single-choice or multiple-response question.
///
/// `weight` is a percentage of the question's points: 100 for the right answer of a
/// single-choice question; for multiple response the positive weights add up to
/// 100 and wrong options may carry negative weights (the score is clamped to 0..=1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NumericValue {
    /// Accepted when |given - value| <= tolerance.
    Exact { value: f64, tolerance: f64 },
    /// Accepted when min <= given <= max.
    Range { min: f64, max: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericAnswer {
    pub value: NumericValue,
    /// Percent of the points; several answers allow partial credit.
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAnswer {
    pub text: String,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
}

/// One pair of a matching question. A pair with an empty `prompt` is a distractor:
/// its `answer` is offered but matches nothing (as in Moodle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPair {
    pub prompt: String,
    pub answer: String,
}

/// The kind-specific part of a question: what is offered and what is right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleResponse {
        options: Vec<Choice>,
    },
    TrueFalse {
        correct: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feedback_true: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feedback_false: Option<String>,
    },
    Numeric {
        answers: Vec<NumericAnswer>,
    },
    ShortAnswer {
        answers: Vec<TextAnswer>,
        /// Compare case-sensitively (Moodle's `usecase`); off by default.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        case_sensitive: bool,
    },
    Matching {
        pairs: Vec<MatchPair>,
    },
    Ordering {
        /// The items in their correct order.
        items: Vec<String>,
    },
    Essay {
        /// Guidance for markers; never shown to candidates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marking_guide: Option<String>,
    },
}

impl Answer {
    pub fn kind(&self) -> Kind {
        match self {
            Answer::SingleChoice { .. } => Kind::SingleChoice,
            Answer::MultipleResponse { .. } => Kind::MultipleResponse,
            Answer::TrueFalse { .. } => Kind::TrueFalse,
            Answer::Numeric { .. } => Kind::Numeric,
            Answer::ShortAnswer { .. } => Kind::ShortAnswer,
            Answer::Matching { .. } => Kind::Matching,
            Answer::Ordering { .. } => Kind::Ordering,
            Answer::Essay { .. } => Kind::Essay,
        }
    }
}

/// The content of one question version: everything a format can carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// GIFT `::title::`, Moodle `<name>`; optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Topic path inside the bank, parts separated by `/` ("Luật/Cán bộ").
    pub topic: String,
    /// 1 (easiest) to 5.
    pub difficulty: u8,
    pub points: f64,
    pub stem: String,
    #[serde(default)]
    pub format: TextFormat,
    #[serde(flatten)]
    pub answer: Answer,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Shown after release (Moodle "general feedback").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl Question {
    pub fn kind(&self) -> Kind {
        self.answer.kind()
    }
}

/// Record-keeping around a question that the native format carries so that an
/// export followed by an import loses nothing. Other formats leave it empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// Stable key of the question inside its bank (e.g. "gk-017").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default)]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
}

/// A bank's header as files carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankInfo {
    pub name: String,
    #[serde(default)]
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Language of the questions ("vi", "en").
    #[serde(default = "default_language")]
    pub language: String,
    /// Short answers match without Vietnamese diacritics ("Hà Nội" = "ha noi").
    #[serde(default)]
    pub ignore_diacritics: bool,
}

fn default_language() -> String {
    "vi".to_owned()
}

/// One question as read from a file, with where it started (1-based line) so
/// that problems found later can still name the line.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedQuestion {
    pub line: usize,
    pub question: Question,
    pub provenance: Provenance,
}

/// A problem in an imported file, located for a person to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What a parser found in a file: the questions, plus warnings (imported anyway)
/// and errors (the import is refused as a whole).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub bank: Option<BankInfo>,
    pub questions: Vec<ImportedQuestion>,
    pub warnings: Vec<Problem>,
    pub errors: Vec<Problem>,
}
