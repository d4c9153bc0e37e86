//! Spreadsheets (CSV and XLSX) as boards write them in Excel: one row per
//! question under a header row. The same text is in
//! `question-banks/SPREADSHEET.md` for board members.
//!
//! # Column template
//!
//! The first non-empty row is the header. Column names are matched without
//! regard to case, spaces, `_` or `-` ("Option A", "option_a" and "OPTION-A"
//! are the same); the Vietnamese names in the second column work too. Only
//! `kind` and `stem` are required; columns may come in any order; a row-number
//! column (`stt`, `tt`, `no`, `#`) is ignored; other unknown columns are ignored
//! with a warning. Rows that are entirely empty are skipped. (The main names
//! are below; `SPREADSHEET.md` lists every accepted name, and a test checks
//! that it does.)
//!
//! | column | also accepted | what to write |
//! |---|---|---|
//! | `key` | `id`, `mã`, `mã câu hỏi` | Optional stable key of the question in the bank (`gk-017`); unique in the file. |
//! | `topic` | `chủ đề`, `category` | Topic path, levels separated by `/` (`Luật/Cán bộ`). |
//! | `kind` | `type`, `loại`, `loại câu hỏi` | `single_choice`, `multiple_response`, `true_false`, `numeric`, `short_answer`, `matching`, `ordering`, `essay` (or the aliases below). |
//! | `difficulty` | `độ khó`, `mức độ` | 1 (easiest) to 5; empty means 3. |
//! | `points` | `điểm` | Points, e.g. `1` or `0,5`; empty means 1. |
//! | `title` | `tiêu đề`, `name` | Optional short title. |
//! | `stem` | `câu hỏi`, `nội dung`, `question` | The question text. Required. |
//! | `format` | `định dạng` | `markdown` (default), `html` or `plain`. |
//! | `option_a` … `option_h` | `a` … `h`, `phương án a`, `đáp án a`, `lựa chọn a` | Options of choice questions; `left -> right` pairs for matching; the items in their correct order for ordering. More columns (`option_i`, … `option_z`, `option_aa`, …) may be added. Options must be consecutive. |
//! | `correct` | `đáp án`, `đáp án đúng` | Choice questions: the letter of the right option (`B`), several letters for multiple response (`A,C`: the marks are shared equally, other options count 0), or weights in percent (`A=50;C=50;D=-50`; options not named count 0). True/false: `true`/`false` (`đúng`/`sai`). |
//! | `answer` | `câu trả lời`, `trả lời`, `đáp số` | Numeric: `3.14`, `3.14±0.01` (also `3.14+-0.01`), or a range `1..5`. Short answer: the accepted text. Several answers separated by `\|`, each optionally with a weight in percent: `Hà Nội=100\|Ha Noi=50` (no weight means 100). Essay: the marking guide for markers. |
//! | `case_sensitive` | `phân biệt hoa thường` | Short answer only: `yes` to compare letter case; empty means no. |
//! | `feedback` | `phản hồi`, `nhận xét` | Optional feedback per answer, one per line (Alt+Enter in Excel), each line starting with a label: the option letter (`A: Sai vì …`), the answer number for numeric and short answer (`1: …`), `true:` / `false:` for true/false. A line without a label continues the one before. |
//! | `tags` | `thẻ`, `từ khóa` | Tags separated by commas. |
//! | `explanation` | `giải thích`, `lời giải` | Shown to candidates after release. |
//! | `status` | `trạng thái` | `draft` (default), `approved` or `retired` (`nháp`, `đã duyệt`, `ngừng dùng`). |
//!
//! Kind aliases: `single`, `mc`, `một đáp án`, `trắc nghiệm`; `multiple`,
//! `nhiều đáp án`; `tf`, `đúng/sai`, `đúng sai`; `number`, `numerical`, `số`;
//! `short`, `trả lời ngắn`, `điền từ`; `match`, `ghép nối`, `nối`; `order`,
//! `sắp xếp`; `tự luận`.
//!
//! Decimals may be written with `.` or `,` (`0,5`), without thousands
//! separators. Weights and points use the same rule.
//!
//! # Files
//!
//! - CSV: UTF-8 with or without a byte-order mark; the delimiter (`,`, `;` as
//!   Excel writes it in the Vietnamese locale, or tab) is taken from the header
//!   line; an Excel `sep=;` first line is honoured. Other encodings are refused
//!   with a hint to save as "CSV UTF-8".
//! - XLSX (save XLS and ODS as XLSX): the first sheet, read within the
//!   limits of `web::upload`. Numbers come back as numbers
//!   (`1` as `1.0`), which are read as the text `1`. A formula is read as its
//!   text (`=SUM(A1:A3)`), never as its result, with a warning; a date cell is
//!   an error (format the column as Text).
//!
//! Problems name the spreadsheet row (header = row 1 when it is the first row)
//! and the column number, and the message names the column as written in the
//! header: `column 'correct': 'E' is not one of the options A–D`.
//!
//! Nothing in a cell is evaluated: HTML and formulas are kept as text and
//! sanitised where they are rendered. When writing CSV, a cell that Excel would
//! take for a formula (starting with `=`, `+`, `-`, `@`) gets a leading `'`,
//! which the reader removes again.
//!
//! # Writing and round trips
//!
//! `write_csv` and `write_xlsx` write every column above (at least options
//! A–H). Reading what they wrote gives the same questions, keys and statuses,
//! except: leading and trailing spaces of cells are trimmed; a tag cannot
//! contain a comma; a feedback line that itself starts with a label such as
//! `B:` splits the feedback; provenance other than key and status (version,
//! author, reviewer) has no column.

use std::collections::HashMap;

use calamine::Data;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::banks::model::{
    Answer, Choice, ImportedQuestion, Kind, MatchPair, NumericAnswer, NumericValue, Parsed,
    Problem, Provenance, Question, Status, TextAnswer, TextFormat,
};
use crate::web::upload::{Budget, Refused, SheetError, check_upload_size, read_first_sheet};

/// Difficulty of a row whose `difficulty` cell is empty.
pub const DEFAULT_DIFFICULTY: u8 = 3;
/// Points of a row whose `points` cell is empty.
pub const DEFAULT_POINTS: f64 = 1.0;

/// Reads a CSV file (UTF-8, comma, semicolon or tab separated).
pub fn parse_csv(bytes: &[u8]) -> Parsed {
    read_csv(bytes).unwrap_or_else(refused)
}

/// Reads a CSV file within the limits of `web::upload`.
pub fn read_csv(bytes: &[u8]) -> Result<Parsed, Refused> {
    let mut parsed = Parsed::default();
    match csv_table(bytes) {
        Ok(table) => read_table(&table, &mut parsed),
        Err(Unread::Problem(problem)) => parsed.errors.push(problem),
        Err(Unread::Limit(r)) => return Err(r),
    }
    Ok(parsed)
}

/// Reads the first sheet of an XLSX workbook; a limit it goes past is one
/// error of the file.
pub fn parse_xlsx(bytes: &[u8]) -> Parsed {
    read_xlsx(bytes).unwrap_or_else(refused)
}

/// Reads the first sheet of an XLSX workbook within the limits of
/// `web::upload`; past one the whole file is refused.
pub fn read_xlsx(bytes: &[u8]) -> Result<Parsed, Refused> {
    let mut parsed = Parsed::default();
    match workbook_table(bytes, &mut parsed) {
        Ok(table) => read_table(&table, &mut parsed),
        Err(Unread::Problem(problem)) => parsed.errors.push(problem),
        Err(Unread::Limit(r)) => return Err(r),
    }
    Ok(parsed)
}

fn refused(r: Refused) -> Parsed {
    let mut parsed = Parsed::default();
    parsed.errors.push(file_problem(r.english()));
    parsed
}

/// Writes questions as CSV: UTF-8 with a byte-order mark (so that Excel reads
/// Vietnamese correctly), comma separated, CRLF line ends.
pub fn write_csv<'a>(
    questions: impl IntoIterator<Item = (&'a Question, &'a Provenance)>,
) -> String {
    let mut out = crate::web::csv::Csv::new();
    for row in table_rows(questions) {
        out.text_row(row);
    }
    out.finish()
}

/// Writes questions as an XLSX workbook: bold, frozen header row, columns
/// sized for their content and formatted as text so that what a board member
/// types later stays as typed.
pub fn write_xlsx<'a>(
    questions: impl IntoIterator<Item = (&'a Question, &'a Provenance)>,
) -> Result<Vec<u8>, String> {
    workbook(&table_rows(questions), false)
}

/// The downloadable template: the header and example rows, plus a second
/// sheet that explains each column.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let examples = examples();
    let rows = table_rows(examples.iter().map(|(q, p)| (q, p)));
    workbook(&rows, true)
}

/// The template as CSV: the header and example rows.
pub fn template_csv() -> String {
    let examples = examples();
    write_csv(examples.iter().map(|(q, p)| (q, p)))
}

// ---------------------------------------------------------------------------
// Columns.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Key,
    Topic,
    Kind,
    Difficulty,
    Points,
    Title,
    Stem,
    Format,
    /// Zero-based: 0 is option A.
    Option(usize),
    Correct,
    Answer,
    CaseSensitive,
    Feedback,
    Tags,
    Explanation,
    Status,
}

const FIELDS_BEFORE_OPTIONS: [Field; 8] = [
    Field::Key,
    Field::Topic,
    Field::Kind,
    Field::Difficulty,
    Field::Points,
    Field::Title,
    Field::Stem,
    Field::Format,
];

const FIELDS_AFTER_OPTIONS: [Field; 7] = [
    Field::Correct,
    Field::Answer,
    Field::CaseSensitive,
    Field::Feedback,
    Field::Tags,
    Field::Explanation,
    Field::Status,
];

/// The template always offers A–H; more columns appear when needed.
const TEMPLATE_OPTIONS: usize = 8;

