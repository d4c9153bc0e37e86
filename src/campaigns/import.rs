//! Bulk import of applicants from CSV or XLSX, and export of the list.
//!
//! The file is checked whole before anything is written: any problem and
//! nothing is imported, and every problem names its row and column.

use crate::db::BeginWrite;

use super::domain::{self, ApplicationStatus};
use super::entity::{campaign, position};
use super::store::{self, ApplicationRow, NewApplication};
use crate::accounts::domain::{self as accounts, Role};
use crate::accounts::store::{self as account_store, NewUser};
use crate::audit::{self, Entry};
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::upload::{self, Budget, SheetError, check_upload_size, read_first_sheet};
use crate::web::{AppError, CurrentUser};

pub const TEMPLATE_CSV: &str = "full_name,date_of_birth,national_id,email,position,priority_category,extra_minutes\n\
Nguyễn Văn An,1995-03-12,001095001234,an.nguyen@example.vn,CV-01,,0\n\
Lê Thị Bình,1998-07-30,079198004321,binh.le@example.vn,CV-02,con_liet_si,15\n";

const COLUMNS: [&str; 7] = [
    "full_name",
    "date_of_birth",
    "national_id",
    "email",
    "position",
    "priority_category",
    "extra_minutes",
];

/// One checked row, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Applicant {
    pub row: usize,
    pub full_name: String,
    pub date_of_birth: chrono::NaiveDate,
    pub national_id: String,
    pub email: String,
    pub position_code: String,
    pub priority_category: Option<String>,
    pub extra_minutes: i32,
}

/// A candidate account made by the import, with the password to hand over
/// (shown once), or an existing account that was reused.
#[derive(Debug, Clone)]
pub struct Issued {
    pub email: String,
    pub full_name: String,
    pub password: Option<String>,
}

fn cells_of_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, Text> {
    check_upload_size(bytes).map_err(|r| r.text())?;
    let text =
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned();
    let delimiter = if text
        .lines()
        .next()
        .is_some_and(|h| h.matches(';').count() > h.matches(',').count())
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut budget = Budget::default();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Text::Raw(format!("the file could not be read: {e}")))?;
        let number = rows.len() + 1;
        budget.row(number, record.len()).map_err(|r| r.text())?;
        let mut cells = Vec::with_capacity(record.len());
        for cell in record.iter() {
            budget
                .text(cell, || format!("row {number}"))
                .map_err(|r| r.text())?;
            cells.push(cell.to_owned());
        }
        rows.push(cells);
    }
    Ok(rows)
}

