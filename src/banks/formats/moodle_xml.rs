//! Moodle XML import and export (<https://docs.moodle.org/en/Moodle_XML_format>).
//!
//! | Moodle XML                                   | model                                        |
//! |----------------------------------------------|----------------------------------------------|
//! | `<question type="category">`                 | `topic` of the questions that follow it; the context prefix (`$course$/`, `$system$/`, ...) and `top/` are dropped |
//! | `<name>`                                     | `title`                                      |
//! | `<questiontext format="...">`                | `stem` and `format`: `html` → Html, `markdown` → Markdown, `plain_text` and `moodle_auto_format` → Plain |
//! | `<generalfeedback>`                          | `explanation`                                |
//! | `<defaultgrade>`                             | `points` (1 when absent)                     |
//! | `<tags><tag><text>`                          | `tags`; the tag `difficulty:N` (N = 1..5) carries `difficulty` |
//! | `<idnumber>`                                 | provenance `key` (import only)               |
//! | `multichoice`, `<single>true</single>`       | single choice                                |
//! | `multichoice`, `<single>false</single>`      | multiple response                            |
//! | `truefalse`                                  | true/false, answer feedback → `feedback_true` / `feedback_false` |
//! | `shortanswer`, `<usecase>`                   | short answer, `case_sensitive`               |
//! | `numerical`, `<answer>` + `<tolerance>`      | numeric, one weighted answer each            |
//! | `matching`, `<subquestion>`                  | matching; a subquestion without text is a distractor |
//! | `ordering` (core since Moodle 4.4, formerly the qtype_ordering plugin) | ordering; the `<answer>` elements in document order are the correct order, as Moodle reads them |
//! | `essay`, `<graderinfo>`                      | essay, `marking_guide`                       |
//!
//! `fraction` is a percentage, negative values included; Moodle's rounded
//! thirds, sixths, sevenths and ninths (`33.33333`, `-16.66667`, `14.28571`...)
//! are read as the exact fractions so that weights still add up to 100.
//!
//! Other question types (description, Cloze/multianswer, calculated, drag and
//! drop, random...) are reported as warnings and skipped. Errors and warnings
//! name the line of the `<question>` element or of the element at fault.
//!
//! What the export does so that `parse(write(qs))` gives `qs` back:
//! - `difficulty`, which Moodle has no field for, travels as the tag
//!   `difficulty:N`. A tag survives a trip through Moodle itself (an
//!   `idnumber` would too, but Moodle requires it to be unique per category).
//!   Without that tag a question reads as [`DEFAULT_DIFFICULTY`].
//! - Moodle requires a name, so a question without a title is written with a
//!   name made from the start of its stem; a name equal to that reads back as
//!   no title.
//! - A numeric range `min..max` is written as Moodle understands it (midpoint ±
//!   half the width) plus a `<range min=".." max=".."/>` element inside the
//!   answer, which Moodle ignores and this importer uses to restore the range
//!   exactly.
//! - Numbers are written in Rust's shortest round-trip form.
//! - Carriage returns are written as `&#13;` (an XML parser would otherwise
//!   turn `\r\n` into `\n`).
//!
//! Known losses: text is trimmed on import (as Moodle does), so leading and
//! trailing whitespace does not survive; a title equal to the derived name
//! reads back as no title; the tag `difficulty:N` cannot be an ordinary tag.
//! Moodle-only settings (penalty, shuffling, numbering, hints, combined
//! feedback, units, embedded files) are not imported and not written;
//! embedded files produce a warning because the text will refer to missing
//! images. All eight kinds can be written, so `write` never drops a question.

use quick_xml::Reader;

use crate::web::upload::{Limit, MAX_XML_DEPTH, Refused};
use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};

use crate::banks::model::{
    Answer, Choice, ImportedQuestion, MatchPair, NumericAnswer, NumericValue, Parsed, Problem,
    Provenance, Question, TextAnswer, TextFormat,
};

/// Difficulty of an imported question that carries no `difficulty:N` tag:
/// the middle of the 1..=5 scale.
pub const DEFAULT_DIFFICULTY: u8 = 3;

const DIFFICULTY_TAG: &str = "difficulty:";

/// Reads a Moodle XML file. Questions with errors are left out of
/// `questions`; the import as a whole is refused when `errors` is not empty.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let root = match read_tree(text.strip_prefix('\u{feff}').unwrap_or(text), &mut parsed) {
        Ok(root) => root,
        Err(problem) => {
            parsed.errors.push(problem);
            return parsed;
        }
    };
    if root.name != "quiz" {
        parsed.errors.push(problem(
            root.line,
            format!(
                "this is not a Moodle XML file: the root element is <{}>, expected <quiz>",
                root.name
            ),
        ));
        return parsed;
    }
    let mut topic = String::new();
    let mut keys: Vec<(String, usize)> = Vec::new();
    for el in root.children("question") {
        let Some(qtype) = el.attr("type") else {
            parsed.errors.push(problem(
                el.line,
                "<question> has no type attribute".to_owned(),
            ));
            continue;
        };
        if qtype == "category" {
            topic =
                topic_from_category(&el.child("category").map(Element::text).unwrap_or_default());
            continue;
        }
        let errors_before = parsed.errors.len();
        let Some(question) = read_question(el, qtype, &topic, &mut parsed) else {
            continue;
        };
        if parsed.errors.len() > errors_before {
            continue;
        }
        let mut provenance = Provenance::default();
        if let Some(id) = el.child_value("idnumber").filter(|id| !id.is_empty()) {
            match keys.iter().find(|(k, _)| *k == id) {
                Some((_, first)) => parsed.warnings.push(problem(
                    el.line,
                    format!(
                        "idnumber '{id}' was already used by the question at line {first}; \
                         this question is imported without a key"
                    ),
                )),
                None => {
                    keys.push((id.clone(), el.line));
                    provenance.key = Some(id);
                }
            }
        }
        parsed.questions.push(ImportedQuestion {
            line: el.line,
            question,
            provenance,
        });
    }
    parsed
}

/// Writes the questions as a Moodle XML `<quiz>`, with a category element
/// wherever the topic changes.
pub fn write(questions: &[Question]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut current_topic: Option<&str> = None;
    for q in questions {
        if current_topic != Some(q.topic.as_str()) {
            // Questions before any category go where the importer chooses in
            // Moodle, which is what an empty topic means here too.
            if current_topic.is_some() || !q.topic.is_empty() {
                write_category(&mut out, &q.topic);
            }
            current_topic = Some(&q.topic);
        }
        write_question(&mut out, q);
    }
    out.push_str("</quiz>\n");
    out
}

