//! Fuzzing of every import parser and the answer-save body (issue 15):
//! arbitrary bytes and structured random input, no panic, each case within a
//! time bound and the output within the stated limits. The default case count
//! keeps `cargo test` fast; run longer with `PROPTEST_CASES=20000 cargo test
//! --test app fuzz::`. Failing inputs are kept under `proptest-regressions/`.

use std::time::{Duration, Instant};

use merit::attempts::service::SaveInput;
use merit::banks::formats::{gift, moodle_xml, native, spreadsheet};
use merit::banks::scoring::{Response, score};
use merit::web::upload::{self, MAX_ITEMS, hostile};
use proptest::prelude::*;

/// Generous for a debug build on a busy machine; a parser that loops or
/// blows up takes far longer.
const PER_CASE: Duration = Duration::from_secs(5);

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < PER_CASE,
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

/// Text made of the pieces a format is built from, in random order.
fn soup(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(pieces).prop_map(str::to_owned),
            1 => "[a-zA-Z0-9 ,;=.\\-\"'\n]{0,8}",
            1 => any::<String>(),
        ],
        0..200,
    )
    .prop_map(|parts| parts.concat())
}

const GIFT: &[&str] = &[
    "::",
    "{",
    "}",
    "=",
    "~",
    "#",
    "####",
    "->",
    "%50%",
    "%-100%",
    "$CATEGORY: a/b\n",
    "\n\n",
    "\n",
    "T",
    "F",
    "TRUE",
    "\\",
    "\\{",
    ":",
    "..",
    "1:2",
    "1.5",
    "[html]",
    "[markdown]",
    "//",
    "// comment\n",
    "=%100%",
    "~%33.3%",
    "a",
    "Câu hỏi",
    " ",
];
const XML: &[&str] = &[
    "<?xml version=\"1.0\"?>",
    "<quiz>",
    "</quiz>",
    "<question type=\"multichoice\">",
    "<question type=\"truefalse\">",
    "<question type=\"numerical\">",
    "<question type=\"matching\">",
    "<question type=\"shortanswer\">",
    "<question type=\"essay\">",
    "<question type=\"category\">",
    "</question>",
    "<name>",
    "</name>",
    "<text>",
    "</text>",
    "<questiontext format=\"html\">",
    "</questiontext>",
    "<answer fraction=\"100\">",
    "<answer fraction=\"-50\">",
    "</answer>",
    "<subquestion>",
    "</subquestion>",
    "<tolerance>",
    "</tolerance>",
    "<single>true</single>",
    "<category>",
    "</category>",
    "&amp;",
    "&lt;",
    "&#x0;",
    "&#65;",
    "&nbsp;",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE quiz [<!ENTITY a \"aaaa\">]>",
    "&a;",
    "<a>",
    "</a>",
    "<feedback>",
    "</feedback>",
    "<defaultgrade>",
    "</defaultgrade>",
    "1",
    "x",
];
const TOML: &[&str] = &[
    "[bank]\n",
    "name = \"B\"\n",
    "[[questions]]\n",
    "kind = \"single_choice\"\n",
    "kind = \"matching\"\n",
    "kind = \"numeric\"\n",
    "kind = \"ordering\"\n",
    "topic = \"T\"\n",
    "difficulty = 3\n",
    "points = 1.5\n",
    "stem = \"s\"\n",
    "options = [",
    "]",
    "{",
    "}",
    "text = \"x\"",
    "weight = 100",
    ", ",
    "answers = [",
    "value = 1e308",
    "tolerance = -1",
    "pairs = [",
    "left = \"a\"",
    "right = \"b\"",
    "items = [\"a\", \"b\"]\n",
    "correct = true\n",
    "key = \"k\"\n",
    "\"\"\"",
    "'",
    "=",
    "\n",
    "#",
    "[",
    "[[",
    "nan",
    "inf",
    "9999999999999999999",
];
const CSV: &[&str] = &[
    "kind,stem,option_a,option_b,correct\n",
    "kind;stem;a;b;correct\n",
    "sep=;\n",
    "\u{feff}",
    "single_choice",
    "true_false",
    "numeric",
    "matching",
    "ordering",
    "essay",
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\r\n",
    "\n",
    "A",
    "B",
    "A=50;C=50",
    "1..5",
    "3.14±0.01",
    "a -> b",
    "'=1+1",
    "=HYPERLINK(\"x\")",
    "0,5",
    "Họ và tên,Giới tính,Ngày sinh,Số CCCD,Mã đơn vị\n",
    "full_name,date_of_birth,national_id,email,position\n",
    "1995-03-12",
    "15/03/1985",
];
const SHEET: &[&str] = &[
    "<row r=\"1\">",
    "<row r=\"2\">",
    "<row r=\"1048576\">",
    "<row>",
    "</row>",
    "<row/>",
    "<c r=\"A1\" t=\"s\">",
    "<c r=\"B1\">",
    "<c r=\"XFD1\">",
    "<c r=\"IV2\" t=\"str\">",
    "<c t=\"inlineStr\">",
    "<c t=\"b\">",
    "<c t=\"e\">",
    "<c t=\"d\">",
    "<c s=\"1\">",
    "<c>",
    "<c r=\"ZZZZ9\">",
    "<c r=\"A0\">",
    "<c r=\"A99999999999999999999\">",
    "</c>",
    "<c/>",
    "<v>",
    "</v>",
    "<v>0</v>",
    "<v>1</v>",
    "<v>4294967296</v>",
    "<v>#DIV/0!</v>",
    "<v>1e308</v>",
    "<v>-1</v>",
    "<v>NaN</v>",
    "<f>",
    "</f>",
    "<f t=\"shared\" si=\"4000000000\"/>",
    "<is>",
    "</is>",
    "<t>",
    "</t>",
    "&amp;",
    "&#0;",
    "x",
    " ",
];
const SHARED: &[&str] = &[
    "<si>",
    "</si>",
    "<si/>",
    "<t>",
    "</t>",
    "<r>",
    "</r>",
    "<rPh>",
    "</rPh>",
    "a",
    "&lt;",
    "<t xml:space=\"preserve\">",
    "kind",
    "stem",
    "single_choice",
];

fn bank_parse_is_bounded(what: &str, parsed: &merit::banks::model::Parsed) {
    assert!(
        parsed.questions.len() <= MAX_ITEMS,
        "{what}: {} questions",
        parsed.questions.len()
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gift_never_panics(text in prop_oneof![any::<String>(), soup(GIFT)]) {
        let parsed = timed("gift", || gift::parse(&text));
        bank_parse_is_bounded("gift", &parsed);
    }

    #[test]
    fn moodle_xml_never_panics(text in prop_oneof![any::<String>(), soup(XML)]) {
        let parsed = timed("moodle xml", || moodle_xml::parse(&text));
        bank_parse_is_bounded("moodle xml", &parsed);
    }

    #[test]
    fn native_toml_never_panics(text in prop_oneof![any::<String>(), soup(TOML)]) {
        let parsed = timed("toml", || native::parse(&text));
        bank_parse_is_bounded("toml", &parsed);
    }

    #[test]
    fn native_toml_mutated_from_a_real_bank_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20),
    ) {
        let mut bytes = include_bytes!("../../question-banks/tin-hoc.toml").to_vec();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            timed("toml", || native::parse(text));
        }
    }

    #[test]
    fn csv_imports_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2_000),
            soup(CSV).prop_map(String::into_bytes),
        ],
    ) {
        let parsed = timed("bank csv", || spreadsheet::parse_csv(&bytes));
        bank_parse_is_bounded("bank csv", &parsed);
        let _ = timed("staff csv", || merit::staff::import::read_table(&bytes, "x.csv"));
        let _ = timed("applicant csv", || merit::campaigns::import::read_rows("x.csv", &bytes));
    }

    #[test]
    fn xlsx_imports_never_panic_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2_000),
    ) {
        let mut file = b"PK\x03\x04".to_vec();
        file.extend_from_slice(&bytes);
        timed("xlsx", || spreadsheet::parse_xlsx(&file));
        let _ = timed("staff xlsx", || merit::staff::import::read_table(&file, "x.xlsx"));
        let _ = timed("applicant xlsx", || merit::campaigns::import::read_rows("x.xlsx", &file));
    }

    #[test]
    fn xlsx_imports_never_panic_on_random_sheets(
        dimension in prop::sample::select(&["A1", "A1:XFD1048576", "", "Z", "A1:A0"][..]),
        sheet in soup(SHEET),
        shared in soup(SHARED),
    ) {
        let file = hostile::workbook(dimension, sheet.as_bytes(), shared.as_bytes());
        if let Ok(read) = timed("sheet", || upload::read_first_sheet(&file)) {
            let cells: usize = read.rows.iter().map(|r| r.cells.len()).sum();
            prop_assert!(cells <= upload::MAX_CELLS);
            prop_assert!(read.rows.iter().all(|r| r.number <= upload::MAX_ROWS));
            prop_assert!(read.rows.iter().all(|r| r.cells.len() <= upload::MAX_COLUMNS));
        }
        let parsed = timed("xlsx", || spreadsheet::parse_xlsx(&file));
        bank_parse_is_bounded("xlsx", &parsed);
        let _ = timed("staff xlsx", || merit::staff::import::read_table(&file, "x.xlsx"));
        let _ = timed("applicant xlsx", || merit::campaigns::import::read_rows("x.xlsx", &file));
    }

    #[test]
    fn xlsx_mutated_from_the_template_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..10),
    ) {
        static TEMPLATE: std::sync::LazyLock<Vec<u8>> =
            std::sync::LazyLock::new(|| spreadsheet::template_xlsx().unwrap_or_default());
        let mut file = TEMPLATE.clone();
        prop_assume!(!file.is_empty());
        for (at, b) in edits {
            let i = at.index(file.len());
            file[i] = b;
        }
        timed("xlsx", || spreadsheet::parse_xlsx(&file));
    }

    #[test]
    fn answer_save_bodies_never_panic(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..500),
            soup(&["{", "}", "\"seq\":", "\"response\":", "\"kind\":", "\"choice\"", "\"choices\"",
                "\"index\":", "\"indices\":[", "]", "18446744073709551615", "-1", "1e400", "null",
                "\"text\":", "\"a\"", ",", ":", "\"matching\"", "\"answers\":[", "\"ordering\"",
                "\"order\":[", "\"number\"", "\"value\":", "true"])
                .prop_map(String::into_bytes),
        ],
    ) {
        if let Ok(SaveInput { response: Some(response), .. }) =
            timed("json", || serde_json::from_slice::<SaveInput>(&body))
        {
            score_against_every_kind(&response);
        }
        let _ = timed("form", || serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body));
    }

    #[test]
    fn any_response_scores_against_any_question_without_panic(response in response()) {
        score_against_every_kind(&response);
    }
}