/// Canonical name, other accepted names (already normalised), width in Excel
/// characters, and the guide text of the template's second sheet.
fn column_spec(field: Field) -> (&'static str, &'static [&'static str], f64, &'static str) {
    match field {
        Field::Key => (
            "key",
            &["id", "mã", "mã câu hỏi", "mã câu"],
            10.0,
            "Optional stable key of the question in the bank (gk-017); unique in the file.",
        ),
        Field::Topic => (
            "topic",
            &["chủ đề", "category"],
            22.0,
            "Topic path, levels separated by / (Luật/Cán bộ).",
        ),
        Field::Kind => (
            "kind",
            &["type", "loại", "loại câu hỏi"],
            18.0,
            "single_choice, multiple_response, true_false, numeric, short_answer, matching, ordering or essay. Required.",
        ),
        Field::Difficulty => (
            "difficulty",
            &["độ khó", "mức độ"],
            10.0,
            "1 (easiest) to 5; empty means 3.",
        ),
        Field::Points => (
            "points",
            &["point", "điểm"],
            8.0,
            "Points (1 or 0,5); empty means 1.",
        ),
        Field::Title => ("title", &["tiêu đề", "name"], 18.0, "Optional short title."),
        Field::Stem => (
            "stem",
            &["câu hỏi", "nội dung", "nội dung câu hỏi", "question"],
            60.0,
            "The question text. Required.",
        ),
        Field::Format => (
            "format",
            &["định dạng"],
            10.0,
            "markdown (default), html or plain.",
        ),
        Field::Option(_) => (
            "option",
            &[],
            24.0,
            "option_a, option_b, …: the options of choice questions; 'left -> right' pairs for matching ('-> right' alone is a distractor); the items in their correct order for ordering. Add option_i, option_j … when you need more.",
        ),
        Field::Correct => (
            "correct",
            &["đáp án", "đáp án đúng", "correct answer"],
            14.0,
            "Choice: the right letter (B), several letters for multiple response (A,C shares the marks equally), or weights in percent (A=50;C=50;D=-50). True/false: true or false (đúng/sai).",
        ),
        Field::Answer => (
            "answer",
            &["answers", "câu trả lời", "trả lời", "đáp số"],
            28.0,
            "Numeric: 3.14, 3.14±0.01 or 1..5. Short answer: the accepted text. Several separated by |, each optionally with a weight: Hà Nội=100|Ha Noi=50. Essay: the marking guide.",
        ),
        Field::CaseSensitive => (
            "case_sensitive",
            &["phân biệt hoa thường"],
            10.0,
            "Short answer: yes to compare letter case; empty means no.",
        ),
        Field::Feedback => (
            "feedback",
            &["phản hồi", "nhận xét"],
            30.0,
            "Optional, one line per answer (Alt+Enter) starting with its label: 'A: …' for options, '1: …' for numeric and short answers, 'true: …' / 'false: …'.",
        ),
        Field::Tags => (
            "tags",
            &["tag", "thẻ", "từ khóa", "từ khoá"],
            18.0,
            "Tags separated by commas.",
        ),
        Field::Explanation => (
            "explanation",
            &["giải thích", "lời giải"],
            40.0,
            "Shown to candidates after release.",
        ),
        Field::Status => (
            "status",
            &["trạng thái"],
            10.0,
            "draft (default), approved or retired.",
        ),
    }
}

fn column_name(field: Field) -> String {
    match field {
        Field::Option(i) => format!("option_{}", option_letters(i).to_lowercase()),
        other => column_spec(other).0.to_owned(),
    }
}

/// Excel-style letters: 0 → A, 25 → Z, 26 → AA.
fn option_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn option_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let mut n = 0usize;
    for c in letters.to_ascii_uppercase().bytes() {
        n = n * 26 + usize::from(c - b'A' + 1);
    }
    Some(n - 1)
}

fn normalise(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn field_for_header(header: &str) -> Option<Field> {
    let h = normalise(header);
    let all = FIELDS_BEFORE_OPTIONS.iter().chain(&FIELDS_AFTER_OPTIONS);
    for &field in all {
        let (name, aliases, _, _) = column_spec(field);
        if normalise(name) == h || aliases.contains(&h.as_str()) {
            return Some(field);
        }
    }
    for prefix in ["option ", "phương án ", "lựa chọn ", "đáp án ", "pa "] {
        if let Some(letters) = h.strip_prefix(prefix) {
            return option_index(letters).map(Field::Option);
        }
    }
    // A bare letter is an option column; longer words are not.
    if h.chars().count() == 1 {
        return option_index(&h).map(Field::Option);
    }
    None
}

/// Headers of the row-number column Vietnamese sheets usually start with.
const ROW_NUMBER_HEADERS: [&str; 5] = ["stt", "tt", "số thứ tự", "no", "#"];

fn parse_kind(s: &str) -> Option<Kind> {
    let k = normalise(s);
    if let Some(kind) = Kind::ALL
        .into_iter()
        .find(|kind| normalise(kind.as_str()) == k)
    {
        return Some(kind);
    }
    Some(match k.as_str() {
        "single" | "mc" | "multiple choice" | "multichoice" | "một đáp án" | "trắc nghiệm"
        | "một lựa chọn" => Kind::SingleChoice,
        "multiple" | "multi" | "nhiều đáp án" | "nhiều lựa chọn" => {
            Kind::MultipleResponse
        }
        "tf" | "truefalse" | "true/false" | "đúng/sai" | "đúng sai" => Kind::TrueFalse,
        "number" | "numerical" | "số" | "điền số" => Kind::Numeric,
        "short" | "shortanswer" | "trả lời ngắn" | "điền từ" => Kind::ShortAnswer,
        "match" | "ghép" | "ghép nối" | "nối" => Kind::Matching,
        "order" | "sắp xếp" | "thứ tự" => Kind::Ordering,
        "tự luận" => Kind::Essay,
        _ => return None,
    })
}

fn parse_status(s: &str) -> Option<Status> {
    let k = normalise(s);
    if let Some(status) = Status::parse(&k) {
        return Some(status);
    }
    Some(match k.as_str() {
        "nháp" | "bản nháp" => Status::Draft,
        "đã duyệt" | "duyệt" => Status::Approved,
        "ngừng dùng" | "ngừng sử dụng" | "đã ngừng" => Status::Retired,
        _ => return None,
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    match normalise(s).as_str() {
        "true" | "t" | "yes" | "y" | "1" | "đúng" | "đ" | "có" => Some(true),
        "false" | "f" | "no" | "n" | "0" | "sai" | "s" | "không" => Some(false),
        _ => None,
    }
}

fn parse_format(s: &str) -> Option<TextFormat> {
    match normalise(s).as_str() {
        "" | "markdown" | "md" => Some(TextFormat::Markdown),
        "html" => Some(TextFormat::Html),
        "plain" | "plain text" | "text" => Some(TextFormat::Plain),
        _ => None,
    }
}

/// A decimal with `.` or, as Vietnamese Excel writes it, `,`.
fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = if s.contains(',') && !s.contains('.') {
        s.replace(',', ".")
    } else {
        s.to_owned()
    };
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn num(v: f64) -> String {
    format!("{v}")
}

// ---------------------------------------------------------------------------
// Reading files into a table of text cells.

struct Table {
    rows: Vec<SheetRow>,
    /// Spreadsheet column number of the first cell of each row.
    first_column: usize,
    /// (row, column) of cells already reported while reading the file; the
    /// rows are refused and no second message is given for those cells.
    bad_cells: Vec<(usize, usize)>,
}

struct SheetRow {
    number: usize,
    cells: Vec<String>,
}

fn file_problem(message: String) -> Problem {
    Problem {
        line: 1,
        column: None,
        message,
    }
}

fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut in_quotes = false;
    let (mut commas, mut semicolons, mut tabs) = (0, 0, 0);
    for &b in bytes {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            b',' if !in_quotes => commas += 1,
            b';' if !in_quotes => semicolons += 1,
            b'\t' if !in_quotes => tabs += 1,
            _ => {}
        }
    }
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

fn csv_table(bytes: &[u8]) -> Result<Table, Unread> {
    check_upload_size(bytes)?;
    let mut budget = Budget::default();
    let mut bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Excel's "sep=;" line fixes the delimiter and is not shown as a row.
    let mut delimiter = None;
    if let Some(rest) = bytes.strip_prefix(b"sep=")
        && let Some(&d) = rest.first()
    {
        let line_end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        if rest[1..line_end].iter().all(|b| b.is_ascii_whitespace()) {
            delimiter = Some(d);
            bytes = &rest[line_end..];
        }
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(bytes));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut rows = Vec::new();
    // Excel shows a blank line as an empty row, which the CSV reader skips; a
    // record's position is where reading began, before any blank lines.
    let mut previous_row = 0;
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line());
            file_problem(format!("the CSV cannot be read near line {line}: {e}"))
        })?;
        let mut start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(0);
        // After a CRLF record end the reader's position sits on the LF.
        if start > 0 && bytes.get(start - 1) == Some(&b'\r') && bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let number = previous_row + 1 + blank_lines(bytes.get(start..).unwrap_or_default());
        previous_row = number;
        budget.row(number, record.len())?;
        let mut cells = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| Problem {
                line: number,
                column: Some(i + 1),
                message: "the file is not UTF-8 text; in Excel choose \"Save as\" → \"CSV UTF-8 (Comma delimited)\", or upload the .xlsx file".to_owned(),
            })?;
            budget.text(text, || format!("row {number}, column {}", i + 1))?;
            cells.push(crate::web::csv::unguard(text).to_owned());
        }
        rows.push(SheetRow { number, cells });
    }
    Ok(Table {
        rows,
        first_column: 1,
        bad_cells: Vec::new(),
    })
}

fn blank_lines(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = bytes;
    loop {
        if let Some(r) = rest.strip_prefix(b"\r\n") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix(b"\n") {
            rest = r;
        } else {
            return count;
        }
        count += 1;
    }
}

/// Why a file gave no table: a problem in it, or a limit it went past (which
/// refuses the whole upload).
enum Unread {
    Problem(Problem),
    Limit(Refused),
}

impl From<Problem> for Unread {
    fn from(p: Problem) -> Self {
        Unread::Problem(p)
    }
}

impl From<Refused> for Unread {
    fn from(r: Refused) -> Self {
        Unread::Limit(r)
    }
}

