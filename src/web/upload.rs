//! Uploaded files read within limits stated here. An import never trusts what a
//! file says about itself: the sizes in a zip's directory are checked, and then
//! every entry is inflated through a counter that stops at the cap; a sheet's
//! declared dimension is ignored and its cells are read one by one, stopping at
//! the row, column, cell and text limits. Past a limit the import is refused
//! with a message that names the limit, and nothing is imported.
//!
//! Parsing happens on the blocking pool behind [`parse_off_the_exam`], at most
//! [`CONCURRENT_PARSES`] at a time, so an import never holds an async thread
//! that an exam needs.

use std::io::{self, BufReader, Cursor, Read};

use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use tokio::sync::Semaphore;

use super::error::{AppError, FieldError};
use super::i18n::Text;

/// The largest file an import reads (the request body limit is a little more).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Rows of one sheet or CSV file, counted by row number.
pub const MAX_ROWS: usize = 100_000;
/// Columns of one sheet or CSV file (`IV`).
pub const MAX_COLUMNS: usize = 256;
/// Cells of one sheet or CSV file, empty cells inside a row included.
pub const MAX_CELLS: usize = 1_000_000;
/// Characters of one cell or shared string: Excel's own limit.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Bytes of text read from one file, all cells and shared strings together.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Entries in one zip (an .xlsx written by Excel has about a dozen).
pub const MAX_ZIP_ENTRIES: usize = 1_000;
/// Bytes of any one zip entry, inflated.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// Bytes of all zip entries together, inflated.
pub const MAX_UNZIPPED_BYTES: u64 = 128 * 1024 * 1024;
/// Questions (or other items) in one file.
pub const MAX_ITEMS: usize = 100_000;
/// Marks that open an entry (TOML `=`, `,`, `[`, `{`; GIFT `{`, `=`, `~`,
/// `#`) in a text file: the parsed result takes some 150 bytes for each.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Nesting of elements in an XML file.
pub const MAX_XML_DEPTH: usize = 64;
/// Imports parsed at the same time; the others wait their turn.
pub const CONCURRENT_PARSES: usize = 2;

/// Which limit a file went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    UploadBytes,
    ZipEntries,
    EntryBytes,
    UnzippedBytes,
    Rows,
    Columns,
    Cells,
    CellChars,
    TextBytes,
    Items,
    Entries,
    XmlDepth,
}

impl Limit {
    /// The limit's value, in the unit its message uses.
    pub fn max(self) -> u64 {
        const MIB: u64 = 1024 * 1024;
        match self {
            Limit::UploadBytes => MAX_UPLOAD_BYTES as u64 / MIB,
            Limit::ZipEntries => MAX_ZIP_ENTRIES as u64,
            Limit::EntryBytes => MAX_ENTRY_BYTES / MIB,
            Limit::UnzippedBytes => MAX_UNZIPPED_BYTES / MIB,
            Limit::Rows => MAX_ROWS as u64,
            Limit::Columns => MAX_COLUMNS as u64,
            Limit::Cells => MAX_CELLS as u64,
            Limit::CellChars => MAX_CELL_CHARS as u64,
            Limit::TextBytes => MAX_TEXT_BYTES as u64 / MIB,
            Limit::Items => MAX_ITEMS as u64,
            Limit::Entries => MAX_ENTRIES as u64,
            Limit::XmlDepth => MAX_XML_DEPTH as u64,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Limit::UploadBytes => "upload.too_large",
            Limit::ZipEntries => "upload.zip_entries",
            Limit::EntryBytes => "upload.entry_bytes",
            Limit::UnzippedBytes => "upload.unzipped_bytes",
            Limit::Rows => "upload.rows",
            Limit::Columns => "upload.columns",
            Limit::Cells => "upload.cells",
            Limit::CellChars => "upload.cell_chars",
            Limit::TextBytes => "upload.text_bytes",
            Limit::Items => "upload.items",
            Limit::Entries => "upload.entries",
            Limit::XmlDepth => "upload.xml_depth",
        }
    }
}

/// A file refused for going past a limit; `at` says where (a cell, an entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub limit: Limit,
    pub at: String,
}

impl Refused {
    pub fn new(limit: Limit, at: impl Into<String>) -> Refused {
        Refused {
            limit,
            at: at.into(),
        }
    }

    pub fn text(&self) -> Text {
        Text::key(self.limit.key())
            .with("max", self.limit.max())
            .with("at", &self.at)
    }