// ---------------------------------------------------------------------------
// Reading: a small element tree first, so that each question can be read with
// random access to its children and every element knows its line.

#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    line: usize,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter_map(move |n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    fn own_text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// The content of a Moodle text block: its `<text>` child, trimmed.
    fn text(&self) -> String {
        match self.child("text") {
            Some(t) => t.own_text().trim().to_owned(),
            None => self.own_text().trim().to_owned(),
        }
    }

    /// The trimmed content of a simple child such as `<single>true</single>`.
    fn child_value(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text())
    }

    fn child_text_block(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(Element::text)
            .filter(|t| !t.is_empty())
    }

    fn collect_files<'a>(&'a self, found: &mut Vec<&'a Element>) {
        for n in &self.children {
            if let Node::Element(e) = n {
                if e.name == "file" {
                    found.push(e);
                } else {
                    e.collect_files(found);
                }
            }
        }
    }
}

struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

fn problem(line: usize, message: String) -> Problem {
    Problem {
        line,
        column: None,
        message,
    }
}

fn read_tree(text: &str, parsed: &mut Parsed) -> Result<Element, Problem> {
    let lines = Lines::new(text);
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                // The crate's own prefix ("ill-formed document: ") says
                // nothing to a board member; the detail does.
                let detail = match &e {
                    quick_xml::Error::IllFormed(inner) => inner.to_string(),
                    quick_xml::Error::Syntax(inner) => inner.to_string(),
                    other => other.to_string(),
                };
                return Err(problem(
                    lines.line_of(at),
                    format!("the XML is malformed: {detail}"),
                ));
            }
        };
        let line = lines.line_of(offset);
        match event {
            Event::Start(start) => {
                // Deep nesting is never a question bank; the tree is dropped
                // recursively, so it is refused before it is built.
                if stack.len() >= MAX_XML_DEPTH {
                    let refused = Refused::new(Limit::XmlDepth, line.to_string());
                    return Err(problem(line, refused.english()));
                }
                stack.push(element(&start, line)?);
            }
            Event::Empty(start) => {
                let el = element(&start, line)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el)?;
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => push_text(&mut stack, c.encode_utf8(&mut [0; 4])),
                        _ => {
                            return Err(problem(
                                line,
                                format!("the XML is malformed: &{}; is not a valid character", &*r),
                            ));
                        }
                    }
                } else if let Some(s) = resolve_predefined_entity(&r) {
                    push_text(&mut stack, s);
                } else {
                    // HTML entities such as &nbsp; are common in hand-written
                    // files; kept as written, an HTML stem still renders them.
                    parsed.warnings.push(problem(
                        line,
                        format!("unknown entity &{}; is kept as written", &*r),
                    ));
                    push_text(&mut stack, &format!("&{};", &*r));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(problem(
            open.line,
            format!("the XML is malformed: <{}> is never closed", open.name),
        ));
    }
    root.ok_or_else(|| problem(1, "the file holds no XML element".to_owned()))
}

fn element(start: &BytesStart<'_>, line: usize) -> Result<Element, Problem> {
    let name = start.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| problem(line, format!("the XML is malformed: {e}")))?;
        let key = attr.key.as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| problem(line, format!("the XML is malformed: {e}")))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        line,
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), Problem> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None if root.is_none() => *root = Some(el),
        None => {
            return Err(problem(
                el.line,
                format!(
                    "the XML is malformed: <{}> follows the end of the root element",
                    el.name
                ),
            ));
        }
    }
    Ok(())
}

