//! Hostile workbooks, built on the spot, for the tests, the fuzz properties and
//! the measuring driver: the files that once stopped the server.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A workbook of one sheet: `dimension` as declared, `sheet_data` inside
/// `<sheetData>`, and `shared` as the body of `sharedStrings.xml`.
pub fn workbook(dimension: &str, sheet_data: &[u8], shared: &[u8]) -> Vec<u8> {
    let mut sheet = Vec::with_capacity(sheet_data.len() + 256);
    sheet.extend_from_slice(SHEET_START.as_bytes());
    sheet.extend_from_slice(format!(r#"<dimension ref="{dimension}"/><sheetData>"#).as_bytes());
    sheet.extend_from_slice(sheet_data);
    sheet.extend_from_slice(b"</sheetData></worksheet>");
    let mut strings = Vec::with_capacity(shared.len() + 256);
    strings.extend_from_slice(
        br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    strings.extend_from_slice(shared);
    strings.extend_from_slice(b"</sst>");
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", &sheet),
        ("xl/sharedStrings.xml", &strings),
    ])
}

/// A zip of the given entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(
            entries
                .iter()
                .any(|(_, b)| b.len() as u64 >= u32::MAX as u64),
        );
    for (name, bytes) in entries {
        // Writing to memory cannot fail but for a bug in this builder.
        let _ = zip.start_file(*name, options);
        let _ = zip.write_all(bytes);
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// The 1.9 KB sheet that declares `A1:XFD1048576` and fills its two corners.
pub fn corner_cells() -> Vec<u8> {
    workbook(
        "A1:XFD1048576",
        br#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>"#,
        br#"<si><t>corner</t></si>"#,
    )
}

/// One shared string of `len` letters, used in cell A1.
pub fn huge_shared_string(len: usize) -> Vec<u8> {
    let mut shared = Vec::with_capacity(len + 32);
    shared.extend_from_slice(b"<si><t>");
    shared.resize(shared.len() + len, b'a');
    shared.extend_from_slice(b"</t></si>");
    workbook(
        "A1",
        br#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &shared,
    )
}

/// A sheet whose one cell is followed by `len` bytes of whitespace: a zip bomb
/// of nothing.
pub fn whitespace_bomb(len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len + 64);
    data.extend_from_slice(br#"<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>"#);
    data.resize(data.len() + len, b' ');
    data.extend_from_slice(b"</row>");
    workbook("A1", &data, b"")
}

/// `rows` rows of `columns` small number cells.
pub fn many_cells(rows: usize, columns: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for r in 1..=rows {
        data.extend_from_slice(format!(r#"<row r="{r}">"#).as_bytes());
        for _ in 0..columns {
            data.extend_from_slice(b"<c><v>1</v></c>");
        }
        data.extend_from_slice(b"</row>");
    }
    workbook("A1", &data, b"")
}