fn workbook_table(bytes: &[u8], parsed: &mut Parsed) -> Result<Table, Unread> {
    // Read within the limits of `web::upload`: the declared dimension and the
    // zip's own sizes are never trusted.
    let sheet = read_first_sheet(bytes).map_err(|e| match e {
        SheetError::Limit(r) => Unread::Limit(r),
        SheetError::Unreadable(detail) => Unread::Problem(file_problem(format!(
            "the file is not a spreadsheet that can be read (xlsx): {detail}"
        ))),
    })?;
    let first_col = sheet.first_column;
    let first_column = first_col + 1;
    let mut rows = Vec::new();
    let mut bad_cells = Vec::new();
    for row in sheet.rows {
        let number = row.number;
        let mut cells = Vec::with_capacity(row.cells.len().saturating_sub(first_col));
        for (c, cell) in row.cells.into_iter().enumerate().skip(first_col) {
            let column = c + 1;
            // Formulas are read as text: a stem such as "=1+1" must stay "=1+1".
            if let Some(formula) = cell.formula {
                let text = format!("={formula}");
                parsed.warnings.push(Problem {
                    line: number,
                    column: Some(column),
                    message: format!(
                        "the cell holds a formula; its text '{text}' is imported, not its result"
                    ),
                });
                cells.push(text);
                continue;
            }
            let cell = cell.value;
            cells.push(match cell {
                Data::Empty => String::new(),
                Data::String(s) => s,
                Data::Int(i) => i.to_string(),
                // Excel keeps every number as a float: a typed 1 arrives as 1.0.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                Data::Float(f) => num(f),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
                    let shown = match &cell {
                        Data::DateTime(d) if d.is_datetime() => {
                            let (y, m, day, h, min, _, _) = d.to_ymd_hms_milli();
                            if h == 0 && min == 0 {
                                format!("{day:02}/{m:02}/{y}")
                            } else {
                                format!("{day:02}/{m:02}/{y} {h:02}:{min:02}")
                            }
                        }
                        other => other.to_string(),
                    };
                    bad_cells.push((number, column));
                    parsed.errors.push(Problem {
                        line: number,
                        column: Some(column),
                        message: format!(
                            "Excel turned this cell into the date or time {shown}; format the column as Text and type the value again"
                        ),
                    });
                    shown
                }
                Data::Error(e) => {
                    bad_cells.push((number, column));
                    parsed.errors.push(Problem {
                        line: number,
                        column: Some(column),
                        message: format!("the cell holds the spreadsheet error {e}"),
                    });
                    String::new()
                }
            });
        }
        rows.push(SheetRow { number, cells });
    }
    Ok(Table {
        rows,
        first_column,
        bad_cells,
    })
}

// ---------------------------------------------------------------------------
// Reading rows into questions.

struct Header {
    /// (field, index into a row's cells, the name as written in the file)
    columns: Vec<(Field, usize, String)>,
    first_column: usize,
    /// Option columns sorted by letter.
    options: Vec<(usize, usize)>,
}

impl Header {
    fn find(&self, field: Field) -> Option<&(Field, usize, String)> {
        self.columns.iter().find(|(f, _, _)| *f == field)
    }
}

fn read_table(table: &Table, parsed: &mut Parsed) {
    let mut rows = table
        .rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
    let Some(header_row) = rows.next() else {
        parsed.errors.push(file_problem(
            "the sheet is empty; put a header row (kind, stem, …) and one question per row on the first sheet".to_owned(),
        ));
        return;
    };
    let Some(header) = read_header(header_row, table.first_column, parsed) else {
        return;
    };
    let mut keys: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let mut reader = RowReader {
            header: &header,
            row,
            bad_cells: &table.bad_cells,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let question = reader.question();
        let provenance = reader.provenance(&mut keys);
        parsed.warnings.append(&mut reader.warnings);
        let bad_cell = table.bad_cells.iter().any(|(r, _)| *r == row.number);
        if reader.errors.is_empty()
            && !bad_cell
            && let Some(question) = question
        {
            parsed.questions.push(ImportedQuestion {
                line: row.number,
                question,
                provenance,
            });
        }
        parsed.errors.append(&mut reader.errors);
    }
}

fn read_header(row: &SheetRow, first_column: usize, parsed: &mut Parsed) -> Option<Header> {
    let mut columns: Vec<(Field, usize, String)> = Vec::new();
    let errors_before = parsed.errors.len();
    for (i, cell) in row.cells.iter().enumerate() {
        let label = cell.trim();
        if label.is_empty() {
            continue;
        }
        let at = |message: String| Problem {
            line: row.number,
            column: Some(first_column + i),
            message,
        };
        match field_for_header(label) {
            None if ROW_NUMBER_HEADERS.contains(&normalise(label).as_str()) => {}
            None => parsed.warnings.push(at(format!(
                "column '{label}' is not a known column and is ignored"
            ))),
            Some(field) => match columns.iter().find(|(f, _, _)| *f == field) {
                Some((_, other, other_label)) => parsed.errors.push(at(format!(
                    "column '{label}' repeats column '{other_label}' (column {})",
                    first_column + other
                ))),
                None => columns.push((field, i, label.to_owned())),
            },
        }
    }
    for required in [Field::Kind, Field::Stem] {
        if !columns.iter().any(|(f, _, _)| *f == required) {
            parsed.errors.push(Problem {
                line: row.number,
                column: None,
                message: format!(
                    "the header row has no '{}' column; the first row must name the columns (see the template)",
                    column_name(required)
                ),
            });
        }
    }
    if parsed.errors.len() > errors_before {
        return None;
    }
    let mut options: Vec<(usize, usize)> = columns
        .iter()
        .filter_map(|(f, i, _)| match f {
            Field::Option(letter) => Some((*letter, *i)),
            _ => None,
        })
        .collect();
    options.sort_unstable();
    Some(Header {
        columns,
        first_column,
        options,
    })
}