fn cells_of_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, Text> {
    // Within the limits of `web::upload`; the declared dimension is ignored.
    let sheet = read_first_sheet(bytes).map_err(|e| match e {
        SheetError::Limit(r) => r.text(),
        SheetError::Unreadable(detail) => {
            Text::Raw(format!("the file could not be read: {detail}"))
        }
    })?;
    // Rows from the first one with anything in it, the empty ones between
    // included, so that a row's place is its number in the file.
    let first = sheet.rows.first().map_or(0, |r| r.number);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in sheet.rows {
        rows.resize(row.number - first, Vec::new());
        rows.push(
            row.cells
                .into_iter()
                .skip(sheet.first_column)
                .map(|c| match c.value {
                    calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", f as i64)
                    }
                    calamine::Data::DateTime(d) => excel_date(d.as_f64()),
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    Ok(rows)
}

/// Excel stores dates as days since 1899-12-30.
fn excel_date(serial: f64) -> String {
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(serial.floor() as i64)))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Reads and checks every row. `today` decides the age check; `positions` are
/// the campaign's position codes; `priorities` its rule set's category codes.
pub fn parse(
    file_name: &str,
    bytes: &[u8],
    today: chrono::NaiveDate,
    positions: &[String],
    priorities: &[String],
) -> Result<Vec<Applicant>, Vec<String>> {
    let rows = read_rows(file_name, bytes).map_err(|t| vec![t.english()])?;
    check_rows(&rows, today, positions, priorities)
}

/// The cells of a file, row by row, within the limits of `web::upload`.
pub fn read_rows(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, Text> {
    let is_xlsx = bytes.starts_with(b"PK") || file_name.to_lowercase().ends_with(".xlsx");
    if is_xlsx {
        cells_of_xlsx(bytes)
    } else {
        cells_of_csv(bytes)
    }
}

/// Checks every row read from a file.
pub fn check_rows(
    rows: &[Vec<String>],
    today: chrono::NaiveDate,
    positions: &[String],
    priorities: &[String],
) -> Result<Vec<Applicant>, Vec<String>> {
    let Some(header) = rows.first() else {
        return Err(vec!["the file is empty".into()]);
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut index = [None; 7];
    for (i, name) in COLUMNS.iter().enumerate() {
        index[i] = header.iter().position(|h| h == name);
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(index)
        .take(5)
        .filter(|(_, i)| i.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "row 1: missing column(s) {}; expected the template's header: {}",
            missing.join(", "),
            COLUMNS.join(",")
        )]);
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen_ids = std::collections::HashMap::new();
    let mut seen_emails = std::collections::HashMap::new();
    for (n, cells) in rows.iter().enumerate().skip(1) {
        let row = n + 1;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| {
            index[i]
                .and_then(|j| cells.get(j))
                .map(|s| s.trim())
                .unwrap_or_default()
        };
        let mut bad =
            |col: &str, msg: String| problems.push(format!("row {row}, column '{col}': {msg}"));
        let full_name = accounts::check_full_name(cell(0))
            .map_err(|t| bad("full_name", t.english()))
            .ok();
        let dob = accounts::check_date_of_birth(cell(1), today)
            .map_err(|t| bad("date_of_birth", t.english()))
            .ok();
        let national_id = accounts::check_national_id(cell(2))
            .map_err(|t| bad("national_id", t.english()))
            .ok();
        let email = accounts::check_email(cell(3))
            .map_err(|t| bad("email", t.english()))
            .ok();
        let position = cell(4).to_owned();
        if !positions.contains(&position) {
            bad(
                "position",
                format!(
                    "'{position}' is not a position of this campaign (expected one of {})",
                    positions.join(", ")
                ),
            );
        }
        let priority = Some(cell(5).to_owned()).filter(|p| !p.is_empty());
        if let Some(p) = &priority
            && !priorities.contains(p)
        {
            bad(
                "priority_category",
                format!(
                    "'{p}' is not a priority category of this campaign's rules ({})",
                    priorities.join(", ")
                ),
            );
        }
        let extra = match cell(6) {
            "" => Some(0),
            m => m
                .parse::<i32>()
                .ok()
                .and_then(|m| domain::check_extra_minutes(m).ok()),
        };
        if extra.is_none() {
            bad(
                "extra_minutes",
                format!(
                    "'{}' is not a number of minutes from 0 to {}",
                    cell(6),
                    domain::MAX_EXTRA_MINUTES
                ),
            );
        }
        if let Some(id) = &national_id
            && let Some(first) = seen_ids.insert(id.clone(), row)
        {
            bad(
                "national_id",
                format!("the same national ID is on row {first}"),
            );
        }
        if let Some(e) = &email
            && let Some(first) = seen_emails.insert(e.clone(), row)
        {
            bad("email", format!("the same email is on row {first}"));
        }
        if let (
            Some(full_name),
            Some(date_of_birth),
            Some(national_id),
            Some(email),
            Some(extra_minutes),
        ) = (full_name, dob, national_id, email, extra)
        {
            out.push(Applicant {
                row,
                full_name,
                date_of_birth,
                national_id,
                email,
                position_code: position,
                priority_category: priority,
                extra_minutes,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Imports the file into the campaign as approved applications, in one
/// transaction. New candidates get a generated password, returned once.
pub async fn import(
    state: &AppState,
    user: &CurrentUser,
    c: &campaign::Model,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<Issued>, AppError> {
    let positions: Vec<position::Model> = store::positions(&state.db, c.id).await?;
    let codes: Vec<String> = positions.iter().map(|p| p.code.clone()).collect();
    let priorities: Vec<String> = super::rules::priority_categories(&c.rule_set)
        .into_iter()
        .map(|p| p.code)
        .collect();
    let today = chrono::DateTime::from_timestamp_millis(state.now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_default();
    // Reading and checking run off the async threads, behind the parse bound.
    let (name, owned) = (file_name.to_owned(), bytes.to_vec());
    let checked = upload::parse_off_the_exam(move || {
        read_rows(&name, &owned).map(|rows| check_rows(&rows, today, &codes, &priorities))
    })
    .await?
    .map_err(|t| AppError::invalid("file", t))?;
    let applicants = checked.map_err(|ps| {
        AppError::Invalid(
            ps.into_iter()
                .map(|p| FieldError {
                    field: Some("file"),
                    text: Text::Raw(p),
                })
                .collect(),
        )
    })?;
    // Hash first, outside the transaction: it is the slow part.
    let mut passwords = Vec::with_capacity(applicants.len());
    for a in &applicants {
        let existing = account_store::find_by_login(&state.db, &a.email).await?;
        match existing {
            Some(u) if u.role != Role::Candidate.as_str() => {
                return Err(AppError::invalid(
                    "file",
                    Text::Raw(format!(
                        "row {}: {} belongs to a staff account",
                        a.row, a.email
                    )),
                ));
            }
            Some(_) => passwords.push(None),
            None => {
                let p = crate::accounts::service::generate_password();
                let hash = state.hasher.hash(&p).await?;
                passwords.push(Some((p, hash)));
            }
        }
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let mut issued = Vec::new();
    for (a, pw) in applicants.iter().zip(passwords) {
        let candidate_id = match &pw {
            Some((_, hash)) => {
                account_store::insert_user(
                    &txn,
                    NewUser {
                        username: a.email.clone(),
                        full_name: a.full_name.clone(),
                        email: Some(a.email.clone()),
                        date_of_birth: Some(a.date_of_birth),
                        national_id: Some(a.national_id.clone()),
                        role: Role::Candidate,
                        org_unit_id: None,
                        password_hash: hash.clone(),
                        locale: "vi".into(),
                    },
                    now,
                )
                .await
                .map_err(|e| match e {
                    AppError::Conflict(f) => AppError::invalid(
                        "file",
                        Text::Raw(format!("row {}: {}", a.row, f.text.english())),
                    ),
                    other => other,
                })?
                .id
            }
            None => {
                account_store::find_by_login(&txn, &a.email)
                    .await?
                    .ok_or(AppError::NotFound)?
                    .id
            }
        };
        if store::application_of(&txn, c.id, candidate_id)
            .await?
            .is_some()
        {
            return Err(AppError::invalid(
                "file",
                Text::Raw(format!(
                    "row {}: {} has already applied to this campaign",
                    a.row, a.email
                )),
            ));
        }
        let position_id = positions
            .iter()
            .find(|p| p.code == a.position_code)
            .map(|p| p.id)
            .ok_or(AppError::NotFound)?;
        store::insert_application(
            &txn,
            NewApplication {
                campaign_id: c.id,
                position_id,
                candidate_id,
                // Entered by personnel from the dossier they hold: no
                // separate document reference is asked for.
                priority_claims: a
                    .priority_category
                    .iter()
                    .map(|code| super::domain::PriorityClaim {
                        code: code.clone(),
                        document_ref: String::new(),
                    })
                    .collect(),
                exemptions: Vec::new(),
                document_ref: None,
                status: ApplicationStatus::Approved,
                extra_minutes: a.extra_minutes,
            },
            now,
        )
        .await?;
        issued.push(Issued {
            email: a.email.clone(),
            full_name: a.full_name.clone(),
            password: pw.map(|(p, _)| p),
        });
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("applicants_imported", format!("campaign {}", c.id))
            .detail(format!("{} applicants from {file_name}", issued.len())),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

pub fn export_csv(
    rows: &[ApplicationRow],
    positions: &[position::Model],
) -> Result<String, String> {
    let mut w = crate::web::csv::Csv::new();
    w.text_row([
        "application",
        "full_name",
        "email",
        "position",
        "priority_claims",
        "exemptions",
        "status",
        "reject_reason",
        "extra_minutes",
    ]);
    for r in rows {
        let a = &r.application;
        let position = positions
            .iter()
            .find(|p| p.id == a.position_id)
            .map(|p| p.code.as_str())
            .unwrap_or_default();
        let claims = a
            .priority_claims()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|c| format!("{} ({})", c.code, c.document_ref))
            .collect::<Vec<_>>()
            .join("; ");
        let exemptions = a
            .exempt_sections()
            .map_err(|e| e.to_string())?
            .iter()
            .map(super::domain::section_key)
            .collect::<Vec<_>>()
            .join("; ");
        w.text_row([
            a.id.to_string(),
            r.candidate.full_name.clone(),
            r.candidate.email.clone().unwrap_or_default(),
            position.to_owned(),
            claims,
            exemptions,
            a.status.clone(),
            a.reject_reason.clone().unwrap_or_default(),
            a.extra_minutes.to_string(),
        ]);
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn codes() -> Vec<String> {
        vec!["CV-01".into(), "CV-02".into()]
    }

    #[test]
    fn the_template_itself_imports() {
        let rows = parse(
            "t.csv",
            TEMPLATE_CSV.as_bytes(),
            today(),
            &codes(),
            &["con_liet_si".into()],
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].extra_minutes, 15);
        assert_eq!(rows[1].priority_category.as_deref(), Some("con_liet_si"));
    }

    #[test]
    fn every_problem_names_its_row_and_column() {
        let csv = "full_name,date_of_birth,national_id,email,position,priority_category,extra_minutes\n\
                   An,1995-03-12,001095001234,an@example.vn,CV-09,,0\n\
                   Bình,2015-01-01,12,binh@example.vn,CV-01,xyz,999\n\
                   Chi,1990-01-01,001095001234,an@example.vn,CV-01,,\n";
        let errs = parse("x.csv", csv.as_bytes(), today(), &codes(), &[]).unwrap_err();
        let expected = [
            "row 2, column 'position'",
            "row 3, column 'date_of_birth'",
            "row 3, column 'national_id'",
            "row 3, column 'priority_category'",
            "row 3, column 'extra_minutes'",
            "row 4, column 'national_id': the same national ID is on row 2",
            "row 4, column 'email': the same email is on row 2",
        ];
        assert_eq!(errs.len(), expected.len(), "{errs:#?}");
        for (e, want) in errs.iter().zip(expected) {
            assert!(e.starts_with(want), "{e} should start with {want}");
        }
    }

    #[test]
    fn semicolon_csv_with_bom_is_read() {
        let csv = "\u{FEFF}full_name;date_of_birth;national_id;email;position\nAn;12/03/1995;001095001234;an@example.vn;CV-01\n";
        let rows = parse("x.csv", csv.as_bytes(), today(), &codes(), &[]).unwrap();
        assert_eq!(
            rows[0].date_of_birth,
            chrono::NaiveDate::from_ymd_opt(1995, 3, 12).unwrap()
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let errs = parse(
            "x.csv",
            b"full_name,email\nAn,an@example.vn\n",
            today(),
            &codes(),
            &[],
        )
        .unwrap_err();
        assert!(
            errs[0].contains("date_of_birth, national_id, position"),
            "{errs:?}"
        );
    }
}
