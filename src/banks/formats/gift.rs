//! Moodle GIFT: reading a GIFT file into questions, and writing questions as GIFT.
//!
//! Reading follows Moodle's own importer (`qformat_gift`) wherever it is defined, so a
//! file Moodle accepts reads the same here; where Moodle silently does something odd,
//! we warn, and where it would import nonsense, we refuse with the line (and column).
//!
//! - Questions are separated by blank lines, always: a blank line inside `{…}` ends the
//!   question there (as in Moodle), which then reports the `{` as never closed.
//! - `//` comments are whole lines (Moodle ignores `//` elsewhere, so `http://` is safe).
//!   Comments in a question's block may carry Moodle's `[tag:…]` (→ tags) and `[id:…]`
//!   (→ provenance key).
//! - `$CATEGORY: $course$/top/Luật/Cán bộ` sets the topic of the questions after it
//!   ("Luật/Cán bộ"): a leading `$context$/` and `top/` are dropped. Before any
//!   category the topic is "" and the caller assigns its default.
//! - Unmarked text and `[moodle]` are read as Markdown: Moodle's auto-format is plain
//!   sentences with optional inline HTML, which Markdown renders the same way (HTML is
//!   sanitised on display). `[html]`, `[plain]`, `[markdown]` are kept. A question has
//!   one format, so an option or feedback marked with another is read in the
//!   question's format, with a warning.
//! - The stem of a missing-word question (`Grant is {…} in Grant's tomb.`) keeps
//!   `_____` where the answers were.
//! - Kinds as Moodle decides them: `#…` numeric; any `~` multiple choice, single choice
//!   when an `=` is present and multiple response otherwise (so `{~%100%a ~b}` is
//!   multiple response, with a warning); `=` with `->` matching; `T`, `TRUE`, `F`,
//!   `FALSE` true/false; other `=` answers short answer; `{}` essay. A block of text
//!   with no `{…}` is a Moodle "description", not a question: skipped with a warning.
//! - One deliberate difference: `=%50%x` in a choice question is read as a 50% option
//!   (Moodle gives every `=` option 100% and keeps `%50%` in its text); warned.
//! - Matching needs two real pairs (fewer is an error, as in Moodle's importer); fewer
//!   than three pairs including distractors (`= -> answer`) is a warning, because
//!   Moodle's editor asks for three answers and with two the second match gives
//!   itself away.
//! - Numeric feedback for "any other answer" (`~#…`) has no place in the model: dropped
//!   with a warning. GIFT has no difficulty or points: read as 2 and 1.0.
//! - Text is trimmed after unescaping (as Moodle does); an empty feedback is no feedback.

use crate::banks::model::{
    Answer, Choice, ImportedQuestion, Kind, MatchPair, NumericAnswer, NumericValue, Parsed,
    Problem, Provenance, Question, TextAnswer, TextFormat,
};

/// What the stem of a missing-word question keeps where its answer block was.
pub const BLANK: &str = "_____";

// ---------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------

/// Reads a GIFT file. Questions with errors are left out of `questions`; the caller
/// refuses the import when `errors` is not empty.
pub fn parse(text: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::default();
    let mut questions = Vec::new();
    let mut topic = String::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            questions.extend(read_block(&mut reader, &block, &topic));
            block.clear();
        } else if let Some(path) = trimmed.strip_prefix("$CATEGORY:") {
            questions.extend(read_block(&mut reader, &block, &topic));
            block.clear();
            topic = topic_of_category(path);
        } else {
            block.push((index + 1, raw));
        }
    }
    questions.extend(read_block(&mut reader, &block, &topic));
    Parsed {
        bank: None,
        questions,
        warnings: reader.warnings,
        errors: reader.errors,
    }
}

/// Moodle writes categories as `$course$/top/A/B`; the bank's topic is `A/B`.
fn topic_of_category(path: &str) -> String {
    let mut path = path.trim();
    if let Some(rest) = path.strip_prefix('$')
        && let Some(end) = rest.find('$')
        && rest[..end]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        let rest = &rest[end + 1..];
        path = rest.strip_prefix('/').unwrap_or(rest);
    }
    if path == "top" {
        return String::new();
    }
    path.strip_prefix("top/").unwrap_or(path).trim().to_owned()
}

/// One character of a question after escapes are resolved: `escaped` characters are
/// text, never syntax. Line and column (1-based, in characters) locate problems.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    escaped: bool,
    line: usize,
    col: usize,
}

impl Ch {
    fn is(&self, c: char) -> bool {
        !self.escaped && self.c == c
    }
}

type Span<'a> = &'a [Ch];

#[derive(Default)]
struct Reader {
    warnings: Vec<Problem>,
    errors: Vec<Problem>,
}

fn problem(line: usize, column: Option<usize>, message: impl Into<String>) -> Problem {
    Problem {
        line,
        column,
        message: message.into(),
    }
}

fn read_block(
    reader: &mut Reader,
    block: &[(usize, &str)],
    topic: &str,
) -> Option<ImportedQuestion> {
    let mut comments = String::new();
    let mut content = Vec::new();
    for &(line, raw) in block {
        let trimmed = raw.trim();
        if trimmed.starts_with("//") {
            comments.push_str(trimmed);
            comments.push('\n');
        } else {
            let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
            content.push((line, indent, trimmed));
        }
    }
    let &(line, _, _) = content.first()?;
    let chars = tokenize(&content);
    let mut q = QuestionReader {
        reader,
        line,
        format: TextFormat::Markdown,
        failed: false,
    };
    let question = q.question(&chars)?;
    let (key, tags) = comment_markers(&comments);
    Some(ImportedQuestion {
        line,
        question: Question {
            topic: topic.to_owned(),
            tags,
            ..question
        },
        provenance: Provenance {
            key,
            ..Provenance::default()
        },
    })
}

/// Joins a question's lines (already trimmed, as Moodle does) with newlines and
/// resolves the escapes `\~ \= \# \{ \} \: \\ \n`; any other backslash is text.
fn tokenize(lines: &[(usize, usize, &str)]) -> Vec<Ch> {
    let mut out = Vec::new();
    for (i, &(line, indent, text)) in lines.iter().enumerate() {
        if i > 0 {
            out.push(Ch {
                c: '\n',
                escaped: false,
                line,
                col: indent + 1,
            });
        }
        let chars: Vec<char> = text.chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let col = indent + j + 1;
            if chars[j] == '\\'
                && let Some(&next) = chars.get(j + 1)
            {
                let resolved = match next {
                    '\\' | '~' | '=' | '#' | '{' | '}' | ':' => Some(next),
                    'n' => Some('\n'),
                    _ => None,
                };
                if let Some(c) = resolved {
                    out.push(Ch {
                        c,
                        escaped: true,
                        line,
                        col,
                    });
                    j += 2;
                    continue;
                }
            }
            out.push(Ch {
                c: chars[j],
                escaped: false,
                line,
                col,
            });
            j += 1;
        }
    }
    out
}

/// Moodle's `[id:…]` and `[tag:…]` markers in comment lines (`\]` is a `]`).
fn comment_markers(comments: &str) -> (Option<String>, Vec<String>) {
    let mut key = None;
    let mut tags = Vec::new();
    let mut rest = comments;
    while let Some(i) = rest.find('[') {
        let after = &rest[i + 1..];
        let (is_tag, body) = if let Some(body) = after.strip_prefix("tag:") {
            (true, body)
        } else if let Some(body) = after.strip_prefix("id:") {
            (false, body)
        } else {
            rest = after;
            continue;
        };
        let mut value = String::new();
        let mut end = None;
        let mut chars = body.char_indices();
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' if body[j + 1..].starts_with(']') => {
                    value.push(']');
                    chars.next();
                }
                ']' => {
                    end = Some(j);
                    break;
                }
                '\n' => break,
                _ => value.push(c),
            }
        }
        let Some(end) = end else {
            rest = body;
            continue;
        };
        let value = value.trim();
        if !value.is_empty() {
            if is_tag {
                tags.push(value.to_owned());
            } else if key.is_none() {
                key = Some(value.to_owned());
            }
        }
        rest = &body[end + 1..];
    }
    (key, tags)
}

fn text(span: Span) -> String {
    span.iter()
        .map(|ch| ch.c)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

/// Trims unescaped whitespace; an escaped newline is text until `text` trims it.
fn trim(span: Span) -> Span {
    let blank = |ch: &Ch| !ch.escaped && ch.c.is_whitespace();
    let start = span.iter().position(|ch| !blank(ch)).unwrap_or(span.len());
    let end = span
        .iter()
        .rposition(|ch| !blank(ch))
        .map_or(start, |i| i + 1);
    &span[start..end]
}

fn find(span: Span, c: char) -> Option<usize> {
    span.iter().position(|ch| ch.is(c))
}

fn matches_at(span: Span, at: usize, pattern: &str) -> bool {
    let mut i = at;
    for p in pattern.chars() {
        match span.get(i) {
            Some(ch) if ch.is(p) => i += 1,
            _ => return false,
        }
    }
    true
}

fn find_seq(span: Span, pattern: &str, from: usize) -> Option<usize> {
    (from..span.len()).find(|&i| matches_at(span, i, pattern))
}

fn rfind_seq(span: Span, pattern: &str) -> Option<usize> {
    (0..span.len())
        .rev()
        .find(|&i| matches_at(span, i, pattern))
}

/// Splits at the first unescaped `c`: (before, after).
fn split_first(span: Span, c: char) -> (Span, Option<Span>) {
    match find(span, c) {
        Some(i) => (&span[..i], Some(&span[i + 1..])),
        None => (span, None),
    }
}

/// One answer of a block: the `~`/`=` that starts it (None for text before the first
/// marker), the character to point at in messages, and what follows the marker.
struct Item<'a> {
    marker: Option<char>,
    anchor: Ch,
    body: Span<'a>,
}

fn split_items<'a>(span: Span<'a>, markers: &[char]) -> Vec<Item<'a>> {
    let starts: Vec<usize> = span
        .iter()
        .enumerate()
        .filter(|(_, ch)| !ch.escaped && markers.contains(&ch.c))
        .map(|(i, _)| i)
        .collect();
    let mut items = Vec::new();
    let lead = trim(&span[..starts.first().copied().unwrap_or(span.len())]);
    if let Some(&anchor) = lead.first() {
        items.push(Item {
            marker: None,
            anchor,
            body: lead,
        });
    }
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(span.len());
        items.push(Item {
            marker: Some(span[start].c),
            anchor: span[start],
            body: trim(&span[start + 1..end]),
        });
    }
    items
}

