//! Results as CSV and XLSX: one row per candidate and position, the same
//! columns and the same numbers as the personnel page: scores arrive rounded
//! to the rule set's precision and are written as they are.

use super::numbers;
use super::service::CampaignResults;

fn header(r: &CampaignResults) -> Vec<String> {
    let mut h: Vec<String> = ["position", "application", "full_name", "username"]
        .map(str::to_owned)
        .to_vec();
    h.extend(
        r.columns
            .iter()
            .map(|c| format!("{}/{}", c.round, c.section)),
    );
    h.extend(
        [
            "priority",
            "priority_points",
            "score",
            "total",
            "rank",
            "standing",
            "reason",
        ]
        .map(str::to_owned),
    );
    h
}

/// Each row as cells; numbers as numbers where the sheet wants them.
fn rows(r: &CampaignResults) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for p in &r.positions {
        for row in &p.rows {
            let mut cells = vec![
                Cell::Text(p.code.clone()),
                Cell::Number(f64::from(row.application_id)),
                Cell::Text(row.full_name.clone()),
                Cell::Text(row.username.clone()),
            ];
            cells.extend(row.sections.iter().map(|s| match (s.exempt, s.score) {
                (true, _) => Cell::Text(r.exempt_label.clone()),
                (false, Some(x)) => Cell::Number(x),
                (false, None) => Cell::Empty,
            }));
            cells.push(Cell::Text(row.priority_categories.join(" ")));
            cells.push(Cell::Number(row.priority_points));
            cells.push(row.score.map_or(Cell::Empty, Cell::Number));
            cells.push(row.total.map_or(Cell::Empty, Cell::Number));
            cells.push(row.rank.map_or(Cell::Empty, |k| Cell::Number(f64::from(k))));
            cells.push(Cell::Text(
                serde_json::to_value(row.standing)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ));
            cells.push(Cell::Text(row.reason.clone()));
            out.push(cells);
        }
    }
    out
}

enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

pub fn csv(r: &CampaignResults) -> String {
    use crate::web::csv::{Cell as CsvCell, Csv};
    let mut w = Csv::new();
    w.text_row(header(r));
    for row in rows(r) {
        w.row(row.iter().map(|c| match c {
            Cell::Text(t) => CsvCell::text(t.as_str()),
            Cell::Number(n) => CsvCell::Number(numbers::score(*n)),
            Cell::Empty => CsvCell::text(""),
        }));
    }
    w.finish()
}

pub fn xlsx(r: &CampaignResults) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header(r).iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, row) in rows(r).iter().enumerate() {
        let at = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(at, c as u16, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(at, c as u16, *n)?;
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer()
}