fn push_text(stack: &mut [Element], text: &str) {
    // Text outside the root element can only be whitespace in well-formed XML.
    let Some(parent) = stack.last_mut() else {
        return;
    };
    match parent.children.last_mut() {
        Some(Node::Text(t)) => t.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
}

fn topic_from_category(path: &str) -> String {
    let mut rest = path.trim();
    // Contexts: $course$, $system$, $module$, $coursecategory$, $cat1$...
    if let Some(after) = rest.strip_prefix('$')
        && let Some(end) = after.find('$')
    {
        rest = after[end + 1..].trim_start_matches('/');
    }
    if rest == "top" {
        rest = "";
    } else if let Some(after) = rest.strip_prefix("top/") {
        rest = after;
    }
    rest.split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_question(el: &Element, qtype: &str, topic: &str, parsed: &mut Parsed) -> Option<Question> {
    let kind_reader: fn(&Element, TextFormat, &mut Parsed) -> Option<Answer> = match qtype {
        "multichoice" => read_multichoice,
        "truefalse" => read_truefalse,
        "shortanswer" => read_shortanswer,
        "numerical" => read_numerical,
        "matching" => read_matching,
        "ordering" => read_ordering,
        "essay" => read_essay,
        other => {
            let what = match other {
                "multianswer" => "Cloze (multianswer)".to_owned(),
                "description" => "description (text without an answer)".to_owned(),
                "calculated" | "calculatedsimple" | "calculatedmulti" => {
                    format!("{other} (calculated)")
                }
                "ddwtos" | "gapselect" | "ddimageortext" | "ddmarker" => {
                    format!("{other} (drag and drop)")
                }
                "random" | "randomsamatch" => format!("{other} (random)"),
                _ => other.to_owned(),
            };
            parsed.warnings.push(problem(
                el.line,
                format!("question type '{what}' is not supported; the question is skipped"),
            ));
            return None;
        }
    };

    let questiontext = el.child("questiontext");
    let format = match questiontext.and_then(|q| q.attr("format")) {
        Some("html") => TextFormat::Html,
        Some("markdown") => TextFormat::Markdown,
        Some("plain_text" | "moodle_auto_format") | None => TextFormat::Plain,
        Some(other) => {
            parsed.warnings.push(problem(
                questiontext.map_or(el.line, |q| q.line),
                format!("text format '{other}' is not known; the text is read as plain text"),
            ));
            TextFormat::Plain
        }
    };
    let stem = questiontext.map(Element::text).unwrap_or_default();
    if stem.is_empty() {
        parsed.errors.push(problem(
            questiontext.map_or(el.line, |q| q.line),
            "the question has no text".to_owned(),
        ));
    }

    let mut files = Vec::new();
    el.collect_files(&mut files);
    if !files.is_empty() {
        let names: Vec<String> = files
            .iter()
            .map(|f| format!("'{}'", f.attr("name").unwrap_or("?")))
            .collect();
        parsed.warnings.push(problem(
            files[0].line,
            format!(
                "embedded files are not imported ({}); add the images again after the import",
                names.join(", ")
            ),
        ));
    }

    let points = match el.child("defaultgrade") {
        None => 1.0,
        Some(grade) => match parse_number(&grade.text()) {
            Some(p) if p >= 0.0 => p,
            _ => {
                parsed.errors.push(problem(
                    grade.line,
                    format!(
                        "<defaultgrade> '{}' is not a number of points (0 or more)",
                        grade.text()
                    ),
                ));
                1.0
            }
        },
    };

    let mut difficulty = None;
    let mut tags = Vec::new();
    if let Some(tags_el) = el.child("tags") {
        for tag_el in tags_el.children("tag") {
            let tag = tag_el.text();
            if tag.is_empty() {
                continue;
            }
            if let Some(n) = tag.strip_prefix(DIFFICULTY_TAG) {
                match n.trim().parse::<u8>() {
                    Ok(d @ 1..=5) if difficulty.is_none() => {
                        difficulty = Some(d);
                        continue;
                    }
                    Ok(1..=5) => {
                        parsed.warnings.push(problem(
                            tag_el.line,
                            format!("a second difficulty tag '{tag}' is ignored"),
                        ));
                        continue;
                    }
                    _ => parsed.warnings.push(problem(
                        tag_el.line,
                        format!("tag '{tag}' is not a difficulty from 1 to 5; kept as a tag"),
                    )),
                }
            }
            tags.push(tag);
        }
    }

    let name = el.child("name").map(Element::text).unwrap_or_default();
    let title = if name.is_empty() || name == derived_name(&stem, format) {
        None
    } else {
        Some(name)
    };

    let answer = kind_reader(el, format, parsed)?;
    Some(Question {
        title,
        topic: topic.to_owned(),
        difficulty: difficulty.unwrap_or(DEFAULT_DIFFICULTY),
        points,
        stem,
        format,
        answer,
        tags,
        explanation: el.child_text_block("generalfeedback"),
    })
}

/// Numbers as Moodle writes them; NaN and infinities are not numbers here.
fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Moodle stores fractions with 7 decimals, so a third arrives as 33.33333.
/// Snapping such values to the exact fraction keeps sums at 100.
fn snap_fraction(percent: f64) -> f64 {
    for denominator in [3.0, 6.0, 7.0, 9.0] {
        let numerator = (percent * denominator / 100.0).round();
        let exact = 100.0 * numerator / denominator;
        if (percent - exact).abs() < 1e-5 {
            return exact;
        }
    }
    percent
}

fn fraction(answer: &Element, parsed: &mut Parsed) -> f64 {
    match answer.attr("fraction") {
        None => 0.0,
        Some(raw) => match parse_number(raw) {
            Some(v) => snap_fraction(v),
            None => {
                parsed.errors.push(problem(
                    answer.line,
                    format!("fraction '{raw}' is not a number"),
                ));
                0.0
            }
        },
    }
}

fn feedback(answer: &Element) -> Option<String> {
    answer.child_text_block("feedback")
}

fn read_multichoice(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let single = match el.child("single") {
        None => true,
        Some(s) => match s.text().to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                parsed.errors.push(problem(
                    s.line,
                    format!("<single> must be true or false, found '{other}'"),
                ));
                true
            }
        },
    };
    let options: Vec<Choice> = el
        .children("answer")
        .filter_map(|a| {
            let text = a.text();
            // Moodle drops blank answers when it saves; so do we.
            (!text.is_empty()).then(|| Choice {
                text,
                weight: fraction(a, parsed),
                feedback: feedback(a),
            })
        })
        .collect();
    if options.len() < 2 {
        parsed.errors.push(problem(
            el.line,
            format!(
                "a multiple-choice question needs at least two answers, found {}",
                options.len()
            ),
        ));
        return None;
    }
    Some(if single {
        Answer::SingleChoice { options }
    } else {
        Answer::MultipleResponse { options }
    })
}

fn read_truefalse(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let mut true_answer = None;
    let mut false_answer = None;
    for a in el.children("answer") {
        let text = a.text().to_lowercase();
        let weight = fraction(a, parsed);
        match text.as_str() {
            "true" => true_answer = Some((weight, feedback(a))),
            "false" => false_answer = Some((weight, feedback(a))),
            other => parsed.errors.push(problem(
                a.line,
                format!("a true/false answer must be 'true' or 'false', found '{other}'"),
            )),
        }
    }
    let correct = match (&true_answer, &false_answer) {
        (Some((t, _)), _) if *t > 0.0 => true,
        (_, Some((f, _))) if *f > 0.0 => false,
        _ => {
            parsed.errors.push(problem(
                el.line,
                "neither the 'true' nor the 'false' answer has a positive fraction".to_owned(),
            ));
            return None;
        }
    };
    Some(Answer::TrueFalse {
        correct,
        feedback_true: true_answer.and_then(|(_, f)| f),
        feedback_false: false_answer.and_then(|(_, f)| f),
    })
}

fn read_shortanswer(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let case_sensitive = match el.child("usecase") {
        None => false,
        Some(u) => match u.text().to_ascii_lowercase().as_str() {
            "1" | "true" => true,
            "0" | "false" | "" => false,
            other => {
                parsed.errors.push(problem(
                    u.line,
                    format!("<usecase> must be 0 or 1, found '{other}'"),
                ));
                false
            }
        },
    };
    let answers: Vec<TextAnswer> = el
        .children("answer")
        .filter_map(|a| {
            let text = a.text();
            (!text.is_empty()).then(|| TextAnswer {
                text,
                weight: fraction(a, parsed),
                feedback: feedback(a),
            })
        })
        .collect();
    if answers.is_empty() {
        parsed.errors.push(problem(
            el.line,
            "a short-answer question needs at least one answer".to_owned(),
        ));
        return None;
    }
    Some(Answer::ShortAnswer {
        answers,
        case_sensitive,
    })
}