struct RowReader<'a> {
    header: &'a Header,
    row: &'a SheetRow,
    bad_cells: &'a [(usize, usize)],
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl RowReader<'_> {
    fn cell(&self, field: Field) -> &str {
        self.header
            .find(field)
            .and_then(|(_, i, _)| self.row.cells.get(*i))
            .map_or("", |c| c.trim())
    }

    fn located(&self, field: Field, message: &str) -> Problem {
        match self.header.find(field) {
            Some((_, i, label)) => Problem {
                line: self.row.number,
                column: Some(self.header.first_column + i),
                message: format!("column '{label}': {message}"),
            },
            None => Problem {
                line: self.row.number,
                column: None,
                message: format!(
                    "column '{}' is needed but the header row does not have it: {message}",
                    column_name(field)
                ),
            },
        }
    }

    fn error(&mut self, field: Field, message: &str) {
        let p = self.located(field, message);
        if let Some(column) = p.column
            && self.bad_cells.contains(&(p.line, column))
        {
            return;
        }
        self.errors.push(p);
    }

    fn warn(&mut self, field: Field, message: &str) {
        let p = self.located(field, message);
        self.warnings.push(p);
    }

    fn optional_text(&self, field: Field) -> Option<String> {
        let text = self.cell(field);
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn provenance(&mut self, keys: &mut HashMap<String, usize>) -> Provenance {
        let key = self.optional_text(Field::Key);
        if let Some(k) = &key {
            if let Some(first) = keys.get(k) {
                let message = format!("key '{k}' is already used on row {first}");
                self.error(Field::Key, &message);
            } else {
                keys.insert(k.clone(), self.row.number);
            }
        }
        let status_text = self.cell(Field::Status).to_owned();
        let status = if status_text.is_empty() {
            Status::Draft
        } else {
            parse_status(&status_text).unwrap_or_else(|| {
                self.error(
                    Field::Status,
                    &format!("'{status_text}' is not a status; write draft, approved or retired"),
                );
                Status::Draft
            })
        };
        Provenance {
            key,
            status,
            ..Provenance::default()
        }
    }

    fn question(&mut self) -> Option<Question> {
        let kind_text = self.cell(Field::Kind).to_owned();
        let kinds = Kind::ALL.map(Kind::as_str).join(", ");
        let kind = if kind_text.is_empty() {
            self.error(
                Field::Kind,
                &format!("the kind is empty; write one of {kinds}"),
            );
            None
        } else {
            let kind = parse_kind(&kind_text);
            if kind.is_none() {
                self.error(
                    Field::Kind,
                    &format!("'{kind_text}' is not a kind of question; write one of {kinds}"),
                );
            }
            kind
        };

        let stem = self.cell(Field::Stem).to_owned();
        if stem.is_empty() {
            self.error(Field::Stem, "the question text is empty");
        }

        let difficulty_text = self.cell(Field::Difficulty).to_owned();
        let difficulty = if difficulty_text.is_empty() {
            DEFAULT_DIFFICULTY
        } else {
            match difficulty_text.parse::<u8>() {
                Ok(d @ 1..=5) => d,
                _ => {
                    self.error(
                        Field::Difficulty,
                        &format!("'{difficulty_text}' is not a difficulty from 1 to 5"),
                    );
                    DEFAULT_DIFFICULTY
                }
            }
        };

        let points_text = self.cell(Field::Points).to_owned();
        let points = if points_text.is_empty() {
            DEFAULT_POINTS
        } else {
            match parse_decimal(&points_text) {
                Some(p) if p >= 0.0 => p,
                _ => {
                    self.error(
                        Field::Points,
                        &format!("'{points_text}' is not a number of points (0 or more)"),
                    );
                    DEFAULT_POINTS
                }
            }
        };

        let format_text = self.cell(Field::Format).to_owned();
        let format = parse_format(&format_text).unwrap_or_else(|| {
            self.error(
                Field::Format,
                &format!("'{format_text}' is not a text format; write markdown, html or plain"),
            );
            TextFormat::Markdown
        });

        let topic = self
            .cell(Field::Topic)
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let tags = self
            .cell(Field::Tags)
            .split([',', ';'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();

        let answer = self.answer(kind?)?;
        Some(Question {
            title: self.optional_text(Field::Title),
            topic,
            difficulty,
            points,
            stem,
            format,
            answer,
            tags,
            explanation: self.optional_text(Field::Explanation),
        })
    }

    /// The filled option cells up to the last one, refusing gaps: `correct`
    /// refers to options by column letter, so a gap would shift them.
    fn options(&mut self) -> Vec<String> {
        let filled: Vec<(usize, String)> = self
            .header
            .options
            .iter()
            .map(|&(letter, i)| {
                let text = self.row.cells.get(i).map_or("", |c| c.trim()).to_owned();
                (letter, text)
            })
            .collect();
        let Some(last) = filled.iter().rposition(|(_, t)| !t.is_empty()) else {
            return Vec::new();
        };
        let mut options = Vec::new();
        for (position, (letter, text)) in filled[..=last].iter().enumerate() {
            if *letter != position {
                let message = format!(
                    "option {} comes after option {}; option columns must be consecutive",
                    option_letters(*letter),
                    option_letters(position.saturating_sub(1))
                );
                self.error(Field::Option(*letter), &message);
                return Vec::new();
            }
            if text.is_empty() {
                let message = format!(
                    "option {} is empty but option {} is filled; options must be consecutive",
                    option_letters(*letter),
                    option_letters(filled[last].0)
                );
                self.error(Field::Option(*letter), &message);
                return Vec::new();
            }
            options.push(text.clone());
        }
        options
    }

    fn refuse_options(&mut self, kind: Kind) {
        if let Some(&(letter, _)) = self
            .header
            .options
            .iter()
            .find(|&&(_, i)| self.row.cells.get(i).is_some_and(|c| !c.trim().is_empty()))
        {
            let message = format!(
                "{} questions have no options; leave the option columns empty or change the kind",
                kind.as_str()
            );
            self.error(Field::Option(letter), &message);
        }
    }

    fn ignore_unused(&mut self, kind: Kind, fields: &[Field]) {
        for &field in fields {
            if !self.cell(field).is_empty() {
                let message = format!("not used by {} questions; ignored", kind.as_str());
                self.warn(field, &message);
            }
        }
    }

    fn answer(&mut self, kind: Kind) -> Option<Answer> {
        let errors_before = self.errors.len();
        let answer = match kind {
            Kind::SingleChoice | Kind::MultipleResponse => {
                self.ignore_unused(kind, &[Field::Answer, Field::CaseSensitive]);
                let options = self.options();
                if self.errors.len() > errors_before {
                    return None;
                }
                if options.len() < 2 {
                    let message = format!(
                        "a {} question needs at least two options (option_a, option_b, …), found {}",
                        kind.as_str(),
                        options.len()
                    );
                    self.error(Field::Option(0), &message);
                    return None;
                }
                let weights = self.correct_weights(kind, options.len())?;
                let mut options: Vec<Choice> = options
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| Choice {
                        text,
                        weight: weights[i],
                        feedback: None,
                    })
                    .collect();
                let count = options.len();
                for (i, text) in self.feedback(kind, |label| {
                    option_index(label).filter(|&i| i < count).ok_or_else(|| {
                        format!(
                            "feedback label '{label}:' is not one of the options {}",
                            letter_span(count)
                        )
                    })
                })? {
                    options[i].feedback = Some(text);
                }
                if kind == Kind::SingleChoice {
                    Answer::SingleChoice { options }
                } else {
                    Answer::MultipleResponse { options }
                }
            }
            Kind::TrueFalse => {
                self.refuse_options(kind);
                self.ignore_unused(kind, &[Field::CaseSensitive]);
                let (field, value) = if self.cell(Field::Correct).is_empty() {
                    (Field::Answer, self.cell(Field::Answer).to_owned())
                } else {
                    self.ignore_unused(kind, &[Field::Answer]);
                    (Field::Correct, self.cell(Field::Correct).to_owned())
                };
                let correct = if value.is_empty() {
                    self.error(
                        Field::Correct,
                        "the right answer is empty; write true or false (đúng or sai)",
                    );
                    false
                } else {
                    parse_bool(&value).unwrap_or_else(|| {
                        self.error(
                            field,
                            &format!("'{value}' is not true or false (đúng or sai)"),
                        );
                        false
                    })
                };
                let mut feedback_true = None;
                let mut feedback_false = None;
                for (i, text) in self.feedback(kind, |label| match parse_bool(label) {
                    Some(true) => Ok(0),
                    Some(false) => Ok(1),
                    None => Err(format!(
                        "feedback label '{label}:' is neither true nor false"
                    )),
                })? {
                    if i == 0 {
                        feedback_true = Some(text);
                    } else {
                        feedback_false = Some(text);
                    }
                }
                Answer::TrueFalse {
                    correct,
                    feedback_true,
                    feedback_false,
                }
            }
            Kind::Numeric => {
                self.refuse_options(kind);
                self.ignore_unused(kind, &[Field::Correct, Field::CaseSensitive]);
                let text = self.cell(Field::Answer).to_owned();
                let mut answers = Vec::new();
                for part in split_answers(&text) {
                    let (body, weight) = split_weight(&part);
                    match parse_numeric_value(&body) {
                        Ok(value) => answers.push(NumericAnswer {
                            value,
                            weight: weight.unwrap_or(100.0),
                            feedback: None,
                        }),
                        Err(message) => self.error(Field::Answer, &message),
                    }
                }
                if answers.is_empty() && self.errors.len() == errors_before {
                    self.error(
                        Field::Answer,
                        "a numeric question needs an answer, e.g. '3.14', '3.14±0.01' or '1..5'",
                    );
                }
                let count = answers.len();
                for (i, text) in self.feedback(kind, |label| answer_number(label, count))? {
                    answers[i].feedback = Some(text);
                }
                Answer::Numeric { answers }
            }
            Kind::ShortAnswer => {
                self.refuse_options(kind);
                self.ignore_unused(kind, &[Field::Correct]);
                let mut answers: Vec<TextAnswer> = split_answers(self.cell(Field::Answer))
                    .into_iter()
                    .map(|part| {
                        let (text, weight) = split_weight(&part);
                        TextAnswer {
                            text,
                            weight: weight.unwrap_or(100.0),
                            feedback: None,
                        }
                    })
                    .filter(|a| !a.text.is_empty())
                    .collect();
                if answers.is_empty() {
                    self.error(
                        Field::Answer,
                        "a short-answer question needs at least one accepted answer",
                    );
                }
                let flag = self.cell(Field::CaseSensitive).to_owned();
                let case_sensitive = if flag.is_empty() {
                    false
                } else {
                    parse_bool(&flag).unwrap_or_else(|| {
                        self.error(Field::CaseSensitive, &format!("'{flag}' is not yes or no"));
                        false
                    })
                };
                let count = answers.len();
                for (i, text) in self.feedback(kind, |label| answer_number(label, count))? {
                    answers[i].feedback = Some(text);
                }
                Answer::ShortAnswer {
                    answers,
                    case_sensitive,
                }
            }
            Kind::Matching => {
                self.ignore_unused(kind, &[Field::Correct, Field::Answer, Field::CaseSensitive]);
                self.no_feedback(kind);
                let options = self.options();
                let mut pairs = Vec::new();
                for (i, option) in options.iter().enumerate() {
                    match split_pair(option) {
                        Some(pair) => pairs.push(pair),
                        None => {
                            let message = format!(
                                "'{option}' has no '->'; write 'left -> right' (or '-> right' for an answer that matches nothing)"
                            );
                            self.error(Field::Option(i), &message);
                        }
                    }
                }
                let prompts = pairs.iter().filter(|p| !p.prompt.is_empty()).count();
                if prompts < 2 && self.errors.len() == errors_before {
                    let message = format!(
                        "a matching question needs at least two 'left -> right' pairs, found {prompts}"
                    );
                    self.error(Field::Option(0), &message);
                }
                Answer::Matching { pairs }
            }
            Kind::Ordering => {
                self.ignore_unused(kind, &[Field::Correct, Field::Answer, Field::CaseSensitive]);
                self.no_feedback(kind);
                let items = self.options();
                if items.len() < 2 && self.errors.len() == errors_before {
                    let message = format!(
                        "an ordering question needs at least two items in the option columns, in their correct order, found {}",
                        items.len()
                    );
                    self.error(Field::Option(0), &message);
                }
                Answer::Ordering { items }
            }
            Kind::Essay => {
                self.refuse_options(kind);
                self.ignore_unused(kind, &[Field::Correct, Field::CaseSensitive]);
                self.no_feedback(kind);
                Answer::Essay {
                    marking_guide: self.optional_text(Field::Answer),
                }
            }
        };
        (self.errors.len() == errors_before).then_some(answer)
    }

    fn correct_weights(&mut self, kind: Kind, count: usize) -> Option<Vec<f64>> {
        let text = self.cell(Field::Correct).to_owned();
        if text.is_empty() {
            let example = if kind == Kind::SingleChoice {
                "'B'"
            } else {
                "'A,C'"
            };
            self.error(
                Field::Correct,
                &format!("the right answer is empty; write the option letter, e.g. {example}"),
            );
            return None;
        }
        match parse_correct(&text, count, kind) {
            Ok(weights) => Some(weights),
            Err(message) => {
                self.error(Field::Correct, &message);
                None
            }
        }
    }

    fn no_feedback(&mut self, kind: Kind) {
        if !self.cell(Field::Feedback).is_empty() {
            let message = format!(
                "{} questions have no per-answer feedback; ignored (use 'explanation')",
                kind.as_str()
            );
            self.warn(Field::Feedback, &message);
        }
    }

    /// Reads labelled feedback lines; `label` maps a label to an answer index.
    fn feedback(
        &mut self,
        kind: Kind,
        label: impl Fn(&str) -> Result<usize, String>,
    ) -> Option<Vec<(usize, String)>> {
        let text = self.cell(Field::Feedback).to_owned();
        let mut entries: Vec<(usize, String)> = Vec::new();
        for line in text.lines() {
            let labelled = line
                .split_once(':')
                .map(|(l, rest)| (l.trim(), rest))
                .filter(|(l, _)| looks_like_label(l));
            match labelled {
                Some((l, rest)) => match label(l) {
                    Ok(index) => {
                        if entries.iter().any(|(i, _)| *i == index) {
                            self.error(
                                Field::Feedback,
                                &format!("feedback label '{l}:' is given twice"),
                            );
                            return None;
                        }
                        entries.push((index, rest.trim().to_owned()));
                    }
                    Err(message) => {
                        self.error(Field::Feedback, &message);
                        return None;
                    }
                },
                None => {
                    match entries.last_mut() {
                        Some((_, t)) => {
                            t.push('\n');
                            t.push_str(line);
                        }
                        None if line.trim().is_empty() => {}
                        None => {
                            let example = match kind {
                                Kind::TrueFalse => "'true: …'",
                                Kind::Numeric | Kind::ShortAnswer => "'1: …'",
                                _ => "'A: …'",
                            };
                            self.error(
                            Field::Feedback,
                            &format!("each feedback starts with the label of its answer, e.g. {example}"),
                        );
                            return None;
                        }
                    }
                }
            }
        }
        Some(
            entries
                .into_iter()
                .map(|(i, t)| (i, t.trim().to_owned()))
                .filter(|(_, t)| !t.is_empty())
                .collect(),
        )
    }
}

fn looks_like_label(label: &str) -> bool {
    option_index(label).is_some()
        || (!label.is_empty() && label.len() <= 3 && label.chars().all(|c| c.is_ascii_digit()))
        || parse_bool(label).is_some()
}

fn answer_number(label: &str, count: usize) -> Result<usize, String> {
    label
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .map(|n| n - 1)
        .ok_or_else(|| {
            format!("feedback label '{label}:' is not an answer number from 1 to {count}")
        })
}

fn letter_span(count: usize) -> String {
    match count {
        0 => "(there are none)".to_owned(),
        1 => "A".to_owned(),
        n => format!("A–{}", option_letters(n - 1)),
    }
}

/// `B`, `A,C` or `A=50;C=50;D=-50` into one weight per option.
fn parse_correct(text: &str, count: usize, kind: Kind) -> Result<Vec<f64>, String> {
    let mut weights = vec![0.0; count];
    let mut seen = vec![false; count];
    let letter = |token: &str, seen: &mut Vec<bool>| -> Result<usize, String> {
        let token = token.trim();
        let index = option_index(token).ok_or_else(|| {
            format!("'{token}' is not an option letter; write e.g. 'B', 'A,C' or 'A=50;C=50;D=-50'")
        })?;
        if index >= count {
            return Err(format!(
                "'{}' is not one of the options {}",
                token.to_uppercase(),
                letter_span(count)
            ));
        }
        if seen[index] {
            return Err(format!("option {} is named twice", option_letters(index)));
        }
        seen[index] = true;
        Ok(index)
    };
    if text.contains(['=', ':']) {
        // A semicolon list may use decimal commas: "A=33,33;B=33,33".
        let entries: Vec<&str> = if text.contains(';') {
            text.split(';').collect()
        } else {
            text.split(',').collect()
        };
        for entry in entries.into_iter().filter(|e| !e.trim().is_empty()) {
            let Some((l, w)) = entry.split_once(['=', ':']) else {
                return Err(format!(
                    "'{}' has no weight; write letter=percent, e.g. 'A=50;C=50;D=-50'",
                    entry.trim()
                ));
            };
            let index = letter(l, &mut seen)?;
            let w = w.trim();
            weights[index] = parse_decimal(w.trim_end_matches('%')).ok_or_else(|| {
                format!(
                    "weight '{w}' of option {} is not a number",
                    option_letters(index)
                )
            })?;
        }
    } else {
        let letters: Vec<&str> = text
            .split([',', ';', ' '])
            .filter(|t| !t.trim().is_empty())
            .collect();
        if kind == Kind::SingleChoice && letters.len() > 1 {
            return Err(format!(
                "a single-choice question has one right option, found '{text}'; use kind multiple_response for several"
            ));
        }
        let share = 100.0 / letters.len() as f64;
        for token in letters {
            let index = letter(token, &mut seen)?;
            weights[index] = share;
        }
    }
    Ok(weights)
}

/// Answers separated by `|`; `\|` is a literal bar.
fn split_answers(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('|');
                }
            }
            '|' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `Hà Nội=50` into the text and its weight. Only a number after the last `=`
