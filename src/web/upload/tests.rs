use super::hostile::{corner_cells, huge_shared_string, many_cells, whitespace_bomb, workbook};
use super::*;

fn limit_of(result: Result<Sheet, SheetError>) -> Limit {
    match result {
        Err(SheetError::Limit(r)) => r.limit,
        other => panic!("expected a limit, got {other:?}"),
    }
}

fn text(cell: &SheetCell) -> String {
    match &cell.value {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn corner_cells_are_refused_at_the_row_limit_without_allocating_the_box() {
    let file = corner_cells();
    assert!(file.len() < 2_500, "the file is {} bytes", file.len());
    assert_eq!(limit_of(read_first_sheet(&file)), Limit::Rows);
}

#[test]
fn a_cell_past_the_last_column_is_refused() {
    let file = workbook(
        "A1:XFD1",
        br#"<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>"#,
        b"",
    );
    let refused = read_first_sheet(&file).unwrap_err();
    assert_eq!(
        refused.clone(),
        SheetError::Limit(Refused::new(Limit::Columns, "XFD1"))
    );
    assert!(refused.english().contains("256"), "{}", refused.english());
}

#[test]
fn a_shared_string_longer_than_excel_allows_is_refused() {
    let file = huge_shared_string(MAX_CELL_CHARS + 1);
    assert_eq!(limit_of(read_first_sheet(&file)), Limit::CellChars);
}

#[test]
fn a_shared_string_of_excels_length_is_read() {
    let file = huge_shared_string(MAX_CELL_CHARS);
    let sheet = read_first_sheet(&file).unwrap();
    assert_eq!(text(&sheet.rows[0].cells[0]).len(), MAX_CELL_CHARS);
}

#[test]
fn whitespace_inflating_past_the_entry_cap_is_refused() {
    let file = whitespace_bomb(MAX_ENTRY_BYTES as usize + 1024);
    assert!(file.len() < 200_000, "the bomb is {} bytes", file.len());
    assert_eq!(limit_of(read_first_sheet(&file)), Limit::EntryBytes);
}

#[test]
fn too_many_cells_are_refused() {
    let file = many_cells(MAX_CELLS / 200 + 1, 200);
    assert_eq!(limit_of(read_first_sheet(&file)), Limit::Cells);
}

#[test]
fn a_lying_directory_is_caught_while_inflating() {
    // The directory says 100 bytes; the entry inflates to far more.
    let mut file = whitespace_bomb(MAX_ENTRY_BYTES as usize + 1024);
    let sheet_name = b"xl/worksheets/sheet1.xml";
    for sig in [&b"PK\x01\x02"[..], &b"PK\x03\x04"[..]] {
        let (size_at, name_at) = if sig == b"PK\x01\x02" {
            (24, 46)
        } else {
            (22, 30)
        };
        let mut i = 0;
        while let Some(p) = file[i..].windows(4).position(|w| w == sig) {
            let start = i + p;
            if file[start + name_at..].starts_with(sheet_name) {
                file[start + size_at..start + size_at + 4].copy_from_slice(&100u32.to_le_bytes());
            }
            i = start + 4;
        }
    }
    match read_first_sheet(&file) {
        Err(SheetError::Limit(r)) => assert_eq!(r.limit, Limit::EntryBytes),
        Err(SheetError::Unreadable(_)) => {}
        Ok(sheet) => panic!("read a lying zip: {} rows", sheet.rows.len()),
    }
}

#[test]
fn a_sheet_reads_strings_numbers_formulas_and_dates_in_place() {
    let styles = br#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
    let sheet = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:Z9"/><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"><v>1</v></c><c r="D2" s="1"><v>45000</v></c><c r="E2"><f>1+1</f><v>2</v></c><c r="F2" t="inlineStr"><is><t>a &amp; b</t></is></c></row><row r="5"><c r="B5" t="b"><v>1</v></c></row></sheetData></worksheet>"#;
    let file = hostile::zip_of(&[
        ("xl/workbook.xml", br#"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/styles.xml", styles),
        ("xl/sharedStrings.xml", r#"<sst><si><r><t>Hà </t></r><r><t>Nội</t></r><rPh><t>ha</t></rPh></si></sst>"#.as_bytes()),
    ]);
    let read = read_first_sheet(&file).unwrap();
    assert_eq!(read.first_column, 1);
    assert_eq!(read.rows.len(), 2);
    assert_eq!(read.rows[0].number, 2);
    let cells = &read.rows[0].cells;
    assert_eq!(cells[0].value, Data::Empty);
    assert_eq!(text(&cells[1]), "Hà Nội");
    assert_eq!(cells[2].value, Data::Float(1.0));
    assert!(matches!(cells[3].value, Data::DateTime(d) if d.is_datetime()));
    assert_eq!(cells[4].formula.as_deref(), Some("1+1"));
    assert_eq!(text(&cells[5]), "a & b");
    assert_eq!(read.rows[1].number, 5);
    assert_eq!(read.rows[1].cells[1].value, Data::Bool(true));
}

#[test]
fn a_file_that_is_not_a_zip_is_unreadable_not_a_crash() {
    assert!(matches!(
        read_first_sheet(b"PK\x03\x04 not really"),
        Err(SheetError::Unreadable(_))
    ));
}

#[test]
fn too_many_zip_entries_are_refused_before_the_directory_is_read() {
    let names: Vec<String> = (0..=MAX_ZIP_ENTRIES).map(|i| format!("e{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let file = hostile::zip_of(&entries);
    assert_eq!(limit_of(read_first_sheet(&file)), Limit::ZipEntries);
}

#[test]
fn budget_refuses_rows_columns_and_long_cells() {
    let mut b = Budget::default();
    assert!(b.row(MAX_ROWS, MAX_COLUMNS).is_ok());
    assert_eq!(b.row(MAX_ROWS + 1, 1).unwrap_err().limit, Limit::Rows);
    assert_eq!(b.row(1, MAX_COLUMNS + 1).unwrap_err().limit, Limit::Columns);
    let long = "é".repeat(MAX_CELL_CHARS);
    assert!(b.text(&long, String::new).is_ok());
    let longer = "é".repeat(MAX_CELL_CHARS + 1);
    assert_eq!(
        b.text(&longer, String::new).unwrap_err().limit,
        Limit::CellChars
    );
}

#[test]
fn every_limit_has_a_message_in_both_languages() {
    use crate::web::i18n::Locale;
    for limit in [
        Limit::UploadBytes,
        Limit::ZipEntries,
        Limit::EntryBytes,
        Limit::UnzippedBytes,
        Limit::Rows,
        Limit::Columns,
        Limit::Cells,
        Limit::CellChars,
        Limit::TextBytes,
        Limit::Items,
        Limit::Entries,
        Limit::XmlDepth,
    ] {
        let r = Refused::new(limit, "here");
        for locale in [Locale::Vi, Locale::En] {
            let shown = r.text().render(locale);
            assert!(
                shown.contains(&limit.max().to_string()),
                "{limit:?} {locale:?}: {shown}"
            );
            assert!(
                !shown.starts_with("upload."),
                "{limit:?} {locale:?}: {shown}"
            );
        }
    }
}

#[test]
fn column_names_round_trip() {
    for (name, column) in [("A", 0), ("Z", 25), ("AA", 26), ("IV", 255), ("XFD", 16383)] {
        assert_eq!(column_name(column), name);
        assert_eq!(cell_position(&format!("{name}7")), Some((6, column)));
    }
}

#[test]
fn a_text_dense_with_entries_is_refused_before_parsing() {
    assert!(check_entries(&"k = 1\n".repeat(1_000), TOML_MARKS).is_ok());
    let dense = "=\n".repeat(MAX_ENTRIES + 1);
    assert_eq!(
        check_entries(&dense, TOML_MARKS).unwrap_err().limit,
        Limit::Entries
    );
    let options = format!("q {{{}}}", "~a".repeat(MAX_ENTRIES));
    assert_eq!(
        check_entries(&options, GIFT_MARKS).unwrap_err().limit,
        Limit::Entries
    );
}