/// Reads a number as GIFT writes them; the error names what is wrong for a person.
fn number(raw: &str) -> Result<f64, String> {
    let raw = raw.trim();
    match raw.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ if raw.contains(',') && raw.replace(',', ".").parse::<f64>().is_ok() => Err(format!(
            "`{raw}` is not a number: write the decimal separator as a point ({})",
            raw.replace(',', ".")
        )),
        _ => Err(format!("`{raw}` is not a number")),
    }
}

fn format_marker(name: &str) -> Option<TextFormat> {
    match name {
        "markdown" | "moodle" => Some(TextFormat::Markdown),
        "html" => Some(TextFormat::Html),
        "plain" => Some(TextFormat::Plain),
        _ => None,
    }
}

/// The `[name]` at the start of a span, if any: (name, length in characters).
fn leading_marker(span: Span) -> Option<(String, usize)> {
    if !span.first()?.is('[') {
        return None;
    }
    let end = span.iter().position(|ch| ch.c == ']')?;
    Some((span[1..end].iter().map(|ch| ch.c).collect(), end + 1))
}

struct QuestionReader<'r> {
    reader: &'r mut Reader,
    line: usize,
    format: TextFormat,
    failed: bool,
}

impl QuestionReader<'_> {
    fn error_at(&mut self, ch: &Ch, message: impl Into<String>) {
        self.failed = true;
        self.reader
            .errors
            .push(problem(ch.line, Some(ch.col), message));
    }

    fn error(&mut self, message: impl Into<String>) {
        self.failed = true;
        self.reader.errors.push(problem(self.line, None, message));
    }

    fn warn_at(&mut self, ch: &Ch, message: impl Into<String>) {
        self.reader
            .warnings
            .push(problem(ch.line, Some(ch.col), message));
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.reader.warnings.push(problem(self.line, None, message));
    }

    fn question(&mut self, chars: &[Ch]) -> Option<Question> {
        let all = trim(chars);
        let (title, rest) = if matches_at(all, 0, "::") {
            let Some(end) = find_seq(all, "::", 2) else {
                self.error_at(
                    &all[0],
                    "the title opened with `::` is not closed: write `::title::` before the question text",
                );
                return None;
            };
            (non_empty(text(&all[2..end])), trim(&all[end + 2..]))
        } else {
            (None, all)
        };

        let (open, close) = match self.answer_block(rest) {
            Ok(Some(block)) => block,
            Ok(None) => {
                self.warn(
                    "no answer block `{…}`: read as a Moodle description (text between \
                     questions), which a bank does not hold; skipped",
                );
                return None;
            }
            Err(()) => return None,
        };

        let after = &rest[close + 1..];
        let mut stem_chars = rest[..open].to_vec();
        if !trim(after).is_empty() {
            let at = rest[open];
            stem_chars.extend(BLANK.chars().map(|c| Ch {
                c,
                escaped: true,
                ..at
            }));
            stem_chars.extend_from_slice(after);
        }
        let stem_span = self.stem_format(trim(&stem_chars));
        let stem = text(stem_span);
        if stem.is_empty() {
            self.error("the question has no text before its answers");
        }

        let inner = &rest[open + 1..close];
        let (answers, explanation) = match rfind_seq(inner, "####") {
            Some(i) => (trim(&inner[..i]), non_empty(self.part(&inner[i + 4..]))),
            None => (trim(inner), None),
        };
        let answer = self.answer(answers, rest[open]);
        if self.failed {
            return None;
        }
        Some(Question {
            title,
            topic: String::new(),
            difficulty: 2,
            points: 1.0,
            stem,
            format: self.format,
            answer: answer?,
            tags: Vec::new(),
            explanation,
        })
    }

    /// Where the answer block starts and ends; `Ok(None)` when there is none.
    fn answer_block(&mut self, span: Span) -> Result<Option<(usize, usize)>, ()> {
        const LITERAL: &str = "a brace that belongs to the text is written `\\{` or `\\}`";
        let mut open: Option<usize> = None;
        let mut close: Option<usize> = None;
        for (i, ch) in span.iter().enumerate() {
            if ch.is('{') {
                match (open, close) {
                    (None, _) => open = Some(i),
                    (Some(o), None) => {
                        let message = format!(
                            "this `{{` is not closed before the next `{{` on line {}, column {}; {LITERAL}",
                            ch.line, ch.col
                        );
                        self.error_at(&span[o], message);
                        return Err(());
                    }
                    (Some(_), Some(_)) => {
                        self.error_at(
                            ch,
                            format!("a question has only one answer block `{{…}}`; {LITERAL}"),
                        );
                        return Err(());
                    }
                }
            } else if ch.is('}') {
                match (open, close) {
                    (None, _) => {
                        self.error_at(ch, format!("this `}}` closes no `{{`; {LITERAL}"));
                        return Err(());
                    }
                    (Some(_), None) => close = Some(i),
                    (Some(_), Some(_)) => {
                        self.error_at(
                            ch,
                            format!("a question has only one answer block `{{…}}`; {LITERAL}"),
                        );
                        return Err(());
                    }
                }
            }
        }
        match (open, close) {
            (None, _) => Ok(None),
            (Some(o), None) => {
                self.error_at(
                    &span[o],
                    "this `{` is never closed: the answers end with `}`, and a blank line ends a question",
                );
                Err(())
            }
            (Some(o), Some(c)) => Ok(Some((o, c))),
        }
    }

    /// Reads the stem's format marker, sets the question's format, returns the rest.
    fn stem_format<'s>(&mut self, span: Span<'s>) -> Span<'s> {
        let Some((name, len)) = leading_marker(span) else {
            return span;
        };
        if let Some(format) = format_marker(&name) {
            self.format = format;
            return &span[len..];
        }
        let looks_like_marker =
            !name.is_empty() && name.len() <= 20 && name.chars().all(|c| c.is_ascii_alphabetic());
        if looks_like_marker {
            let hint = match format_marker(&name.to_ascii_lowercase()) {
                Some(_) => format!(" (markers are lowercase: [{}])", name.to_ascii_lowercase()),
                None => String::new(),
            };
            self.warn_at(
                &span[0],
                format!(
                    "unknown format marker `[{name}]`{hint}: kept as part of the text, and the \
                     question is read as Markdown; the markers are [markdown], [html], [plain] \
                     and [moodle]"
                ),
            );
        }
        span
    }

    /// The text of an option, answer or feedback: its own format marker is dropped,
    /// since a question keeps one format.
    fn part(&mut self, span: Span) -> String {
        let span = trim(span);
        if let Some((name, len)) = leading_marker(span)
            && let Some(format) = format_marker(&name)
        {
            if format != self.format {
                let question = format_name(self.format);
                self.warn_at(
                    &span[0],
                    format!(
                        "this part is marked [{name}] but the question is [{question}]; a \
                         question has one format, so it is read as {question}"
                    ),
                );
            }
            return text(&span[len..]);
        }
        text(span)
    }

    /// An optional `%weight%` at the start of an answer; `None` after an error.
    fn weight<'s>(&mut self, span: Span<'s>) -> Option<(Option<f64>, Span<'s>)> {
        let Some(first) = span.first().filter(|ch| ch.is('%')) else {
            return Some((None, span));
        };
        let Some(end) = span[1..].iter().position(|ch| ch.is('%')).map(|i| i + 1) else {
            return Some((None, span));
        };
        let raw: String = span[1..end].iter().map(|ch| ch.c).collect();
        match number(&raw) {
            Ok(w) if (-100.0..=100.0).contains(&w) => Some((Some(w), trim(&span[end + 1..]))),
            Ok(w) => {
                self.error_at(first, format!("weight {w}% is outside -100%..100%"));
                None
            }
            Err(why) => {
                self.error_at(
                    first,
                    format!(
                        "weight `%{raw}%`: {why}; weights look like %50% or %-33.33333% (an \
                         answer whose text starts with % needs a weight first, as in `~%0%%…`)"
                    ),
                );
                None
            }
        }
    }

    fn answer(&mut self, span: Span, open: Ch) -> Option<Answer> {
        if span.is_empty() {
            return Some(Answer::Essay {
                marking_guide: None,
            });
        }
        if span[0].is('#') {
            return self.numeric(&span[1..], open);
        }
        if find(span, '~').is_some() {
            return self.choices(span);
        }
        if find(span, '=').is_some() && find_seq(span, "->", 0).is_some() {
            return self.matching(span);
        }
        let head = text(split_first(span, '#').0);
        match head.as_str() {
            "T" | "TRUE" | "F" | "FALSE" => Some(self.true_false(span)),
            _ => {
                if matches!(head.to_lowercase().as_str(), "t" | "true" | "f" | "false") {
                    self.warn_at(
                        &span[0],
                        format!(
                            "`{{{head}}}` is read as a short answer whose answer is \"{head}\"; a \
                             true/false question is written {{TRUE}}, {{T}}, {{FALSE}} or {{F}}"
                        ),
                    );
                } else if !span[0].is('=') {
                    self.warn_at(
                        &span[0],
                        "an answer without `=` before it is read as a right answer; start each \
                         accepted answer with `=`",
                    );
                }
                self.short_answer(span)
            }
        }
    }

    fn choices(&mut self, span: Span) -> Option<Answer> {
        let single = find(span, '=').is_some();
        let mut options = Vec::new();
        for item in split_items(span, &['~', '=']) {
            if item.marker.is_none() {
                self.warn_at(
                    &item.anchor,
                    "text before the first `~` or `=` is read as a wrong option; start each \
                     option with `~` (wrong) or `=` (right)",
                );
            }
            let Some((explicit, body)) = self.weight(item.body) else {
                continue;
            };
            let weight = match (item.marker, explicit) {
                (Some('='), Some(w)) => {
                    if w != 100.0 {
                        self.warn_at(
                            &item.anchor,
                            format!(
                                "`=%{w}%` is read as a {w}% option, but Moodle gives every `=` \
                                 option 100% and keeps `%{w}%` in its text; write `~%{w}%` to \
                                 mean the same in both"
                            ),
                        );
                    }
                    w
                }
                (Some('='), None) => 100.0,
                (_, w) => w.unwrap_or(0.0),
            };
            let (text_span, feedback) = split_first(body, '#');
            let text = self.part(text_span);
            if text.is_empty() {
                self.error_at(&item.anchor, "this option has no text");
                continue;
            }
            let feedback = feedback.and_then(|f| non_empty(self.part(f)));
            options.push(Choice {
                text,
                weight,
                feedback,
            });
        }
        if self.failed {
            return None;
        }
        if options.len() < 2 {
            self.error(format!(
                "a multiple-choice question needs at least two options, found {}",
                options.len()
            ));
            return None;
        }
        let best = options.iter().map(|o| o.weight).fold(f64::MIN, f64::max);
        if single {
            if best <= 0.0 {
                self.error("no right answer: no option has a positive weight");
                return None;
            }
            if best < 100.0 {
                self.warn(format!(
                    "the best option is worth only {}%; a single-choice question normally has \
                     one option at 100%",
                    round(best)
                ));
            }
            let right = options.iter().filter(|o| o.weight == 100.0).count();
            if right > 1 {
                self.warn(format!(
                    "{right} options are right at 100%; a single-choice question normally has one"
                ));
            }
            Some(Answer::SingleChoice { options })
        } else {
            let positive: Vec<f64> = options
                .iter()
                .map(|o| o.weight)
                .filter(|&w| w > 0.0)
                .collect();
            if positive.is_empty() {
                self.error(
                    "no right answer: every option starts with `~` and none has a positive \
                     weight; mark the right option with `=`, or give the right options of a \
                     multiple-response question weights such as `~%50%`",
                );
                return None;
            }
            let sum: f64 = positive.iter().sum();
            if (sum - 100.0).abs() > 0.01 {
                self.warn(format!(
                    "option weights add up to {}%, expected 100%",
                    round(sum)
                ));
            }
            if positive.len() == 1 {
                self.warn(
                    "only one option carries credit, yet with no `=` this is a \
                     multiple-response question (as in Moodle); mark the right option with `=` \
                     for a single-choice question",
                );
            }
            Some(Answer::MultipleResponse { options })
        }
    }

    fn short_answer(&mut self, span: Span) -> Option<Answer> {
        let mut answers = Vec::new();
        for item in split_items(span, &['=']) {
            let Some((explicit, body)) = self.weight(item.body) else {
                continue;
            };
            let (text_span, feedback) = split_first(body, '#');
            let text = self.part(text_span);
            if text.is_empty() {
                self.error_at(&item.anchor, "this accepted answer is empty");
                continue;
            }
            let feedback = feedback.and_then(|f| non_empty(self.part(f)));
            answers.push(TextAnswer {
                text,
                weight: explicit.unwrap_or(100.0),
                feedback,
            });
        }
        if self.failed {
            return None;
        }
        if !answers.iter().any(|a| a.weight > 0.0) {
            self.error("no right answer: no accepted answer has a positive weight");
            return None;
        }
        Some(Answer::ShortAnswer {
            answers,
            case_sensitive: false,
        })
    }

    /// `{TRUE#shown when wrong#shown when right}`, as Moodle reads it.
    fn true_false(&mut self, span: Span) -> Answer {
        let (value, rest) = split_first(span, '#');
        let (wrong, right) = match rest {
            Some(rest) => {
                let (wrong, right) = split_first(rest, '#');
                (
                    non_empty(self.part(wrong)),
                    right.and_then(|r| non_empty(self.part(r))),
                )
            }
            None => (None, None),
        };
        let correct = matches!(text(value).as_str(), "T" | "TRUE");
        let (feedback_true, feedback_false) = if correct {
            (right, wrong)
        } else {
            (wrong, right)
        };
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        }
    }

    /// After the `#`: `3.14:0.01`, `1..5`, or `=value =%50%value …`, each with `#feedback`.
    fn numeric(&mut self, span: Span, open: Ch) -> Option<Answer> {
        let (span, other) = match find(span, '~') {
            Some(i) => (&span[..i], Some(&span[i..])),
            None => (span, None),
        };
        if let Some(other) = other
            && !text(&other[1..]).trim_start_matches('#').trim().is_empty()
        {
            self.warn_at(
                &other[0],
                "feedback for any other answer (`~#…`) is not kept: a numeric answer carries \
                 feedback only for the values it accepts",
            );
        }
        let mut answers = Vec::new();
        for item in split_items(span, &['=']) {
            let Some((explicit, body)) = self.weight(item.body) else {
                continue;
            };
            let (value_span, feedback) = split_first(body, '#');
            let Some(value) = self.numeric_value(trim(value_span), item.anchor) else {
                continue;
            };
            let feedback = feedback.and_then(|f| non_empty(self.part(f)));
            answers.push(NumericAnswer {
                value,
                weight: explicit.unwrap_or(100.0),
                feedback,
            });
        }
        if self.failed {
            return None;
        }
        if answers.is_empty() {
            self.error_at(
                &open,
                "a numeric question needs a value after `#`, as in {#3.14:0.01} or {#1..5}",
            );
            return None;
        }
        if !answers.iter().any(|a| a.weight > 0.0) {
            self.error("no right answer: no accepted value has a positive weight");
            return None;
        }
        Some(Answer::Numeric { answers })
    }

    fn numeric_value(&mut self, span: Span, anchor: Ch) -> Option<NumericValue> {
        let at = span.first().copied().unwrap_or(anchor);
        let raw = text(span);
        if raw.is_empty() {
            self.error_at(&at, "this numeric answer has no value");
            return None;
        }
        let parsed = if let Some(i) = raw.find("..").filter(|&i| i > 0) {
            number(&raw[..i]).and_then(|min| {
                let max = number(&raw[i + 2..])?;
                if min > max {
                    return Err(format!(
                        "range `{raw}`: the minimum is larger than the maximum"
                    ));
                }
                Ok(NumericValue::Range { min, max })
            })
        } else if let Some(i) = raw.find(':').filter(|&i| i > 0) {
            number(&raw[..i]).and_then(|value| {
                let tolerance = number(&raw[i + 1..])?;
                if tolerance < 0.0 {
                    return Err(format!("tolerance {tolerance} is negative"));
                }
                Ok(NumericValue::Exact { value, tolerance })
            })
        } else {
            number(&raw).map(|value| NumericValue::Exact {
                value,
                tolerance: 0.0,
            })
        };
        match parsed {
            Ok(value) => Some(value),
            Err(why) => {
                self.error_at(
                    &at,
                    format!("{why}; numeric answers look like 3.14, 3.14:0.01 or 1..5"),
                );
                None
            }
        }
    }

    fn matching(&mut self, span: Span) -> Option<Answer> {
        let mut pairs = Vec::new();
        for item in split_items(span, &['=']) {
            if item.marker.is_none() {
                self.warn_at(
                    &item.anchor,
                    "text before the first `=` is read as a pair; start each pair with `=`",
                );
            }
            let Some(arrow) = find_seq(item.body, "->", 0) else {
                self.error_at(
                    &item.anchor,
                    "this pair has no `->`: write `=prompt -> answer`",
                );
                continue;
            };
            let prompt = self.part(&item.body[..arrow]);
            let answer = text(&item.body[arrow + 2..]);
            if answer.is_empty() {
                self.error_at(&item.anchor, "this pair has no answer after `->`");
                continue;
            }
            pairs.push(MatchPair { prompt, answer });
        }
        if self.failed {
            return None;
        }
        let real = pairs.iter().filter(|p| !p.prompt.is_empty()).count();
        if real < 2 {
            self.error(format!(
                "a matching question needs at least two pairs `=prompt -> answer`, found {real}"
            ));
            return None;
        }
        if pairs.len() < 3 {
            self.warn(format!(
                "only {} pairs: Moodle asks for at least three answers in a matching question, \
                 and with two the second match gives itself away; add a pair or a distractor \
                 `= -> answer`",
                pairs.len()
            ));
        }
        Some(Answer::Matching { pairs })
    }
}