    pub fn english(&self) -> String {
        self.text().english()
    }

    /// The 422 every import gives for it, on the `file` field.
    pub fn into_error(self) -> AppError {
        AppError::Invalid(vec![FieldError::new("file", self.text())])
    }
}

/// Why a spreadsheet was not read.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetError {
    Limit(Refused),
    /// Not a workbook that can be read; the detail is for the message.
    Unreadable(String),
}

impl From<Refused> for SheetError {
    fn from(r: Refused) -> Self {
        SheetError::Limit(r)
    }
}

impl SheetError {
    pub fn english(&self) -> String {
        match self {
            SheetError::Limit(r) => r.english(),
            SheetError::Unreadable(detail) => detail.clone(),
        }
    }
}

static PARSES: Semaphore = Semaphore::const_new(CONCURRENT_PARSES);

/// Runs a parser on the blocking pool, at most [`CONCURRENT_PARSES`] at once.
/// A parser that panics gives a 500 for its own request and nothing else.
pub async fn parse_off_the_exam<T, F>(parse: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let _permit = PARSES
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("an import parser stopped: {e}")))
}

/// Refuses a file larger than [`MAX_UPLOAD_BYTES`].
pub fn check_upload_size(bytes: &[u8]) -> Result<(), Refused> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Refused::new(
            Limit::UploadBytes,
            format!("{:.1} MiB", bytes.len() as f64 / (1024.0 * 1024.0)),
        ));
    }
    Ok(())
}

/// Counts what a table has read so far against the limits; CSV readers and
/// the sheet reader share it.
#[derive(Debug, Default)]
pub struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    /// A row numbered `number` (from 1) with `cells` cells.
    pub fn row(&mut self, number: usize, cells: usize) -> Result<(), Refused> {
        if number > MAX_ROWS {
            return Err(Refused::new(Limit::Rows, format!("row {number}")));
        }
        if cells > MAX_COLUMNS {
            return Err(Refused::new(
                Limit::Columns,
                format!("row {number}, column {cells}"),
            ));
        }
        self.cells(number, cells)
    }

    fn cells(&mut self, number: usize, added: usize) -> Result<(), Refused> {
        self.cells += added;
        if self.cells > MAX_CELLS {
            return Err(Refused::new(Limit::Cells, format!("row {number}")));
        }
        Ok(())
    }

    /// The text of one cell.
    pub fn text(&mut self, text: &str, at: impl FnOnce() -> String) -> Result<(), Refused> {
        // Counting characters only when the bytes could be too many.
        if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
            return Err(Refused::new(Limit::CellChars, at()));
        }
        self.text += text.len();
        if self.text > MAX_TEXT_BYTES {
            return Err(Refused::new(Limit::TextBytes, at()));
        }
        Ok(())
    }
}

/// Refuses more than [`MAX_ITEMS`] items.
pub fn check_items(count: usize) -> Result<(), Refused> {
    if count > MAX_ITEMS {
        return Err(Refused::new(Limit::Items, format!("{count}")));
    }
    Ok(())
}

/// Refuses a text with more than [`MAX_ENTRIES`] of the `marks` that open
/// entries in its format, counted before the parser builds anything (marks
/// inside strings count too: the bound is generous).
pub fn check_entries(text: &str, marks: &[u8]) -> Result<(), Refused> {
    let count = text.bytes().filter(|b| marks.contains(b)).count();
    if count > MAX_ENTRIES {
        return Err(Refused::new(Limit::Entries, format!("{count}")));
    }
    Ok(())
}

/// What opens an entry in TOML.
pub const TOML_MARKS: &[u8] = b"=,[{";
/// What opens a question or an answer in GIFT.
pub const GIFT_MARKS: &[u8] = b"{=~#";

// ---------------------------------------------------------------------------
// Zip.

/// The entry count a zip's end record declares, read before the zip crate
/// builds its directory (which costs memory per entry).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    // The end record is the last 22 bytes plus a comment of up to 64 KiB.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = bytes.get(from..)?;
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let record = tail.get(at..at + 22)?;
    Some(usize::from(u16::from_le_bytes([record[10], record[11]])))
}

/// A reader that fails once more than `left` bytes would come out of it.
struct Capped<R> {
    inner: R,
    left: u64,
    read: u64,
    exceeded: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte more than allowed tells "exactly at the cap" from "past it".
        let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            self.exceeded = true;
            return Err(io::Error::other("inflated size limit"));
        }
        self.left -= n as u64;
        self.read += n as u64;
        Ok(n)
    }
}