fn response() -> impl Strategy<Value = Response> {
    let index = prop_oneof![0usize..10, Just(usize::MAX)];
    prop_oneof![
        index.clone().prop_map(|index| Response::Choice { index }),
        prop::collection::vec(index.clone(), 0..12)
            .prop_map(|indices| Response::Choices { indices }),
        any::<bool>().prop_map(|value| Response::Boolean { value }),
        any::<f64>().prop_map(|value| Response::Number { value }),
        any::<String>().prop_map(|text| Response::Text { text }),
        prop::collection::vec(prop::option::of(index.clone()), 0..12)
            .prop_map(|answers| Response::Matching { answers }),
        prop::collection::vec(index, 0..12).prop_map(|order| Response::Ordering { order }),
        any::<String>().prop_map(|text| Response::Essay { text }),
    ]
}

fn score_against_every_kind(response: &Response) {
    static QUESTIONS: std::sync::LazyLock<Vec<merit::banks::model::Question>> =
        std::sync::LazyLock::new(|| {
            [
                include_str!("../../question-banks/tin-hoc.toml"),
                include_str!("../../question-banks/tieng-anh.toml"),
                include_str!("../../question-banks/kien-thuc-chung.toml"),
            ]
            .into_iter()
            .flat_map(|t| native::parse(t).questions)
            .map(|q| q.question)
            .collect()
        });
    for q in QUESTIONS.iter() {
        for ignore in [false, true] {
            let _ = score(&q.answer, response, ignore);
        }
    }
}