fn read_numerical(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let mut answers = Vec::new();
    for a in el.children("answer") {
        let text = a.text();
        if text == "*" {
            parsed.warnings.push(problem(
                a.line,
                "the catch-all answer '*' is not supported and is left out".to_owned(),
            ));
            continue;
        }
        let weight = fraction(a, parsed);
        let Some(value) = parse_number(&text) else {
            parsed.errors.push(problem(
                a.line,
                format!("numerical answer '{text}' is not a number"),
            ));
            continue;
        };
        let tolerance = match a.child("tolerance") {
            None => 0.0,
            Some(t) => match parse_number(&t.text()) {
                Some(v) => v.abs(),
                None => {
                    parsed.errors.push(problem(
                        t.line,
                        format!("tolerance '{}' is not a number", t.text()),
                    ));
                    continue;
                }
            },
        };
        let value = match a.child("range").map(|r| (r, r.attr("min"), r.attr("max"))) {
            Some((r, Some(min), Some(max))) => match (parse_number(min), parse_number(max)) {
                (Some(min), Some(max)) if range_matches(min, max, value, tolerance) => {
                    NumericValue::Range { min, max }
                }
                _ => {
                    parsed.warnings.push(problem(
                        r.line,
                        format!(
                            "<range min=\"{min}\" max=\"{max}\"> does not match the answer \
                             {value} ± {tolerance}; the answer is used"
                        ),
                    ));
                    NumericValue::Exact { value, tolerance }
                }
            },
            _ => NumericValue::Exact { value, tolerance },
        };
        answers.push(NumericAnswer {
            value,
            weight,
            feedback: feedback(a),
        });
    }
    if answers.is_empty() {
        parsed.errors.push(problem(
            el.line,
            "a numerical question needs at least one numeric answer".to_owned(),
        ));
        return None;
    }
    Some(Answer::Numeric { answers })
}

/// The range element is ours; if someone edited the Moodle answer since, the
/// answer (what Moodle grades by) wins.
fn range_matches(min: f64, max: f64, value: f64, tolerance: f64) -> bool {
    let (mid, half) = range_as_tolerance(min, max);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    min <= max && close(mid, value) && close(half, tolerance)
}

fn range_as_tolerance(min: f64, max: f64) -> (f64, f64) {
    (min + (max - min) / 2.0, (max - min) / 2.0)
}

fn read_matching(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let mut pairs = Vec::new();
    for s in el.children("subquestion") {
        let pair = MatchPair {
            prompt: s.text(),
            answer: s.child("answer").map(Element::text).unwrap_or_default(),
        };
        // Moodle leaves out subquestions that are blank on both sides.
        if pair.prompt.is_empty() && pair.answer.is_empty() {
            continue;
        }
        if pair.answer.is_empty() {
            parsed.errors.push(problem(
                s.line,
                format!("subquestion '{}' has no answer", pair.prompt),
            ));
        }
        pairs.push(pair);
    }
    let prompts = pairs.iter().filter(|p| !p.prompt.is_empty()).count();
    if prompts < 2 {
        parsed.errors.push(problem(
            el.line,
            format!(
                "a matching question needs at least two subquestions with text, found {prompts}"
            ),
        ));
        return None;
    }
    Some(Answer::Matching { pairs })
}

fn read_ordering(el: &Element, _: TextFormat, parsed: &mut Parsed) -> Option<Answer> {
    let items: Vec<String> = el
        .children("answer")
        .map(Element::text)
        .filter(|t| !t.is_empty())
        .collect();
    if items.len() < 2 {
        parsed.errors.push(problem(
            el.line,
            format!(
                "an ordering question needs at least two items, found {}",
                items.len()
            ),
        ));
        return None;
    }
    Some(Answer::Ordering { items })
}

fn read_essay(el: &Element, _: TextFormat, _: &mut Parsed) -> Option<Answer> {
    Some(Answer::Essay {
        marking_guide: el.child_text_block("graderinfo"),
    })
}

// ---------------------------------------------------------------------------
// Writing.

fn format_name(format: TextFormat) -> &'static str {
    match format {
        TextFormat::Html => "html",
        TextFormat::Markdown => "markdown",
        TextFormat::Plain => "plain_text",
    }
}

