//! Measures the hostile workbooks of issue 15 (run under `/usr/bin/time -v`):
//!
//! ```text
//! cargo run --example upload_measure -- write DIR     # writes the files
//! cargo run --example upload_measure -- write-near DIR # the largest accepted
//! cargo run --example upload_measure -- calamine FILE # how imports read before
//! cargo run --example upload_measure -- bounded FILE  # through web::upload
//! cargo run --example upload_measure -- bank FILE     # a whole bank parse
//! ```

use std::io::Cursor;
use std::time::Instant;

use calamine::{Reader, open_workbook_auto_from_rs};
use merit::web::upload::{self, hostile};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: upload_measure write DIR | calamine FILE | bounded FILE");
        std::process::exit(2);
    };
    match mode.as_str() {
        "write" => {
            let files = [
                ("corners.xlsx", hostile::corner_cells()),
                ("string-1gib.xlsx", hostile::huge_shared_string(1 << 30)),
                (
                    "whitespace-2gib.xlsx",
                    hostile::whitespace_bomb((2 << 30) - 1024),
                ),
                ("cells-20m.xlsx", hostile::many_cells(80_000, 250)),
            ];
            for (name, bytes) in files {
                let to = format!("{path}/{name}");
                if let Err(e) = std::fs::write(&to, &bytes) {
                    eprintln!("{to}: {e}");
                }
                println!("{to}: {} bytes", bytes.len());
            }
        }
        "write-near" => {
            // The largest sheets the bounded reader still accepts.
            let files = [
                ("cells-1m.xlsx", hostile::many_cells(4_000, 250)),
                (
                    "strings-32mib.xlsx",
                    hostile::workbook(
                        "A1",
                        &(1..=1_000)
                            .map(|r| format!(r#"<row r="{r}"><c t="s"><v>0</v></c></row>"#))
                            .collect::<String>()
                            .into_bytes(),
                        format!("<si><t>{}</t></si>", "a".repeat(upload::MAX_CELL_CHARS))
                            .as_bytes(),
                    ),
                ),
            ];
            for (name, bytes) in files {
                let to = format!("{path}/{name}");
                if let Err(e) = std::fs::write(&to, &bytes) {
                    eprintln!("{to}: {e}");
                }
                println!("{to}: {} bytes", bytes.len());
            }
        }
        "bank" => {
            // The whole bank parse (any format), as the import runs it.
            let bytes = std::fs::read(path).unwrap_or_default();
            let start = Instant::now();
            let outcome = match merit::banks::service::read_file(path, &bytes) {
                Ok(Ok((format, parsed))) => format!(
                    "{format:?}: {} questions, {} errors",
                    parsed.questions.len(),
                    parsed.errors.len()
                ),
                Ok(Err(message)) => format!("unreadable: {message}"),
                Err(refused) => format!("refused: {}", refused.english()),
            };
            println!("{path}: {outcome} in {:?}", start.elapsed());
        }
        "calamine" | "bounded" => {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    std::process::exit(2);
                }
            };
            let start = Instant::now();
            let outcome = if mode == "calamine" {
                // What the three imports did before: the first sheet's range.
                match open_workbook_auto_from_rs(Cursor::new(&bytes[..])) {
                    Ok(mut wb) => match wb.worksheet_range_at(0) {
                        Some(Ok(range)) => format!("read {:?} cells", range.get_size()),
                        Some(Err(e)) => format!("error: {e}"),
                        None => "no sheet".to_owned(),
                    },
                    Err(e) => format!("error: {e}"),
                }
            } else {
                match upload::read_first_sheet(&bytes) {
                    Ok(sheet) => format!("read {} rows", sheet.rows.len()),
                    Err(e) => format!("refused: {}", e.english()),
                }
            };
            println!("{path}: {outcome} in {:?}", start.elapsed());
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}