/// is a weight, so `x=y` stays an answer; the writer adds `=100` to answers
/// that contain `=` so that `x=5` survives.
fn split_weight(part: &str) -> (String, Option<f64>) {
    if let Some(i) = part.rfind('=') {
        let weight = part[i + 1..].trim();
        if let Some(w) = parse_decimal(weight.strip_suffix('%').unwrap_or(weight)) {
            return (part[..i].trim().to_owned(), Some(w));
        }
    }
    (part.trim().to_owned(), None)
}

fn parse_numeric_value(body: &str) -> Result<NumericValue, String> {
    let bad = || format!("'{body}' is not a number; write e.g. '3.14', '3.14±0.01' or '1..5'");
    if let Some((min, max)) = body.split_once("..") {
        let (min, max) = (
            parse_decimal(min).ok_or_else(bad)?,
            parse_decimal(max).ok_or_else(bad)?,
        );
        if min > max {
            return Err(format!(
                "the range '{body}' starts above where it ends; write the smaller number first"
            ));
        }
        return Ok(NumericValue::Range { min, max });
    }
    for separator in ["±", "+/-", "+-"] {
        if let Some((value, tolerance)) = body.split_once(separator) {
            return Ok(NumericValue::Exact {
                value: parse_decimal(value).ok_or_else(bad)?,
                tolerance: parse_decimal(tolerance).ok_or_else(bad)?.abs(),
            });
        }
    }
    Ok(NumericValue::Exact {
        value: parse_decimal(body).ok_or_else(bad)?,
        tolerance: 0.0,
    })
}

/// `left -> right`; the first arrow splits, so a right side may hold arrows.
fn split_pair(option: &str) -> Option<MatchPair> {
    let (prompt, answer) = option.split_once("->").or_else(|| option.split_once('→'))?;
    Some(MatchPair {
        prompt: prompt.trim().to_owned(),
        answer: answer.trim().to_owned(),
    })
}

// ---------------------------------------------------------------------------
// Writing.

fn option_count(q: &Question) -> usize {
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => options.len(),
        Answer::Matching { pairs } => pairs.len(),
        Answer::Ordering { items } => items.len(),
        _ => 0,
    }
}

fn header_fields(options: usize) -> Vec<Field> {
    FIELDS_BEFORE_OPTIONS
        .iter()
        .copied()
        .chain((0..options).map(Field::Option))
        .chain(FIELDS_AFTER_OPTIONS.iter().copied())
        .collect()
}

/// The header and one row of text cells per question.
fn table_rows<'a>(
    questions: impl IntoIterator<Item = (&'a Question, &'a Provenance)>,
) -> Vec<Vec<String>> {
    let questions: Vec<(&Question, &Provenance)> = questions.into_iter().collect();
    let options = questions
        .iter()
        .map(|(q, _)| option_count(q))
        .max()
        .unwrap_or(0)
        .max(TEMPLATE_OPTIONS);
    let fields = header_fields(options);
    let mut rows = vec![fields.iter().map(|f| column_name(*f)).collect()];
    for (q, p) in questions {
        let cells = question_cells(q, p);
        rows.push(
            fields
                .iter()
                .map(|f| cells.get(f).cloned().unwrap_or_default())
                .collect(),
        );
    }
    rows
}

fn answer_with_weight(text: &str, weight: f64) -> String {
    let text = text.replace('|', "\\|");
    if weight != 100.0 || text.contains('=') {
        format!("{text}={}", num(weight))
    } else {
        text
    }
}

fn numeric_text(value: &NumericValue) -> String {
    match *value {
        NumericValue::Exact {
            value,
            tolerance: 0.0,
        } => num(value),
        NumericValue::Exact { value, tolerance } => format!("{}±{}", num(value), num(tolerance)),
        NumericValue::Range { min, max } => format!("{}..{}", num(min), num(max)),
    }
}

fn feedback_lines<'a>(entries: impl Iterator<Item = (String, Option<&'a String>)>) -> String {
    entries
        .filter_map(|(label, text)| text.map(|t| format!("{label}: {t}")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn correct_text(options: &[Choice], kind: Kind) -> String {
    let right: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].weight != 0.0)
        .collect();
    let share = 100.0 / right.len() as f64;
    let simple = !right.is_empty()
        && right.iter().all(|&i| options[i].weight == share)
        && (kind == Kind::MultipleResponse || right.len() == 1);
    if simple {
        return right
            .iter()
            .map(|&i| option_letters(i))
            .collect::<Vec<_>>()
            .join(",");
    }
    right
        .iter()
        .map(|&i| format!("{}={}", option_letters(i), num(options[i].weight)))
        .collect::<Vec<_>>()
        .join(";")
}

fn question_cells(q: &Question, p: &Provenance) -> HashMap<Field, String> {
    let mut cells = HashMap::new();
    let mut set = |field: Field, value: String| {
        cells.insert(field, value);
    };
    set(Field::Key, p.key.clone().unwrap_or_default());
    set(Field::Topic, q.topic.clone());
    set(Field::Kind, q.kind().as_str().to_owned());
    set(Field::Difficulty, q.difficulty.to_string());
    set(Field::Points, num(q.points));
    set(Field::Title, q.title.clone().unwrap_or_default());
    set(Field::Stem, q.stem.clone());
    set(
        Field::Format,
        match q.format {
            TextFormat::Markdown => "markdown",
            TextFormat::Html => "html",
            TextFormat::Plain => "plain",
        }
        .to_owned(),
    );
    set(Field::Tags, q.tags.join(", "));
    set(
        Field::Explanation,
        q.explanation.clone().unwrap_or_default(),
    );
    set(Field::Status, p.status.as_str().to_owned());
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            for (i, o) in options.iter().enumerate() {
                set(Field::Option(i), o.text.clone());
            }
            set(Field::Correct, correct_text(options, q.kind()));
            set(
                Field::Feedback,
                feedback_lines(
                    options
                        .iter()
                        .enumerate()
                        .map(|(i, o)| (option_letters(i), o.feedback.as_ref())),
                ),
            );
        }
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => {
            set(Field::Correct, correct.to_string());
            set(
                Field::Feedback,
                feedback_lines(
                    [
                        ("true".to_owned(), feedback_true.as_ref()),
                        ("false".to_owned(), feedback_false.as_ref()),
                    ]
                    .into_iter(),
                ),
            );
        }
        Answer::Numeric { answers } => {
            let texts: Vec<String> = answers
                .iter()
                .map(|a| {
                    let text = numeric_text(&a.value);
                    if a.weight == 100.0 {
                        text
                    } else {
                        format!("{text}={}", num(a.weight))
                    }
                })
                .collect();
            set(Field::Answer, texts.join(" | "));
            set(
                Field::Feedback,
                feedback_lines(
                    answers
                        .iter()
                        .enumerate()
                        .map(|(i, a)| ((i + 1).to_string(), a.feedback.as_ref())),
                ),
            );
        }
        Answer::ShortAnswer {
            answers,
            case_sensitive,
        } => {
            let texts: Vec<String> = answers
                .iter()
                .map(|a| answer_with_weight(&a.text, a.weight))
                .collect();
            set(Field::Answer, texts.join(" | "));
            if *case_sensitive {
                set(Field::CaseSensitive, "yes".to_owned());
            }
            set(
                Field::Feedback,
                feedback_lines(
                    answers
                        .iter()
                        .enumerate()
                        .map(|(i, a)| ((i + 1).to_string(), a.feedback.as_ref())),
                ),
            );
        }
        Answer::Matching { pairs } => {
            for (i, pair) in pairs.iter().enumerate() {
                let text = if pair.prompt.is_empty() {
                    format!("-> {}", pair.answer)
                } else {
                    format!("{} -> {}", pair.prompt, pair.answer)
                };
                set(Field::Option(i), text);
            }
        }
        Answer::Ordering { items } => {
            for (i, item) in items.iter().enumerate() {
                set(Field::Option(i), item.clone());
            }
        }
        Answer::Essay { marking_guide } => {
            set(Field::Answer, marking_guide.clone().unwrap_or_default());
        }
    }
    cells
}