/// Inputs shaped to hurt a parser: deep nesting, one huge token, many tiny
/// items. Each must come back (no stack overflow) within the time bound.
#[test]
fn pathological_texts_come_back_within_bounds() {
    let deep = 1_000_000;
    let texts = [
        format!("[[questions]]\nstem = {}", "[".repeat(deep)),
        format!("[[questions]]\nstem = {}", "{a = ".repeat(deep)),
        format!("a.{} = 1\n", "b.".repeat(100_000)),
        "{".repeat(deep),
        format!("::t:: q {{{}}}", "=a ~b ".repeat(200_000)),
        format!("<quiz>{}</quiz>", "&amp;".repeat(deep)),
        format!("<quiz>{}", "<question>".repeat(deep)),
        "x\n\n".repeat(deep),
        format!("kind,stem\nsingle_choice,\"{}\"\n", "a".repeat(4 << 20)),
    ];
    for text in &texts {
        let head: String = text.chars().take(30).collect();
        timed(&format!("toml {head}"), || native::parse(text));
        timed(&format!("gift {head}"), || gift::parse(text));
        timed(&format!("xml {head}"), || moodle_xml::parse(text));
        timed(&format!("csv {head}"), || {
            spreadsheet::parse_csv(text.as_bytes())
        });
    }
}
