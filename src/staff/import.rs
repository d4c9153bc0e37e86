//! Staff lists as spreadsheets: import from CSV or XLSX with a report of every
//! problem (row, column, what is wrong) — nothing is written unless the whole
//! file is clean — and export in the same columns, so an export can be edited
//! and imported elsewhere.
//!
//! Columns (header row first; names matched without regard to case, spaces,
//! `_` or `-`; Vietnamese names work too): `full_name` (họ và tên), `gender`
//! (giới tính: nam/nữ, male/female), `date_of_birth` (ngày sinh), `national_id`
//! (số cccd), `unit` (mã đơn vị: the unit code), `position` (vị trí việc làm:
//! a position title in that unit, optional), `employment_type` (loại: công
//! chức/viên chức/hợp đồng), `grade` (ngạch: A1, A2.1, …), `step` (bậc),
//! `coefficient` (hệ số, optional), `last_step_raise` (ngày nâng bậc, optional),
//! `hire_date` (ngày tuyển dụng). Dates: `2024-07-01` or `01/07/2024`.

use std::collections::{HashMap, HashSet};

use calamine::Data;

use crate::web::upload::{Budget, SheetError, check_upload_size, read_first_sheet};
use serde::Serialize;
use utoipa::ToSchema;

use super::service::NewStaff;
use crate::web::i18n::{Locale, Text};

/// One problem in an import file. Rows are numbered as the spreadsheet shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub problem: String,
    #[serde(skip)]
    pub text: Option<Text>,
}

impl Problem {
    fn new(row: usize, column: &str, text: Text) -> Problem {
        Problem {
            row,
            column: column.to_owned(),
            problem: text.english(),
            text: Some(text),
        }
    }

    pub fn render(&self, locale: Locale) -> String {
        self.text
            .as_ref()
            .map(|t| t.render(locale))
            .unwrap_or_else(|| self.problem.clone())
    }
}

pub const COLUMNS: [&str; 12] = [
    "full_name",
    "gender",
    "date_of_birth",
    "national_id",
    "unit",
    "position",
    "employment_type",
    "grade",
    "step",
    "coefficient",
    "last_step_raise",
    "hire_date",
];

fn squash(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect()
}

fn column_for(header: &str) -> Option<&'static str> {
    let h = squash(header);
    let aliases: &[(&str, &[&str])] = &[
        (
            "full_name",
            &["fullname", "name", "họvàtên", "hotên", "họtên"],
        ),
        ("gender", &["gender", "sex", "giớitính"]),
        (
            "date_of_birth",
            &["dateofbirth", "dob", "birthdate", "ngàysinh"],
        ),
        (
            "national_id",
            &["nationalid", "cccd", "sốcccd", "cmnd", "sốđịnhdanh"],
        ),
        ("unit", &["unit", "unitcode", "mãđơnvị", "đơnvị"]),
        ("position", &["position", "vịtrí", "vịtríviệclàm"]),
        (
            "employment_type",
            &["employmenttype", "type", "loại", "loạicánbộ"],
        ),
        ("grade", &["grade", "ngạch", "mãngạch"]),
        ("step", &["step", "bậc"]),
        ("coefficient", &["coefficient", "hệsố", "hệsốlương"]),
        (
            "last_step_raise",
            &["laststepraise", "ngàynângbậc", "ngàynângbậcgầnnhất"],
        ),
        ("hire_date", &["hiredate", "ngàytuyểndụng", "ngàyvào"]),
    ];
    aliases
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(c, _)| *c)
}

/// The cells of a file, row by row, with the row numbers people see.
pub fn read_table(bytes: &[u8], filename: &str) -> Result<Vec<(usize, Vec<String>)>, Problem> {
    let lower = filename.to_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(b"PK") {
        workbook_table(bytes)
    } else {
        csv_table(bytes)
    }
}

fn file_problem(text: Text) -> Problem {
    Problem::new(1, "", text)
}

fn csv_table(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Problem> {
    check_upload_size(bytes).map_err(|r| file_problem(r.text()))?;
    let mut budget = Budget::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    // Excel in the Vietnamese locale writes `;`.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|c| count(*c))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for record in reader.byte_records() {
        let record =
            record.map_err(|e| file_problem(Text::key("import.bad_csv").with("detail", e)))?;
        let row = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        budget
            .row(row, record.len())
            .map_err(|r| file_problem(r.text()))?;
        let mut cells = Vec::new();
        for field in record.iter() {
            let text = std::str::from_utf8(field)
                .map_err(|_| Problem::new(row, "", Text::key("import.not_utf8")))?;
            budget
                .text(text, || format!("row {row}"))
                .map_err(|r| file_problem(r.text()))?;
            cells.push(crate::web::csv::unguard(text.trim()).to_owned());
        }
        rows.push((row, cells));
    }
    Ok(rows)
}