/// Percentages in messages: enough digits to recognise, no float noise.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn format_name(format: TextFormat) -> &'static str {
    match format {
        TextFormat::Markdown => "markdown",
        TextFormat::Html => "html",
        TextFormat::Plain => "plain",
    }
}

// ---------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------

/// A GIFT export: the file's text, and one note (for a person) for each question or
/// part of one that GIFT could not carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Export {
    pub text: String,
    pub notes: Vec<String>,
}

/// Writes questions as GIFT, grouped by topic under `$CATEGORY: $course$/top/<topic>`
/// lines: questions without a topic first, then each topic in the order it first
/// appears, questions keeping their order inside a topic.
///
/// `parse(&write(qs).text)` gives back every question as it went out, except what
/// GIFT cannot carry: difficulty and points (read back as 2 and 1.0), provenance
/// (status, version, author, reviewer, key), a short answer's case sensitivity and
/// an essay's marking guide (both noted), and ordering questions, which have no GIFT
/// form: each is written as a comment and noted. Tags travel as Moodle's
/// `// [tag:…]` comments. Text is trimmed and carriage returns dropped, and an empty
/// title or feedback is none, as on reading. Each question is read back as it is
/// written; one that would not come back the same gets a note.
pub fn write(questions: &[Question]) -> Export {
    let mut topics: Vec<&str> = Vec::new();
    if questions.iter().any(|q| q.topic.trim().is_empty()) {
        topics.push("");
    }
    for q in questions {
        let topic = q.topic.trim();
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    let mut export = Export::default();
    for topic in topics {
        if !topic.is_empty() {
            if topic.contains(['\n', '\r']) {
                export.notes.push(format!(
                    "topic \"{topic}\" holds a line break, which a GIFT category cannot; \
                     written with spaces"
                ));
            }
            let one_line = topic.replace(['\n', '\r'], " ");
            export
                .text
                .push_str(&format!("$CATEGORY: $course$/top/{one_line}\n\n"));
        }
        for (i, q) in questions.iter().enumerate() {
            if q.topic.trim() != topic {
                continue;
            }
            let label = match &q.title {
                Some(t) if !t.trim().is_empty() => format!("question {} (\"{}\")", i + 1, t.trim()),
                _ => format!("question {}", i + 1),
            };
            let noted = export.notes.len();
            let block = write_question(q, &label, &mut export.notes);
            if q.kind() != Kind::Ordering && export.notes.len() == noted && !reads_back(q, &block) {
                export.notes.push(format!(
                    "{label}: GIFT cannot carry it exactly, so reading the file back gives a \
                     different question; check its options and answers"
                ));
            }
            export.text.push_str(&block);
            export.text.push('\n');
        }
    }
    export
}

fn reads_back(q: &Question, block: &str) -> bool {
    let parsed = parse(block);
    let expected = Question {
        topic: String::new(),
        ..gift_view(q)
    };
    parsed.errors.is_empty()
        && matches!(parsed.questions.as_slice(), [one] if one.question == expected)
}

/// The question as GIFT carries it: what reading its GIFT gives back.
fn gift_view(q: &Question) -> Question {
    fn t(s: &str) -> String {
        s.replace('\r', "").trim().to_owned()
    }
    fn o(s: &Option<String>) -> Option<String> {
        s.as_deref().map(t).and_then(non_empty)
    }
    let answer = match &q.answer {
        Answer::SingleChoice { options } => Answer::SingleChoice {
            options: choices_view(options),
        },
        Answer::MultipleResponse { options } => Answer::MultipleResponse {
            options: choices_view(options),
        },
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => Answer::TrueFalse {
            correct: *correct,
            feedback_true: o(feedback_true),
            feedback_false: o(feedback_false),
        },
        Answer::Numeric { answers } => Answer::Numeric {
            answers: answers
                .iter()
                .map(|a| NumericAnswer {
                    value: a.value,
                    weight: a.weight,
                    feedback: o(&a.feedback),
                })
                .collect(),
        },
        Answer::ShortAnswer { answers, .. } => Answer::ShortAnswer {
            answers: answers
                .iter()
                .map(|a| TextAnswer {
                    text: t(&a.text),
                    weight: a.weight,
                    feedback: o(&a.feedback),
                })
                .collect(),
            case_sensitive: false,
        },
        Answer::Matching { pairs } => Answer::Matching {
            pairs: pairs
                .iter()
                .map(|p| MatchPair {
                    prompt: t(&p.prompt),
                    answer: t(&p.answer),
                })
                .collect(),
        },
        Answer::Ordering { items } => Answer::Ordering {
            items: items.iter().map(|i| t(i)).collect(),
        },
        Answer::Essay { .. } => Answer::Essay {
            marking_guide: None,
        },
    };
    return Question {
        title: o(&q.title),
        topic: t(&q.topic),
        difficulty: 2,
        points: 1.0,
        stem: t(&q.stem),
        format: q.format,
        answer,
        tags: q
            .tags
            .iter()
            .map(|s| t(s))
            .filter(|s| !s.is_empty())
            .collect(),
        explanation: o(&q.explanation),
    };

    fn choices_view(options: &[Choice]) -> Vec<Choice> {
        options
            .iter()
            .map(|c| Choice {
                text: t(&c.text),
                weight: c.weight,
                feedback: o(&c.feedback),
            })
            .collect()
    }
}

/// Escapes GIFT's special characters the way Moodle's exporter does.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '~' | '=' | '#' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// An option, answer or feedback text: escaped, and kept from being read as a format
/// marker by putting the question's own marker first.
fn part(s: &str, format: TextFormat) -> String {
    let starts_with_marker = s
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .is_some_and(|(name, _)| format_marker(name).is_some());
    if starts_with_marker {
        format!("[{}]{}", format_name(format), escape(s))
    } else {
        escape(s)
    }
}

fn feedback(f: &Option<String>, format: TextFormat) -> String {
    match f {
        Some(f) => format!("#{}", part(f, format)),
        None => String::new(),
    }
}

/// `%w%` when the weight differs from what the marker implies, or when the text
/// itself starts with `%` and would otherwise be read as a weight.
fn weight_prefix(weight: f64, implied: f64, text: &str) -> String {
    if weight != implied || text.starts_with('%') {
        format!("%{weight}%")
    } else {
        String::new()
    }
}

fn numeric_value(value: &NumericValue) -> String {
    match *value {
        NumericValue::Exact { value, tolerance } => {
            if tolerance == 0.0 {
                format!("{value}")
            } else {
                format!("{value}:{tolerance}")
            }
        }
        NumericValue::Range { min, max } => format!("{min}..{max}"),
    }
}

fn write_question(original: &Question, label: &str, notes: &mut Vec<String>) -> String {
    let q = gift_view(original);
    let format = q.format;
    let mut out = String::new();

    let mut tags = Vec::new();
    for tag in &q.tags {
        if tag.chars().any(char::is_control) || tag.ends_with('\\') {
            notes.push(format!(
                "{label}: tag \"{tag}\" cannot be written in a GIFT comment; left out"
            ));
        } else {
            tags.push(format!("[tag:{}]", tag.replace(']', "\\]")));
        }
    }
    if !tags.is_empty() {
        out.push_str(&format!("// {}\n", tags.join(" ")));
    }

    let (head, items, inline) = match &q.answer {
        Answer::Ordering { items } => {
            notes.push(format!(
                "{label}: ordering questions have no GIFT form; written as a comment"
            ));
            let one_line = |s: &str| s.replace(['\n', '\r'], " ");
            out.push_str(&format!(
                "// Ordering question, not exported (GIFT has no ordering questions): {}\n",
                one_line(&q.stem)
            ));
            let items: Vec<String> = items.iter().map(|i| one_line(i)).collect();
            out.push_str(&format!("// In order: {}\n", items.join(" | ")));
            return out;
        }
        Answer::SingleChoice { options } => {
            let has_full = options.iter().any(|o| o.weight == 100.0);
            let best = if has_full {
                None
            } else {
                let best = (0..options.len())
                    .max_by(|&a, &b| options[a].weight.total_cmp(&options[b].weight));
                if best.is_some() {
                    notes.push(format!(
                        "{label}: no option is worth 100%, so the best is written `=%w%…`, \
                         which merit reads back but Moodle reads as a 100% option"
                    ));
                }
                best
            };
            let mut right: Vec<bool> = options
                .iter()
                .enumerate()
                .map(|(i, o)| o.weight == 100.0 || best == Some(i))
                .collect();
            // Without a `~` the block would read as a short answer: later right
            // options become `~%100%`.
            if right.iter().all(|&r| r) {
                right.iter_mut().skip(1).for_each(|r| *r = false);
            }
            let items = options
                .iter()
                .zip(right)
                .map(|(o, right)| {
                    let (marker, implied) = if right { ('=', 100.0) } else { ('~', 0.0) };
                    format!(
                        "{marker}{}{}{}",
                        weight_prefix(o.weight, implied, &o.text),
                        part(&o.text, format),
                        feedback(&o.feedback, format)
                    )
                })
                .collect();
            ("", items, false)
        }
        Answer::MultipleResponse { options } => {
            let items = options
                .iter()
                .map(|o| {
                    format!(
                        "~{}{}{}",
                        weight_prefix(o.weight, 0.0, &o.text),
                        part(&o.text, format),
                        feedback(&o.feedback, format)
                    )
                })
                .collect();
            ("", items, false)
        }
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => {
            let (value, right, wrong) = if *correct {
                ("TRUE", feedback_true, feedback_false)
            } else {
                ("FALSE", feedback_false, feedback_true)
            };
            let mut item = value.to_owned();
            if wrong.is_some() || right.is_some() {
                item.push('#');
                item.push_str(
                    &wrong
                        .as_deref()
                        .map(|w| part(w, format))
                        .unwrap_or_default(),
                );
            }
            item.push_str(&feedback(right, format));
            ("", vec![item], true)
        }
        Answer::Numeric { answers } => {
            if answers
                .iter()
                .any(|a| !a.weight.is_finite() || !numeric_is_finite(&a.value))
            {
                notes.push(format!(
                    "{label}: a value or weight is not a finite number, which GIFT cannot write"
                ));
            }
            match answers.as_slice() {
                [one] if one.weight == 100.0 => (
                    "#",
                    vec![format!(
                        "{}{}",
                        numeric_value(&one.value),
                        feedback(&one.feedback, format)
                    )],
                    true,
                ),
                _ => {
                    let items = answers
                        .iter()
                        .map(|a| {
                            format!(
                                "={}{}{}",
                                weight_prefix(a.weight, 100.0, ""),
                                numeric_value(&a.value),
                                feedback(&a.feedback, format)
                            )
                        })
                        .collect();
                    ("#", items, false)
                }
            }
        }
        Answer::ShortAnswer { answers, .. } => {
            // gift_view clears the flag, so the original says whether it was set.
            if let Answer::ShortAnswer {
                case_sensitive: true,
                ..
            } = original.answer
            {
                notes.push(format!(
                    "{label}: GIFT cannot say that answers are case-sensitive; they will \
                     match in any case after import"
                ));
            }
            let arrow = |s: &str| s.contains("->");
            if answers
                .iter()
                .any(|a| arrow(&a.text) || a.feedback.as_deref().is_some_and(arrow))
            {
                notes.push(format!(
                    "{label}: an accepted answer or its feedback contains `->`, so GIFT reads \
                     the question back as matching"
                ));
            }
            let items = answers
                .iter()
                .map(|a| {
                    format!(
                        "={}{}{}",
                        weight_prefix(a.weight, 100.0, &a.text),
                        part(&a.text, format),
                        feedback(&a.feedback, format)
                    )
                })
                .collect();
            ("", items, false)
        }
        Answer::Matching { pairs } => {
            if pairs.iter().any(|p| p.prompt.contains("->")) {
                notes.push(format!(
                    "{label}: a matching prompt contains `->`, which GIFT reads as the end of \
                     the prompt"
                ));
            }
            let items = pairs
                .iter()
                .map(|p| format!("={} -> {}", part(&p.prompt, format), escape(&p.answer)))
                .collect();
            ("", items, false)
        }
        Answer::Essay { .. } => {
            if let Answer::Essay {
                marking_guide: Some(guide),
            } = &original.answer
                && !guide.trim().is_empty()
            {
                notes.push(format!(
                    "{label}: GIFT has no place for an essay's marking guide; left out"
                ));
            }
            ("", Vec::new(), true)
        }
    };

    let general = q
        .explanation
        .as_deref()
        .map(|e| format!("####{}", part(e, format)));

    if let Some(title) = &q.title {
        out.push_str(&format!("::{}::", escape(title)));
    }
    out.push('[');
    out.push_str(format_name(format));
    out.push(']');

    // Missing-word form: the block goes where the stem's blank is, unless the blank
    // ends the stem (a block at the very end is read as following the question).
    let blank = q
        .stem
        .find(BLANK)
        .filter(|&i| i + BLANK.len() < q.stem.len());
    let inline = inline || blank.is_some();
    let mut block = format!("{{{head}");
    if inline {
        block.push_str(&items.join(" "));
        block.push_str(&general.unwrap_or_default());
    } else {
        block.push('\n');
        for item in items.iter().chain(general.as_ref()) {
            block.push('\t');
            block.push_str(item);
            block.push('\n');
        }
    }
    block.push('}');
    match blank {
        Some(i) => {
            out.push_str(&escape(&q.stem[..i]));
            out.push_str(&block);
            out.push_str(&escape(&q.stem[i + BLANK.len()..]));
        }
        None => {
            out.push_str(&escape(&q.stem));
            out.push(' ');
            out.push_str(&block);
        }
    }
    out.push('\n');
    out
}

fn numeric_is_finite(value: &NumericValue) -> bool {
    match *value {
        NumericValue::Exact { value, tolerance } => value.is_finite() && tolerance.is_finite(),
        NumericValue::Range { min, max } => min.is_finite() && max.is_finite(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_one(src: &str) -> Question {
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "errors: {:?}", parsed.errors);
        assert_eq!(
            parsed.questions.len(),
            1,
            "questions: {:?}",
            parsed.questions
        );
        parsed.questions[0].question.clone()
    }

    fn first_error(src: &str) -> Problem {
        parse(src).errors.first().cloned().expect("an error")
    }

    fn options(q: &Question) -> Vec<(String, f64, Option<String>)> {
        match &q.answer {
            Answer::SingleChoice { options } | Answer::MultipleResponse { options } => options
                .iter()
                .map(|o| (o.text.clone(), o.weight, o.feedback.clone()))
                .collect(),
            other => panic!("not a choice question: {other:?}"),
        }
    }

    fn choice(text: &str, weight: f64) -> Choice {
        Choice {
            text: text.into(),
            weight,
            feedback: None,
        }
    }

    fn question(stem: &str, answer: Answer) -> Question {
        Question {
            title: None,
            topic: String::new(),
            difficulty: 2,
            points: 1.0,
            stem: stem.into(),
            format: TextFormat::Markdown,
            answer,
            tags: Vec::new(),
            explanation: None,
        }
    }

    /// Export then import: no notes, and every question back as GIFT carries it.
    fn assert_round_trip(qs: &[Question]) {
        let export = write(qs);
        assert!(
            export.notes.is_empty(),
            "notes: {:?}\n{}",
            export.notes,
            export.text
        );
        let parsed = parse(&export.text);
        assert!(
            parsed.errors.is_empty(),
            "errors: {:?}\n{}",
            parsed.errors,
            export.text
        );
        let back: Vec<Question> = parsed.questions.into_iter().map(|q| q.question).collect();
        let expected: Vec<Question> = qs.iter().map(gift_view).collect();
        assert_eq!(back, expected, "\n{}", export.text);
    }

    // ----- syntax, item by item -----

    #[test]
    fn title_between_double_colons_is_read_and_removed_from_the_stem() {
        let q = read_one("::Thủ đô:: Thủ đô của Việt Nam là gì? {=Hà Nội ~Huế}");
        assert_eq!(q.title.as_deref(), Some("Thủ đô"));
        assert_eq!(q.stem, "Thủ đô của Việt Nam là gì?");
    }

    #[test]
    fn unclosed_title_is_an_error_at_its_colons() {
        let e = first_error("\n::Title without end {=a ~b}");
        assert_eq!((e.line, e.column), (2, Some(1)));
        assert!(e.message.contains("title"), "{e}");
    }

    #[test]
    fn category_sets_the_topic_of_following_questions_without_moodle_prefixes() {
        let src = "Q0 {T}\n\n$CATEGORY: $course$/top/Luật/Cán bộ\n\nQ1 {T}\n\n\
                   $CATEGORY: $system$/Tin học\n\nQ2 {F}\n\n$CATEGORY: top/Anh văn\nQ3 {T}\n\n\
                   $CATEGORY: Plain/Path\n\nQ4 {T}\n\n$CATEGORY: $course$/top\n\nQ5 {T}";
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let topics: Vec<&str> = parsed
            .questions
            .iter()
            .map(|q| q.question.topic.as_str())
            .collect();
        assert_eq!(
            topics,
            ["", "Luật/Cán bộ", "Tin học", "Anh văn", "Plain/Path", ""]
        );
    }

    #[test]
    fn format_markers_set_the_question_format_and_moodle_means_markdown() {
        let cases = [
            ("[html]<b>Hi</b> {T}", TextFormat::Html, "<b>Hi</b>"),
            ("[plain]2*3*4 {T}", TextFormat::Plain, "2*3*4"),
            ("[markdown]**Hi** {T}", TextFormat::Markdown, "**Hi**"),
            ("[moodle]Hi {T}", TextFormat::Markdown, "Hi"),
            ("Hi {T}", TextFormat::Markdown, "Hi"),
            ("::t::[html]Hi {T}", TextFormat::Html, "Hi"),
        ];
        for (src, format, stem) in cases {
            let q = read_one(src);
            assert_eq!((q.format, q.stem.as_str()), (format, stem), "{src}");
        }
    }

    #[test]
    fn unknown_format_marker_is_kept_as_text_with_a_warning() {
        let parsed = parse("[latex]$x^2$ {T}");
        assert_eq!(parsed.questions[0].question.stem, "[latex]$x^2$");
        assert_eq!(parsed.questions[0].question.format, TextFormat::Markdown);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].column, Some(1));
        assert!(parsed.warnings[0].message.contains("[latex]"));
    }

    #[test]
    fn option_marked_with_another_format_is_read_in_the_question_format_with_a_warning() {
        let parsed = parse("[markdown]Q {=[html]<b>a</b> ~b}");
        assert_eq!(options(&parsed.questions[0].question)[0].0, "<b>a</b>");
        assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    }

    #[test]
    fn escaped_special_characters_are_text() {
        let q = read_one(r"a \~ b \= c \# d \{ e \} f \: g \\ h {=x\=y ~\{z\}}");
        assert_eq!(q.stem, r"a ~ b = c # d { e } f : g \ h");
        assert_eq!(options(&q)[0].0, "x=y");
        assert_eq!(options(&q)[1].0, "{z}");
    }

    #[test]
    fn backslash_n_is_a_newline_and_other_backslashes_stay() {
        let q = read_one(r"Line one\nLine two \(x\) {T}");
        assert_eq!(q.stem, "Line one\nLine two \\(x\\)");
    }

    #[test]
    fn escaped_backslash_before_n_is_a_backslash_and_an_n() {
        let q = read_one(r"C:\\new {T}");
        assert_eq!(q.stem, r"C:\new");
    }

    #[test]
    fn feedback_follows_a_hash_on_each_option() {
        let q = read_one("Q? {=yellow # right; good! ~red # wrong, it's yellow ~blue}");
        assert_eq!(
            options(&q),
            [
                ("yellow".into(), 100.0, Some("right; good!".into())),
                ("red".into(), 0.0, Some("wrong, it's yellow".into())),
                ("blue".into(), 0.0, None),
            ]
        );
    }

    #[test]
    fn four_hashes_start_the_general_feedback() {
        let q = read_one("Q? {=a#fa ~b ####Because a.}");
        assert_eq!(q.explanation.as_deref(), Some("Because a."));
        assert_eq!(options(&q)[0].2.as_deref(), Some("fa"));
        let essay = read_one("Write. {####Look for structure.}");
        assert_eq!(essay.kind(), Kind::Essay);
        assert_eq!(essay.explanation.as_deref(), Some("Look for structure."));
    }

    #[test]
    fn percent_weights_with_fractions_and_negative_values_are_kept() {
        let q = read_one("Q? {~%50%a ~%33.33333%b ~%16.66667%c ~%-100%d}");
        let weights: Vec<f64> = options(&q).iter().map(|o| o.1).collect();
        assert_eq!(weights, [50.0, 33.33333, 16.66667, -100.0]);
    }

    #[test]
    fn equals_and_tildes_make_a_single_choice_question() {
        let q = read_one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}");
        assert_eq!(q.kind(), Kind::SingleChoice);
        assert_eq!(q.stem, "Who's buried in Grant's tomb?");
        assert_eq!(
            options(&q).iter().map(|o| o.1).collect::<Vec<_>>(),
            [0.0, 0.0, 100.0]
        );
    }

    #[test]
    fn single_choice_may_give_partial_credit_to_wrong_options() {
        let q = read_one("Q {=Nazareth ~%50%Galilee ~Jerusalem}");
        assert_eq!(options(&q)[1].1, 50.0);
    }

    #[test]
    fn tildes_with_weights_and_no_equals_make_multiple_response() {
        let q = read_one(
            "What two people are entombed in Grant's tomb? {\n\
             ~%-100%No one\n~%50%Grant\n~%50%Grant's wife\n~%-100%Grant's father\n}",
        );
        assert_eq!(q.kind(), Kind::MultipleResponse);
        assert_eq!(
            options(&q).iter().map(|o| o.1).collect::<Vec<_>>(),
            [-100.0, 50.0, 50.0, -100.0]
        );
    }

    #[test]
    fn multiple_response_weights_not_adding_to_100_are_a_warning() {
        let parsed = parse("Q {~%50%a ~%70%b ~c}");
        assert_eq!(parsed.questions.len(), 1);
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.message.contains("add up to 120%")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn one_credited_tilde_option_reads_as_multiple_response_with_a_warning() {
        let parsed = parse("Q {~%100%a ~b ~c}");
        assert_eq!(parsed.questions[0].question.kind(), Kind::MultipleResponse);
        assert!(parsed.warnings.iter().any(|w| w.message.contains("`=`")));
    }

    #[test]
    fn single_choice_whose_best_option_is_below_100_is_a_warning() {
        let parsed = parse("Q {=%50%a ~b}");
        let q = &parsed.questions[0].question;
        assert_eq!(q.kind(), Kind::SingleChoice);
        assert_eq!(options(q)[0].1, 50.0);
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.message.contains("only 50%")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn two_right_options_in_single_choice_are_a_warning() {
        let parsed = parse("Q {=a =b ~c}");
        assert_eq!(parsed.questions.len(), 1);
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.message.contains("2 options"))
        );
    }

    #[test]
    fn true_false_accepts_t_f_true_and_false() {
        for (src, correct) in [
            ("Q {T}", true),
            ("Q {TRUE}", true),
            ("Q {F}", false),
            ("Q {FALSE}", false),
        ] {
            match read_one(src).answer {
                Answer::TrueFalse { correct: c, .. } => assert_eq!(c, correct, "{src}"),
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn true_false_feedback_is_wrong_first_then_right() {
        let q = read_one("Grant was buried in NYC. {TRUE#No, New Jersey?#Yes, NYC.####Riverside}");
        assert_eq!(
            q.answer,
            Answer::TrueFalse {
                correct: true,
                feedback_true: Some("Yes, NYC.".into()),
                feedback_false: Some("No, New Jersey?".into()),
            }
        );
        assert_eq!(q.explanation.as_deref(), Some("Riverside"));
        let q = read_one("The sun rises in the west. {F#Wrong#Right}");
        assert_eq!(
            q.answer,
            Answer::TrueFalse {
                correct: false,
                feedback_true: Some("Wrong".into()),
                feedback_false: Some("Right".into()),
            }
        );
        let q = read_one("Q {T#Only when wrong}");
        assert_eq!(
            q.answer,
            Answer::TrueFalse {
                correct: true,
                feedback_true: None,
                feedback_false: Some("Only when wrong".into()),
            }
        );
    }

    #[test]
    fn lowercase_true_is_a_short_answer_with_a_warning() {
        let parsed = parse("Q {true}");
        assert_eq!(parsed.questions[0].question.kind(), Kind::ShortAnswer);
        assert!(parsed.warnings[0].message.contains("{TRUE}"));
    }

    #[test]
    fn equals_only_make_a_short_answer_with_optional_weights() {
        let q = read_one("Two plus two is {=four =%50%4#digits? =%0%five#no}.");
        assert_eq!(
            q.answer,
            Answer::ShortAnswer {
                answers: vec![
                    TextAnswer {
                        text: "four".into(),
                        weight: 100.0,
                        feedback: None
                    },
                    TextAnswer {
                        text: "4".into(),
                        weight: 50.0,
                        feedback: Some("digits?".into())
                    },
                    TextAnswer {
                        text: "five".into(),
                        weight: 0.0,
                        feedback: Some("no".into())
                    },
                ],
                case_sensitive: false,
            }
        );
        assert_eq!(q.stem, "Two plus two is _____.");
    }

    #[test]
    fn arrows_make_a_matching_question_with_distractors() {
        let q =
            read_one("Match. {\n=Canada -> Ottawa\n=Italy -> Rome\n=Japan -> Tokyo\n= -> Paris\n}");
        let Answer::Matching { pairs } = q.answer else {
            panic!("not matching")
        };
        assert_eq!(pairs.len(), 4);
        assert_eq!(
            (pairs[1].prompt.as_str(), pairs[1].answer.as_str()),
            ("Italy", "Rome")
        );
        assert_eq!(
            (pairs[3].prompt.as_str(), pairs[3].answer.as_str()),
            ("", "Paris")
        );
    }

    #[test]
    fn matching_with_two_pairs_is_a_warning_and_with_one_an_error() {
        let parsed = parse("Q {=a -> 1 =b -> 2}");
        assert_eq!(parsed.questions.len(), 1);
        assert!(parsed.warnings[0].message.contains("three"));
        let e = first_error("Q {=a -> 1 = -> 2}");
        assert!(e.message.contains("at least two pairs"), "{e}");
    }

    #[test]
    fn matching_pair_without_arrow_is_an_error_at_its_equals() {
        let e = first_error("Q {=a -> 1 =b 2 =c -> 3}");
        assert_eq!((e.line, e.column), (1, Some(12)));
    }

    #[test]
    fn numeric_with_tolerance() {
        let q = read_one("When was Grant born? {#1822:5}");
        assert_eq!(
            q.answer,
            Answer::Numeric {
                answers: vec![NumericAnswer {
                    value: NumericValue::Exact {
                        value: 1822.0,
                        tolerance: 5.0
                    },
                    weight: 100.0,
                    feedback: None
                }]
            }
        );
    }

    #[test]
    fn numeric_range_and_plain_value() {
        let q = read_one("Pick one from 1 to 5 {#1..5}");
        let Answer::Numeric { answers } = q.answer else {
            panic!()
        };
        assert_eq!(answers[0].value, NumericValue::Range { min: 1.0, max: 5.0 });
        let q = read_one("e? {#2.71#close enough}");
        let Answer::Numeric { answers } = q.answer else {
            panic!()
        };
        assert_eq!(
            answers[0].value,
            NumericValue::Exact {
                value: 2.71,
                tolerance: 0.0
            }
        );
        assert_eq!(answers[0].feedback.as_deref(), Some("close enough"));
        let q = read_one("Cold? {#-10..-5}");
        let Answer::Numeric { answers } = q.answer else {
            panic!()
        };
        assert_eq!(
            answers[0].value,
            NumericValue::Range {
                min: -10.0,
                max: -5.0
            }
        );
    }

    #[test]
    fn several_weighted_numeric_answers_give_partial_credit() {
        let q = read_one("When was Grant born? {#\n=1822:0 #Right\n=%50%1822:2 #Close\n}");
        let Answer::Numeric { answers } = q.answer else {
            panic!()
        };
        let got: Vec<(NumericValue, f64, Option<&str>)> = answers
            .iter()
            .map(|a| (a.value, a.weight, a.feedback.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    NumericValue::Exact {
                        value: 1822.0,
                        tolerance: 0.0
                    },
                    100.0,
                    Some("Right")
                ),
                (
                    NumericValue::Exact {
                        value: 1822.0,
                        tolerance: 2.0
                    },
                    50.0,
                    Some("Close")
                ),
            ]
        );
    }

    #[test]
    fn numeric_feedback_for_other_answers_is_dropped_with_a_warning() {
        let parsed = parse("Q {#=5 ~#Try again}");
        assert_eq!(parsed.questions.len(), 1);
        assert!(parsed.warnings[0].message.contains("any other answer"));
    }

    #[test]
    fn numeric_with_a_decimal_comma_is_an_error_that_says_so() {
        let e = first_error("Số pi? {#3,14:0,01}");
        assert_eq!((e.line, e.column), (1, Some(10)));
        assert!(e.message.contains("point"), "{e}");
    }

    #[test]
    fn numeric_range_upside_down_and_negative_tolerance_are_errors() {
        assert!(first_error("Q {#5..1}").message.contains("minimum"));
        assert!(first_error("Q {#5:-1}").message.contains("negative"));
        assert!(first_error("Q {#}").message.contains("needs a value"));
    }

    #[test]
    fn empty_braces_make_an_essay() {
        let q = read_one("Trình bày quy trình tuyển dụng công chức. {}");
        assert_eq!(
            q.answer,
            Answer::Essay {
                marking_guide: None
            }
        );
        assert_eq!(q.stem, "Trình bày quy trình tuyển dụng công chức.");
    }

    #[test]
    fn answers_in_the_middle_leave_a_blank_in_the_stem() {
        let q = read_one("Grant is {~buried =entombed ~living} in Grant's tomb.");
        assert_eq!(q.stem, "Grant is _____ in Grant's tomb.");
        assert_eq!(q.kind(), Kind::SingleChoice);
        let q = read_one("{=Hà Nội ~Huế} là thủ đô.");
        assert_eq!(q.stem, "_____ là thủ đô.");
    }

    #[test]
    fn comment_lines_are_ignored_even_inside_a_question() {
        let src = "// A header\n// more\n\n// about Q1\nQ1 {\n// inline comment\n=a\n~b\n}\n\
                   // trailing comment block\n";
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.questions.len(), 1);
        assert_eq!(parsed.questions[0].line, 5);
        assert_eq!(options(&parsed.questions[0].question).len(), 2);
    }

    #[test]
    fn double_slash_inside_a_line_is_text() {
        let q = read_one("See http://example.org {T}");
        assert_eq!(q.stem, "See http://example.org");
    }

    #[test]
    fn tags_and_id_in_comments_are_read() {
        let parsed = parse("// [id:gk-017] [tag:luật] [tag:khó\\]x]\n// [tag:ôn tập]\nQ {T}");
        let q = &parsed.questions[0];
        assert_eq!(q.provenance.key.as_deref(), Some("gk-017"));
        assert_eq!(q.question.tags, ["luật", "khó]x", "ôn tập"]);
    }

    #[test]
    fn a_question_may_span_several_lines() {
        let src = "::Q::\nWhat's between orange\nand green?\n{\n=yellow\n~red\n~blue\n####It's yellow.\n}";
        let q = read_one(src);
        assert_eq!(q.stem, "What's between orange\nand green?");
        assert_eq!(options(&q).len(), 3);
        assert_eq!(q.explanation.as_deref(), Some("It's yellow."));
    }

    #[test]
    fn blank_lines_separate_questions_and_lines_are_counted() {
        let src = "Q1 {T}\n\n\n  \nQ2 {F}\n\t\n// c\nQ3\n{=a ~b}\n";
        let parsed = parse(src);
        let lines: Vec<usize> = parsed.questions.iter().map(|q| q.line).collect();
        assert_eq!(lines, [1, 5, 8]);
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark_are_accepted() {
        let src = "\u{feff}::T:: Câu hỏi\r\n{\r\n=đúng\r\n~sai\r\n}\r\n\r\nQ2 {T}\r\n";
        let parsed = parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.questions.len(), 2);
        let q = &parsed.questions[0].question;
        assert_eq!(q.title.as_deref(), Some("T"));
        assert_eq!(q.stem, "Câu hỏi");
        assert_eq!(options(q)[0].0, "đúng");
        assert_eq!(parsed.questions[1].line, 7);
    }

    #[test]
    fn vietnamese_text_survives_untouched() {
        let stem = "Theo Luật Cán bộ, công chức năm 2008 (sửa đổi 2019), công chức được tuyển dụng qua hình thức nào?";
        let q = read_one(&format!(
            "{stem} {{=Thi tuyển hoặc xét tuyển#Đúng theo Điều 37 ~Chỉ định ~Bổ nhiệm}}"
        ));
        assert_eq!(q.stem, stem);
        assert_eq!(
            options(&q)[0],
            (
                "Thi tuyển hoặc xét tuyển".into(),
                100.0,
                Some("Đúng theo Điều 37".into())
            )
        );
    }

    #[test]
    fn text_without_an_answer_block_is_a_skipped_description_with_a_warning() {
        let parsed = parse("Phần I: Kiến thức chung\n\nQ {T}");
        assert_eq!(parsed.questions.len(), 1);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 1);
    }

    #[test]
    fn defaults_for_difficulty_and_points() {
        let q = read_one("Q {T}");
        assert_eq!((q.difficulty, q.points), (2, 1.0));
    }

    // ----- errors -----

    #[test]
    fn unclosed_brace_reports_its_own_line() {
        let src = "Q1 {T}\n\nQ2 {F}\n\n// comment\n::Q3::\nWhich one? {\n=a\n~b\n\nQ4 {T}";
        let parsed = parse(src);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert_eq!(parsed.errors[0].line, 7);
        assert_eq!(parsed.errors[0].column, Some(12));
        assert!(parsed.errors[0].message.contains("never closed"));
        // The questions around it are still read, so every problem can be listed.
        assert_eq!(parsed.questions.len(), 3);
    }

    #[test]
    fn brace_left_open_before_the_next_one_names_both() {
        let e = first_error("Q1 {=a ~b\nQ2 {=c ~d}");
        assert_eq!((e.line, e.column), (1, Some(4)));
        assert!(e.message.contains("line 2, column 4"), "{e}");
    }

    #[test]
    fn closing_brace_without_opening_is_an_error() {
        let e = first_error("Q } {T}");
        assert_eq!((e.line, e.column), (1, Some(3)));
    }

    #[test]
    fn second_answer_block_is_an_error() {
        let e = first_error("A {=a ~b} and B {=c ~d}");
        assert_eq!((e.line, e.column), (1, Some(17)));
    }

    #[test]
    fn question_with_no_right_answer_is_an_error_on_its_line() {
        let e = first_error("Q1 {T}\n\nWhich? {\n~a\n~b\n}");
        assert_eq!((e.line, e.column), (3, None));
        assert!(e.message.contains("no right answer"), "{e}");
        assert!(
            first_error("Q {=%0%a ~b}")
                .message
                .contains("no right answer")
        );
        assert!(
            first_error("Q {=%0%a =%-50%b}")
                .message
                .contains("no right answer")
        );
    }

    #[test]
    fn garbage_weight_is_an_error_at_its_percent_sign() {
        let e = first_error("Q1 {T}\n\nWhich? {\n  =a\n  ~%abc%b\n}");
        assert_eq!((e.line, e.column), (5, Some(4)));
        assert!(e.message.contains("`%abc%`"), "{e}");
        assert!(e.message.contains("not a number"), "{e}");
    }

    #[test]
    fn weight_beyond_100_percent_is_an_error() {
        let e = first_error("Q {=a ~%150%b}");
        assert!(e.message.contains("150%"), "{e}");
    }

    #[test]
    fn empty_option_and_single_option_are_errors() {
        assert!(first_error("Q {=a ~ ~b}").message.contains("no text"));
        assert!(
            first_error("Q {=a#fine ~#only feedback}")
                .message
                .contains("no text")
        );
        let e = first_error("Q {~%100%a}");
        assert!(e.message.contains("two options"), "{e}");
    }

    #[test]
    fn question_without_text_is_an_error() {
        assert!(first_error("{=a ~b}").message.contains("no text"));
    }

    #[test]
    fn every_broken_question_is_reported_and_valid_ones_still_read() {
        let src = "Q1 {~%x%a =b}\n\nQ2 {T}\n\nQ3 {#abc}\n\nQ4 {~a ~b}";
        let parsed = parse(src);
        let lines: Vec<usize> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 5, 7]);
        assert_eq!(parsed.questions.len(), 1);
        assert_eq!(parsed.questions[0].line, 3);
    }

    #[test]
    fn problems_display_with_line_and_column() {
        let e = first_error("Q {=a ~%abc%b}");
        assert!(e.to_string().starts_with("line 1, column 8: weight"), "{e}");
    }

    // ----- writing -----

    fn sample_questions() -> Vec<Question> {
        vec![
            Question {
                title: Some("Tuyển dụng".into()),
                topic: "Luật/Cán bộ".into(),
                explanation: Some("Điều 37: thi tuyển hoặc xét tuyển.".into()),
                ..question(
                    "Công chức được tuyển dụng qua hình thức nào?",
                    Answer::SingleChoice {
                        options: vec![
                            Choice {
                                feedback: Some("Đúng".into()),
                                ..choice("Thi tuyển hoặc xét tuyển", 100.0)
                            },
                            choice("Chỉ định", 0.0),
                            choice("Bổ nhiệm trực tiếp", -33.33333),
                        ],
                    },
                )
            },
            Question {
                topic: "Tin học".into(),
                tags: vec!["phần cứng".into(), "dễ".into()],
                ..question(
                    "Which are input devices?",
                    Answer::MultipleResponse {
                        options: vec![
                            choice("Keyboard", 50.0),
                            choice("Mouse", 50.0),
                            Choice {
                                feedback: Some("It shows, it does not read.".into()),
                                ..choice("Monitor", -100.0)
                            },
                        ],
                    },
                )
            },
            question(
                "The sun rises in the east.",
                Answer::TrueFalse {
                    correct: true,
                    feedback_true: Some("Yes.".into()),
                    feedback_false: None,
                },
            ),
            question(
                "The sun rises in the west.",
                Answer::TrueFalse {
                    correct: false,
                    feedback_true: Some("No: east.".into()),
                    feedback_false: Some("Right.".into()),
                },
            ),
            Question {
                topic: "Tin học".into(),
                ..question(
                    "Bao nhiêu bit trong một byte?",
                    Answer::Numeric {
                        answers: vec![NumericAnswer {
                            value: NumericValue::Exact {
                                value: 8.0,
                                tolerance: 0.0,
                            },
                            weight: 100.0,
                            feedback: Some("8 bit".into()),
                        }],
                    },
                )
            },
            question(
                "When was Grant born?",
                Answer::Numeric {
                    answers: vec![
                        NumericAnswer {
                            value: NumericValue::Exact {
                                value: 1822.0,
                                tolerance: 0.5,
                            },
                            weight: 100.0,
                            feedback: None,
                        },
                        NumericAnswer {
                            value: NumericValue::Range {
                                min: -1820.25,
                                max: 1824.0,
                            },
                            weight: 50.0,
                            feedback: Some("close".into()),
                        },
                    ],
                },
            ),
            question(
                "Thủ đô của Việt Nam là _____.",
                Answer::ShortAnswer {
                    answers: vec![
                        TextAnswer {
                            text: "Hà Nội".into(),
                            weight: 100.0,
                            feedback: None,
                        },
                        TextAnswer {
                            text: "Ha Noi".into(),
                            weight: 50.0,
                            feedback: Some("dấu!".into()),
                        },
                    ],
                    case_sensitive: false,
                },
            ),
            question(
                "Match the countries with their capitals.",
                Answer::Matching {
                    pairs: vec![
                        MatchPair {
                            prompt: "Canada".into(),
                            answer: "Ottawa".into(),
                        },
                        MatchPair {
                            prompt: "Italy".into(),
                            answer: "Rome".into(),
                        },
                        MatchPair {
                            prompt: String::new(),
                            answer: "Paris".into(),
                        },
                    ],
                },
            ),
            Question {
                format: TextFormat::Html,
                explanation: Some("<p>Structure, <em>evidence</em>.</p>".into()),
                ..question(
                    "<p>Trình bày ý kiến.</p>",
                    Answer::Essay {
                        marking_guide: None,
                    },
                )
            },
            Question {
                format: TextFormat::Plain,
                ..question(
                    "Grant is _____ in Grant's tomb.",
                    Answer::SingleChoice {
                        options: vec![
                            choice("buried", 0.0),
                            choice("entombed", 100.0),
                            choice("living", 0.0),
                        ],
                    },
                )
            },
        ]
    }

    #[test]
    fn every_kind_round_trips() {
        let qs = sample_questions();
        let export = write(&qs);
        assert!(export.notes.is_empty(), "{:?}", export.notes);
        let parsed = parse(&export.text);
        assert!(
            parsed.errors.is_empty(),
            "{:?}\n{}",
            parsed.errors,
            export.text
        );
        let back: Vec<Question> = parsed.questions.into_iter().map(|q| q.question).collect();
        // Grouped by topic: no topic first, then topics in order of first appearance.
        let order = [2, 3, 5, 6, 7, 8, 9, 0, 1, 4];
        let expected: Vec<Question> = order.iter().map(|&i| qs[i].clone()).collect();
        assert_eq!(back, expected, "\n{}", export.text);
    }

    #[test]
    fn export_groups_questions_under_category_lines() {
        let text = write(&sample_questions()).text;
        let categories: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("$CATEGORY:"))
            .collect();
        assert_eq!(
            categories,
            [
                "$CATEGORY: $course$/top/Luật/Cán bộ",
                "$CATEGORY: $course$/top/Tin học"
            ]
        );
        assert!(text.contains("// [tag:phần cứng] [tag:dễ]\n"), "{text}");
    }

    #[test]
    fn export_uses_missing_word_form_when_the_blank_is_inside_the_stem() {
        let text = write(&sample_questions()).text;
        assert!(
            text.contains("[plain]Grant is {~buried =entombed ~living} in Grant's tomb.\n"),
            "{text}"
        );
        assert!(
            text.contains("[markdown]Thủ đô của Việt Nam là {"),
            "{text}"
        );
    }

    #[test]
    fn special_characters_round_trip_through_escapes() {
        let nasty = "a ~ b = c # d { e } f : g \\ h \\n i\nj ::k:: #### l -> m %n% _____";
        let q = Question {
            title: Some("::Tiêu đề: {x}::".into()),
            explanation: Some(nasty.into()),
            ..question(
                nasty,
                Answer::SingleChoice {
                    options: vec![
                        Choice {
                            feedback: Some(nasty.into()),
                            ..choice(nasty, 100.0)
                        },
                        choice("%50% of people", 0.0),
                        choice("[html] is a tag", 0.0),
                    ],
                },
            )
        };
        let text = write(std::slice::from_ref(&q)).text;
        assert!(
            text.contains(r"a \~ b \= c \# d \{ e \} f \: g \\ h \\n i\nj"),
            "{text}"
        );
        assert_round_trip(&[q]);
    }

    #[test]
    fn texts_that_look_like_weights_or_markers_round_trip() {
        assert_round_trip(&[
            question(
                "[html] is not a format here",
                Answer::ShortAnswer {
                    answers: vec![
                        TextAnswer {
                            text: "%d%s".into(),
                            weight: 100.0,
                            feedback: Some("[plain] looks like a marker".into()),
                        },
                        TextAnswer {
                            text: "[markdown]".into(),
                            weight: 50.0,
                            feedback: None,
                        },
                    ],
                    case_sensitive: false,
                },
            ),
            question(
                "Q",
                Answer::MultipleResponse {
                    options: vec![choice("%x%", 0.0), choice("%100%", 100.0)],
                },
            ),
            question(
                "Which matches?",
                Answer::Matching {
                    pairs: vec![
                        MatchPair {
                            prompt: "[html]".into(),
                            answer: "a -> b".into(),
                        },
                        MatchPair {
                            prompt: "x".into(),
                            answer: "[plain]#".into(),
                        },
                        MatchPair {
                            prompt: "y".into(),
                            answer: "z".into(),
                        },
                    ],
                },
            ),
        ]);
    }

    #[test]
    fn blank_at_the_end_of_the_stem_round_trips() {
        assert_round_trip(&[question(
            "Thủ đô là _____",
            Answer::ShortAnswer {
                answers: vec![TextAnswer {
                    text: "Hà Nội".into(),
                    weight: 100.0,
                    feedback: None,
                }],
                case_sensitive: false,
            },
        )]);
    }

    #[test]
    fn single_choice_with_several_full_options_or_none_round_trips() {
        assert_round_trip(&[question(
            "All right",
            Answer::SingleChoice {
                options: vec![choice("a", 100.0), choice("b", 100.0)],
            },
        )]);
        let partial = question(
            "Best is half",
            Answer::SingleChoice {
                options: vec![choice("a", 0.0), choice("b", 50.0)],
            },
        );
        let export = write(std::slice::from_ref(&partial));
        assert_eq!(export.notes.len(), 1, "{:?}", export.notes);
        assert!(export.notes[0].contains("Moodle"));
        let back = parse(&export.text);
        assert_eq!(back.questions[0].question, partial);
    }

    #[test]
    fn ordering_questions_are_written_as_comments_and_noted() {
        let qs = [
            question(
                "Order the steps",
                Answer::Ordering {
                    items: vec!["Nộp hồ sơ".into(), "Thi".into(), "Công bố".into()],
                },
            ),
            question(
                "Q",
                Answer::TrueFalse {
                    correct: true,
                    feedback_true: None,
                    feedback_false: None,
                },
            ),
        ];
        let export = write(&qs);
        assert_eq!(export.notes.len(), 1);
        assert!(
            export.notes[0].starts_with("question 1:"),
            "{:?}",
            export.notes
        );
        assert!(
            export
                .text
                .contains("// In order: Nộp hồ sơ | Thi | Công bố\n")
        );
        let parsed = parse(&export.text);
        assert!(parsed.errors.is_empty() && parsed.warnings.is_empty());
        assert_eq!(parsed.questions.len(), 1);
    }

    #[test]
    fn what_gift_cannot_carry_is_noted() {
        let qs = [
            Question {
                title: Some("Case".into()),
                ..question(
                    "Q",
                    Answer::ShortAnswer {
                        answers: vec![TextAnswer {
                            text: "HN".into(),
                            weight: 100.0,
                            feedback: None,
                        }],
                        case_sensitive: true,
                    },
                )
            },
            question(
                "Essay",
                Answer::Essay {
                    marking_guide: Some("Look for A, B, C.".into()),
                },
            ),
            question(
                "Arrow",
                Answer::ShortAnswer {
                    answers: vec![TextAnswer {
                        text: "a -> b".into(),
                        weight: 100.0,
                        feedback: None,
                    }],
                    case_sensitive: false,
                },
            ),
            question(
                "Empty",
                Answer::SingleChoice {
                    options: vec![choice("only", 100.0)],
                },
            ),
        ];
        let notes = write(&qs).notes;
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(notes[0].starts_with("question 1 (\"Case\"): ") && notes[0].contains("case"));
        assert!(notes[1].contains("marking guide"));
        assert!(notes[2].contains("matching"));
        assert!(notes[3].contains("reading the file back gives a different question"));
    }

    #[test]
    fn difficulty_points_and_untrimmed_text_come_back_normalised() {
        let q = Question {
            difficulty: 5,
            points: 3.0,
            title: Some("  ".into()),
            tags: vec![" a ".into()],
            ..question(
                "  Stem \r\n",
                Answer::TrueFalse {
                    correct: false,
                    feedback_true: Some(String::new()),
                    feedback_false: None,
                },
            )
        };
        let back = parse(&write(std::slice::from_ref(&q)).text);
        let back = &back.questions[0].question;
        assert_eq!((back.difficulty, back.points), (2, 1.0));
        assert_eq!(back.title, None);
        assert_eq!(back.stem, "Stem");
        assert_eq!(back.tags, ["a"]);
        assert_eq!(
            back.answer,
            Answer::TrueFalse {
                correct: false,
                feedback_true: None,
                feedback_false: None
            }
        );
    }

    // ----- properties -----

    const ALPHABET: &[char] = &[
        'a', 'b', 'Z', '0', '7', ' ', ' ', '\n', '\t', 'à', 'ệ', 'đ', 'Ư', 'ỹ', '~', '=', '#', '{',
        '}', ':', '\\', '%', '[', ']', '-', '_', '.', '/', '*', '<', '$', '\'', '"',
    ];

    const NOISE: &[&str] = &[
        "{",
        "}",
        "~",
        "=",
        "#",
        "####",
        "%",
        "%50%",
        "%abc%",
        ":",
        "::",
        "->",
        "..",
        "\\",
        "\\n",
        "\\{",
        "[html]",
        "[",
        "]",
        "T",
        "FALSE",
        "1.5",
        "-3",
        ",",
        " ",
        "\n",
        "\n\n",
        "\r\n",
        "// c\n",
        "$CATEGORY: $course$/top/x\n",
        "ệ",
        "_____",
        "\u{feff}",
        "[tag:t]",
    ];

    fn text_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(ALPHABET), 1..16)
            .prop_map(|cs| cs.into_iter().collect::<String>().trim().to_owned())
            .prop_filter("non-empty", |s| !s.is_empty())
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text_strategy())
    }

    fn weight_strategy() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(50.0),
            Just(33.33333),
            Just(-100.0),
            Just(-12.5),
            (-100.0..100.0f64)
        ]
    }

    fn choice_strategy(weight: impl Strategy<Value = f64>) -> impl Strategy<Value = Choice> {
        (text_strategy(), weight, opt_text()).prop_map(|(text, weight, feedback)| Choice {
            text,
            weight,
            feedback,
        })
    }

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), Just(-5.5), (-1e6..1e6f64)]
    }

    fn answer_strategy() -> impl Strategy<Value = Answer> {
        let single = (
            choice_strategy(Just(100.0)),
            prop::collection::vec(choice_strategy(weight_strategy()), 1..4),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(right, mut others, at)| {
                let at = at.index(others.len() + 1);
                others.insert(at, right);
                Answer::SingleChoice { options: others }
            });
        let multiple = (
            prop::collection::vec(choice_strategy(1.0..=100.0f64), 1..3),
            prop::collection::vec(choice_strategy(weight_strategy()), 1..3),
        )
            .prop_map(|(mut right, others)| {
                right.extend(others);
                Answer::MultipleResponse { options: right }
            });
        let true_false =
            (any::<bool>(), opt_text(), opt_text()).prop_map(|(c, t, f)| Answer::TrueFalse {
                correct: c,
                feedback_true: t,
                feedback_false: f,
            });
        let value = prop_oneof![
            (number(), 0.0..100.0f64)
                .prop_map(|(value, tolerance)| NumericValue::Exact { value, tolerance }),
            (number(), 0.0..1000.0f64).prop_map(|(min, span)| NumericValue::Range {
                min,
                max: min + span
            }),
        ];
        let numeric = (
            value.clone(),
            opt_text(),
            prop::collection::vec((value, weight_strategy(), opt_text()), 0..3),
        )
            .prop_map(|(v, f, rest)| {
                let mut answers = vec![NumericAnswer {
                    value: v,
                    weight: 100.0,
                    feedback: f,
                }];
                answers.extend(
                    rest.into_iter()
                        .map(|(value, weight, feedback)| NumericAnswer {
                            value,
                            weight,
                            feedback,
                        }),
                );
                Answer::Numeric { answers }
            });
        let short = prop::collection::vec((text_strategy(), weight_strategy(), opt_text()), 0..3)
            .prop_flat_map(|rest| {
                (text_strategy(), opt_text()).prop_map(move |(text, feedback)| {
                    let mut answers = vec![TextAnswer {
                        text,
                        weight: 100.0,
                        feedback,
                    }];
                    answers.extend(rest.iter().cloned().map(|(text, weight, feedback)| {
                        TextAnswer {
                            text,
                            weight,
                            feedback,
                        }
                    }));
                    Answer::ShortAnswer {
                        answers,
                        case_sensitive: false,
                    }
                })
            })
            .prop_filter("`->` makes matching", |a| match a {
                Answer::ShortAnswer { answers, .. } => {
                    answers.iter().all(|a| !a.text.contains("->"))
                }
                _ => true,
            });
        let pair = (text_strategy(), text_strategy())
            .prop_map(|(prompt, answer)| MatchPair { prompt, answer });
        let matching = (
            prop::collection::vec(pair, 2..5),
            prop::option::of(text_strategy()),
        )
            .prop_map(|(mut pairs, distractor)| {
                if let Some(answer) = distractor {
                    pairs.push(MatchPair {
                        prompt: String::new(),
                        answer,
                    });
                }
                Answer::Matching { pairs }
            })
            .prop_filter("`->` in a prompt", |a| match a {
                Answer::Matching { pairs } => pairs.iter().all(|p| !p.prompt.contains("->")),
                _ => true,
            });
        let essay = Just(Answer::Essay {
            marking_guide: None,
        });
        prop_oneof![
            single, multiple, true_false, numeric, short, matching, essay
        ]
    }

    fn question_strategy() -> impl Strategy<Value = Question> {
        let format = prop_oneof![
            Just(TextFormat::Markdown),
            Just(TextFormat::Html),
            Just(TextFormat::Plain)
        ];
        let tag = "[a-zà-ỹ0-9 ]{1,8}".prop_map(|s| s.trim().to_owned());
        (
            opt_text(),
            text_strategy(),
            format,
            answer_strategy(),
            prop::collection::vec(tag, 0..3),
            opt_text(),
        )
            .prop_map(
                |(title, stem, format, answer, tags, explanation)| Question {
                    title,
                    topic: String::new(),
                    difficulty: 2,
                    points: 1.0,
                    stem,
                    format,
                    answer,
                    tags: tags.into_iter().filter(|t| !t.is_empty()).collect(),
                    explanation,
                },
            )
    }

    proptest! {
        // No regression files: they would land in the shared source tree.
        #![proptest_config(ProptestConfig {
            cases: 300,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn any_gift_question_round_trips(q in question_strategy()) {
            let export = write(std::slice::from_ref(&q));
            prop_assert!(export.notes.is_empty(), "notes {:?}\n{}", export.notes, export.text);
            let parsed = parse(&export.text);
            prop_assert!(parsed.errors.is_empty(), "errors {:?}\n{}", parsed.errors, export.text);
            prop_assert_eq!(parsed.questions.len(), 1);
            prop_assert_eq!(&parsed.questions[0].question, &q, "\n{}", export.text);
        }

        #[test]
        fn whatever_parses_is_written_back_the_same(
            pieces in prop::collection::vec(prop::sample::select(NOISE), 0..60)
        ) {
            let parsed = parse(&pieces.concat());
            let first: Vec<Question> = parsed.questions.into_iter().map(|q| q.question).collect();
            let export = write(&first);
            // A noted question is one GIFT cannot carry; the rest must come back.
            prop_assume!(export.notes.iter().all(|n| !n.contains("->")));
            prop_assert!(export.notes.iter().all(|n| !n.contains("reading the file back")),
                "{:?}\n{}", export.notes, export.text);
            let again = parse(&export.text);
            prop_assert!(again.errors.is_empty(), "{:?}\n{}", again.errors, export.text);
            let again: Vec<Question> = again.questions.into_iter().map(|q| q.question).collect();
            prop_assert_eq!(again, first, "\n{}", export.text);
        }

        #[test]
        fn parsing_gift_shaped_noise_never_panics_and_locates_problems(
            pieces in prop::collection::vec(prop::sample::select(NOISE), 0..60)
        ) {
            let src: String = pieces.concat();
            let lines = src.lines().count().max(1);
            let parsed = parse(&src);
            for p in parsed.errors.iter().chain(&parsed.warnings) {
                prop_assert!(p.line >= 1 && p.line <= lines, "{p} in {src:?}");
            }
        }
    }
}
