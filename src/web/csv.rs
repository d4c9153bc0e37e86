//! CSV as every export writes it: UTF-8 with a byte-order mark (so Excel reads
//! Vietnamese names correctly), comma separated, CRLF line ends, and no text
//! cell a spreadsheet would run as a formula.

use std::borrow::Cow;

/// What a spreadsheet takes for the start of a formula (or, for `'`, for the
/// guard itself, so that a guarded cell reads back as typed).
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A text cell with a leading `'` when a spreadsheet would run it as a
/// formula (OWASP's advice for CSV injection).
pub fn guard(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`guard`] undone, for imports that read back what an export wrote.
pub fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// One cell of a row.
pub enum Cell<'a> {
    /// Text from a person: guarded.
    Text(Cow<'a, str>),
    /// A number the export formatted itself: written as is, so it stays a
    /// number (a negative score starts with `-`).
    Number(String),
}

impl<'a> Cell<'a> {
    pub fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Self::Text(text.into())
    }
}

/// A CSV document, built row by row.
pub struct Csv {
    out: String,
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}

impl Csv {
    pub fn new() -> Self {
        Self {
            out: String::from('\u{feff}'),
        }
    }

    /// A row of text cells, every one guarded.
    pub fn text_row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let cells: Vec<S> = cells.into_iter().collect();
        self.row(cells.iter().map(|c| Cell::text(c.as_ref())));
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            match cell {
                Cell::Text(t) => self.push_field(&guard(&t)),
                Cell::Number(n) => self.push_field(&n),
            }
        }
        self.out.push_str("\r\n");
    }

    /// Quoted when it holds a separator Excel may use (`,` or, in the
    /// Vietnamese locale, `;`), a quote, or a line break.
    fn push_field(&mut self, field: &str) {
        if field.contains([',', ';', '"', '\n', '\r', '\t']) {
            self.out.push('"');
            self.out.push_str(&field.replace('"', "\"\""));
            self.out.push('"');
        } else {
            self.out.push_str(field);
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for evil in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x"] {
            assert_eq!(guard(evil), format!("'{evil}"), "{evil:?}");
            assert_eq!(unguard(&guard(evil)), evil);
        }
        for plain in ["Nguyễn Văn An", "1.5", "a=b", ""] {
            assert_eq!(guard(plain), plain);
            assert_eq!(unguard(plain), plain);
        }
    }

    #[test]
    fn text_is_guarded_and_quoted_but_numbers_stay_numbers() {
        let mut csv = Csv::new();
        csv.text_row(["name", "score"]);
        csv.row([
            Cell::text("=HYPERLINK(\"http://evil\",\"x\")"),
            Cell::Number("-1.5".to_owned()),
        ]);
        csv.row([Cell::text("a;b"), Cell::text("line\nbreak")]);
        assert_eq!(
            csv.finish(),
            "\u{feff}name,score\r\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-1.5\r\n\"a;b\",\"line\nbreak\"\r\n"
        );
    }
}
