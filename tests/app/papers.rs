use axum::http::StatusCode;
use merit::accounts::domain::Role;
use merit::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp};

/// The demo: sample banks, the Decree 170 campaign, its round-1 paper
/// (published by demo.board1) and one form per approved applicant.
async fn demo(app: &TestApp) -> (i64, i64) {
    merit::demo::load(&app.state).await.unwrap();
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let campaign = hr.get("/api/campaigns").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let paper = hr
        .get(&format!("/api/campaigns/{campaign}/papers"))
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    (campaign, paper)
}

async fn board1(app: &TestApp) -> Api<'_> {
    app.api_login("demo.board1", DEMO_PASSWORD).await
}

#[tokio::test]
async fn the_demo_paper_has_the_decree_170_blueprint_and_every_form_matches_it() {
    let app = TestApp::new().await;
    let (_, paper) = demo(&app).await;
    let board = board1(&app).await;
    let p = board.get(&format!("/api/papers/{paper}")).await.json();
    assert_eq!(p["status"], "published");
    let counts: Vec<u64> = p["spec"]["blueprint"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["count"].as_u64().unwrap())
                .sum()
        })
        .collect();
    assert_eq!(counts, [60], "one general-knowledge test of 60 questions");
    assert_eq!(p["time_limit_minutes"], 60);
    let report = board
        .get(&format!("/api/papers/{paper}/fairness"))
        .await
        .json();
    assert_eq!(report["forms"], 11, "one form per approved applicant");
    assert_eq!(report["every_form_matches_blueprint"], true);
    assert!(
        report["distinct_forms"].as_u64().unwrap() > 1,
        "candidates get different forms"
    );
}

#[tokio::test]
async fn a_stored_form_is_reproduced_exactly_from_its_seed() {
    let app = TestApp::new().await;
    let (_, paper) = demo(&app).await;
    let forms = merit::exams::store::forms_of_paper(&app.state.db, paper as i32)
        .await
        .unwrap();
    let board = board1(&app).await;
    for f in forms.iter().take(3) {
        let r = board
            .get(&format!("/api/papers/{paper}/forms/{}/reproduce", f.id))
            .await
            .json();
        assert_eq!(r["identical"], true, "{r}");
        assert_eq!(r["items"], 60);
    }
    // Approving a new question later does not change what a seed draws: the pool is frozen.
    let again = board
        .get(&format!(
            "/api/papers/{paper}/forms/{}/reproduce",
            forms[0].id
        ))
        .await
        .json();
    assert_eq!(again["identical"], true);
}