/// An open .xlsx whose directory passed the checks.
struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    unzipped: u64,
}

impl<'a> Archive<'a> {
    fn open(bytes: &'a [u8]) -> Result<Archive<'a>, SheetError> {
        check_upload_size(bytes)?;
        if let Some(n) = declared_entries(bytes)
            && n > MAX_ZIP_ENTRIES
        {
            return Err(Refused::new(Limit::ZipEntries, format!("{n}")).into());
        }
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            SheetError::Unreadable(format!(
                "the file is not an .xlsx workbook ({e}); save it from Excel as .xlsx"
            ))
        })?;
        if zip.len() > MAX_ZIP_ENTRIES {
            return Err(Refused::new(Limit::ZipEntries, format!("{}", zip.len())).into());
        }
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_data(i)
                .map_err(|e| SheetError::Unreadable(format!("the zip is damaged: {e}")))?;
            let size = entry.size();
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if size > MAX_ENTRY_BYTES {
                return Err(Refused::new(Limit::EntryBytes, name).into());
            }
            total = total.saturating_add(size);
            if total > MAX_UNZIPPED_BYTES {
                return Err(Refused::new(Limit::UnzippedBytes, name).into());
            }
        }
        Ok(Archive { zip, unzipped: 0 })
    }

    fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Reads an entry as XML through the caps; `visit` sees every event.
    fn read_xml(
        &mut self,
        name: &str,
        mut visit: impl FnMut(Event<'_>) -> Result<bool, SheetError>,
    ) -> Result<(), SheetError> {
        let left = MAX_ENTRY_BYTES.min(MAX_UNZIPPED_BYTES.saturating_sub(self.unzipped));
        let entry = self
            .zip
            .by_name(name)
            .map_err(|e| SheetError::Unreadable(format!("{name} cannot be read: {e}")))?;
        let capped = Capped {
            inner: entry,
            left,
            read: 0,
            exceeded: false,
        };
        let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, capped));
        let mut buf = Vec::new();
        let result = loop {
            buf.clear();
            match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) => break Ok(()),
                Ok(event) => match visit(event) {
                    Ok(true) => {}
                    Ok(false) => break Ok(()),
                    Err(e) => break Err(e),
                },
                Err(e) => break Err(SheetError::Unreadable(format!("{name}: {e}"))),
            }
        };
        let capped = reader.get_ref().get_ref();
        self.unzipped += capped.read;
        if capped.exceeded {
            let limit = if left < MAX_ENTRY_BYTES {
                Limit::UnzippedBytes
            } else {
                Limit::EntryBytes
            };
            return Err(Refused::new(limit, name).into());
        }
        // A limit found inside `visit` wins over the XML error it caused.
        result
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name || a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

fn push_ref(out: &mut String, r: &BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
    } else if let Some(s) = resolve_predefined_entity(r) {
        out.push_str(s);
    }
}

// ---------------------------------------------------------------------------
// Sheets.

/// One non-empty row of a sheet: `cells[i]` is column `i` (0 = A), empty cells
/// up to the last filled one included.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// The row number as the spreadsheet shows it (from 1).
    pub number: usize,
    pub cells: Vec<SheetCell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetCell {
    /// The value, or for a formula the result Excel saved.
    pub value: Data,
    /// The formula's text without `=`, when the cell holds one.
    pub formula: Option<String>,
}

impl SheetCell {
    fn empty() -> SheetCell {
        SheetCell {
            value: Data::Empty,
            formula: None,
        }
    }
}

/// The first sheet of a workbook: its rows with anything in them, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
    /// The leftmost column holding anything (0 = A).
    pub first_column: usize,
}

/// Whether a style shows numbers as dates or durations.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NumberKind {
    Number,
    Date,
    Duration,
}

/// Reads the first sheet of an .xlsx file within the limits.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut archive = Archive::open(bytes)?;
    if !archive.has("xl/workbook.xml") {
        return Err(SheetError::Unreadable(
            "the file is not an .xlsx workbook; save it from Excel as .xlsx (Excel Workbook)"
                .to_owned(),
        ));
    }
    let (sheet_rel, is_1904) = first_sheet(&mut archive)?;
    let path = sheet_path(&mut archive, sheet_rel.as_deref())?;
    let kinds = if archive.has("xl/styles.xml") {
        number_kinds(&mut archive)?
    } else {
        Vec::new()
    };
    let mut budget = Budget::default();
    let strings = if archive.has("xl/sharedStrings.xml") {
        shared_strings(&mut archive, &mut budget)?
    } else {
        Vec::new()
    };
    // Shared strings are counted once as read and again as each cell copies them.
    read_sheet(&mut archive, &path, &strings, &kinds, is_1904, budget)
}