/// Excel refuses longer cells.
const EXCEL_CELL_LIMIT: usize = 32_767;

fn workbook(rows: &[Vec<String>], with_guide: bool) -> Result<Vec<u8>, String> {
    let header = rows.first().map(Vec::as_slice).unwrap_or_default();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.chars().count() > EXCEL_CELL_LIMIT {
                return Err(format!(
                    "row {}, column '{}': the text has {} characters, more than the {EXCEL_CELL_LIMIT} an Excel cell holds",
                    r + 1,
                    header.get(c).map_or("?", String::as_str),
                    cell.chars().count()
                ));
            }
        }
    }
    build_workbook(rows, with_guide).map_err(|e| format!("cannot write the workbook: {e}"))
}

fn build_workbook(rows: &[Vec<String>], with_guide: bool) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed date keeps the file a pure function of the questions.
    workbook.set_properties(
        &DocProperties::new()
            .set_title("merit question bank")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?),
    );
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Questions")?;
    if let Some(header) = rows.first() {
        for (c, name) in header.iter().enumerate() {
            let col = c as u16;
            let field = field_for_header(name).unwrap_or(Field::Stem);
            sheet.set_column_width(col, column_spec(field).2)?;
            sheet.set_column_format(col, &text)?;
        }
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let format = if r == 0 { &bold } else { &text };
            sheet.write_string_with_format(r as u32, c as u16, cell, format)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if with_guide {
        let guide = workbook.add_worksheet();
        guide.set_name("Guide")?;
        guide.set_column_width(0, 18)?;
        guide.set_column_width(1, 30)?;
        guide.set_column_width(2, 100)?;
        let wrap = Format::new().set_text_wrap();
        for (c, title) in ["column", "also accepted", "what to write"]
            .iter()
            .enumerate()
        {
            guide.write_string_with_format(0, c as u16, *title, &bold)?;
        }
        let fields = header_fields(1);
        for (r, field) in fields.iter().enumerate() {
            let (_, aliases, _, what) = column_spec(*field);
            let name = match field {
                Field::Option(_) => "option_a … option_h".to_owned(),
                other => column_name(*other),
            };
            let aliases = match field {
                Field::Option(_) => "a … h, phương án a, đáp án a, lựa chọn a".to_owned(),
                _ => aliases.join(", "),
            };
            let row = r as u32 + 1;
            guide.write_string(row, 0, &name)?;
            guide.write_string_with_format(row, 1, &aliases, &wrap)?;
            guide.write_string_with_format(row, 2, what, &wrap)?;
        }
        guide.set_freeze_panes(1, 0)?;
    }
    workbook.save_to_buffer()
}

