//! Decisions about banks that need no I/O: who may do what, which format a
//! file is in, what is stored beside a version for filtering, the topic tree
//! and the topic × difficulty × status matrix.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Answer, Question, Status, Subject};
use super::normalize::fold;
use crate::accounts::domain::Role;

/// Files larger than this are refused before they are read.
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

/// Topic given to questions whose file does not say (GIFT before any
/// `$CATEGORY`, a spreadsheet row with an empty topic cell).
pub const DEFAULT_TOPIC: &str = "Chung";

/// What a user may do with one bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Not theirs: answered as "not found", so bank names do not leak.
    None,
    /// A member of the bank's board, or an administrator.
    Edit,
}

/// Board members see the banks they are members of; administrators see all;
/// candidates and personnel see none (403 rather than 404: the whole feature
/// is not theirs, which is no secret).
pub fn access(role: Role, is_member: bool) -> Result<Access, Forbidden> {
    match role {
        Role::Admin => Ok(Access::Edit),
        Role::Board if is_member => Ok(Access::Edit),
        Role::Board => Ok(Access::None),
        Role::Candidate | Role::Personnel => Err(Forbidden),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden;

/// Four eyes: a version is approved by someone other than the person who wrote it.
pub fn may_approve(approver_id: i32, author_id: Option<i32>) -> bool {
    author_id != Some(approver_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// merit's TOML (`.toml`).
    Toml,
    Gift,
    MoodleXml,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Toml,
        Format::Gift,
        Format::MoodleXml,
        Format::Csv,
        Format::Xlsx,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Gift => "gift",
            Format::MoodleXml => "moodle-xml",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "toml" | "native" => Some(Format::Toml),
            "gift" => Some(Format::Gift),
            "moodle-xml" | "moodle_xml" | "xml" | "moodle" => Some(Format::MoodleXml),
            "csv" => Some(Format::Csv),
            "xlsx" | "excel" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Gift => "gift",
            Format::MoodleXml => "xml",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Toml => "application/toml; charset=utf-8",
            Format::Gift => "text/plain; charset=utf-8",
            Format::MoodleXml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The format of an uploaded file: from its extension when it has a known
/// one, else from its first bytes.
pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "toml" => return Some(Format::Toml),
        "gift" => return Some(Format::Gift),
        "xml" => return Some(Format::MoodleXml),
        "csv" | "tsv" => return Some(Format::Csv),
        "xlsx" | "xls" | "ods" => return Some(Format::Xlsx),
        _ => {}
    }
    // Zip (xlsx, ods) or the old OLE container (xls).
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(Format::Xlsx);
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let text = text.trim_start_matches('\u{feff}');
    let start = text.trim_start();
    if start.starts_with("<?xml") || start.starts_with("<quiz") {
        return Some(Format::MoodleXml);
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .collect();
    if lines
        .iter()
        .any(|l| *l == "[bank]" || *l == "[[questions]]")
    {
        return Some(Format::Toml);
    }
    if text.contains("$CATEGORY:") || (text.contains('{') && text.contains('}')) {
        return Some(Format::Gift);
    }
    let header = lines.first().map(|l| fold(l, true)).unwrap_or_default();
    let header = header.strip_prefix("sep=").map_or(header.clone(), |_| {
        lines.get(1).map(|l| fold(l, true)).unwrap_or_default()
    });
    if ["kind", "stem", "loai", "cau hoi", "noi dung", "type"]
        .iter()
        .any(|c| header.contains(c))
        && [',', ';', '\t'].iter().any(|d| header.contains(*d))
    {
        return Some(Format::Csv);
    }
    None
}

/// Text the list's text filter searches: title, stem and every visible
/// answer text, folded so that "ha noi" finds "Hà Nội".
pub fn search_text(q: &Question) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(t) = &q.title {
        parts.push(t);
    }
    parts.push(&q.stem);
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            parts.extend(options.iter().map(|o| o.text.as_str()));
        }
        Answer::ShortAnswer { answers, .. } => {
            parts.extend(answers.iter().map(|a| a.text.as_str()))
        }
        Answer::Matching { pairs } => {
            for p in pairs {
                parts.push(&p.prompt);
                parts.push(&p.answer);
            }
        }
        Answer::Ordering { items } => parts.extend(items.iter().map(String::as_str)),
        Answer::TrueFalse { .. } | Answer::Numeric { .. } | Answer::Essay { .. } => {}
    }
    parts.extend(q.tags.iter().map(String::as_str));
    fold(&parts.join(" \u{1f} "), true)
}