fn first_sheet(archive: &mut Archive<'_>) -> Result<(Option<String>, bool), SheetError> {
    let mut rel = None;
    let mut is_1904 = false;
    archive.read_xml("xl/workbook.xml", |event| {
        if let Event::Start(e) | Event::Empty(e) = event {
            match e.local_name().as_ref() {
                "workbookPr" => {
                    is_1904 = matches!(attr(&e, "date1904").as_deref(), Some("1" | "true"));
                }
                "sheet" => {
                    rel = attr(&e, "r:id").or_else(|| attr(&e, "id"));
                    return Ok(false);
                }
                _ => {}
            }
        }
        Ok(true)
    })?;
    Ok((rel, is_1904))
}

fn sheet_path(archive: &mut Archive<'_>, rel: Option<&str>) -> Result<String, SheetError> {
    let mut target = None;
    if let Some(rel) = rel
        && archive.has("xl/_rels/workbook.xml.rels")
    {
        archive.read_xml("xl/_rels/workbook.xml.rels", |event| {
            if let Event::Start(e) | Event::Empty(e) = event
                && e.local_name().as_ref() == "Relationship"
                && attr(&e, "Id").as_deref() == Some(rel)
            {
                target = attr(&e, "Target");
                return Ok(false);
            }
            Ok(true)
        })?;
    }
    let path = match target {
        Some(t) if t.starts_with('/') => t.trim_start_matches('/').to_owned(),
        Some(t) => format!("xl/{t}"),
        None => "xl/worksheets/sheet1.xml".to_owned(),
    };
    if !archive.has(&path) {
        return Err(SheetError::Unreadable(
            "the workbook has no sheets".to_owned(),
        ));
    }
    Ok(path)
}

fn number_kinds(archive: &mut Archive<'_>) -> Result<Vec<NumberKind>, SheetError> {
    let mut custom: Vec<(String, NumberKind)> = Vec::new();
    let mut kinds = Vec::new();
    let mut in_cell_xfs = false;
    archive.read_xml("xl/styles.xml", |event| {
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId"), attr(&e, "formatCode")) {
                        custom.push((id, custom_kind(&code)));
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    if kinds.len() >= MAX_CELLS {
                        return Err(Refused::new(Limit::Cells, "xl/styles.xml").into());
                    }
                    let id = attr(&e, "numFmtId").unwrap_or_default();
                    let kind = custom
                        .iter()
                        .find(|(c, _)| *c == id)
                        .map(|(_, k)| *k)
                        .unwrap_or_else(|| builtin_kind(&id));
                    kinds.push(kind);
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            _ => {}
        }
        Ok(true)
    })?;
    Ok(kinds)
}

fn builtin_kind(id: &str) -> NumberKind {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => {
            NumberKind::Date
        }
        "46" => NumberKind::Duration,
        _ => NumberKind::Number,
    }
}

/// Whether a number format shows a date: a d, m, y, h or s outside quotes,
/// brackets and escapes (`[h]:mm` is a duration).
fn custom_kind(code: &str) -> NumberKind {
    let mut chars = code.chars();
    let mut in_quote = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => in_quote = !in_quote,
            _ if in_quote => {}
            '\\' | '_' | '*' => {
                chars.next();
            }
            ';' => break,
            '[' => {
                let inside: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let lower = inside.to_ascii_lowercase();
                if !lower.is_empty() && lower.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    return NumberKind::Duration;
                }
            }
            'd' | 'm' | 'y' | 'h' | 's' | 'D' | 'M' | 'Y' | 'H' | 'S' => {
                return NumberKind::Date;
            }
            _ => {}
        }
    }
    NumberKind::Number
}