fn workbook_table(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Problem> {
    // Within the limits of `web::upload`; the declared dimension is ignored.
    let sheet = read_first_sheet(bytes).map_err(|e| match e {
        SheetError::Limit(r) => file_problem(r.text()),
        SheetError::Unreadable(detail) => {
            file_problem(Text::key("import.bad_workbook").with("detail", detail))
        }
    })?;
    // Cells keep their column: row.cells[0] is column A.
    Ok(sheet
        .rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .map(|cell| match cell.value {
                    Data::Empty => String::new(),
                    Data::String(s) => s.trim().to_owned(),
                    Data::Int(i) => i.to_string(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Bool(b) => b.to_string(),
                    // Date cells are read as the date they show.
                    Data::DateTime(d) => {
                        let (y, m, day, ..) = d.to_ymd_hms_milli();
                        format!("{y:04}-{m:02}-{day:02}")
                    }
                    Data::DateTimeIso(s) => s.chars().take(10).collect(),
                    other => other.to_string(),
                })
                .collect();
            (row.number, cells)
        })
        .collect())
}

fn gender_of(s: &str) -> String {
    match squash(s).as_str() {
        "nam" | "male" | "m" => "male".into(),
        "nữ" | "nu" | "female" | "f" => "female".into(),
        other => other.to_owned(),
    }
}

fn employment_of(s: &str) -> String {
    match squash(s).as_str() {
        "côngchức" | "civilservant" => "civil_servant".into(),
        "viênchức" | "publicemployee" => "public_employee".into(),
        "hợpđồng" | "contract" => "contract".into(),
        other => other.to_owned(),
    }
}

/// Where the importer finds units and positions: codes of units the importer
/// may write to, and position titles by unit.
pub struct Directory {
    pub unit_by_code: HashMap<String, i32>,
    pub position_by_title: HashMap<(i32, String), i32>,
}