/// The name Moodle requires, made from the stem when the question has no title.
fn derived_name(stem: &str, format: TextFormat) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in stem.chars() {
        match c {
            '<' if format == TextFormat::Html => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if in_tag => {}
            _ => plain.push(c),
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let joined = words.join(" ");
    const MAX: usize = 60;
    let name = if joined.chars().count() > MAX {
        let cut: String = joined.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    } else {
        joined
    };
    if name.is_empty() {
        "Question".to_owned()
    } else {
        name
    }
}

fn num(v: f64) -> String {
    format!("{v}")
}

/// Moodle's own rule: CDATA when the text holds markup characters.
fn xml_text(s: &str) -> String {
    if s.contains('\r') {
        return escape(s).replace('\r', "&#13;");
    }
    if s.contains(['<', '>', '&']) {
        format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
    } else {
        s.to_owned()
    }
}

fn text_element(out: &mut String, indent: usize, tag: &str, format: Option<&str>, text: &str) {
    let pad = " ".repeat(indent);
    match format {
        Some(f) => out.push_str(&format!("{pad}<{tag} format=\"{f}\">\n")),
        None => out.push_str(&format!("{pad}<{tag}>\n")),
    }
    out.push_str(&format!("{pad}  <text>{}</text>\n", xml_text(text)));
    out.push_str(&format!("{pad}</{tag}>\n"));
}

fn simple_element(out: &mut String, tag: &str, value: &str) {
    out.push_str(&format!("    <{tag}>{}</{tag}>\n", xml_text(value)));
}

fn write_category(out: &mut String, topic: &str) {
    let path = if topic.is_empty() {
        "$course$/top".to_owned()
    } else {
        format!("$course$/top/{topic}")
    };
    out.push_str("  <question type=\"category\">\n    <category>\n");
    out.push_str(&format!("      <text>{}</text>\n", xml_text(&path)));
    out.push_str("    </category>\n  </question>\n");
}

fn write_answer(
    out: &mut String,
    fraction: f64,
    format: &str,
    text: &str,
    feedback: Option<&str>,
    feedback_format: &str,
    extra: &str,
) {
    out.push_str(&format!(
        "    <answer fraction=\"{}\" format=\"{format}\">\n",
        num(fraction)
    ));
    out.push_str(&format!("      <text>{}</text>\n", xml_text(text)));
    if let Some(f) = feedback {
        text_element(out, 6, "feedback", Some(feedback_format), f);
    }
    out.push_str(extra);
    out.push_str("    </answer>\n");
}

fn write_question(out: &mut String, q: &Question) {
    let qtype = match q.answer {
        Answer::SingleChoice { .. } | Answer::MultipleResponse { .. } => "multichoice",
        Answer::TrueFalse { .. } => "truefalse",
        Answer::Numeric { .. } => "numerical",
        Answer::ShortAnswer { .. } => "shortanswer",
        Answer::Matching { .. } => "matching",
        Answer::Ordering { .. } => "ordering",
        Answer::Essay { .. } => "essay",
    };
    let fmt = format_name(q.format);
    out.push_str(&format!("  <question type=\"{qtype}\">\n"));
    let name = q
        .title
        .clone()
        .unwrap_or_else(|| derived_name(&q.stem, q.format));
    text_element(out, 4, "name", None, &name);
    text_element(out, 4, "questiontext", Some(fmt), &q.stem);
    if let Some(explanation) = &q.explanation {
        text_element(out, 4, "generalfeedback", Some(fmt), explanation);
    }
    simple_element(out, "defaultgrade", &num(q.points));

    const AUTO: &str = "moodle_auto_format";
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            let single = matches!(q.answer, Answer::SingleChoice { .. });
            simple_element(out, "single", if single { "true" } else { "false" });
            for o in options {
                write_answer(out, o.weight, fmt, &o.text, o.feedback.as_deref(), fmt, "");
            }
        }
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => {
            let (t, f) = if *correct { (100.0, 0.0) } else { (0.0, 100.0) };
            write_answer(out, t, AUTO, "true", feedback_true.as_deref(), fmt, "");
            write_answer(out, f, AUTO, "false", feedback_false.as_deref(), fmt, "");
        }
        Answer::Numeric { answers } => {
            for a in answers {
                let (value, tolerance, range) = match a.value {
                    NumericValue::Exact { value, tolerance } => (value, tolerance, String::new()),
                    NumericValue::Range { min, max } => {
                        let (mid, half) = range_as_tolerance(min, max);
                        let range =
                            format!("      <range min=\"{}\" max=\"{}\"/>\n", num(min), num(max));
                        (mid, half, range)
                    }
                };
                let extra = format!("      <tolerance>{}</tolerance>\n{range}", num(tolerance));
                write_answer(
                    out,
                    a.weight,
                    AUTO,
                    &num(value),
                    a.feedback.as_deref(),
                    fmt,
                    &extra,
                );
            }
        }
        Answer::ShortAnswer {
            answers,
            case_sensitive,
        } => {
            simple_element(out, "usecase", if *case_sensitive { "1" } else { "0" });
            for a in answers {
                write_answer(out, a.weight, AUTO, &a.text, a.feedback.as_deref(), fmt, "");
            }
        }
        Answer::Matching { pairs } => {
            for p in pairs {
                out.push_str(&format!("    <subquestion format=\"{fmt}\">\n"));
                out.push_str(&format!("      <text>{}</text>\n", xml_text(&p.prompt)));
                text_element(out, 6, "answer", None, &p.answer);
                out.push_str("    </subquestion>\n");
            }
        }
        Answer::Ordering { items } => {
            simple_element(out, "layouttype", "VERTICAL");
            simple_element(out, "selecttype", "ALL");
            simple_element(out, "selectcount", &items.len().to_string());
            simple_element(out, "gradingtype", "ABSOLUTE_POSITION");
            simple_element(out, "showgrading", "SHOW");
            // Moodle reads the order of the elements; the fraction it writes
            // is the position, so write the same.
            for (i, item) in items.iter().enumerate() {
                write_answer(out, (i + 1) as f64, fmt, item, None, fmt, "");
            }
        }
        Answer::Essay { marking_guide } => {
            simple_element(out, "responseformat", "editor");
            simple_element(out, "responserequired", "1");
            simple_element(out, "responsefieldlines", "15");
            simple_element(out, "attachments", "0");
            simple_element(out, "attachmentsrequired", "0");
            if let Some(guide) = marking_guide {
                text_element(out, 4, "graderinfo", Some(fmt), guide);
            }
        }
    }

    out.push_str("    <tags>\n");
    let difficulty = format!("{DIFFICULTY_TAG}{}", q.difficulty);
    for tag in q
        .tags
        .iter()
        .map(String::as_str)
        .chain([difficulty.as_str()])
    {
        out.push_str(&format!(
            "      <tag><text>{}</text></tag>\n",
            xml_text(tag)
        ));
    }
    out.push_str("    </tags>\n");
    out.push_str("  </question>\n");
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14 is what a board types, not an approximation of π
mod tests {
    use super::*;
    use crate::banks::model::Kind;

    /// Shaped like a Moodle 4 export, one question of each supported kind.
    const MOODLE_EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Luật/Cán bộ</text>
    </category>
    <info format="html">
      <text></text>
    </info>
  </question>
  <question type="multichoice">
    <name>
      <text>Thủ đô</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Thủ đô của Việt Nam là <b>thành phố</b> nào?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>Hà Nội là thủ đô từ 1976.</p>]]></text>
    </generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>gk-001</idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>Hà Nội</p>]]></text>
      <feedback format="html">
        <text>Đúng.</text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>Huế</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <tags>
      <tag><text>địa lý</text></tag>
      <tag><text>difficulty:1</text></tag>
    </tags>
  </question>
  <question type="multichoice">
    <name><text>Primes</text></name>
    <questiontext format="markdown"><text>Which are **prime**?</text></questiontext>
    <single>false</single>
    <answer fraction="33.33333"><text>2</text></answer>
    <answer fraction="33.33333"><text>3</text></answer>
    <answer fraction="33.33333"><text>5</text></answer>
    <answer fraction="-100"><text>4</text><feedback><text>4 = 2 × 2</text></feedback></answer>
  </question>
  <question type="truefalse">
    <name><text>TF</text></name>
    <questiontext format="plain_text"><text>The sky is green.</text></questiontext>
    <answer fraction="0" format="moodle_auto_format">
      <text>true</text>
      <feedback format="html"><text>No, it is blue.</text></feedback>
    </answer>
    <answer fraction="100" format="moodle_auto_format">
      <text>false</text>
      <feedback format="html"><text>Right.</text></feedback>
    </answer>
  </question>
  <question type="category">
    <category><text>$system$/top/Địa lý</text></category>
  </question>
  <question type="shortanswer">
    <name><text>SA</text></name>
    <questiontext format="moodle_auto_format"><text>Capital of France?</text></questiontext>
    <usecase>1</usecase>
    <answer fraction="100" format="moodle_auto_format"><text>Paris</text></answer>
    <answer fraction="50" format="moodle_auto_format">
      <text>paris</text>
      <feedback format="html"><text>Capital P.</text></feedback>
    </answer>
  </question>
  <question type="numerical">
    <name><text>Pi</text></name>
    <questiontext format="html"><text>Value of &#960; to two decimals?</text></questiontext>
    <answer fraction="100" format="moodle_auto_format">
      <text>3.14</text>
      <feedback format="html"><text>Good.</text></feedback>
      <tolerance>0.01</tolerance>
    </answer>
    <answer fraction="50" format="moodle_auto_format">
      <text>3</text>
      <tolerance>0</tolerance>
    </answer>
    <units/>
  </question>
  <question type="matching">
    <name><text>Match</text></name>
    <questiontext format="html"><text>Match the capitals.</text></questiontext>
    <shuffleanswers>true</shuffleanswers>
    <subquestion format="html">
      <text>France</text>
      <answer><text>Paris</text></answer>
    </subquestion>
    <subquestion format="html">
      <text>Japan</text>
      <answer><text>Tokyo</text></answer>
    </subquestion>
    <subquestion format="html">
      <text></text>
      <answer><text>Berlin</text></answer>
    </subquestion>
  </question>
  <question type="ordering">
    <name><text>Moodle</text></name>
    <questiontext format="html"><text>Put these words in order.</text></questiontext>
    <layouttype>VERTICAL</layouttype>
    <selecttype>ALL</selecttype>
    <selectcount>3</selectcount>
    <answer fraction="1.0000000" format="html"><text>Modular</text></answer>
    <answer fraction="2.0000000" format="html"><text>Object</text></answer>
    <answer fraction="3.0000000" format="html"><text>Oriented</text></answer>
  </question>
  <question type="essay">
    <name><text>Essay</text></name>
    <questiontext format="html"><text>Discuss the Law on Cadres.</text></questiontext>
    <defaultgrade>10</defaultgrade>
    <responseformat>editor</responseformat>
    <graderinfo format="html"><text>Mention articles 1-5.</text></graderinfo>
    <responsetemplate format="html"><text></text></responsetemplate>
  </question>