fn shared_strings(
    archive: &mut Archive<'_>,
    budget: &mut Budget,
) -> Result<Vec<String>, SheetError> {
    let mut strings = Vec::new();
    let mut current = String::new();
    // Inside <t> of an <si>, outside phonetic runs (<rPh>).
    let mut in_t = false;
    let mut in_phonetic = false;
    archive.read_xml("xl/sharedStrings.xml", |event| {
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current.clear(),
                "t" if !in_phonetic => in_t = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                strings.push(String::new());
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                "si" => {
                    let n = strings.len() + 1;
                    budget.text(&current, || format!("shared string {n}"))?;
                    if strings.len() >= MAX_CELLS {
                        return Err(Refused::new(Limit::Cells, "xl/sharedStrings.xml").into());
                    }
                    strings.push(std::mem::take(&mut current));
                }
                _ => {}
            },
            Event::Text(t) if in_t => {
                current.push_str(&t.xml10_content());
                check_growing(&current, || format!("shared string {}", strings.len() + 1))?;
            }
            Event::CData(t) if in_t => {
                current.push_str(&t.xml10_content());
                check_growing(&current, || format!("shared string {}", strings.len() + 1))?;
            }
            Event::GeneralRef(r) if in_t => push_ref(&mut current, &r),
            _ => {}
        }
        Ok(true)
    })?;
    Ok(strings)
}

/// Stops a string being built as soon as it is certainly too long.
fn check_growing(text: &str, at: impl FnOnce() -> String) -> Result<(), Refused> {
    if text.len() > 4 * MAX_CELL_CHARS {
        return Err(Refused::new(Limit::CellChars, at()));
    }
    Ok(())
}

/// `B12` → (row 11, column 1), both from 0.
fn cell_position(reference: &str) -> Option<(usize, usize)> {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut column = 0usize;
    for b in reference[..letters].bytes() {
        column = column * 26 + usize::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let row: usize = reference[letters..].parse().ok()?;
    Some((row.checked_sub(1)?, column - 1))
}

fn column_name(mut column: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// The cell being read.
#[derive(Default)]
struct OpenCell {
    position: (usize, usize),
    kind: Option<String>,
    style: usize,
    value: String,
    formula: Option<String>,
    /// Which child the text belongs to.
    reading: Option<Part>,
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Value,
    Formula,
    Inline,
}

fn read_sheet(
    archive: &mut Archive<'_>,
    path: &str,
    strings: &[String],
    kinds: &[NumberKind],
    is_1904: bool,
    mut budget: Budget,
) -> Result<Sheet, SheetError> {
    let mut rows: Vec<SheetRow> = Vec::new();
    let mut row_index = 0usize;
    let mut next_column = 0usize;
    let mut cell: Option<OpenCell> = None;
    let mut in_sheet_data = false;
    archive.read_xml(path, |event| {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheetData" => {
                in_sheet_data = true;
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(false),
            _ if !in_sheet_data => {}
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(r) = attr(&e, "r") {
                    row_index = r
                        .parse::<usize>()
                        .ok()
                        .and_then(|r| r.checked_sub(1))
                        .ok_or_else(|| SheetError::Unreadable(format!("bad row number {r}")))?;
                }
                next_column = 0;
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                row_index = row_index.saturating_add(1);
                next_column = 0;
            }
            Event::Empty(e) if e.local_name().as_ref() == "row" => {
                row_index = row_index.saturating_add(1);
                next_column = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let position = match attr(&e, "r") {
                    Some(r) => cell_position(&r)
                        .ok_or_else(|| SheetError::Unreadable(format!("bad cell reference {r}")))?,
                    None => (row_index, next_column),
                };
                next_column = position.1.saturating_add(1);
                cell = Some(OpenCell {
                    position,
                    kind: attr(&e, "t"),
                    style: attr(&e, "s").and_then(|s| s.parse().ok()).unwrap_or(0),
                    ..OpenCell::default()
                });
            }
            Event::Empty(e) if e.local_name().as_ref() == "c" => {
                // An empty cell (formatting only) holds nothing to read.
                if let Some((_, column)) = attr(&e, "r").as_deref().and_then(cell_position) {
                    next_column = column.saturating_add(1);
                } else {
                    next_column = next_column.saturating_add(1);
                }
            }
            Event::Start(e) => {
                if let Some(open) = cell.as_mut() {
                    open.reading = match e.local_name().as_ref() {
                        "v" => Some(Part::Value),
                        "f" => {
                            open.formula.get_or_insert_with(String::new);
                            Some(Part::Formula)
                        }
                        "t" => Some(Part::Inline),
                        _ => open.reading,
                    };
                }
            }
            Event::Text(t) => text_into(&mut cell, &t.xml10_content())?,
            Event::CData(t) => text_into(&mut cell, &t.xml10_content())?,
            Event::GeneralRef(r) => {
                let mut s = String::new();
                push_ref(&mut s, &r);
                text_into(&mut cell, &s)?;
            }
            Event::End(e) if e.local_name().as_ref() == "c" => {
                if let Some(open) = cell.take() {
                    store_cell(open, &mut rows, &mut budget, strings, kinds, is_1904)?;
                }
            }
            Event::End(e) => {
                if let Some(open) = cell.as_mut()
                    && matches!(e.local_name().as_ref(), "v" | "f" | "t")
                {
                    open.reading = None;
                }
            }
            _ => {}
        }
        Ok(true)
    })?;
    let first_column = rows
        .iter()
        .filter_map(|r| {
            r.cells
                .iter()
                .position(|c| c.value != Data::Empty || c.formula.is_some())
        })
        .min()
        .unwrap_or(0);
    Ok(Sheet { rows, first_column })
}

