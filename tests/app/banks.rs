//! Question banks end to end: imports in every format, round trips through
//! the database, atomic failures, four-eyes review, versions, access control,
//! duplicates, the board pages and the demo banks.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use merit::accounts::domain::Role;
use merit::banks::formats::{gift, moodle_xml, native, spreadsheet};
use merit::banks::model::{Kind, Question, Status};
use merit::banks::store;
use serde_json::{Value, json};

use crate::harness::{Api, Browser, PASSWORD, TestApp, TestResponse};

const TIN_HOC: &str = include_str!("../../question-banks/tin-hoc.toml");
const TIENG_ANH: &str = include_str!("../../question-banks/tieng-anh.toml");
const KIEN_THUC_CHUNG: &str = include_str!("../../question-banks/kien-thuc-chung.toml");

/// An administrator, a bank, and two board members of it.
struct Setup<'a> {
    admin: Api<'a>,
    bank: i64,
    b1: Api<'a>,
    b2: Api<'a>,
}

async fn setup(app: &TestApp) -> Setup<'_> {
    let admin = app.api_as(Role::Admin).await;
    let r = admin
        .post("/api/banks", json!({"name": "Kiến thức chung", "subject": "general_knowledge", "language": "vi", "ignore_diacritics": true}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let bank = r.json()["id"].as_i64().unwrap();
    for name in ["board.one", "board.two"] {
        app.user(Role::Board, name).await;
        let r = admin
            .post(
                &format!("/api/banks/{bank}/members"),
                json!({"username": name}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    let b1 = app.api_login("board.one", PASSWORD).await;
    let b2 = app.api_login("board.two", PASSWORD).await;
    Setup {
        admin,
        bank,
        b1,
        b2,
    }
}

async fn upload(api: &Api<'_>, path: &str, bytes: Vec<u8>) -> TestResponse {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(t) = &api.token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    api.app.send(req.body(Body::from(bytes)).unwrap()).await
}

async fn import(api: &Api<'_>, bank: i64, file_name: &str, bytes: Vec<u8>) -> TestResponse {
    upload(
        api,
        &format!("/api/banks/{bank}/import?file_name={file_name}"),
        bytes,
    )
    .await
}

async fn questions(api: &Api<'_>, bank: i64, query: &str) -> Vec<Value> {
    let r = api
        .get(&format!("/api/banks/{bank}/questions?{query}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

async fn detail(api: &Api<'_>, bank: i64, qid: i64) -> Value {
    let r = api.get(&format!("/api/banks/{bank}/questions/{qid}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn single_choice(stem: &str) -> Value {
    json!({
        "topic": "Luật/Cán bộ",
        "difficulty": 2,
        "points": 1.0,
        "stem": stem,
        "kind": "single_choice",
        "options": [{"text": "Hà Nội", "weight": 100}, {"text": "Huế", "weight": 0}]
    })
}

async fn create(api: &Api<'_>, bank: i64, key: &str, q: Value) -> Value {
    let r = api
        .post(
            &format!("/api/banks/{bank}/questions"),
            json!({"key": key, "question": q}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn review(api: &Api<'_>, bank: i64, action: &str, ids: &[i64]) -> Value {
    let r = api
        .post(
            &format!("/api/banks/{bank}/review"),
            json!({"action": action, "question_ids": ids}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// One question of each of the eight kinds, from the sample banks.
fn one_of_each_kind() -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for text in [TIENG_ANH, TIN_HOC, KIEN_THUC_CHUNG] {
        for iq in native::parse(text).questions {
            if !out.iter().any(|q| q.kind() == iq.question.kind()) {
                out.push(iq.question);
            }
        }
    }
    assert_eq!(out.len(), 8);
    out
}

#[tokio::test]
async fn every_kind_imports_in_every_format() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let qs = one_of_each_kind();
    let pairs: Vec<_> = qs
        .iter()
        .map(|q| (q, Default::default()))
        .collect::<Vec<(&Question, merit::banks::model::Provenance)>>();
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "all.toml",
            native::write(
                &merit::banks::service::info(&dummy_bank()),
                pairs.iter().map(|(q, p)| (*q, p)),
            )
            .into_bytes(),
        ),
        ("all.gift", gift::write(&qs).text.into_bytes()),
        ("all.xml", moodle_xml::write(&qs).into_bytes()),
        (
            "all.csv",
            spreadsheet::write_csv(pairs.iter().map(|(q, p)| (*q, p))).into_bytes(),
        ),
        (
            "all.xlsx",
            spreadsheet::write_xlsx(pairs.iter().map(|(q, p)| (*q, p))).unwrap(),
        ),
    ];
    for (name, bytes) in files {
        let r = s
            .admin
            .post("/api/banks", json!({"name": format!("Bank {name}")}))
            .await;
        let bank = r.json()["id"].as_i64().unwrap();
        let r = import(&s.admin, bank, name, bytes).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text());
        let report = r.json();
        // GIFT has no ordering questions: the writer leaves them out as a comment.
        let expected = if name.ends_with(".gift") { 7 } else { 8 };
        assert_eq!(report["created"], expected, "{name}: {report}");
        let stored = store::all_matching(&app.state.db, bank as i32, &Default::default())
            .await
            .unwrap();
        let by_kind: HashMap<Kind, Question> = stored
            .iter()
            .map(|(_, v)| store::content(v).unwrap())
            .map(|q| (q.kind(), q))
            .collect();
        for original in &qs {
            if name.ends_with(".gift") {
                if original.kind() == Kind::Ordering {
                    continue;
                }
                let got = &by_kind[&original.kind()];
                assert_eq!(got.stem, original.stem, "{name} {:?}", original.kind());
            } else {
                let got = by_kind
                    .get(&original.kind())
                    .unwrap_or_else(|| panic!("{name}: no {:?}", original.kind()));
                assert_eq!(got.answer, original.answer, "{name} {:?}", original.kind());
                assert_eq!(got.stem, original.stem, "{name} {:?}", original.kind());
            }
        }
    }
}

fn dummy_bank() -> merit::banks::entity::bank::Model {
    merit::banks::entity::bank::Model {
        id: 0,
        name: "File".into(),
        subject: "it".into(),
        description: None,
        language: "vi".into(),
        ignore_diacritics: false,
        created_ms: 0,
    }
}

const GIFT_SYNTAX: &str = r#"// A comment line: ignored.
$CATEGORY: $course$/top/Địa lý/Thủ đô

::Thủ đô::[markdown]Thủ đô của **Việt Nam** là? {
  =Hà Nội#Đúng.
  ~Huế#Huế là cố đô.
  ~%-100%Paris
}

::Tầng giao vận::Giao thức nào ở tầng giao vận? {
  ~%50%TCP
  ~%50%UDP
  ~%-100%IP
}

Mặt trời mọc ở hướng đông.{T}

Trái đất phẳng.{FALSE#Sai rồi.}

Two plus two equals {=four =4}.

[html]<p>Ghép thủ đô</p> {
  =Pháp -> Paris
  =Ý -> Rome
  =Đức -> Berlin
}

::pi::Số pi (hai chữ số thập phân)? {#3.14:0.01}

::range::Chọn một số từ 1 đến 5 {#1..5}

::weighted::Căn bậc hai của 2? {#
  =%100%1.414:0.001
  =%50%1.4:0.1
}

[plain]Ký tự đặc biệt \~ \= \# \{ \} \: vẫn giữ nguyên? {TRUE}

::essay::Trình bày
vai trò của công chức
trong nhiều dòng. {}
"#;

#[tokio::test]
async fn the_gift_syntax_imports_end_to_end() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let r = import(
        &s.b1,
        s.bank,
        "moodle.gift",
        GIFT_SYNTAX.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["created"], 11, "{}", r.text());
    let stored = store::all_matching(&app.state.db, s.bank as i32, &Default::default())
        .await
        .unwrap();
    let qs: Vec<Question> = stored
        .iter()
        .map(|(_, v)| store::content(v).unwrap())
        .collect();
    let find = |stem_part: &str| {
        qs.iter()
            .find(|q| q.stem.contains(stem_part))
            .unwrap_or_else(|| panic!("no {stem_part}"))
    };
    let capital = find("Thủ đô của");
    assert_eq!(capital.title.as_deref(), Some("Thủ đô"));
    assert_eq!(capital.topic, "Địa lý/Thủ đô");
    assert_eq!(capital.kind(), Kind::SingleChoice);
    let json = serde_json::to_value(capital).unwrap();
    assert_eq!(json["options"][2]["weight"], -100.0);
    assert_eq!(json["options"][0]["feedback"], "Đúng.");
    assert_eq!(find("tầng giao vận").kind(), Kind::MultipleResponse);
    assert_eq!(find("Mặt trời").kind(), Kind::TrueFalse);
    assert_eq!(
        serde_json::to_value(find("Trái đất")).unwrap()["correct"],
        false
    );
    assert_eq!(find("Two plus two").kind(), Kind::ShortAnswer);
    assert_eq!(find("Ghép thủ đô").kind(), Kind::Matching);
    assert_eq!(
        find("Ghép thủ đô").format,
        merit::banks::model::TextFormat::Html
    );
    assert_eq!(find("Số pi").kind(), Kind::Numeric);
    assert_eq!(
        serde_json::to_value(find("Căn bậc hai")).unwrap()["answers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        find("Ký tự đặc biệt").stem.contains("~ = # { } :"),
        "{}",
        find("Ký tự đặc biệt").stem
    );
    assert_eq!(find("vai trò của công chức").kind(), Kind::Essay);
    // Not approved: a board member's import arrives as drafts.
    assert!(stored.iter().all(|(_, v)| v.status == "draft"));
}

#[tokio::test]
async fn native_import_then_export_gives_the_same_bank() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let r = s
        .admin
        .post(
            "/api/banks",
            json!({"name": "Tin học", "subject": "it", "description": "x"}),
        )
        .await;
    let bank = r.json()["id"].as_i64().unwrap();
    let r = import(&s.admin, bank, "tin-hoc.toml", TIN_HOC.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["created"], 87);
    let r = s
        .admin
        .get(&format!("/api/banks/{bank}/export?format=toml"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let exported = native::parse(&r.text());
    let original = native::parse(TIN_HOC);
    assert!(exported.errors.is_empty(), "{:?}", exported.errors);
    let strip = |p: &merit::banks::model::Parsed| -> Vec<_> {
        p.questions
            .iter()
            .map(|q| (q.question.clone(), q.provenance.clone()))
            .collect()
    };
    assert_eq!(strip(&exported), strip(&original));
    // Importing the export again changes nothing.
    let again = import(&s.admin, bank, "tin-hoc.toml", r.body.to_vec())
        .await
        .json();
    assert_eq!(
        (
            again["created"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(87))
    );
    // Every other format exports too.
    for f in ["gift", "moodle-xml", "csv", "xlsx"] {
        let r = s.admin.get(&format!("/api/banks/{bank}/export?format={f}&topic=M%C3%A1y%20t%C3%ADnh%20c%C4%83n%20b%E1%BA%A3n")).await;
        assert_eq!(r.status, StatusCode::OK, "{f}");
        assert!(r.body.len() > 100, "{f}");
    }
}

#[tokio::test]
async fn a_file_with_any_error_imports_nothing_and_names_every_line() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let bad = "[bank]\nname = \"X\"\n\n[[questions]]\nkey = \"a\"\nkind = \"true_false\"\ntopic = \"T\"\ndifficulty = 1\nstem = \"ok\"\ncorrect = true\n\n[[questions]]\nkey = \"b\"\nkind = \"true_false\"\ntopic = \"T\"\ndifficulty = 9\nstem = \"bad\"\ncorrect = true\n\n[[questions]]\nkey = \"c\"\nkind = \"single_choice\"\ntopic = \"T\"\ndifficulty = 2\nstem = \"no right option\"\noptions = [{ text = \"x\", weight = 50 }, { text = \"y\", weight = 0 }]\n";
    let r = import(&s.b1, s.bank, "bad.toml", bad.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert!(errors.len() >= 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e["line"] == 16 && e["message"].as_str().unwrap().contains("difficulty")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e["line"] == 20
            && e["message"]
                .as_str()
                .unwrap()
                .contains("exactly one option at 100%")),
        "{errors:?}"
    );
    assert!(
        questions(&s.b1, s.bank, "").await.is_empty(),
        "nothing written"
    );

    let gift = "::ok:: 1+1? {=2 ~3}\n\n::bad:: Pick {~a ~b}\n\n::open:: Broken {=x\n";
    let r = import(&s.b1, s.bank, "bad.gift", gift.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert!(errors.iter().any(|e| e["line"] == 3), "{errors:?}");
    assert!(errors.iter().any(|e| e["line"] == 5), "{errors:?}");
    assert!(questions(&s.b1, s.bank, "").await.is_empty());

    let csv =
        "kind,stem,option_a,option_b,correct\nsingle,Thủ đô?,Hà Nội,Huế,A\nsingle,Sai?,x,y,E\n";
    let r = import(&s.b1, s.bank, "bad.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["line"] == 3),
        "{}",
        r.text()
    );
    assert!(questions(&s.b1, s.bank, "").await.is_empty());

    // The dry run writes nothing either, even for a good file.
    let r = upload(
        &s.b1,
        &format!(
            "/api/banks/{}/import?file_name=ok.gift&dry_run=true",
            s.bank
        ),
        b"::ok:: 1+1? {=2 ~3}".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["created"], 1);
    assert!(questions(&s.b1, s.bank, "").await.is_empty());
}

#[tokio::test]
async fn files_over_five_mebibytes_are_refused_with_a_message() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let big = vec![b' '; 5 * 1024 * 1024 + 1];
    let r = import(&s.admin, s.bank, "big.gift", big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("over 5 MiB"),
        "{}",
        r.text()
    );
    // Larger than the server reads at all: refused by its length, same message.
    let huge = vec![b' '; 9 * 1024 * 1024];
    let r = import(&s.admin, s.bank, "huge.gift", huge).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("over 5 MiB"),
        "{}",
        r.text()
    );
    let r = import(&s.admin, s.bank, "notes.bin", b"hello".to_vec()).await;
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("could not be recognised")
    );
}

#[tokio::test]
async fn a_question_is_approved_only_by_someone_other_than_its_author() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let saved = create(&s.b1, s.bank, "gk-1", single_choice("Thủ đô?")).await;
    let qid = saved["question_id"].as_i64().unwrap();
    let own = review(&s.b1, s.bank, "approve", &[qid]).await;
    assert_eq!(own["done"].as_array().unwrap().len(), 0);
    assert!(
        own["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("another board member")
    );
    assert_eq!(
        detail(&s.b1, s.bank, qid).await["versions"][0]["status"],
        "draft"
    );
    let other = review(&s.b2, s.bank, "approve", &[qid]).await;
    assert_eq!(other["done"][0], "gk-1");
    let d = detail(&s.b1, s.bank, qid).await;
    assert_eq!(d["versions"][0]["status"], "approved");
    assert_eq!(d["versions"][0]["reviewer"], "board.two");
    assert_eq!(d["versions"][0]["author"], "board.one");
    // Bulk retire, and the audit log has the whole story.
    let second = create(&s.b1, s.bank, "gk-2", single_choice("Cố đô?")).await["question_id"]
        .as_i64()
        .unwrap();
    let r = review(&s.b2, s.bank, "retire", &[qid, second]).await;
    assert_eq!(r["done"].as_array().unwrap().len(), 2);
    let log = s.admin.get("/api/audit?target=gk-1").await.json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["question_created", "question_approved", "question_retired"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
}

#[tokio::test]
async fn editing_an_approved_question_makes_a_new_version_and_keeps_the_old() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let saved = create(&s.b1, s.bank, "gk-1", single_choice("Thủ đô?")).await;
    let qid = saved["question_id"].as_i64().unwrap();
    let v1 = saved["version_id"].as_i64().unwrap() as i32;
    // A draft is rewritten in place.
    let r =
        s.b1.request(
            Method::PUT,
            &format!("/api/banks/{}/questions/{qid}", s.bank),
            Some(json!({"question": single_choice("Thủ đô nước ta?")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["version"].as_i64(),
            r.json()["new_version"].as_bool()
        ),
        (Some(1), Some(false))
    );
    review(&s.b2, s.bank, "approve", &[qid]).await;
    let approved = store::approved_versions(
        &app.state.db,
        s.bank as i32,
        Some("Luật"),
        1..=5,
        Some(Kind::SingleChoice),
    )
    .await
    .unwrap();
    assert_eq!(
        approved.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![v1]
    );

    // Editing the approved version: a new draft version; the old one is intact and still drawn.
    let r =
        s.b2.request(
            Method::PUT,
            &format!("/api/banks/{}/questions/{qid}", s.bank),
            Some(json!({"question": single_choice("Thủ đô của Việt Nam?")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["version"].as_i64(),
            r.json()["new_version"].as_bool()
        ),
        (Some(2), Some(true))
    );
    let v2 = r.json()["version_id"].as_i64().unwrap() as i32;
    let d = detail(&s.b1, s.bank, qid).await;
    assert_eq!(d["versions"][0]["number"], 2);
    assert_eq!(d["versions"][0]["status"], "draft");
    assert_eq!(d["versions"][1]["status"], "approved");
    assert_eq!(d["versions"][1]["question"]["stem"], "Thủ đô nước ta?");
    let approved = store::approved_versions(&app.state.db, s.bank as i32, None, 1..=5, None)
        .await
        .unwrap();
    assert_eq!(
        approved.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![v1]
    );

    // Approving v2 (by someone other than its author, board.two) replaces v1 in draws.
    let own = review(&s.b2, s.bank, "approve", &[qid]).await;
    assert!(own["done"].as_array().unwrap().is_empty());
    review(&s.b1, s.bank, "approve", &[qid]).await;
    let approved = store::approved_versions(&app.state.db, s.bank as i32, None, 1..=5, None)
        .await
        .unwrap();
    assert_eq!(
        approved.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![v2]
    );
    // A form that used v1 still reads it exactly.
    let loaded = store::load_versions(&app.state.db, &[v1, v2])
        .await
        .unwrap();
    assert_eq!(loaded[&v1].stem, "Thủ đô nước ta?");
    assert_eq!(loaded[&v2].stem, "Thủ đô của Việt Nam?");

    // A used draft is never rewritten: saving makes another version.
    let r =
        s.b1.request(
            Method::PUT,
            &format!("/api/banks/{}/questions/{qid}", s.bank),
            Some(json!({"question": single_choice("Thủ đô (v3)?")})),
        )
        .await;
    let v3 = r.json()["version_id"].as_i64().unwrap() as i32;
    store::mark_used(&app.state.db, &[v3]).await.unwrap();
    let r =
        s.b1.request(
            Method::PUT,
            &format!("/api/banks/{}/questions/{qid}", s.bank),
            Some(json!({"question": single_choice("Thủ đô (v4)?")})),
        )
        .await;
    assert_eq!(r.json()["version"], 4, "{}", r.text());
    assert_eq!(
        store::load_versions(&app.state.db, &[v3]).await.unwrap()[&v3].stem,
        "Thủ đô (v3)?"
    );
}

#[tokio::test]
async fn validation_errors_say_what_is_wrong() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let mut q = single_choice("Thủ đô?");
    q["options"][0]["weight"] = json!(50);
    let r =
        s.b1.post(
            &format!("/api/banks/{}/questions", s.bank),
            json!({"question": q}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "a single-choice question needs exactly one option at 100%, found none"
    );
    create(&s.b1, s.bank, "k", single_choice("A?")).await;
    let r =
        s.b1.post(
            &format!("/api/banks/{}/questions", s.bank),
            json!({"key": "k", "question": single_choice("B?")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn duplicates_are_flagged_on_save_and_on_import() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    create(
        &s.b1,
        s.bank,
        "gk-1",
        single_choice("Thủ đô của Việt Nam là?"),
    )
    .await;
    // Same stem and answers, other spacing and case, options in another order.
    let mut q = single_choice("thủ đô  của Việt Nam LÀ?");
    q["options"] = json!([{"text": "Huế", "weight": 0}, {"text": "Hà Nội", "weight": 100}]);
    q["topic"] = json!("Khác");
    let saved = create(&s.b1, s.bank, "gk-2", q).await;
    let warnings = saved["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("duplicate of question gk-1")),
        "{warnings:?}"
    );
    let d = detail(&s.b1, s.bank, saved["question_id"].as_i64().unwrap()).await;
    assert_eq!(d["duplicates"][0], "gk-1");

    let gift = "Thủ đô của Việt Nam là? {=Hà Nội ~Huế}\n";
    let r = import(&s.b1, s.bank, "dup.gift", gift.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let warnings = r.json()["warnings"].as_array().unwrap().clone();
    assert!(
        warnings.iter().any(|w| w["line"] == 1
            && w["message"]
                .as_str()
                .unwrap()
                .contains("duplicate of question gk-")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn filters_find_questions_by_topic_difficulty_kind_status_tag_and_text() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let r = import(
        &s.b1,
        s.bank,
        "tieng-anh.toml",
        TIENG_ANH.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let all =
        s.b1.get(&format!("/api/banks/{}/questions", s.bank))
            .await
            .json();
    assert_eq!(all["total"], 75);
    assert_eq!(all["items"].as_array().unwrap().len(), 50, "paged");
    let page2 = questions(&s.b1, s.bank, "page=2").await;
    assert_eq!(page2.len(), 25);
    let first_topic = all["items"][0]["topic"].as_str().unwrap().to_owned();
    let top = first_topic.split('/').next().unwrap().to_owned();
    let under = questions(
        &s.b1,
        s.bank,
        &serde_urlencoded::to_string([("topic", &top)]).unwrap(),
    )
    .await;
    assert!(
        !under.is_empty()
            && under
                .iter()
                .all(|q| q["topic"].as_str().unwrap().starts_with(&top))
    );
    for q in questions(
        &s.b1,
        s.bank,
        "difficulty=3&kind=single_choice&status=draft",
    )
    .await
    {
        assert_eq!(
            (
                q["difficulty"].as_i64(),
                q["kind"].as_str(),
                q["status"].as_str()
            ),
            (Some(3), Some("single_choice"), Some("draft"))
        );
    }
    let tagged = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| !q["tags"].as_array().unwrap().is_empty())
        .cloned();
    if let Some(t) = tagged {
        let tag = t["tags"][0].as_str().unwrap();
        let found = questions(
            &s.b1,
            s.bank,
            &serde_urlencoded::to_string([("tag", tag)]).unwrap(),
        )
        .await;
        assert!(found.iter().any(|q| q["id"] == t["id"]));
    }
    create(
        &s.b1,
        s.bank,
        "vn-1",
        single_choice("Thành phố Hồ Chí Minh ở miền nào?"),
    )
    .await;
    let found = questions(&s.b1, s.bank, "q=ho%20chi%20minh").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["key"], "vn-1");
    // The matrix counts what the list shows.
    let bank = s.b1.get(&format!("/api/banks/{}", s.bank)).await.json();
    assert_eq!(bank["matrix"]["total"]["draft"], 76);
    assert_eq!(
        bank["matrix"]["total"]["approved"], 0,
        "a board member's import arrives as drafts"
    );
}

/// Every bank route, HTML and JSON, for access checks.
fn bank_routes(bank: i64, qid: i64) -> Vec<(Method, String)> {
    let mut routes = vec![];
    for path in [
        format!("/banks/{bank}"),
        format!("/banks/{bank}/questions"),
        format!("/banks/{bank}/questions/new"),
        format!("/banks/{bank}/questions/{qid}"),
        format!("/banks/{bank}/questions/{qid}/edit"),
        format!("/banks/{bank}/import"),
        format!("/banks/{bank}/export?format=toml"),
        format!("/api/banks/{bank}"),
        format!("/api/banks/{bank}/questions"),
        format!("/api/banks/{bank}/questions/{qid}"),
        format!("/api/banks/{bank}/export?format=gift"),
    ] {
        routes.push((Method::GET, path));
    }
    for path in [
        format!("/api/banks/{bank}/questions"),
        format!("/api/banks/{bank}/review"),
        format!("/api/banks/{bank}/import?file_name=x.gift"),
        format!("/api/banks/{bank}/preview"),
        format!("/api/banks/{bank}/members"),
    ] {
        routes.push((Method::POST, path));
    }
    routes.push((Method::PUT, format!("/api/banks/{bank}/questions/{qid}")));
    routes.push((Method::PATCH, format!("/api/banks/{bank}")));
    routes
}

fn body_for(method: &Method, path: &str) -> Option<Value> {
    if *method == Method::GET {
        return None;
    }
    Some(if *method == Method::PATCH {
        json!({"name": "Renamed"})
    } else if path.ends_with("/review") {
        json!({"action": "approve", "question_ids": [1]})
    } else if path.ends_with("/members") {
        json!({"username": "board.one"})
    } else {
        json!({"question": single_choice("X?")})
    })
}

#[tokio::test]
async fn candidates_and_personnel_are_refused_on_every_bank_route() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let qid = create(&s.b1, s.bank, "gk-1", single_choice("Thủ đô?")).await["question_id"]
        .as_i64()
        .unwrap();
    for role in [Role::Candidate, Role::Personnel] {
        let api = app.api_as(role).await;
        for (method, path) in bank_routes(s.bank, qid) {
            let r = api
                .request(method.clone(), &path, body_for(&method, &path))
                .await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role:?} {method} {path}: {}",
                r.status
            );
            assert!(
                !r.text().contains("Thủ đô"),
                "{role:?} {path} leaked the question"
            );
        }
        for path in ["/api/banks", "/api/banks/template"] {
            assert_eq!(
                api.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} {path}"
            );
        }
        let mut b = app.browser_as(role).await;
        for path in [
            "/banks".to_owned(),
            format!("/banks/{}", s.bank),
            format!("/banks/{}/questions/{qid}", s.bank),
            "/banks/template.xlsx".to_owned(),
        ] {
            let r = b.get(&path).await;
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role:?} {path}: {}",
                r.status
            );
        }
        let r = b
            .post(
                &format!("/banks/{}/review", s.bank),
                &[
                    ("action", "retire"),
                    ("ids", &qid.to_string()),
                    ("confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    assert_eq!(
        detail(&s.b1, s.bank, qid).await["versions"][0]["status"],
        "draft",
        "nothing changed"
    );
}

#[tokio::test]
async fn a_board_member_sees_only_their_own_banks() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let qid = create(&s.b1, s.bank, "gk-1", single_choice("Thủ đô?")).await["question_id"]
        .as_i64()
        .unwrap();
    let outsider = app.api_as(Role::Board).await;
    assert_eq!(
        outsider
            .get("/api/banks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.b1.get("/api/banks")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for (method, path) in bank_routes(s.bank, qid) {
        let r = outsider
            .request(method.clone(), &path, body_for(&method, &path))
            .await;
        // Members and settings are for administrators only (403); everything else is hidden (404).
        let expected = if path.ends_with("/members") || method == Method::PATCH {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(r.status, expected, "{method} {path}");
    }
    // Board members cannot create banks or manage members.
    assert_eq!(
        s.b1.post("/api/banks", json!({"name": "Mine"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.b1.post(
            &format!("/api/banks/{}/members", s.bank),
            json!({"username": "x"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Removing a member takes the bank away from them.
    let members = s.admin.get(&format!("/api/banks/{}", s.bank)).await.json()["members"].clone();
    let one = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == "board.one")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        s.admin
            .delete(&format!("/api/banks/{}/members/{one}", s.bank))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.b1.get(&format!("/api/banks/{}", s.bank)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn importers_who_may_not_approve_get_drafts() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let r = import(&s.b1, s.bank, "tin-hoc.toml", TIN_HOC.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stored = store::all_matching(&app.state.db, s.bank as i32, &Default::default())
        .await
        .unwrap();
    assert!(stored.iter().all(|(_, v)| v.status == "draft"));
    // The administrator keeps the file's statuses.
    let other = s
        .admin
        .post("/api/banks", json!({"name": "Tin học"}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    import(&s.admin, other, "tin-hoc.toml", TIN_HOC.as_bytes().to_vec()).await;
    let approved = store::approved_versions(&app.state.db, other as i32, None, 1..=5, None)
        .await
        .unwrap();
    assert_eq!(approved.len(), 87);
}

#[tokio::test]
async fn the_demo_loads_the_sample_banks_once() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.unwrap();
    merit::demo::load(&app.state).await.unwrap();
    let banks = store::banks(&app.state.db, None).await.unwrap();
    let mut counts = HashMap::new();
    for b in &banks {
        let total =
            merit::banks::domain::matrix(&store::counts(&app.state.db, b.id).await.unwrap()).total;
        counts.insert(b.name.clone(), (total.approved, total.draft));
        let members: Vec<String> = store::members(&app.state.db, b.id)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(members, ["demo.board1", "demo.board2"]);
    }
    assert_eq!(counts["Kiến thức chung"], (166, 0));
    assert_eq!(counts["Tin học"], (87, 0));
    assert_eq!(counts["Tiếng Anh"], (75, 0));
    let gk = banks.iter().find(|b| b.name == "Kiến thức chung").unwrap();
    let m = merit::banks::domain::matrix(&store::counts(&app.state.db, gk.id).await.unwrap());
    assert!(
        m.rows
            .iter()
            .map(|r| r.topic.split('/').next().unwrap())
            .collect::<std::collections::HashSet<_>>()
            .len()
            >= 4
    );
    assert!(m.by_difficulty.iter().filter(|c| c.approved > 0).count() >= 3);
    // Every sample version's content reads back, and each bank has a mix of kinds.
    for b in &banks {
        let rows = store::all_matching(&app.state.db, b.id, &Default::default())
            .await
            .unwrap();
        let kinds: std::collections::HashSet<_> = rows
            .iter()
            .map(|(_, v)| store::content(v).unwrap().kind())
            .collect();
        assert!(kinds.len() >= 3, "{}: {kinds:?}", b.name);
        assert!(
            rows.iter()
                .all(|(_, v)| store::status_of(v) == Status::Approved)
        );
    }
}

// ---- the board pages ----

fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "merit-test-boundary-7d1f";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_file(
    b: &mut Browser<'_>,
    path: &str,
    file_name: &str,
    bytes: &[u8],
    with_csrf: bool,
) -> TestResponse {
    let (content_type, body) = multipart(file_name, bytes);
    let csrf = b.csrf.clone().unwrap_or_default();
    let uri = if with_csrf {
        format!("{path}?csrf={csrf}")
    } else {
        path.to_owned()
    };
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = Request::post(uri)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    b.app.send(req).await
}

fn token_in(html: &str) -> Option<String> {
    let i = html.find("name=\"token\" value=\"")?;
    html[i + 20..].split('"').next().map(str::to_owned)
}

#[tokio::test]
async fn admin_creates_a_bank_and_assigns_board_members_in_the_pages() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.page").await;
    let mut admin = app.browser_as(Role::Admin).await;
    admin.get("/banks").await;
    let r = admin
        .post(
            "/banks",
            &[
                ("name", "Tin học"),
                ("subject", "it"),
                ("language", "vi"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let bank_path = r.location().unwrap().to_owned();
    admin.get(&bank_path).await;
    let r = admin
        .post(
            &format!("{bank_path}/members"),
            &[("username", "board.page")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = admin
        .post(
            &format!("{bank_path}/members"),
            &[("username", "nobody.here")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.post("/banks", &[("name", "Tin học")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("class=\"errors\""));

    let r = admin
        .post(
            &format!("{bank_path}/settings"),
            &[
                ("name", "Tin học cơ bản"),
                ("subject", "it"),
                ("language", "vi"),
                ("description", "Mô tả"),
                ("ignore_diacritics", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id: i32 = bank_path.rsplit('/').next().unwrap().parse().unwrap();
    let b = store::find_bank(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(
        (b.name.as_str(), b.ignore_diacritics),
        ("Tin học cơ bản", true)
    );

    let mut board = app.browser();
    board.sign_in("board.page", PASSWORD).await;
    let r = board
        .post(&format!("{bank_path}/settings"), &[("name", "Của tôi")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only administrators change a bank's settings"
    );
    let list = board.get("/banks").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("Tin học cơ bản"));
    let page = board.get(&bank_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("board.page"));
}

#[tokio::test]
async fn a_board_member_writes_previews_reviews_imports_and_exports_in_the_pages() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let bank = s.bank;
    let mut b1 = app.browser();
    b1.sign_in("board.one", PASSWORD).await;

    // The editor: every kind has a form.
    for kind in Kind::ALL {
        let r = b1
            .get(&format!(
                "/banks/{bank}/questions/new?kind={}",
                kind.as_str()
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{kind:?}");
        assert!(r.text().contains("id=\"preview\""));
    }
    let fields = [
        ("kind", "multiple_response"),
        ("key", "mr-1"),
        ("topic", "Mạng/Giao thức"),
        ("difficulty", "3"),
        ("points", "2"),
        ("format", "markdown"),
        (
            "stem",
            "Giao thức nào ở **tầng giao vận**? <script>alert(1)</script>",
        ),
        ("row_text_0", "TCP"),
        ("row_weight_0", "50"),
        ("row_text_1", "UDP"),
        ("row_weight_1", "50"),
        ("row_text_2", "IP"),
        ("row_weight_2", "-50"),
        ("tags", "mạng"),
    ];
    // Preview: the candidate's view, sanitised, with no weights.
    let mut preview = fields.to_vec();
    preview.push(("action", "preview"));
    let r = b1
        .post(&format!("/banks/{bank}/questions/new"), &preview)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("<strong>tầng giao vận</strong>"));
    assert!(!html.contains("<script>alert"));
    // The script's fragment endpoint renders the same preview.
    let r = b1.post(&format!("/banks/{bank}/preview"), &fields).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("type=\"checkbox\" disabled"));
    // Clear validation.
    let mut bad = fields.to_vec();
    bad[8] = ("row_weight_0", "80");
    bad.push(("action", "save"));
    let r = b1.post(&format!("/banks/{bank}/questions/new"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("add up to 130%, expected 100%"),
        "{}",
        r.text()
    );
    // Save.
    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let r = b1
        .post(&format!("/banks/{bank}/questions/new"), &save)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let question_path = r.location().unwrap().to_owned();
    let page = b1.get(&question_path).await.text();
    assert!(page.contains("mr-1") && page.contains("-50%"));
    let qid: i64 = question_path.rsplit('/').next().unwrap().parse().unwrap();

    // Bulk approve by the other member, with the confirmation step.
    let mut b2 = app.browser();
    b2.sign_in("board.two", PASSWORD).await;
    b2.get(&format!("/banks/{bank}/questions")).await;
    let id = qid.to_string();
    let confirm = b2
        .post(
            &format!("/banks/{bank}/review"),
            &[("action", "approve"), ("ids", &id)],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text().contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(
        detail(&s.b1, bank, qid).await["versions"][0]["status"],
        "draft",
        "not before confirming"
    );
    let done = b2
        .post(
            &format!("/banks/{bank}/review"),
            &[("action", "approve"), ("ids", &id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        detail(&s.b1, bank, qid).await["versions"][0]["status"],
        "approved"
    );
    let matrix = b2.get(&format!("/banks/{bank}")).await.text();
    assert!(matrix.contains("Mạng/Giao thức"));

    // Filters and paging in the list.
    let list = b1
        .get(&format!(
            "/banks/{bank}/questions?q=giao+van&status=approved"
        ))
        .await
        .text();
    assert!(list.contains("mr-1"));
    let none = b1
        .get(&format!("/banks/{bank}/questions?kind=essay"))
        .await
        .text();
    assert!(!none.contains("mr-1"));

    // Import: upload, dry run, confirm. A multipart form carries its CSRF token in the URL.
    b1.get(&format!("/banks/{bank}/import")).await;
    let r = post_file(
        &mut b1,
        &format!("/banks/{bank}/import"),
        "q.gift",
        b"::a:: 1+1? {=2 ~3}",
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no upload");
    let r = post_file(
        &mut b1,
        &format!("/banks/{bank}/import"),
        "bad.gift",
        b"Pick {~a ~b}\n\n::x:: {=1",
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("line 3"), "{}", r.text());
    assert!(token_in(&r.text()).is_none());
    let r = post_file(
        &mut b1,
        &format!("/banks/{bank}/import"),
        "q.gift",
        "::a:: 1+1? {=2 ~3}\n\n::b:: Thủ đô? {=Hà Nội ~Huế}".as_bytes(),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let token = token_in(&r.text()).expect("a confirm button");
    assert_eq!(
        questions(&s.b1, bank, "").await.len(),
        1,
        "the dry run wrote nothing"
    );
    b1.get(&format!("/banks/{bank}/import")).await;
    let r = b1
        .post(
            &format!("/banks/{bank}/import/confirm"),
            &[("token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(questions(&s.b1, bank, "").await.len(), 3);
    // A token is good once, and only for its uploader.
    let r = b1
        .post(
            &format!("/banks/{bank}/import/confirm"),
            &[("token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Export and the spreadsheet template.
    let r = b1
        .get(&format!("/banks/{bank}/export?format=xlsx&status=approved"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"PK"));
    let parsed = spreadsheet::parse_xlsx(&r.body);
    assert_eq!(parsed.questions.len(), 1);
    let r = b1.get("/banks/template.xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(spreadsheet::parse_xlsx(&r.body).errors.is_empty());
    let r = b1.get("/banks/template.csv").await;
    assert!(spreadsheet::parse_csv(&r.body).errors.is_empty());

    // The editor for an approved question says a new version will be made.
    let edit = b1.get(&format!("/banks/{bank}/questions/{qid}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("class=\"notice\""));
}

#[tokio::test]
async fn the_openapi_document_lists_the_bank_endpoints() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    for path in [
        "/api/banks",
        "/api/banks/{id}/questions",
        "/api/banks/{id}/import",
        "/api/banks/{id}/export",
        "/api/banks/{id}/review",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

// ---- the command line ----

fn merit_cli(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_merit"))
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("MERIT_SECRET_KEY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn all_output(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn bank_import_export_and_list_work_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!(
        "merit-bank-cli-{}",
        hex::encode(merit::random_bytes::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/merit.db?mode=rwc", dir.display());
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/question-banks/tin-hoc.toml");

    let o = merit_cli(&url, &["bank", "import", sample, "--dry-run"]);
    assert!(o.status.success(), "{}", all_output(&o));
    assert!(
        all_output(&o).contains("would import: 87 new"),
        "{}",
        all_output(&o)
    );
    let o = merit_cli(&url, &["bank", "list"]);
    assert!(
        !all_output(&o).contains("Tin học"),
        "the dry run wrote nothing"
    );

    // Bad input: a non-zero exit, every problem with its line, nothing imported.
    let bad = dir.join("bad.gift");
    std::fs::write(&bad, "::ok:: 1+1? {=2 ~3}\n\n::bad:: Pick {~a ~b}\n").unwrap();
    let o = merit_cli(
        &url,
        &[
            "bank",
            "import",
            sample,
            bad.to_str().unwrap(),
            "--bank",
            "Tin học",
        ],
    );
    assert!(!o.status.success());
    let text = all_output(&o);
    assert!(text.contains("bad.gift: error: line 3"), "{text}");
    assert!(text.contains("nothing was imported"), "{text}");
    let o = merit_cli(&url, &["bank", "list"]);
    assert!(
        !all_output(&o).contains("Tin học"),
        "a bad file stops every file"
    );

    let o = merit_cli(&url, &["bank", "import", sample]);
    assert!(o.status.success(), "{}", all_output(&o));
    let o = merit_cli(&url, &["bank", "list"]);
    let list = all_output(&o);
    assert!(
        list.lines()
            .any(|l| l.starts_with("Tin học") && l.contains(" 87 ")),
        "{list}"
    );

    let o = merit_cli(&url, &["bank", "export", "Tin học", "--format", "gift"]);
    assert!(o.status.success(), "{}", all_output(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("$CATEGORY: $course$/top/"));
    let out = dir.join("tin-hoc.toml");
    let o = merit_cli(
        &url,
        &["bank", "export", "Tin học", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", all_output(&o));
    let back = native::parse(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(back.questions.len(), 87);
    assert!(
        back.questions
            .iter()
            .all(|q| q.provenance.status == Status::Approved)
    );
    let o = merit_cli(&url, &["bank", "export", "No such bank"]);
    assert!(!o.status.success());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn html_in_imported_questions_is_sanitised_where_it_is_shown() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let gift = "[html]<p onclick=\"steal()\">Bấm <b>đây</b></p><script>alert(1)</script><img src=x onerror=alert(2)>{T}\n\n[markdown]Xem <script>alert(3)</script> **đậm** {=a ~b}\n";
    let r = import(&s.b1, s.bank, "xss.gift", gift.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut b = app.browser();
    b.sign_in("board.one", PASSWORD).await;
    for q in questions(&s.b1, s.bank, "").await {
        let page = b
            .get(&format!("/banks/{}/questions/{}", s.bank, q["id"]))
            .await
            .text();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(
            !page.contains("onerror") && !page.contains("onclick"),
            "{page}"
        );
        assert!(page.contains("<b>đây</b>") || page.contains("<strong>đậm</strong>"));
        // The author sees why there is no approve button.
        assert!(
            page.contains("another board member approves it") || page.contains("thành viên khác")
        );
    }
}

/// The hostile workbooks of issue 15, each with the limit it must be refused
/// at (the limit's value appears in the message in both languages).
pub(crate) fn hostile_files() -> &'static [(&'static str, Vec<u8>, u64)] {
    use merit::web::upload::{Limit, MAX_CELL_CHARS, MAX_ENTRY_BYTES, hostile};
    static FILES: std::sync::LazyLock<Vec<(&'static str, Vec<u8>, u64)>> =
        std::sync::LazyLock::new(|| {
            vec![
                ("corners.xlsx", hostile::corner_cells(), Limit::Rows.max()),
                (
                    "long-string.xlsx",
                    hostile::huge_shared_string(MAX_CELL_CHARS + 1),
                    Limit::CellChars.max(),
                ),
                (
                    "whitespace.xlsx",
                    hostile::whitespace_bomb(MAX_ENTRY_BYTES as usize + 4096),
                    Limit::EntryBytes.max(),
                ),
            ]
        });
    &FILES
}

#[tokio::test]
async fn hostile_workbooks_are_refused_naming_the_limit_and_the_server_still_answers() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    for (name, bytes, max) in hostile_files() {
        for dry_run in [true, false] {
            let r = upload(
                &s.b1,
                &format!(
                    "/api/banks/{}/import?file_name={name}&dry_run={dry_run}",
                    s.bank
                ),
                bytes.clone(),
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                r.text()
            );
            let detail = r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(detail.contains(&max.to_string()), "{name}: {detail}");
        }
    }
    assert!(
        questions(&s.b1, s.bank, "").await.is_empty(),
        "nothing imported"
    );
    // A plain import still works after them.
    let ok = "::a:: 1+1=2 {T}\n";
    let r = import(&s.b1, s.bank, "ok.gift", ok.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_csv_past_the_column_limit_is_refused_naming_it() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let max = merit::web::upload::MAX_COLUMNS;
    let mut csv = "kind,stem\n".to_owned();
    csv.push_str(&vec!["x"; max + 1].join(","));
    csv.push('\n');
    let r = import(&s.b1, s.bank, "wide.csv", csv.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains(&max.to_string()), "{}", r.text());
}

#[tokio::test]
async fn moodle_xml_nested_past_the_depth_limit_is_refused() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let deep = format!(
        "<quiz>{}{}</quiz>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    let r = import(&s.b1, s.bank, "deep.xml", deep.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let max = merit::web::upload::MAX_XML_DEPTH.to_string();
    assert!(r.text().contains(&max), "{}", r.text());
}

#[tokio::test]
async fn toml_and_gift_dense_with_entries_are_refused_before_parsing() {
    let app = TestApp::new().await;
    let s = setup(&app).await;
    let max = merit::web::upload::MAX_ENTRIES;
    for (name, text) in [
        ("dense.toml", "=\n".repeat(max + 1)),
        ("dense.gift", format!("q {{{}}}", "~a".repeat(max + 1))),
    ] {
        let r = import(&s.b1, s.bank, name, text.into_bytes()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.text()
        );
        assert!(r.text().contains(&max.to_string()), "{name}: {}", r.text());
    }
}