/// Example rows of the template, correct in content.
fn examples() -> Vec<(Question, Provenance)> {
    let draft = |key: &str| Provenance {
        key: Some(key.to_owned()),
        ..Provenance::default()
    };
    let choice = |text: &str, weight: f64| Choice {
        text: text.to_owned(),
        weight,
        feedback: None,
    };
    let question = |topic: &str, difficulty: u8, stem: &str, answer: Answer| Question {
        title: None,
        topic: topic.to_owned(),
        difficulty,
        points: 1.0,
        stem: stem.to_owned(),
        format: TextFormat::Markdown,
        answer,
        tags: Vec::new(),
        explanation: None,
    };
    vec![
        (
            Question {
                tags: vec!["luật".to_owned(), "cán bộ công chức".to_owned()],
                explanation: Some(
                    "Luật số 22/2008/QH12 được Quốc hội khóa XII thông qua ngày 13/11/2008."
                        .to_owned(),
                ),
                ..question(
                    "Luật/Cán bộ, công chức",
                    2,
                    "Luật Cán bộ, công chức số 22/2008/QH12 được Quốc hội thông qua vào năm nào?",
                    Answer::SingleChoice {
                        options: vec![
                            choice("2006", 0.0),
                            choice("2008", 100.0),
                            choice("2010", 0.0),
                            choice("2012", 0.0),
                        ],
                    },
                )
            },
            draft("vd-001"),
        ),
        (
            question(
                "Bộ máy nhà nước",
                3,
                "Những cơ quan nào sau đây là cơ quan hành chính nhà nước?",
                Answer::MultipleResponse {
                    options: vec![
                        Choice {
                            feedback: Some(
                                "Chính phủ là cơ quan hành chính nhà nước cao nhất.".to_owned(),
                            ),
                            ..choice("Chính phủ", 50.0)
                        },
                        choice("Ủy ban nhân dân tỉnh", 50.0),
                        Choice {
                            feedback: Some("Tòa án thực hiện quyền tư pháp.".to_owned()),
                            ..choice("Tòa án nhân dân tối cao", -50.0)
                        },
                        choice("Quốc hội", -50.0),
                    ],
                },
            ),
            draft("vd-002"),
        ),
        (
            question(
                "Địa lý",
                1,
                "Thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam là thành phố nào?",
                Answer::ShortAnswer {
                    answers: vec![
                        TextAnswer {
                            text: "Hà Nội".to_owned(),
                            weight: 100.0,
                            feedback: None,
                        },
                        TextAnswer {
                            text: "Thành phố Hà Nội".to_owned(),
                            weight: 100.0,
                            feedback: None,
                        },
                    ],
                    case_sensitive: false,
                },
            ),
            draft("vd-003"),
        ),
        (
            question(
                "Bộ máy nhà nước",
                2,
                "Ghép mỗi cơ quan với quyền mà Hiến pháp năm 2013 giao cho cơ quan đó.",
                Answer::Matching {
                    pairs: vec![
                        MatchPair {
                            prompt: "Quốc hội".to_owned(),
                            answer: "Quyền lập pháp".to_owned(),
                        },
                        MatchPair {
                            prompt: "Chính phủ".to_owned(),
                            answer: "Quyền hành pháp".to_owned(),
                        },
                        MatchPair {
                            prompt: "Tòa án nhân dân".to_owned(),
                            answer: "Quyền tư pháp".to_owned(),
                        },
                    ],
                },
            ),
            draft("vd-004"),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14 is what a board types, not an approximation of π
mod tests {
    use super::*;

    fn at(line: usize, column: usize, message: &str) -> Problem {
        Problem {
            line,
            column: Some(column),
            message: message.to_owned(),
        }
    }

    fn kinds(parsed: &Parsed) -> Vec<Kind> {
        parsed.questions.iter().map(|q| q.question.kind()).collect()
    }

    /// Written as a board member would: Vietnamese headers, aliases, gaps in
    /// optional columns, decimal commas.
    const HAND_WRITTEN: &str = "\
Mã,Chủ đề,Loại,Độ khó,Điểm,Câu hỏi,Phương án A,Phương án B,Phương án C,Phương án D,Đáp án,Câu trả lời,Phản hồi,Thẻ,Giải thích,Trạng thái
gk-1,Luật / Cán bộ,trắc nghiệm,2,1,Luật số 22/2008/QH12 thông qua năm nào?,2006,2008,2010,,b,,\"B: Đúng\nLuật có hiệu lực từ 2010.\",\"luật, cán bộ\",Thông qua ngày 13/11/2008.,đã duyệt
gk-2,Bộ máy,nhiều đáp án,3,\"0,5\",Cơ quan hành chính?,Chính phủ,UBND tỉnh,Quốc hội,Tòa án,A=50;B=50;C=-50;D=-50,,,,,
gk-3,,đúng/sai,,,Hà Nội là thủ đô.,,,,,Đúng,,\"đúng: Chính xác\nsai: Hà Nội là thủ đô\",,,nháp
gk-4,Toán,số,1,,Số pi (hai chữ số thập phân)?,,,,,,\"3,14±0,01 | 3..3,2=50\",\"2: Gần đúng\",,,
gk-5,,trả lời ngắn,,,Thủ đô Việt Nam?,,,,,,Hà Nội|Ha Noi=50,,,,
gk-6,,ghép nối,,,Ghép cơ quan với quyền.,Quốc hội -> Lập pháp,Chính phủ -> Hành pháp,-> Tư pháp,,,,,,,
gk-7,,sắp xếp,,,Xếp theo thứ tự thời gian.,Hiến pháp 1946,Hiến pháp 1959,Hiến pháp 1980,,,,,,,
gk-8,,tự luận,5,10,Phân tích vai trò của công vụ.,,,,,,Nêu đủ ba ý chính.,,,,
";

    #[test]
    fn every_kind_parses_from_a_hand_written_sheet() {
        let parsed = parse_csv(HAND_WRITTEN.as_bytes());
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.warnings, vec![]);
        assert_eq!(
            kinds(&parsed),
            vec![
                Kind::SingleChoice,
                Kind::MultipleResponse,
                Kind::TrueFalse,
                Kind::Numeric,
                Kind::ShortAnswer,
                Kind::Matching,
                Kind::Ordering,
                Kind::Essay,
            ]
        );
        let rows: Vec<usize> = parsed.questions.iter().map(|q| q.line).collect();
        assert_eq!(rows, vec![2, 3, 4, 5, 6, 7, 8, 9]);

        let first = &parsed.questions[0];
        assert_eq!(first.provenance.key.as_deref(), Some("gk-1"));
        assert_eq!(first.provenance.status, Status::Approved);
        let q = &first.question;
        assert_eq!(q.topic, "Luật/Cán bộ");
        assert_eq!(q.difficulty, 2);
        assert_eq!(q.tags, vec!["luật".to_owned(), "cán bộ".to_owned()]);
        assert_eq!(q.explanation.as_deref(), Some("Thông qua ngày 13/11/2008."));
        assert_eq!(
            q.answer,
            Answer::SingleChoice {
                options: vec![
                    Choice {
                        text: "2006".into(),
                        weight: 0.0,
                        feedback: None
                    },
                    Choice {
                        text: "2008".into(),
                        weight: 100.0,
                        feedback: Some("Đúng\nLuật có hiệu lực từ 2010.".into())
                    },
                    Choice {
                        text: "2010".into(),
                        weight: 0.0,
                        feedback: None
                    },
                ]
            }
        );

        let q: Vec<&Question> = parsed.questions.iter().map(|q| &q.question).collect();
        assert_eq!(q[1].points, 0.5);
        let Answer::MultipleResponse { options } = &q[1].answer else {
            panic!("{:?}", q[1].answer);
        };
        let weights: Vec<f64> = options.iter().map(|o| o.weight).collect();
        assert_eq!(weights, vec![50.0, 50.0, -50.0, -50.0]);
        assert_eq!(q[2].difficulty, DEFAULT_DIFFICULTY);
        assert_eq!(q[2].points, DEFAULT_POINTS);
        assert_eq!(
            q[2].answer,
            Answer::TrueFalse {
                correct: true,
                feedback_true: Some("Chính xác".into()),
                feedback_false: Some("Hà Nội là thủ đô".into()),
            }
        );
        assert_eq!(
            q[3].answer,
            Answer::Numeric {
                answers: vec![
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 3.14,
                            tolerance: 0.01
                        },
                        weight: 100.0,
                        feedback: None,
                    },
                    NumericAnswer {
                        value: NumericValue::Range { min: 3.0, max: 3.2 },
                        weight: 50.0,
                        feedback: Some("Gần đúng".into()),
                    },
                ]
            }
        );
        assert_eq!(
            q[4].answer,
            Answer::ShortAnswer {
                answers: vec![
                    TextAnswer {
                        text: "Hà Nội".into(),
                        weight: 100.0,
                        feedback: None
                    },
                    TextAnswer {
                        text: "Ha Noi".into(),
                        weight: 50.0,
                        feedback: None
                    },
                ],
                case_sensitive: false,
            }
        );
        assert_eq!(
            q[5].answer,
            Answer::Matching {
                pairs: vec![
                    MatchPair {
                        prompt: "Quốc hội".into(),
                        answer: "Lập pháp".into()
                    },
                    MatchPair {
                        prompt: "Chính phủ".into(),
                        answer: "Hành pháp".into()
                    },
                    MatchPair {
                        prompt: String::new(),
                        answer: "Tư pháp".into()
                    },
                ]
            }
        );
        assert_eq!(
            q[6].answer,
            Answer::Ordering {
                items: vec![
                    "Hiến pháp 1946".into(),
                    "Hiến pháp 1959".into(),
                    "Hiến pháp 1980".into()
                ]
            }
        );
        assert_eq!(q[7].points, 10.0);
        assert_eq!(
            q[7].answer,
            Answer::Essay {
                marking_guide: Some("Nêu đủ ba ý chính.".into())
            }
        );
    }

    #[test]
    fn letters_share_the_marks_equally_for_multiple_response() {
        assert_eq!(
            parse_correct("A, c", 4, Kind::MultipleResponse),
            Ok(vec![50.0, 0.0, 50.0, 0.0])
        );
        assert_eq!(
            parse_correct("A=33,33;B=33,33;C=33,34", 3, Kind::MultipleResponse),
            Ok(vec![33.33, 33.33, 33.34])
        );
        assert_eq!(
            parse_correct("A,C", 4, Kind::SingleChoice),
            Err("a single-choice question has one right option, found 'A,C'; use kind multiple_response for several".into())
        );
    }

    fn base(answer: Answer) -> Question {
        Question {
            title: Some("Tiêu đề".into()),
            topic: "Luật/Cán bộ".into(),
            difficulty: 4,
            points: 1.5,
            stem: "Stem with <b>html</b>, \"quotes\"; and\nnew lines".into(),
            format: TextFormat::Html,
            answer,
            tags: vec!["luật".into(), "2024".into()],
            explanation: Some("Because.".into()),
        }
    }

    fn every_kind() -> Vec<(Question, Provenance)> {
        let choice = |text: &str, weight: f64, feedback: Option<&str>| Choice {
            text: text.into(),
            weight,
            feedback: feedback.map(Into::into),
        };
        let questions = vec![
            base(Answer::SingleChoice {
                options: vec![
                    choice("Right", 100.0, Some("Yes\nreally")),
                    choice("=SUM(A1:A3)", 0.0, None),
                ],
            }),
            base(Answer::SingleChoice {
                options: vec![choice("full", 100.0, None), choice("half", 50.0, None)],
            }),
            Question {
                title: None,
                topic: String::new(),
                format: TextFormat::Markdown,
                stem: "- a markdown list\n- that starts with a dash".into(),
                explanation: None,
                tags: vec![],
                ..base(Answer::MultipleResponse {
                    options: vec![
                        choice("a", 100.0 / 3.0, None),
                        choice("b", 100.0 / 3.0, None),
                        choice("c", 100.0 / 3.0, Some("c!")),
                        choice("d", 0.0, None),
                    ],
                })
            },
            base(Answer::MultipleResponse {
                options: vec![
                    choice("a", 50.0, None),
                    choice("b", 50.0, None),
                    choice("c", -25.5, None),
                ],
            }),
            Question {
                format: TextFormat::Plain,
                ..base(Answer::TrueFalse {
                    correct: false,
                    feedback_true: None,
                    feedback_false: Some("ok".into()),
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
                        value: NumericValue::Range {
                            min: -5.5,
                            max: -1.0,
                        },
                        weight: 50.0,
                        feedback: None,
                    },
                    NumericAnswer {
                        value: NumericValue::Exact {
                            value: 1e-7,
                            tolerance: 0.0,
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
                        text: "x=5".into(),
                        weight: 100.0,
                        feedback: Some("an equation".into()),
                    },
                    TextAnswer {
                        text: "a|b".into(),
                        weight: 50.0,
                        feedback: None,
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
                        answer: "two -> deux".into(),
                    },
                    MatchPair {
                        prompt: String::new(),
                        answer: "three".into(),
                    },
                ],
            }),
            base(Answer::Ordering {
                items: (1..=10).map(|i| format!("item {i}")).collect(),
            }),
            base(Answer::Essay {
                marking_guide: Some("Look for <i>structure</i>.".into()),
            }),
            base(Answer::Essay {
                marking_guide: None,
            }),
        ];
        questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                let provenance = Provenance {
                    key: (i % 2 == 0).then(|| format!("k-{i}")),
                    status: [Status::Draft, Status::Approved, Status::Retired][i % 3],
                    ..Provenance::default()
                };
                (q, provenance)
            })
            .collect()
    }

    fn back(parsed: Parsed) -> Vec<(Question, Provenance)> {
        assert_eq!(parsed.errors, vec![]);
        parsed
            .questions
            .into_iter()
            .map(|q| (q.question, q.provenance))
            .collect()
    }

    #[test]
    fn every_kind_survives_csv_export_then_import() {
        let questions = every_kind();
        let csv = write_csv(questions.iter().map(|(q, p)| (q, p)));
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.warnings, vec![], "{csv}");
        assert_eq!(back(parsed), questions, "{csv}");
    }

    #[test]
    fn every_kind_survives_xlsx_export_then_import() {
        let questions = every_kind();
        let xlsx = write_xlsx(questions.iter().map(|(q, p)| (q, p))).expect("workbook");
        let parsed = parse_xlsx(&xlsx);
        assert_eq!(parsed.warnings, vec![]);
        assert_eq!(back(parsed), questions);
    }

    #[test]
    fn csv_export_guards_cells_excel_would_run_as_formulas() {
        let questions = every_kind();
        let csv = write_csv(questions.iter().map(|(q, p)| (q, p)));
        assert!(csv.starts_with("\u{feff}key,topic,kind,"), "{csv}");
        assert!(csv.contains(",'=SUM(A1:A3),"), "{csv}");
        assert!(csv.contains("\"'- a markdown list"), "{csv}");
        assert!(
            csv.contains(",3.14±0.01 | -5.5..-1=50 |"),
            "no guard needed inside a cell: {csv}"
        );
    }

    #[test]
    fn formulas_and_html_in_cells_are_kept_as_text() {
        let csv = "kind,stem,option_a,option_b,correct\n\
single_choice,<script>alert(1)</script>,=1+1,@SUM(A1),A\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.errors, vec![]);
        let q = &parsed.questions[0].question;
        assert_eq!(q.stem, "<script>alert(1)</script>");
        let Answer::SingleChoice { options } = &q.answer else {
            panic!("{:?}", q.answer);
        };
        assert_eq!(options[0].text, "=1+1");
        assert_eq!(options[1].text, "@SUM(A1)");
    }

    #[test]
    fn an_xlsx_formula_is_read_as_its_text_with_a_warning() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in ["kind", "stem", "answer"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        sheet.write_string(1, 0, "essay").expect("kind");
        sheet.write_formula(1, 1, "=SUM(1,2)").expect("formula");
        sheet
            .write_string(1, 2, "<img src=x onerror=alert(1)>")
            .expect("guide");
        let bytes = workbook.save_to_buffer().expect("save");
        let parsed = parse_xlsx(&bytes);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.warnings,
            vec![at(
                2,
                2,
                "the cell holds a formula; its text '=SUM(1,2)' is imported, not its result"
            )]
        );
        let q = &parsed.questions[0].question;
        assert_eq!(q.stem, "=SUM(1,2)");
        assert_eq!(
            q.answer,
            Answer::Essay {
                marking_guide: Some("<img src=x onerror=alert(1)>".into())
            }
        );
    }

    #[test]
    fn xlsx_numbers_and_booleans_read_as_the_text_typed() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let header = ["key", "kind", "difficulty", "points", "stem", "correct"];
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        sheet.write_number(1, 0, 17.0).expect("key");
        sheet.write_string(1, 1, "tf").expect("kind");
        sheet.write_number(1, 2, 4.0).expect("difficulty");
        sheet.write_number(1, 3, 1.5).expect("points");
        sheet.write_number(1, 4, 2024.0).expect("stem");
        sheet.write_boolean(1, 5, true).expect("correct");
        let bytes = workbook.save_to_buffer().expect("save");
        let parsed = parse_xlsx(&bytes);
        assert_eq!(parsed.errors, vec![]);
        let imported = &parsed.questions[0];
        assert_eq!(imported.provenance.key.as_deref(), Some("17"));
        assert_eq!(imported.question.difficulty, 4);
        assert_eq!(imported.question.points, 1.5);
        assert_eq!(imported.question.stem, "2024");
        assert_eq!(
            imported.question.answer,
            Answer::TrueFalse {
                correct: true,
                feedback_true: None,
                feedback_false: None
            }
        );
    }

    #[test]
    fn a_date_cell_is_an_error_at_its_row_and_column() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in ["kind", "stem", "answer"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        sheet.write_string(1, 0, "numeric").expect("kind");
        sheet.write_string(1, 1, "How many?").expect("stem");
        let date = ExcelDateTime::from_ymd(2024, 5, 1).expect("date");
        let format = Format::new().set_num_format("dd/mm/yyyy");
        sheet
            .write_datetime_with_format(1, 2, &date, &format)
            .expect("date cell");
        let bytes = workbook.save_to_buffer().expect("save");
        let parsed = parse_xlsx(&bytes);
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(
            parsed.errors,
            vec![at(
                2,
                3,
                "Excel turned this cell into the date or time 01/05/2024; format the column as Text and type the value again"
            )]
        );
    }

    #[test]
    fn errors_name_the_row_and_the_column_as_headed() {
        let csv = "\
key,kind,difficulty,stem,option_a,option_b,option_c,option_d,Đáp án,answer
a1,single_choice,2,Q1,w,x,y,z,E,
a1,single_choice,7,Q2,w,x,,z,A,
a3,sorting,,Q3,,,,,,
a4,numeric,,Q4,,,,,,abc|5..1
a5,matching,,,Paris,Tokyo -> Japan,,,,
a6,multiple_response,,Q6,w,x,,,A=50;C=50,
a7,true_false,,Q7,,,,,perhaps,
";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(
            parsed.errors,
            vec![
                at(2, 9, "column 'Đáp án': 'E' is not one of the options A–D"),
                at(
                    3,
                    3,
                    "column 'difficulty': '7' is not a difficulty from 1 to 5"
                ),
                at(
                    3,
                    7,
                    "column 'option_c': option C is empty but option D is filled; options must be consecutive"
                ),
                at(3, 1, "column 'key': key 'a1' is already used on row 2"),
                at(
                    4,
                    2,
                    "column 'kind': 'sorting' is not a kind of question; write one of single_choice, multiple_response, true_false, numeric, short_answer, matching, ordering, essay"
                ),
                at(
                    5,
                    10,
                    "column 'answer': 'abc' is not a number; write e.g. '3.14', '3.14±0.01' or '1..5'"
                ),
                at(
                    5,
                    10,
                    "column 'answer': the range '5..1' starts above where it ends; write the smaller number first"
                ),
                at(6, 4, "column 'stem': the question text is empty"),
                at(
                    6,
                    5,
                    "column 'option_a': 'Paris' has no '->'; write 'left -> right' (or '-> right' for an answer that matches nothing)"
                ),
                at(7, 9, "column 'Đáp án': 'C' is not one of the options A–B"),
                at(
                    8,
                    9,
                    "column 'Đáp án': 'perhaps' is not true or false (đúng or sai)"
                ),
            ]
        );
    }

    #[test]
    fn a_header_without_stem_or_kind_is_refused_before_any_row() {
        let parsed = parse_csv("question text,type of thing\nQ,essay\n".as_bytes());
        assert_eq!(parsed.questions, vec![]);
        assert_eq!(
            parsed.errors,
            vec![
                Problem {
                    line: 1,
                    column: None,
                    message: "the header row has no 'kind' column; the first row must name the columns (see the template)".into()
                },
                Problem {
                    line: 1,
                    column: None,
                    message: "the header row has no 'stem' column; the first row must name the columns (see the template)".into()
                },
            ]
        );
        assert_eq!(
            parsed.warnings,
            vec![
                at(
                    1,
                    1,
                    "column 'question text' is not a known column and is ignored"
                ),
                at(
                    1,
                    2,
                    "column 'type of thing' is not a known column and is ignored"
                ),
            ]
        );
    }

    #[test]
    fn semicolon_csv_with_bom_and_decimal_commas_is_read() {
        let csv =
            "\u{feff}Loại;Câu hỏi;Điểm;Câu trả lời\r\nsố;Một nửa là bao nhiêu?;0,5;0,5±0,01\r\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.warnings, vec![]);
        let q = &parsed.questions[0].question;
        assert_eq!(q.points, 0.5);
        assert_eq!(
            q.answer,
            Answer::Numeric {
                answers: vec![NumericAnswer {
                    value: NumericValue::Exact {
                        value: 0.5,
                        tolerance: 0.01
                    },
                    weight: 100.0,
                    feedback: None
                }]
            }
        );
    }

    #[test]
    fn excel_sep_line_sets_the_delimiter_and_is_not_a_row() {
        let csv = "sep=;\nkind;stem\nessay;Viết, ngắn gọn\nessay;\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.questions[0].question.stem, "Viết, ngắn gọn");
        assert_eq!(parsed.questions[0].line, 2);
        assert_eq!(
            parsed.errors,
            vec![at(3, 2, "column 'stem': the question text is empty")]
        );
    }

    #[test]
    fn rows_are_counted_as_excel_shows_them() {
        // A blank line is an empty row; a quoted cell over two lines is one row.
        let csv = "kind,stem\n\nessay,\"two\nlines\"\nessay,\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.questions[0].line, 3);
        assert_eq!(
            parsed.errors,
            vec![at(4, 2, "column 'stem': the question text is empty")]
        );
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_with_a_hint() {
        // "Câu" in Windows-1258.
        let bytes = b"kind,stem\nessay,C\xe2u\n";
        let parsed = parse_csv(bytes);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            (parsed.errors[0].line, parsed.errors[0].column),
            (2, Some(2))
        );
        assert!(parsed.errors[0].message.contains("CSV UTF-8"));
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        let parsed = parse_xlsx(b"not a spreadsheet");
        assert_eq!(parsed.errors.len(), 1);
        assert!(
            parsed.errors[0]
                .message
                .starts_with("the file is not a spreadsheet that can be read"),
            "{:?}",
            parsed.errors
        );
    }

    #[test]
    fn vietnamese_option_headers_and_a_row_number_column_are_understood() {
        let csv = "STT,Loại,Câu hỏi,Đáp án A,Đáp án B,Đáp án đúng\n1,trắc nghiệm,Q,x,y,B\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.warnings, vec![]);
        assert_eq!(parsed.errors, vec![]);
        let Answer::SingleChoice { options } = &parsed.questions[0].question.answer else {
            panic!("{:?}", parsed.questions);
        };
        assert_eq!(options[1].weight, 100.0);
    }

    #[test]
    fn unused_cells_and_unknown_columns_are_warnings() {
        let csv = "kind,stem,correct,comment\nessay,Q,B,note to self\n";
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(
            parsed.warnings,
            vec![
                at(
                    1,
                    4,
                    "column 'comment' is not a known column and is ignored"
                ),
                at(
                    2,
                    3,
                    "column 'correct': not used by essay questions; ignored"
                ),
            ]
        );
    }

    #[test]
    fn options_beyond_z_use_two_letters() {
        assert_eq!(option_letters(0), "A");
        assert_eq!(option_letters(25), "Z");
        assert_eq!(option_letters(26), "AA");
        assert_eq!(option_index("AA"), Some(26));
        assert_eq!(option_index("h"), Some(7));
        let items: Vec<String> = (0..30).map(|i| format!("step {i}")).collect();
        let q = Question {
            answer: Answer::Ordering {
                items: items.clone(),
            },
            ..base(Answer::Essay {
                marking_guide: None,
            })
        };
        let provenance = Provenance::default();
        let csv = write_csv([(&q, &provenance)]);
        assert!(csv.contains(",option_ad,"), "{csv}");
        let parsed = parse_csv(csv.as_bytes());
        assert_eq!(
            parsed.questions[0].question.answer,
            Answer::Ordering { items }
        );
    }

    #[test]
    fn templates_hold_example_rows_of_different_kinds_that_import_cleanly() {
        let csv = parse_csv(template_csv().as_bytes());
        assert_eq!(csv.errors, vec![]);
        assert_eq!(csv.warnings, vec![]);
        assert_eq!(
            kinds(&csv),
            vec![
                Kind::SingleChoice,
                Kind::MultipleResponse,
                Kind::ShortAnswer,
                Kind::Matching
            ]
        );
        let xlsx = parse_xlsx(&template_xlsx().expect("template"));
        assert_eq!(xlsx.errors, vec![]);
        assert_eq!(xlsx.questions, csv.questions);
    }

    #[test]
    fn xlsx_output_does_not_depend_on_the_clock() {
        let first = template_xlsx().expect("template");
        let second = template_xlsx().expect("template");
        assert_eq!(first, second);
    }

    #[test]
    fn a_cell_longer_than_excel_allows_is_refused_by_name() {
        let q = Question {
            stem: "x".repeat(EXCEL_CELL_LIMIT + 1),
            ..base(Answer::Essay {
                marking_guide: None,
            })
        };
        let provenance = Provenance::default();
        assert_eq!(
            write_xlsx([(&q, &provenance)]),
            Err("row 2, column 'stem': the text has 32768 characters, more than the 32767 an Excel cell holds".into())
        );
    }

    #[test]
    fn spreadsheet_md_documents_every_column() {
        let doc = include_str!("../../../question-banks/SPREADSHEET.md");
        for field in header_fields(1) {
            let name = column_name(field);
            assert!(
                doc.contains(&format!("`{name}`")),
                "{name} is not documented"
            );
            for alias in column_spec(field).1 {
                assert!(
                    doc.contains(alias),
                    "alias {alias} of {name} is not documented"
                );
            }
        }
    }
}