fn text_into(cell: &mut Option<OpenCell>, text: &str) -> Result<(), SheetError> {
    let Some(open) = cell.as_mut() else {
        return Ok(());
    };
    let target = match open.reading {
        Some(Part::Value) | Some(Part::Inline) => &mut open.value,
        Some(Part::Formula) => open.formula.get_or_insert_with(String::new),
        None => return Ok(()),
    };
    target.push_str(text);
    let (row, column) = open.position;
    check_growing(target, || format!("{}{}", column_name(column), row + 1))?;
    Ok(())
}

fn store_cell(
    open: OpenCell,
    rows: &mut Vec<SheetRow>,
    budget: &mut Budget,
    strings: &[String],
    kinds: &[NumberKind],
    is_1904: bool,
) -> Result<(), SheetError> {
    let (row, column) = open.position;
    let at = || format!("{}{}", column_name(column), row + 1);
    let raw = open.value;
    let value = match open.kind.as_deref() {
        _ if raw.is_empty() && open.formula.is_none() => return Ok(()),
        _ if raw.is_empty() => Data::Empty,
        Some("s") => {
            let index: usize = raw
                .trim()
                .parse()
                .map_err(|_| SheetError::Unreadable(format!("{}: bad shared string", at())))?;
            let s = strings.get(index).ok_or_else(|| {
                SheetError::Unreadable(format!("{}: no shared string {index}", at()))
            })?;
            Data::String(s.clone())
        }
        Some("str" | "inlineStr") => Data::String(raw),
        Some("b") => Data::Bool(raw.trim() == "1" || raw.trim() == "true"),
        Some("e") => Data::Error(raw.trim().parse().unwrap_or(CellErrorType::Value)),
        Some("d") => Data::DateTimeIso(raw),
        _ => match raw.trim().parse::<f64>() {
            Ok(f) => match kinds.get(open.style) {
                Some(NumberKind::Date) => {
                    Data::DateTime(ExcelDateTime::new(f, ExcelDateTimeType::DateTime, is_1904))
                }
                Some(NumberKind::Duration) => {
                    Data::DateTime(ExcelDateTime::new(f, ExcelDateTimeType::TimeDelta, is_1904))
                }
                _ => Data::Float(f),
            },
            Err(_) => Data::String(raw),
        },
    };
    let number = row + 1;
    if number > MAX_ROWS {
        return Err(Refused::new(Limit::Rows, at()).into());
    }
    if column >= MAX_COLUMNS {
        return Err(Refused::new(Limit::Columns, at()).into());
    }
    if let Data::String(s) | Data::DateTimeIso(s) = &value {
        budget.text(s, at)?;
    }
    if let Some(f) = &open.formula {
        budget.text(f, at)?;
    }
    // Excel writes rows in order; anything else is put in its place.
    let index = match rows.last() {
        Some(last) if last.number == number => rows.len() - 1,
        Some(last) if last.number > number => {
            match rows.binary_search_by_key(&number, |r| r.number) {
                Ok(i) => i,
                Err(i) => {
                    rows.insert(
                        i,
                        SheetRow {
                            number,
                            cells: Vec::new(),
                        },
                    );
                    i
                }
            }
        }
        _ => {
            rows.push(SheetRow {
                number,
                cells: Vec::new(),
            });
            rows.len() - 1
        }
    };
    let cells = &mut rows[index].cells;
    if column >= cells.len() {
        budget.cells(number, column + 1 - cells.len())?;
        cells.resize(column + 1, SheetCell::empty());
    }
    cells[column] = SheetCell {
        value,
        formula: open.formula.filter(|f| !f.is_empty()),
    };
    Ok(())
}

#[doc(hidden)]
pub mod hostile;

#[cfg(test)]
mod tests;