/// Tags as stored: "\ntag one\ntag two\n", so that an exact tag is the
/// substring "\n{tag}\n".
pub fn tags_column(tags: &[String]) -> String {
    let mut out = String::from("\n");
    for t in tags {
        out.push_str(&t.replace('\n', " "));
        out.push('\n');
    }
    out
}

/// "Luật/Cán bộ/Quyền" → ["Luật", "Luật/Cán bộ", "Luật/Cán bộ/Quyền"].
pub fn topic_prefixes(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    (1..=parts.len()).map(|n| parts[..n].join("/")).collect()
}

/// Normalises a typed topic: trims each level ("Luật / Cán bộ" → "Luật/Cán bộ").
pub fn clean_topic(path: &str) -> String {
    path.split('/')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("/")
}

pub fn subject_name(subject: Subject) -> &'static str {
    match subject {
        Subject::GeneralKnowledge => "general_knowledge",
        Subject::ForeignLanguage => "foreign_language",
        Subject::It => "it",
        Subject::Specialised => "specialised",
    }
}

pub fn parse_subject(s: &str) -> Option<Subject> {
    [
        Subject::GeneralKnowledge,
        Subject::ForeignLanguage,
        Subject::It,
        Subject::Specialised,
    ]
    .into_iter()
    .find(|x| subject_name(*x) == s.trim())
}

/// Keys are what people type in the CLI and see in exports.
pub fn valid_key(key: &str) -> bool {
    !key.trim().is_empty() && key.chars().count() <= 100 && !key.contains(['\n', '\r'])
}