#[tokio::test]
async fn only_the_assigned_board_the_owning_unit_and_admins_reach_a_paper() {
    let app = TestApp::new().await;
    let (_, paper) = demo(&app).await;
    let path = format!("/api/papers/{paper}");
    assert_eq!(board1(&app).await.get(&path).await.status, StatusCode::OK);
    assert_eq!(
        app.api_login("demo.personnel", DEMO_PASSWORD)
            .await
            .get(&path)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.api_as(Role::Admin).await.get(&path).await.status,
        StatusCode::OK
    );
    let other_board = app.api_as(Role::Board).await;
    assert_eq!(other_board.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other_board
            .get(&format!("{path}/preview?seed=3"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other_unit = app.api_login("demo.personnel.ha", DEMO_PASSWORD).await;
    assert_eq!(other_unit.get(&path).await.status, StatusCode::NOT_FOUND);
    let candidate = app.api_login("demo.candidate", DEMO_PASSWORD).await;
    assert_eq!(candidate.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        candidate
            .get(&format!("{path}/preview?seed=3"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Personnel see and issue, but only the board edits.
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    assert_eq!(
        hr.post(&format!("{path}/publish"), json!({})).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_preview_is_what_the_candidate_sees_and_carries_no_key() {
    let app = TestApp::new().await;
    let (_, paper) = demo(&app).await;
    let board = board1(&app).await;
    let a = board
        .get(&format!("/api/papers/{paper}/preview?seed=42"))
        .await;
    let b = board
        .get(&format!("/api/papers/{paper}/preview?seed=42"))
        .await;
    assert_eq!(a.text(), b.text(), "the same seed gives the same form");
    let c = board
        .get(&format!("/api/papers/{paper}/preview?seed=43"))
        .await;
    assert_ne!(a.text(), c.text());
    let text = a.text();
    for leak in [
        "\"weight\"",
        "\"feedback\"",
        "\"explanation\"",
        "\"correct\"",
        "\"marking_guide\"",
    ] {
        assert!(!text.contains(leak), "{leak} in a candidate's view");
    }
    let body: Value = a.json();
    assert_eq!(body["sections"][0]["items"].as_array().unwrap().len(), 60);
}

fn edit_of(p: &Value) -> Value {
    json!({
        "title": p["title"],
        "spec": p["spec"],
        "time_limit_minutes": p["time_limit_minutes"],
        "opens_ms": p["opens_ms"],
        "closes_ms": p["closes_ms"],
        "grace_seconds": p["grace_seconds"],
    })
}

#[tokio::test]
async fn an_infeasible_blueprint_names_the_short_row_and_cannot_be_published() {
    let app = TestApp::new().await;
    let (campaign, _) = demo(&app).await;
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let draft = hr
        .post(
            &format!("/api/campaigns/{campaign}/papers"),
            json!({"title": "Thử", "round": 1, "board": ["demo.board1"]}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text());
    let id = draft.json()["id"].as_i64().unwrap();
    let board = board1(&app).await;
    let mut p = board.get(&format!("/api/papers/{id}")).await.json();
    p["spec"]["blueprint"]["sections"][0]["rows"][0]["count"] = json!(5000);
    let r = board
        .request(
            "PUT".parse().unwrap(),
            &format!("/api/papers/{id}"),
            Some(edit_of(&p)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let f = board
        .get(&format!("/api/papers/{id}/feasibility"))
        .await
        .json();
    assert_eq!(f["feasible"], false);
    let message = f["shortfalls"][0].as_str().unwrap();
    assert!(
        message.contains("needs 5000") && message.contains("short"),
        "{message}"
    );
    let r = board
        .post(&format!("/api/papers/{id}/publish"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn editing_a_published_paper_makes_a_new_audited_version() {
    let app = TestApp::new().await;
    let (_, paper) = demo(&app).await;
    let board = board1(&app).await;
    let p = board.get(&format!("/api/papers/{paper}")).await.json();
    let mut edit = edit_of(&p);
    edit["time_limit_minutes"] = json!(125);
    let r = board
        .request(
            "PUT".parse().unwrap(),
            &format!("/api/papers/{paper}"),
            Some(edit),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let next = r.json();
    assert_ne!(next["id"], p["id"]);
    assert_eq!(next["version"], 2);
    assert_eq!(next["supersedes_id"], p["id"]);
    assert_eq!(next["status"], "draft");
    let old = board.get(&format!("/api/papers/{paper}")).await.json();
    assert_eq!(
        old["time_limit_minutes"], 60,
        "the published version never changes"
    );
    assert_eq!(old["status"], "published");
    assert_eq!(
        board
            .post(&format!("/api/papers/{}/publish", next["id"]), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        board.get(&format!("/api/papers/{paper}")).await.json()["status"],
        "superseded"
    );
    let admin = app.api_as(Role::Admin).await;
    let audit = admin
        .get("/api/audit?action=paper_new_version")
        .await
        .json();
    assert_eq!(audit["total"], 1);
}

#[tokio::test]
async fn the_board_edits_the_blueprint_in_the_html_editor() {
    let app = TestApp::new().await;
    let (campaign, _) = demo(&app).await;
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let id = hr
        .post(
            &format!("/api/campaigns/{campaign}/papers"),
            json!({"title": "Vòng 2", "round": 1, "board": ["demo.board1"]}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let mut b = app.browser();
    b.sign_in("demo.board1", DEMO_PASSWORD).await;
    let page = b.get(&format!("/papers/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("s0.r0.count"));
    let r = b
        .post(
            &format!("/papers/{id}"),
            &[
                ("title", "Vòng 2 — viết"),
                ("time_limit_minutes", "30"),
                ("grace_seconds", "30"),
                ("opens", "2026-12-10T09:00"),
                ("closes", "2026-12-10T11:00"),
                ("navigation", "sequential"),
                ("release", "scores"),
                ("s0.title", "Kiến thức chung"),
                ("s0.shuffle_questions", "on"),
                ("s0.r0.bank", "1"),
                ("s0.r0.topics", ""),
                ("s0.r0.dmin", "1"),
                ("s0.r0.dmax", "4"),
                ("s0.r0.kind", "true_false"),
                ("s0.r0.count", "5"),
                ("s0.r0.points", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let board = board1(&app).await;
    let p = board.get(&format!("/api/papers/{id}")).await.json();
    assert_eq!(p["spec"]["navigation"], "sequential");
    assert_eq!(
        p["spec"]["blueprint"]["sections"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        p["spec"]["blueprint"]["sections"][0]["rows"][0]["kind"],
        "true_false"
    );
    let preview = b.get(&format!("/papers/{id}/preview?seed=5")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
}

#[tokio::test]
async fn a_rejected_candidate_gets_no_form() {
    let app = TestApp::new().await;
    let (campaign, paper) = demo(&app).await;
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let list = hr
        .get(&format!("/api/campaigns/{campaign}/applications"))
        .await
        .json();
    let first = list["items"][0]["application"]["id"].as_i64().unwrap();
    let r = hr
        .post(
            &format!("/api/applications/{first}/decision"),
            json!({"decision": "reject", "reason": "Không đủ điều kiện về văn bằng"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A new version of the paper, published and issued after the rejection.
    let board = board1(&app).await;
    let p = board.get(&format!("/api/papers/{paper}")).await.json();
    let next = board
        .request(
            "PUT".parse().unwrap(),
            &format!("/api/papers/{paper}"),
            Some(edit_of(&p)),
        )
        .await
        .json();
    board
        .post(&format!("/api/papers/{}/publish", next["id"]), json!({}))
        .await;
    let issued = hr
        .post(&format!("/api/papers/{}/forms", next["id"]), json!({}))
        .await
        .json();
    assert_eq!(issued["issued"], 11, "12 applicants, one rejected");
    let forms =
        merit::exams::store::forms_of_paper(&app.state.db, next["id"].as_i64().unwrap() as i32)
            .await
            .unwrap();
    assert!(forms.iter().all(|f| f.application_id != Some(first as i32)));
}

#[tokio::test]
async fn a_promotion_campaign_lists_who_is_eligible_from_staff_records_with_reasons() {
    let app = TestApp::new().await;
    let (recruitment, _) = demo(&app).await;
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let snv = merit::org_units::store::find_by_code(&app.state.db, "SNV")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = hr
        .post(
            "/api/campaigns",
            json!({
                "title": "Thi nâng ngạch chuyên viên chính 2026",
                "kind": "promotion",
                "org_unit_id": snv,
                "preset": "vn-115-2020-promotion",
                "applies_from_ms": crate::harness::T0,
                "applies_until_ms": crate::harness::T0 + 86_400_000,
                "positions": [{"code": "CVC", "title": "Chuyên viên chính", "quota": 3}]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let rows = hr
        .get(&format!("/api/campaigns/{id}/eligible"))
        .await
        .json();
    let rows = rows.as_array().unwrap();
    let active = merit::staff::store::list(
        &app.state.db,
        &merit::staff::store::StaffFilter {
            units: Some(vec![snv]),
            status: Some("active".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .len();
    assert!(active > 0);
    assert_eq!(rows.len(), active, "everyone active in the unit is listed");
    for row in rows {
        let reasons = row["reasons"].as_array().unwrap();
        assert_eq!(
            row["eligible"].as_bool().unwrap(),
            reasons.is_empty(),
            "{row}"
        );
    }
    let r = hr
        .get(&format!("/api/campaigns/{recruitment}/eligible"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "recruitment campaigns have no eligible list"
    );
    let other = app.api_login("demo.personnel.ha", DEMO_PASSWORD).await;
    assert_eq!(
        other
            .get(&format!("/api/campaigns/{id}/eligible"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

const COMMA_TOPIC: &str = "Luật Cán bộ, công chức";

/// The demo bank whose topic tree holds `COMMA_TOPIC`, and the ids of the
/// approved questions at or under it.
async fn bank_with_the_comma_topic(board: &Api<'_>) -> (i64, Vec<i64>) {
    let banks = board.get("/api/banks").await.json();
    for b in banks.as_array().unwrap() {
        let id = b["id"].as_i64().unwrap();
        let detail = board.get(&format!("/api/banks/{id}")).await.json();
        if detail["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == COMMA_TOPIC)
        {
            let query =
                serde_urlencoded::to_string([("topic", COMMA_TOPIC), ("status", "approved")])
                    .unwrap();
            let page = board
                .get(&format!("/api/banks/{id}/questions?{query}"))
                .await
                .json();
            let questions: Vec<i64> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| {
                    assert!(q["topic"].as_str().unwrap().starts_with(COMMA_TOPIC));
                    q["id"].as_i64().unwrap()
                })
                .collect();
            assert_eq!(page["total"], questions.len(), "one page holds them all");
            return (id, questions);
        }
    }
    panic!("no demo bank has the topic «{COMMA_TOPIC}»");
}

async fn new_paper(app: &TestApp, campaign: i64, title: &str) -> i64 {
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr
        .post(
            &format!("/api/campaigns/{campaign}/papers"),
            json!({"title": title, "round": 1, "board": ["demo.board1"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

/// Publishes the paper, issues its forms and checks that every form drew
/// `count` questions, all of them from `questions`.
async fn forms_draw_only(
    board: &Api<'_>,
    app: &TestApp,
    paper: i64,
    questions: &[i64],
    count: u64,
) {
    let f = board
        .get(&format!("/api/papers/{paper}/feasibility"))
        .await
        .json();
    assert_eq!(f["feasible"], true, "{f}");
    let r = board
        .post(&format!("/api/papers/{paper}/publish"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr
        .post(&format!("/api/papers/{paper}/forms"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = board
        .get(&format!("/api/papers/{paper}/fairness"))
        .await
        .json();
    let forms = report["forms"].as_u64().unwrap();
    assert!(forms > 0, "{report}");
    assert_eq!(report["every_form_matches_blueprint"], true, "{report}");
    let draws = report["draws_per_question"].as_object().unwrap();
    let mut total = 0;
    for (question, n) in draws {
        let n = n.as_u64().unwrap();
        if n > 0 {
            let id: i64 = question.parse().unwrap();
            assert!(
                questions.contains(&id),
                "question {id} is not under the topic"
            );
        }
        total += n;
    }
    assert_eq!(total, forms * count, "{report}");
}

#[tokio::test]
async fn a_topic_with_a_comma_can_be_drawn() {
    let app = TestApp::new().await;
    let (campaign, _) = demo(&app).await;
    let board = board1(&app).await;
    let (bank, questions) = bank_with_the_comma_topic(&board).await;
    assert!(questions.len() >= 20, "{} approved", questions.len());
    let count = 20;

    // The JSON API takes the topics as an array of whole names, and says so.
    let doc = app.get("/api/openapi.json").await.json();
    let topics = &doc["components"]["schemas"]["BlueprintRow"]["properties"]["topics"];
    assert_eq!(topics["type"], "array", "{topics}");
    assert!(
        topics["description"]
            .as_str()
            .is_some_and(|d| d.contains("a comma is part of a name")),
        "{topics}"
    );
    let id = new_paper(&app, campaign, "Luật — API").await;
    let mut p = board.get(&format!("/api/papers/{id}")).await.json();
    p["spec"]["blueprint"] = json!({"sections": [{"title": "Luật", "rows": [
        {"bank_id": bank, "topics": [COMMA_TOPIC], "difficulty_min": 1, "difficulty_max": 5,
         "count": count, "points_each": 1.0}]}]});
    let r = board.put(&format!("/api/papers/{id}"), edit_of(&p)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["spec"]["blueprint"]["sections"][0]["rows"][0]["topics"],
        json!([COMMA_TOPIC])
    );
    forms_draw_only(&board, &app, id, &questions, count).await;

    // The HTML editor offers the bank's topics to choose, sent one per field.
    let id = new_paper(&app, campaign, "Luật — HTML").await;
    let mut b = app.browser();
    b.sign_in("demo.board1", DEMO_PASSWORD).await;
    let page = b.get(&format!("/papers/{id}")).await.text();
    assert!(
        page.contains(&format!("<option value=\"{COMMA_TOPIC}\"")),
        "the topic is offered whole"
    );
    let bank_field = bank.to_string();
    let count_field = count.to_string();
    let r = b
        .post(
            &format!("/papers/{id}"),
            &[
                ("title", "Luật — HTML"),
                ("time_limit_minutes", "30"),
                ("grace_seconds", "30"),
                ("opens", "2027-01-10T09:00"),
                ("closes", "2027-01-10T11:00"),
                ("navigation", "free"),
                ("release", "scores"),
                ("s0.title", "Luật"),
                ("s0.r0.bank", &bank_field),
                ("s0.r0.topics", COMMA_TOPIC),
                ("s0.r0.dmin", "1"),
                ("s0.r0.dmax", "5"),
                ("s0.r0.kind", ""),
                ("s0.r0.count", &count_field),
                ("s0.r0.points", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = b.get(&format!("/papers/{id}")).await.text();
    assert!(
        page.contains(&format!("<option value=\"{COMMA_TOPIC}\" selected")),
        "the chosen topic shows as chosen"
    );
    let r = b.post(&format!("/papers/{id}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let p = board.get(&format!("/api/papers/{id}")).await.json();
    assert_eq!(p["status"], "published");
    assert_eq!(
        p["spec"]["blueprint"]["sections"][0]["rows"][0]["topics"],
        json!([COMMA_TOPIC])
    );
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let r = hr.post(&format!("/api/papers/{id}/forms"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = board
        .get(&format!("/api/papers/{id}/fairness"))
        .await
        .json();
    assert_eq!(report["every_form_matches_blueprint"], true, "{report}");
    let drawn: Vec<i64> = report["draws_per_question"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64().unwrap() > 0)
        .map(|(q, _)| q.parse().unwrap())
        .collect();
    assert!(drawn.len() >= count as usize);
    assert!(drawn.iter().all(|q| questions.contains(q)), "{drawn:?}");
}

#[tokio::test]
async fn a_topic_the_bank_does_not_hold_is_refused_naming_the_row() {
    let app = TestApp::new().await;
    let (campaign, _) = demo(&app).await;
    let board = board1(&app).await;
    let (bank, _) = bank_with_the_comma_topic(&board).await;
    let id = new_paper(&app, campaign, "Thử").await;
    let mut p = board.get(&format!("/api/papers/{id}")).await.json();
    // The old comma-separated text is one topic name now, and the bank has none such.
    p["spec"]["blueprint"] = json!({"sections": [{"title": "Luật", "rows": [
        {"bank_id": bank, "topics": [], "difficulty_min": 1, "difficulty_max": 5, "count": 1, "points_each": 1.0},
        {"bank_id": bank, "topics": ["Luật Cán bộ", "công chức"], "difficulty_min": 1, "difficulty_max": 5,
         "count": 1, "points_each": 1.0}]}]});
    let r = board.put(&format!("/api/papers/{id}"), edit_of(&p)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("row 2") && text.contains("«Luật Cán bộ»") && text.contains("«công chức»"),
        "{text}"
    );
    assert!(!text.contains("row 1"), "{text}");

    let mut b = app.browser();
    b.sign_in("demo.board1", DEMO_PASSWORD).await;
    b.get(&format!("/papers/{id}")).await;
    let bank_field = bank.to_string();
    let r = b
        .post(
            &format!("/papers/{id}"),
            &[
                ("title", "Thử"),
                ("time_limit_minutes", "30"),
                ("grace_seconds", "30"),
                ("opens", "2027-01-10T09:00"),
                ("closes", "2027-01-10T11:00"),
                ("s0.title", "Luật"),
                ("s0.r0.bank", &bank_field),
                ("s0.r0.topics", "Không có"),
                ("s0.r0.dmin", "1"),
                ("s0.r0.dmax", "5"),
                ("s0.r0.count", "1"),
                ("s0.r0.points", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("Phần 1 «Luật», dòng 1") && r.text().contains("«Không có»"),
        "{}",
        r.text()
    );
}