</quiz>
"#;

    fn kinds(parsed: &Parsed) -> Vec<Kind> {
        parsed.questions.iter().map(|q| q.question.kind()).collect()
    }

    #[test]
    fn every_kind_of_a_moodle_export_is_read() {
        let parsed = parse(MOODLE_EXPORT);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.warnings, vec![]);
        assert_eq!(
            kinds(&parsed),
            vec![
                Kind::SingleChoice,
                Kind::MultipleResponse,
                Kind::TrueFalse,
                Kind::ShortAnswer,
                Kind::Numeric,
                Kind::Matching,
                Kind::Ordering,
                Kind::Essay,
            ]
        );
        let lines: Vec<usize> = parsed.questions.iter().map(|q| q.line).collect();
        assert_eq!(lines, vec![12, 46, 55, 70, 80, 94, 111, 121]);
    }

    #[test]
    fn multichoice_reads_header_fields_cdata_and_feedback() {
        let parsed = parse(MOODLE_EXPORT);
        let first = &parsed.questions[0];
        assert_eq!(first.provenance.key.as_deref(), Some("gk-001"));
        let q = &first.question;
        assert_eq!(q.title.as_deref(), Some("Thủ đô"));
        assert_eq!(q.topic, "Luật/Cán bộ");
        assert_eq!(q.difficulty, 1);
        assert_eq!(q.points, 2.0);
        assert_eq!(q.format, TextFormat::Html);
        assert_eq!(
            q.stem,
            "<p>Thủ đô của Việt Nam là <b>thành phố</b> nào?</p>"
        );
        assert_eq!(q.tags, vec!["địa lý".to_owned()]);
        assert_eq!(
            q.explanation.as_deref(),
            Some("<p>Hà Nội là thủ đô từ 1976.</p>")
        );
        assert_eq!(
            q.answer,
            Answer::SingleChoice {
                options: vec![
                    Choice {
                        text: "<p>Hà Nội</p>".into(),
                        weight: 100.0,
                        feedback: Some("Đúng.".into()),
                    },
                    Choice {
                        text: "Huế".into(),
                        weight: 0.0,
                        feedback: None,
                    },
                ]
            }
        );
    }

    #[test]
    fn moodle_thirds_and_negative_fractions_are_kept_as_exact_weights() {
        let parsed = parse(MOODLE_EXPORT);
        let q = &parsed.questions[1].question;
        assert_eq!(q.format, TextFormat::Markdown);
        assert_eq!(q.points, 1.0, "no <defaultgrade> means 1 point");
        assert_eq!(q.difficulty, DEFAULT_DIFFICULTY);
        let Answer::MultipleResponse { options } = &q.answer else {
            panic!("expected multiple response, got {:?}", q.answer);
        };
        let weights: Vec<f64> = options.iter().map(|o| o.weight).collect();
        assert_eq!(weights, vec![100.0 / 3.0, 100.0 / 3.0, 100.0 / 3.0, -100.0]);
        assert_eq!(options[3].feedback.as_deref(), Some("4 = 2 × 2"));
    }

    #[test]
    fn fraction_snapping_only_touches_moodle_rounded_values() {
        assert_eq!(snap_fraction(33.33333), 100.0 / 3.0);
        assert_eq!(snap_fraction(-16.66667), -100.0 / 6.0);
        assert_eq!(snap_fraction(14.28571), 100.0 / 7.0);
        assert_eq!(snap_fraction(66.66667), 200.0 / 3.0);
        assert_eq!(snap_fraction(33.3), 33.3);
        assert_eq!(snap_fraction(12.5), 12.5);
        assert_eq!(snap_fraction(50.0), 50.0);
    }

    #[test]
    fn true_false_short_answer_numeric_matching_ordering_and_essay_details() {
        let parsed = parse(MOODLE_EXPORT);
        let q: Vec<&Question> = parsed.questions.iter().map(|q| &q.question).collect();
        assert_eq!(q[2].format, TextFormat::Plain);
        assert_eq!(
            q[2].answer,
            Answer::TrueFalse {
                correct: false,
                feedback_true: Some("No, it is blue.".into()),
                feedback_false: Some("Right.".into()),
            }
        );
        assert_eq!(q[3].topic, "Địa lý");
        assert_eq!(q[3].format, TextFormat::Plain, "moodle_auto_format");
        assert_eq!(
            q[3].answer,
            Answer::ShortAnswer {
                answers: vec![
                    TextAnswer {
                        text: "Paris".into(),
                        weight: 100.0,
                        feedback: None,
                    },
                    TextAnswer {
                        text: "paris".into(),
                        weight: 50.0,
                        feedback: Some("Capital P.".into()),
                    },
                ],
                case_sensitive: true,
            }
        );
        assert_eq!(q[4].stem, "Value of π to two decimals?");
        assert_eq!(
            q[4].answer,
            Answer::Numeric {
                answers: vec![
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 3.14,
                            tolerance: 0.01,
                        },
                        weight: 100.0,
                        feedback: Some("Good.".into()),
                    },
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 3.0,
                            tolerance: 0.0,
                        },
                        weight: 50.0,
                        feedback: None,
                    },
                ]
            }
        );
        assert_eq!(
            q[5].answer,
            Answer::Matching {
                pairs: vec![
                    MatchPair {
                        prompt: "France".into(),
                        answer: "Paris".into(),
                    },
                    MatchPair {
                        prompt: "Japan".into(),
                        answer: "Tokyo".into(),
                    },
                    MatchPair {
                        prompt: String::new(),
                        answer: "Berlin".into(),
                    },
                ]
            }
        );
        assert_eq!(
            q[6].answer,
            Answer::Ordering {
                items: vec!["Modular".into(), "Object".into(), "Oriented".into()]
            }
        );
        assert_eq!(q[7].points, 10.0);
        assert_eq!(
            q[7].answer,
            Answer::Essay {
                marking_guide: Some("Mention articles 1-5.".into())
            }
        );
    }

    #[test]
    fn category_context_and_top_prefixes_are_stripped() {
        assert_eq!(
            topic_from_category("$course$/top/Luật/Cán bộ"),
            "Luật/Cán bộ"
        );
        assert_eq!(topic_from_category("$system$/top/IT"), "IT");
        assert_eq!(topic_from_category("$module$/Quiz bank"), "Quiz bank");
        assert_eq!(topic_from_category("top/A/B"), "A/B");
        assert_eq!(topic_from_category("$course$/top"), "");
        assert_eq!(topic_from_category("Plain/Path"), "Plain/Path");
    }

    fn base(answer: Answer) -> Question {
        Question {
            title: Some("T".into()),
            topic: "Luật/Cán bộ".into(),
            difficulty: 4,
            points: 1.5,
            stem: "Stem with <b>html</b> & ]]> inside".into(),
            format: TextFormat::Html,
            answer,
            tags: vec!["luật".into(), "2024".into()],
            explanation: Some("Because.".into()),
        }
    }

    fn every_kind() -> Vec<Question> {
        let choice = |text: &str, weight: f64, feedback: Option<&str>| Choice {
            text: text.into(),
            weight,
            feedback: feedback.map(Into::into),
        };
        vec![
            base(Answer::SingleChoice {
                options: vec![
                    choice("Right", 100.0, Some("Yes")),
                    choice("Wrong", 0.0, None),
                ],
            }),
            Question {
                title: None,
                topic: String::new(),
                format: TextFormat::Markdown,
                stem: "Pick **all**\r\nthat apply".into(),
                explanation: None,
                tags: vec![],
                ..base(Answer::MultipleResponse {
                    options: vec![
                        choice("a", 100.0 / 3.0, None),
                        choice("b", 100.0 / 3.0, None),
                        choice("c", 100.0 / 3.0, Some("c!")),
                        choice("d", -50.0, None),
                    ],
                })
            },
            Question {
                format: TextFormat::Plain,
                ..base(Answer::TrueFalse {
                    correct: true,
                    feedback_true: Some("ok".into()),
                    feedback_false: None,
                })
            },
            base(Answer::Numeric {
                answers: vec![
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 3.14,
                            tolerance: 0.01,
                        },
                        weight: 100.0,
                        feedback: Some("pi".into()),
                    },
                    NumericAnswer {
                        value: NumericValue::Range { min: 0.1, max: 0.7 },
                        weight: 50.0,
                        feedback: None,
                    },
                    NumericAnswer {
                        value: NumericValue::Range {
                            min: -5.0,
                            max: -1.0,
                        },
                        weight: 10.0,
                        feedback: None,
                    },
                ],
            }),
            base(Answer::ShortAnswer {
                answers: vec![
                    TextAnswer {
                        text: "Hà Nội".into(),
                        weight: 100.0,
                        feedback: None,
                    },
                    TextAnswer {
                        text: "a < b & c".into(),
                        weight: 50.0,
                        feedback: Some("close".into()),
                    },
                ],
                case_sensitive: true,
            }),
            base(Answer::Matching {
                pairs: vec![
                    MatchPair {
                        prompt: "1".into(),
                        answer: "one".into(),
                    },
                    MatchPair {
                        prompt: "2".into(),
                        answer: "two".into(),
                    },
                    MatchPair {
                        prompt: String::new(),
                        answer: "three".into(),
                    },
                ],
            }),
            Question {
                topic: "Other".into(),
                ..base(Answer::Ordering {
                    items: vec!["first".into(), "second".into(), "third".into()],
                })
            },
            base(Answer::Essay {
                marking_guide: Some("Look for <i>structure</i>.".into()),
            }),
            base(Answer::Essay {
                marking_guide: None,
            }),
        ]
    }

    #[test]
    fn every_kind_survives_export_then_import() {
        let questions = every_kind();
        let xml = write(&questions);
        let parsed = parse(&xml);
        assert_eq!(parsed.errors, vec![], "{xml}");
        assert_eq!(parsed.warnings, vec![], "{xml}");
        let back: Vec<Question> = parsed.questions.into_iter().map(|q| q.question).collect();
        assert_eq!(back, questions, "{xml}");
    }

    #[test]
    fn export_carries_difficulty_as_a_tag_and_ranges_as_moodle_tolerance() {
        let xml = write(&every_kind()[3..4]);
        assert!(
            xml.contains("<tag><text>difficulty:4</text></tag>"),
            "{xml}"
        );
        assert!(xml.contains("<text>0.4</text>"), "{xml}");
        assert!(xml.contains("<tolerance>0.3</tolerance>"), "{xml}");
        assert!(xml.contains("<range min=\"0.1\" max=\"0.7\"/>"), "{xml}");
        assert!(
            xml.contains("<text>$course$/top/Luật/Cán bộ</text>"),
            "{xml}"
        );
    }

    #[test]
    fn a_question_without_title_gets_a_name_from_its_stem() {
        let xml = write(&every_kind()[1..2]);
        assert!(
            xml.contains("<text>Pick **all** that apply</text>"),
            "{xml}"
        );
        assert!(!xml.contains("type=\"category\""), "{xml}");
    }

    #[test]
    fn an_edited_range_gives_way_to_the_moodle_answer() {
        let xml = r#"<quiz><question type="numerical">
<questiontext><text>x?</text></questiontext>
<answer fraction="100"><text>10</text><tolerance>1</tolerance>
<range min="1" max="5"/></answer>
</question></quiz>"#;
        let parsed = parse(xml);
        assert_eq!(
            parsed.warnings,
            vec![problem(
                4,
                "<range min=\"1\" max=\"5\"> does not match the answer 10 ± 1; the answer is used"
                    .into()
            )]
        );
        assert_eq!(
            parsed.questions[0].question.answer,
            Answer::Numeric {
                answers: vec![NumericAnswer {
                    value: NumericValue::Exact {
                        value: 10.0,
                        tolerance: 1.0
                    },
                    weight: 100.0,
                    feedback: None,
                }]
            }
        );
    }

    #[test]
    fn unknown_question_types_are_warnings_naming_line_and_type() {
        let xml = "<quiz>\n\
<question type=\"description\"><questiontext><text>Read this</text></questiontext></question>\n\
<question type=\"multianswer\">\n<questiontext><text>{1:SA:=x}</text></questiontext></question>\n\
<question type=\"calculated\"><questiontext><text>{a}+1</text></questiontext></question>\n\
<question type=\"essay\"><questiontext><text>Write.</text></questiontext></question>\n\
</quiz>";
        let parsed = parse(xml);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.warnings,
            vec![
                problem(
                    2,
                    "question type 'description (text without an answer)' is not supported; the question is skipped".into()
                ),
                problem(
                    3,
                    "question type 'Cloze (multianswer)' is not supported; the question is skipped".into()
                ),
                problem(
                    5,
                    "question type 'calculated (calculated)' is not supported; the question is skipped".into()
                ),
            ]
        );
        assert_eq!(kinds(&parsed), vec![Kind::Essay]);
        assert_eq!(parsed.questions[0].line, 6);
    }

    #[test]
    fn malformed_xml_is_an_error_on_the_line_where_it_breaks() {
        let xml = "<quiz>\n<question type=\"essay\">\n<questiontext><text>Hi</name></questiontext>\n</question>\n</quiz>";
        let parsed = parse(xml);
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 3);
        assert_eq!(
            parsed.errors[0].message,
            "the XML is malformed: expected `</text>`, but `</name>` was found"
        );
    }

    #[test]
    fn an_unclosed_element_is_reported_at_its_start() {
        let parsed = parse("<quiz>\n\n<question type=\"essay\">\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 3, "{:?}", parsed.errors);
    }

    #[test]
    fn bad_values_are_errors_naming_their_line() {
        let xml = r#"<quiz>
<question type="numerical">
<questiontext><text>x?</text></questiontext>
<defaultgrade>two</defaultgrade>
<answer fraction="100"><text>3,5</text></answer>
<answer fraction="lots"><text>3</text></answer>
</question>
<question type="multichoice">
<questiontext><text></text></questiontext>
<single>maybe</single>
<answer fraction="100"><text>a</text></answer>
<answer fraction="0"><text>b</text></answer>
</question>
<question type="matching">
<questiontext><text>m</text></questiontext>
<subquestion><text>only one</text><answer><text>x</text></answer></subquestion>
</question>
<question>
</question>
</quiz>"#;
        let parsed = parse(xml);
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(
            parsed.errors,
            vec![
                problem(
                    4,
                    "<defaultgrade> 'two' is not a number of points (0 or more)".into()
                ),
                problem(5, "numerical answer '3,5' is not a number".into()),
                problem(6, "fraction 'lots' is not a number".into()),
                problem(9, "the question has no text".into()),
                problem(10, "<single> must be true or false, found 'maybe'".into()),
                problem(
                    14,
                    "a matching question needs at least two subquestions with text, found 1".into()
                ),
                problem(18, "<question> has no type attribute".into()),
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_quiz_is_refused() {
        let parsed = parse("<?xml version=\"1.0\"?>\n<html><body/></html>");
        assert_eq!(
            parsed.errors,
            vec![problem(
                2,
                "this is not a Moodle XML file: the root element is <html>, expected <quiz>".into()
            )]
        );
    }

    #[test]
    fn html_and_formulas_in_text_are_kept_verbatim() {
        let stem = "<script>alert(1)</script>=SUM(A1:A3)";
        let xml = format!(
            "<quiz><question type=\"essay\"><questiontext format=\"html\"><text><![CDATA[{stem}]]></text></questiontext></question></quiz>"
        );
        let parsed = parse(&xml);
        assert_eq!(parsed.questions[0].question.stem, stem);
    }

    #[test]
    fn duplicate_idnumbers_keep_the_first_key_and_warn() {
        let xml = "<quiz>\n\
<question type=\"essay\"><questiontext><text>a</text></questiontext><idnumber>q1</idnumber></question>\n\
<question type=\"essay\"><questiontext><text>b</text></questiontext><idnumber>q1</idnumber></question>\n\
</quiz>";
        let parsed = parse(xml);
        assert_eq!(parsed.questions[0].provenance.key.as_deref(), Some("q1"));
        assert_eq!(parsed.questions[1].provenance.key, None);
        assert_eq!(
            parsed.warnings,
            vec![problem(
                3,
                "idnumber 'q1' was already used by the question at line 2; this question is imported without a key".into()
            )]
        );
    }

    #[test]
    fn html_entities_and_embedded_files_are_warnings() {
        let xml = "<quiz>\n<question type=\"essay\">\n\
<questiontext format=\"html\"><text>a&nbsp;b &lt;c&gt; <img src=\"@@PLUGINFILE@@/x.png\"/></text>\n\
<file name=\"x.png\" path=\"/\" encoding=\"base64\">iVBORw0=</file></questiontext>\n\
</question>\n</quiz>";
        let parsed = parse(xml);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.warnings,
            vec![
                problem(3, "unknown entity &nbsp; is kept as written".into()),
                problem(
                    4,
                    "embedded files are not imported ('x.png'); add the images again after the import".into()
                ),
            ]
        );
        // The <img> is an element here (not CDATA), so only its text survives.
        assert_eq!(parsed.questions[0].question.stem, "a&nbsp;b <c>");
    }

    #[test]
    fn difficulty_tags_out_of_range_stay_ordinary_tags() {
        let xml = "<quiz><question type=\"essay\"><questiontext><text>a</text></questiontext>\n\
<tags><tag><text>difficulty:9</text></tag><tag><text>difficulty:2</text></tag></tags></question></quiz>";
        let parsed = parse(xml);
        let q = &parsed.questions[0].question;
        assert_eq!(q.difficulty, 2);
        assert_eq!(q.tags, vec!["difficulty:9".to_owned()]);
        assert_eq!(
            parsed.warnings,
            vec![problem(
                2,
                "tag 'difficulty:9' is not a difficulty from 1 to 5; kept as a tag".into()
            )]
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let parsed = parse(
            "\u{feff}<quiz><question type=\"essay\"><questiontext><text>a</text></questiontext></question></quiz>",
        );
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(kinds(&parsed), vec![Kind::Essay]);
    }
}