/// The next free generated key: `q-0001`, `q-0002`, ... after the highest used.
pub fn next_key<'a>(taken: impl IntoIterator<Item = &'a str>) -> String {
    let highest = taken
        .into_iter()
        .filter_map(|k| k.strip_prefix("q-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("q-{:04}", highest + 1)
}

/// One cell row of the matrix: a topic and difficulty with counts by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Counts {
    pub draft: u64,
    pub approved: u64,
    pub retired: u64,
}

impl Counts {
    fn add(&mut self, status: Status, n: u64) {
        match status {
            Status::Draft => self.draft += n,
            Status::Approved => self.approved += n,
            Status::Retired => self.retired += n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatrixRow {
    /// The full topic path.
    pub topic: String,
    /// Its last level, shown indented under its parent.
    pub name: String,
    /// 0 for a top-level topic.
    pub depth: usize,
    /// Counts include every topic below this one: a blueprint drawing from
    /// "Luật" draws from "Luật/Cán bộ" too.
    pub by_difficulty: Vec<Counts>,
    pub total: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Matrix {
    /// Every topic and every level above it, parents before children.
    pub rows: Vec<MatrixRow>,
    pub by_difficulty: Vec<Counts>,
    pub total: Counts,
}

/// Builds the topic × difficulty × status matrix from grouped counts
/// `(topic, difficulty, status, n)`, as a tree: a row for each topic and
/// each level above it, with the counts of everything under it.
pub fn matrix(counts: &[(String, u8, Status, u64)]) -> Matrix {
    let mut rows: BTreeMap<String, Vec<Counts>> = BTreeMap::new();
    let mut by_difficulty = vec![Counts::default(); 5];
    let mut total = Counts::default();
    for (topic, difficulty, status, n) in counts {
        let d = usize::from(difficulty.clamp(&1, &5) - 1);
        for prefix in topic_prefixes(topic) {
            rows.entry(prefix)
                .or_insert_with(|| vec![Counts::default(); 5])[d]
                .add(*status, *n);
        }
        by_difficulty[d].add(*status, *n);
        total.add(*status, *n);
    }
    // Sorted level by level, so that "A/B" follows "A" and precedes "A B".
    let mut rows: Vec<(Vec<String>, Vec<Counts>)> = rows
        .into_iter()
        .map(|(topic, cells)| (topic.split('/').map(str::to_owned).collect(), cells))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Matrix {
        rows: rows
            .into_iter()
            .map(|(levels, cells)| {
                let mut row_total = Counts::default();
                for c in &cells {
                    row_total.draft += c.draft;
                    row_total.approved += c.approved;
                    row_total.retired += c.retired;
                }
                MatrixRow {
                    topic: levels.join("/"),
                    name: levels.last().cloned().unwrap_or_default(),
                    depth: levels.len().saturating_sub(1),
                    by_difficulty: cells,
                    total: row_total,
                }
            })
            .collect(),
        by_difficulty,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_members_and_admins_reach_a_bank() {
        assert_eq!(access(Role::Admin, false), Ok(Access::Edit));
        assert_eq!(access(Role::Board, true), Ok(Access::Edit));
        assert_eq!(access(Role::Board, false), Ok(Access::None));
        assert_eq!(access(Role::Candidate, true), Err(Forbidden));
        assert_eq!(access(Role::Personnel, true), Err(Forbidden));
    }

    #[test]
    fn authors_cannot_approve_their_own_versions() {
        assert!(!may_approve(7, Some(7)));
        assert!(may_approve(7, Some(8)));
        assert!(may_approve(7, None));
    }

    #[test]
    fn format_comes_from_the_extension_then_the_content() {
        assert_eq!(detect("bank.TOML", b""), Some(Format::Toml));
        assert_eq!(detect("q.gift", b""), Some(Format::Gift));
        assert_eq!(detect("q.xml", b""), Some(Format::MoodleXml));
        assert_eq!(detect("q.xlsx", b""), Some(Format::Xlsx));
        assert_eq!(detect("upload", b"PK\x03\x04rest"), Some(Format::Xlsx));
        assert_eq!(
            detect("upload", b"<?xml version=\"1.0\"?><quiz></quiz>"),
            Some(Format::MoodleXml)
        );
        assert_eq!(
            detect("upload.txt", b"# c\n[bank]\nname = \"x\""),
            Some(Format::Toml)
        );
        assert_eq!(
            detect("upload.txt", b"::q1:: 2+2 = {=4 ~3}"),
            Some(Format::Gift)
        );
        assert_eq!(
            detect(
                "upload.txt",
                "\u{feff}kind;stem;option_a\nsingle;x;y".as_bytes()
            ),
            Some(Format::Csv)
        );
        assert_eq!(detect("notes.txt", b"hello"), None);
    }

    #[test]
    fn topic_prefixes_build_the_tree() {
        assert_eq!(
            topic_prefixes("Luật/Cán bộ/Quyền"),
            ["Luật", "Luật/Cán bộ", "Luật/Cán bộ/Quyền"]
        );
        assert_eq!(clean_topic(" Luật /  Cán   bộ "), "Luật/Cán bộ");
    }

    #[test]
    fn generated_keys_follow_the_highest() {
        assert_eq!(next_key(["gk-1", "q-0009", "q-0002"]), "q-0010");
        assert_eq!(next_key([]), "q-0001");
    }

    #[test]
    fn matrix_counts_by_topic_difficulty_and_status() {
        let m = matrix(&[
            ("B".into(), 1, Status::Approved, 3),
            ("A".into(), 2, Status::Draft, 1),
            ("A".into(), 2, Status::Approved, 2),
            ("A".into(), 5, Status::Retired, 1),
        ]);
        assert_eq!(m.rows.len(), 2);
        assert_eq!(m.rows[0].topic, "A");
        assert_eq!(m.rows[0].by_difficulty[1].approved, 2);
        assert_eq!(m.rows[0].total.draft, 1);
        assert_eq!(m.by_difficulty[0].approved, 3);
        assert_eq!(m.total.approved, 5);
        assert_eq!(m.total.retired, 1);
    }

    #[test]
    fn matrix_rows_form_a_tree_with_subtotals() {
        let m = matrix(&[
            ("Luật/Cán bộ".into(), 2, Status::Approved, 3),
            ("Luật/Viên chức".into(), 2, Status::Approved, 2),
            ("Luật B".into(), 1, Status::Approved, 1),
            ("Luật".into(), 3, Status::Draft, 4),
        ]);
        let shape: Vec<(&str, usize, u64)> = m
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.depth, r.total.approved))
            .collect();
        assert_eq!(
            shape,
            [
                ("Luật", 0, 5),
                ("Cán bộ", 1, 3),
                ("Viên chức", 1, 2),
                ("Luật B", 0, 1)
            ]
        );
        assert_eq!(m.rows[0].total.draft, 4);
        assert_eq!(m.total.approved, 6);
    }

    #[test]
    fn tags_are_found_exactly() {
        let col = tags_column(&["luật".into(), "2019".into()]);
        assert!(col.contains("\nluật\n"));
        assert!(!col.contains("\nluậ\n"));
    }
}