/// Turns rows into new staff; problems name the row and the column.
pub fn to_new_staff(
    rows: &[(usize, Vec<String>)],
    dir: &Directory,
) -> (Vec<(usize, NewStaff)>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut rows = rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((header_row, header)) = rows.next() else {
        problems.push(file_problem(Text::key("import.empty")));
        return (out, problems);
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(c) = column_for(name) {
            index.insert(c, i);
        }
    }
    for required in [
        "full_name",
        "gender",
        "date_of_birth",
        "unit",
        "employment_type",
        "grade",
        "step",
        "hire_date",
    ] {
        if !index.contains_key(required) {
            problems.push(Problem::new(
                *header_row,
                required,
                Text::key("import.missing_column"),
            ));
        }
    }
    if !problems.is_empty() {
        return (out, problems);
    }
    let mut seen_ids: HashSet<String> = HashSet::new();
    for (row, cells) in rows {
        let cell = |c: &str| {
            index
                .get(c)
                .and_then(|i| cells.get(*i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let unit_code = cell("unit");
        let Some(unit_id) = dir.unit_by_code.get(&unit_code).copied() else {
            problems.push(Problem::new(
                *row,
                "unit",
                Text::key("import.unknown_unit").with("code", &unit_code),
            ));
            continue;
        };
        let title = cell("position");
        let position_id = if title.is_empty() {
            None
        } else {
            match dir.position_by_title.get(&(unit_id, title.to_lowercase())) {
                Some(p) => Some(*p),
                None => {
                    problems.push(Problem::new(
                        *row,
                        "position",
                        Text::key("import.unknown_position").with("title", &title),
                    ));
                    continue;
                }
            }
        };
        let step = match cell("step").parse::<i32>() {
            Ok(s) => s,
            Err(_) => {
                problems.push(Problem::new(*row, "step", Text::key("import.bad_step")));
                continue;
            }
        };
        let national_id = Some(cell("national_id")).filter(|s| !s.is_empty());
        if let Some(id) = &national_id
            && !seen_ids.insert(id.clone())
        {
            problems.push(Problem::new(
                *row,
                "national_id",
                Text::key("import.duplicate_id"),
            ));
        }
        out.push((
            *row,
            NewStaff {
                full_name: cell("full_name"),
                gender: gender_of(&cell("gender")),
                date_of_birth: cell("date_of_birth"),
                national_id,
                org_unit_id: unit_id,
                position_id,
                employment_type: employment_of(&cell("employment_type")),
                grade: cell("grade"),
                step,
                coefficient: Some(cell("coefficient")),
                last_step_raise: Some(cell("last_step_raise")),
                hire_date: cell("hire_date"),
            },
        ));
    }
    (out, problems)
}

/// The import column for a `NewStaff` field.
pub fn column_of_field(field: Option<&str>) -> String {
    match field.unwrap_or("") {
        "org_unit_id" => "unit".into(),
        "position_id" => "position".into(),
        "grade" | "step" | "coefficient" | "full_name" | "gender" | "date_of_birth"
        | "national_id" | "employment_type" | "last_step_raise" | "hire_date" => {
            field.unwrap_or("").to_owned()
        }
        other => other.to_owned(),
    }
}

pub fn problem_from_field(row: usize, e: &crate::web::error::FieldError) -> Problem {
    Problem::new(row, &column_of_field(e.field), e.text.clone())
}

pub fn to_csv(rows: &[Vec<String>]) -> String {
    let mut w = crate::web::csv::Csv::new();
    w.text_row(COLUMNS);
    for r in rows {
        w.text_row(r);
    }
    w.finish()
}

pub fn to_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Staff")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        sheet.set_column_width(c as u16, 16)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 1, c as u16, cell, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Directory {
        Directory {
            unit_by_code: HashMap::from([("SNV".to_owned(), 2)]),
            position_by_title: HashMap::from([((2, "chuyên viên tổ chức".to_owned()), 7)]),
        }
    }

    #[test]
    fn vietnamese_headers_and_semicolons_are_read() {
        let csv = "Họ và tên;Giới tính;Ngày sinh;Số CCCD;Mã đơn vị;Vị trí việc làm;Loại;Ngạch;Bậc;Hệ số;Ngày nâng bậc;Ngày tuyển dụng\nNguyễn Văn An;Nam;15/03/1985;001085000123;SNV;Chuyên viên tổ chức;Công chức;A1;3;;2023-01-01;2012-09-01\n";
        let table = read_table(csv.as_bytes(), "staff.csv").unwrap();
        let (rows, problems) = to_new_staff(&table, &dir());
        assert!(problems.is_empty(), "{problems:?}");
        let (row, n) = &rows[0];
        assert_eq!(*row, 2);
        assert_eq!(
            (
                n.gender.as_str(),
                n.employment_type.as_str(),
                n.org_unit_id,
                n.position_id
            ),
            ("male", "civil_servant", 2, Some(7))
        );
        assert_eq!(n.date_of_birth, "15/03/1985");
    }

    #[test]
    fn problems_name_the_row_and_column() {
        let csv = "full_name,gender,date_of_birth,unit,employment_type,grade,step,hire_date,national_id\nA,nam,1980-01-01,XYZ,công chức,A1,1,2010-01-01,\nB,nữ,1980-01-01,SNV,công chức,A1,x,2010-01-01,\nC,nữ,1980-01-01,SNV,công chức,A1,1,2010-01-01,123456789\nD,nữ,1980-01-01,SNV,công chức,A1,1,2010-01-01,123456789\n";
        let (_, problems) = to_new_staff(&read_table(csv.as_bytes(), "x.csv").unwrap(), &dir());
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str()))
            .collect();
        assert_eq!(found, vec![(2, "unit"), (3, "step"), (5, "national_id")]);
    }

    #[test]
    fn missing_columns_are_reported_on_the_header_row() {
        let (_, problems) = to_new_staff(
            &read_table(b"full_name,gender\nA,nam\n", "x.csv").unwrap(),
            &dir(),
        );
        assert!(problems.iter().all(|p| p.row == 1));
        assert!(problems.iter().any(|p| p.column == "hire_date"));
    }

    #[test]
    fn exports_read_back_in_both_formats() {
        let row: Vec<String> = [
            "Lê Thị Hoa",
            "female",
            "1990-02-03",
            "001190000001",
            "SNV",
            "Chuyên viên tổ chức",
            "civil_servant",
            "A1",
            "2",
            "2.67",
            "",
            "2015-01-01",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let csv = to_csv(std::slice::from_ref(&row)).into_bytes();
        let (rows, problems) = to_new_staff(&read_table(&csv, "x.csv").unwrap(), &dir());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows[0].1.full_name, "Lê Thị Hoa");
        let xlsx = to_xlsx(std::slice::from_ref(&row)).unwrap();
        let (rows, problems) = to_new_staff(&read_table(&xlsx, "x.xlsx").unwrap(), &dir());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows[0].1.coefficient.as_deref(), Some("2.67"));
        assert_eq!(rows[0].1.position_id, Some(7));
    }

    #[test]
    fn formulas_are_not_exported_as_formulas() {
        let mut row = vec![String::new(); COLUMNS.len()];
        row[0] = "=HYPERLINK(\"x\")".to_owned();
        let csv = to_csv(std::slice::from_ref(&row));
        assert!(csv.contains("'=HYPERLINK"));
    }
}
