use axum::http::StatusCode;
use merit::accounts::domain::Role;
use merit::campaigns::entity::{campaign, position};
use merit::demo::DEMO_PASSWORD;
use merit::rules::model::{RoundRole, TieBreak};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::harness::{Api, TestApp};

/// The demo with its round-1 paper open: (campaign id, paper id).
async fn exam_day(app: &TestApp) -> (i64, i64) {
    use merit::clock::Clock;
    merit::demo::load(&app.state).await.unwrap();
    let hr = personnel(app).await;
    let campaign = hr.get("/api/campaigns").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let paper = hr
        .get(&format!("/api/campaigns/{campaign}/papers"))
        .await
        .json()[0]
        .clone();
    let opens = paper["opens_ms"].as_i64().unwrap();
    app.clock.advance_ms(opens - app.clock.now_ms() + 60_000);
    (campaign, paper["id"].as_i64().unwrap())
}

async fn personnel(app: &TestApp) -> Api<'_> {
    app.api_login("demo.personnel", DEMO_PASSWORD).await
}

/// Signs in as `login`, starts the paper, answers the first `answered` items
/// with displayed option `index` and submits.
async fn sit(app: &TestApp, login: &str, paper: i64, answered: i64, index: usize) -> i64 {
    let api = app.api_login(login, DEMO_PASSWORD).await;
    let a = api
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert!(a.status.is_success(), "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    for item in 1..=answered {
        let r = api
            .request(
                axum::http::Method::PUT,
                &format!("/api/attempts/{id}/answers/{item}"),
                Some(json!({"seq": 1, "response": {"kind": "choice", "index": index}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = api
        .post(&format!("/api/attempts/{id}/submit"), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    id
}

fn rows_of(results: &Value, code: &str) -> Vec<Value> {
    results["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap()["rows"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn grading_scores_every_submitted_attempt_and_a_regrade_changes_nothing() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 0, 0).await;
    let hr = personnel(&app).await;
    let r = hr
        .post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["graded"], 2);
    assert_eq!(r.json()["changed"], 0);
    let again = hr
        .post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    assert_eq!(
        again.json()["changed"],
        0,
        "the same answers and keys give the same grades"
    );

    let results = hr.get(&format!("/api/campaigns/{campaign}/results")).await;
    assert_eq!(results.status, StatusCode::OK, "{}", results.text());
    let results = results.json();
    let cols: Vec<&str> = results["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["section"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["general_knowledge", "written"]);
    let rows = rows_of(&results, "TCBC-01");
    let blank = rows
        .iter()
        .find(|r| r["username"] == "thisinh01@example.vn")
        .unwrap();
    assert_eq!(blank["sections"][0]["score"], 0.0, "a blank paper scores 0");
    assert_eq!(blank["passed"], false);
    assert!(
        blank["reason"].as_str().unwrap().contains("30"),
        "the reason names the pass mark: {blank}"
    );
    let me = rows
        .iter()
        .find(|r| r["username"] == "demo.candidate")
        .unwrap();
    let gk = me["sections"][0]["score"].as_f64().unwrap();
    assert!(
        (0.0..=60.0).contains(&gk),
        "scaled to the rule set's 60: {me}"
    );
    // Decree 170: without a round-2 score nobody passes yet.
    assert_eq!(me["passed"], false);
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=paper_graded")
        .await
        .json();
    assert!(
        audit.to_string().contains(&format!("paper {paper}")),
        "{audit}"
    );
}

#[tokio::test]
async fn results_stay_closed_to_candidates_until_release_and_then_show_only_their_own() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    sit(&app, "demo.candidate", paper, 60, 1).await;
    sit(&app, "thisinh01@example.vn", paper, 30, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let me = app.api_login("demo.candidate", DEMO_PASSWORD).await;

    assert_eq!(me.get("/api/results").await.json(), json!([]));
    for path in [
        format!("/api/campaigns/{campaign}/results"),
        format!("/api/papers/{paper}/statistics"),
        format!("/campaigns/{campaign}/results"),
        format!("/campaigns/{campaign}/results.csv"),
        format!("/campaigns/{campaign}/results.xlsx"),
        format!("/papers/{paper}/statistics"),
    ] {
        let r = me.get(&path).await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {} {}",
            r.status,
            r.text()
        );
    }
    let page = me.get("/results").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("thisinh01"), "no one else's results");
    let none = merit::web::i18n::lookup(merit::web::i18n::Locale::Vi, "results.none");
    assert!(page.text().contains(&none), "nothing before release");

    demo_essays_marked(&app, campaign).await;
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let again = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let mine = me.get("/api/results").await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["sections"].as_array().unwrap().len(), 2);
    assert_eq!(
        mine[0]["rank"],
        Value::Null,
        "the demo paper's policy shows no ranks"
    );
    assert!(!mine.to_string().contains("thisinh01"));
    let page = me.get("/results").await.text();
    assert!(!page.contains("thisinh01") && !page.contains("Nguyễn Thị Hồng Nhung"));
    let r = me.get(&format!("/api/campaigns/{campaign}/results")).await;
    assert!(
        r.status.is_client_error(),
        "still personnel only after release"
    );
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=results_released")
        .await
        .json();
    assert!(audit.to_string().contains(&format!("campaign {campaign}")));
}

#[tokio::test]
async fn personnel_of_another_unit_get_404_on_every_result_path() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    sit(&app, "demo.candidate", paper, 3, 0).await;
    personnel(&app)
        .await
        .post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let other = app.api_as(Role::Personnel).await;
    for path in [
        format!("/api/campaigns/{campaign}/results"),
        format!("/api/papers/{paper}/statistics"),
        format!("/campaigns/{campaign}/results"),
        format!("/campaigns/{campaign}/results.csv"),
        format!("/campaigns/{campaign}/results.xlsx"),
        format!("/papers/{paper}/statistics"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/api/papers/{paper}/grade"),
        format!("/api/campaigns/{campaign}/release"),
    ] {
        assert_eq!(
            other.post(&path, json!({})).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// Round 1 counting, no pass marks, the tie settled only by the head of agency;
/// TCBC-01 has one place.
async fn one_place_and_manual_ties(app: &TestApp, campaign: i64) {
    let c = campaign::Entity::find_by_id(campaign as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut rules = merit::campaigns::rules::parse(&c.rule_set).unwrap();
    rules.rounds.truncate(1);
    rules.rounds[0].role = RoundRole::Counting;
    for s in &mut rules.rounds[0].sections {
        s.pass_mark = None;
    }
    rules.total_pass = None;
    rules.tie_breaks = vec![TieBreak::ManualDecision];
    let mut active: campaign::ActiveModel = c.into();
    active.rule_set = Set(serde_json::to_string(&rules).unwrap());
    active.update(&app.state.db).await.unwrap();
    for p in position::Entity::find().all(&app.state.db).await.unwrap() {
        let mut a: position::ActiveModel = p.into();
        a.quota = Set(1);
        a.update(&app.state.db).await.unwrap();
    }
}

#[tokio::test]
async fn a_tie_at_the_last_place_waits_for_the_heads_recorded_decision() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    // Two candidates with no priority hand in blank papers (the same answers
    // would be different options: each form shuffles them).
    sit(&app, "demo.candidate", paper, 0, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 0, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let pc = results["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "TCBC-01")
        .unwrap()
        .clone();
    let tied: Vec<i64> = pc["unresolved_tie"]
        .as_array()
        .unwrap_or_else(|| panic!("a tie: {pc}"))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(tied.len(), 2);
    assert!(
        pc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["standing"] != "selected")
    );
    let position = pc["position_id"].as_i64().unwrap();
    let path = format!("/api/campaigns/{campaign}/positions/{position}/tie-decision");
    let r = hr
        .post(
            &path,
            json!({"application_ids": [tied[1], tied[0]], "reason": ""}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = hr
        .post(&path, json!({"application_ids": [tied[1]], "reason": "x"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "exactly the tied ones"
    );
    let r = hr
        .post(
            &path,
            json!({"application_ids": [tied[1], tied[0]], "reason": "Quyết định số 12/QĐ"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let rows = rows_of(&results, "TCBC-01");
    let selected: Vec<i64> = rows
        .iter()
        .filter(|r| r["standing"] == "selected")
        .map(|r| r["application_id"].as_i64().unwrap())
        .collect();
    assert_eq!(selected, [tied[1]]);
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=tie_decided")
        .await
        .json();
    assert!(audit.to_string().contains("12/QĐ"), "{audit}");
}

#[tokio::test]
async fn owners_see_the_ranking_page_exports_and_item_statistics_with_a_histogram() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 45, 1).await;
    sit(&app, "thisinh03@example.vn", paper, 20, 2).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;

    let stats = hr.get(&format!("/api/papers/{paper}/statistics")).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let stats = stats.json();
    assert_eq!(stats["test"]["attempts"], 3);
    assert_eq!(stats["test"]["max_score"], 60.0);
    assert!(stats["items"].as_array().unwrap().len() >= 60);
    let counted: u64 = stats["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 3);

    let page = hr.get(&format!("/papers/{paper}/statistics")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<svg"),
        "the histogram is drawn on the server"
    );
    assert!(
        !html.contains("style="),
        "no inline styles: the CSP forbids them"
    );
    assert!(html.contains("/banks/"), "items link to their questions");

    let page = hr.get(&format!("/campaigns/{campaign}/results")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<svg") && !html.contains("style="));
    assert!(html.contains("thisinh01@example.vn") && html.contains("TCBC-01"));

    let csv = hr.get(&format!("/campaigns/{campaign}/results.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(
        text.starts_with("\u{feff}position,application,full_name"),
        "{text}"
    );
    assert!(text.contains("round_1/general_knowledge"));
    assert!(text.contains("thisinh03@example.vn"));
    let xlsx = hr.get(&format!("/campaigns/{campaign}/results.xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"), "an XLSX is a zip");
}

#[tokio::test]
async fn after_release_a_candidate_sees_their_rank_when_the_paper_allows_it() {
    use merit::exams::entity::paper as paper_entity;
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    let p = paper_entity::Entity::find_by_id(paper as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut spec: merit::exams::paper::PaperSpec = serde_json::from_str(&p.spec).unwrap();
    spec.release = merit::exams::paper::ReleasePolicy::ScoresAndRank;
    let mut active: paper_entity::ActiveModel = p.into();
    active.spec = Set(serde_json::to_string(&spec).unwrap());
    active.update(&app.state.db).await.unwrap();
    sit(&app, "demo.candidate", paper, 60, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    hr.post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    let me = app.api_login("demo.candidate", DEMO_PASSWORD).await;
    let mine = me.get("/api/results").await.json();
    assert_eq!(mine[0]["rank"], 1, "{mine}");
    assert_eq!(mine[0]["selected"], true);
    let page = me.get("/results").await.text();
    assert!(page.contains(&mine[0]["campaign_title"].as_str().unwrap().to_owned()));
}

#[tokio::test]
async fn grading_endpoints_are_in_the_openapi_document() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    for path in [
        "/api/papers/{id}/grade",
        "/api/papers/{id}/statistics",
        "/api/campaigns/{id}/results",
        "/api/campaigns/{id}/positions/{position}/tie-decision",
        "/api/campaigns/{id}/release",
        "/api/results",
        "/api/marking",
        "/api/papers/{id}/marking",
        "/api/papers/{id}/marking/{script}/{item}",
        "/api/appeals",
        "/api/campaigns/{id}/appeals",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn the_grading_bench_runs_on_a_small_scratch_database() {
    merit::grading::bench::run(merit::grading::bench::GradingBenchArgs {
        attempts: 200,
        questions: 10,
        json: true,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_key_correction_dry_run_shows_who_changes_and_applying_it_regrades_with_an_audit() {
    use merit::grading::entity::grade;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    // A version the candidate answered and got wrong.
    let g = grade::Entity::find()
        .filter(grade::Column::PaperId.eq(paper as i32))
        .all(&app.state.db)
        .await
        .unwrap();
    let items: Vec<(i64, f64, Option<f64>)> = serde_json::from_str(&g[0].items).unwrap();
    let version = items.iter().find(|i| i.2 == Some(0.0)).unwrap().0;
    let (_, content) = merit::exams::store::frozen_pool(&app.state.db, &[version as i32])
        .await
        .unwrap();
    let mut answer = content[&version].answer.clone();
    // The board accepts every option of a faulty question.
    if let merit::banks::model::Answer::SingleChoice { options } = &mut answer {
        for o in options {
            o.weight = 100.0;
        }
    }
    let before = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let board = app.api_login("demo.board1", DEMO_PASSWORD).await;
    let path = format!("/api/papers/{paper}/key-corrections");
    let body = |apply: bool| json!({"version_id": version, "answer": answer, "reason": "Câu hỏi có hai đáp án đúng", "apply": apply});
    let r = hr.post(&path, body(false)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "personnel do not correct keys"
    );
    let dry = board.post(&path, body(false)).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text());
    let dry = dry.json();
    assert_eq!(dry["changed_attempts"], 1, "{dry}");
    let row = &dry["rows"][0];
    assert_eq!(row["username"], "demo.candidate");
    assert!(row["total_after"].as_f64().unwrap() > row["total_before"].as_f64().unwrap());
    let unchanged = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    assert_eq!(unchanged, before, "a dry run changes nothing");
    let applied = board.post(&path, body(true)).await.json();
    assert_eq!(applied["applied"], true);
    let after = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    assert_ne!(after, before);
    // The regrade keeps the correction: the same grades again.
    let again = hr
        .post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await
        .json();
    assert_eq!(again["changed"], 0);
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=key_corrected")
        .await
        .json();
    assert!(audit.to_string().contains("hai đáp án"), "{audit}");
}

// ---- Essay marking and appeals -------------------------------------------

/// The demo's written round-2 paper: (campaign, paper). Three applicants sat
/// it; demo.board1 gave every answer its first mark.
async fn essay_paper(app: &TestApp) -> (i64, i64) {
    merit::demo::load(&app.state).await.unwrap();
    let hr = personnel(app).await;
    let campaign = hr.get("/api/campaigns").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let papers = hr
        .get(&format!("/api/campaigns/{campaign}/papers"))
        .await
        .json();
    let paper = papers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["round"] == 2)
        .unwrap_or_else(|| panic!("the demo has a written paper: {papers}"))["id"]
        .as_i64()
        .unwrap();
    (campaign, paper)
}

async fn board(app: &TestApp, n: u8) -> Api<'_> {
    app.api_login(&format!("demo.board{n}"), DEMO_PASSWORD)
        .await
}

/// A third board member on the paper (the demo has two).
async fn third_member(app: &TestApp, paper: i64) -> Api<'_> {
    app.user(Role::Board, "board.three").await;
    let id = merit::accounts::store::find_by_username(&app.state.db, "board.three")
        .await
        .unwrap()
        .unwrap()
        .id;
    merit::exams::store::add_board_member(&app.state.db, paper as i32, id)
        .await
        .unwrap();
    app.api_login("board.three", crate::harness::PASSWORD).await
}

/// (script code, attempt id, candidate username) of the paper's scripts.
async fn scripts(app: &TestApp, paper: i64) -> Vec<(String, i32, String)> {
    use merit::attempts::entity::attempt;
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut out = Vec::new();
    for a in attempt::Entity::find()
        .filter(attempt::Column::PaperId.eq(paper as i32))
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let u = merit::accounts::store::find_user(&app.state.db, a.candidate_id)
            .await
            .unwrap()
            .unwrap();
        out.push((
            merit::grading::marking::domain::script_code(
                &app.state.config.secret_key,
                paper as i32,
                a.id,
            ),
            a.id,
            u.username,
        ));
    }
    out
}

/// The first mark of an answer (what demo.board1 gave).
async fn first_mark(app: &TestApp, attempt: i32, item: usize) -> f64 {
    use merit::grading::marking::entity::essay_mark;
    use sea_orm::{ColumnTrait, QueryFilter};
    essay_mark::Entity::find()
        .filter(essay_mark::Column::AttemptId.eq(attempt))
        .filter(essay_mark::Column::Item.eq(item as i32 - 1))
        .filter(essay_mark::Column::Slot.eq(1))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .points
}

async fn mark(api: &Api<'_>, paper: i64, script: &str, item: usize, points: f64, note: &str) {
    let r = api
        .post(
            &format!("/api/papers/{paper}/marking/{script}/{item}"),
            json!({"points": points, "note": note}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// The essay paper marked twice in agreement and its campaign's results
/// released: ready for appeals. Returns the campaign.
async fn released_essay_paper(app: &TestApp) -> i64 {
    let (campaign, paper) = essay_paper(app).await;
    second_marks_agree(app, paper).await;
    let r = personnel(app)
        .await
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    campaign
}

/// demo.board2 gives every answer the same mark as demo.board1: every
/// script is graded.
async fn second_marks_agree(app: &TestApp, paper: i64) {
    let b2 = board(app, 2).await;
    for (code, attempt, _) in scripts(app, paper).await {
        for item in 1..=2 {
            let p = first_mark(app, attempt, item).await;
            mark(&b2, paper, &code, item, p, "").await;
        }
    }
}

fn written_score(results: &Value, username: &str) -> (Option<f64>, Option<u64>, String) {
    let row = rows_of(results, "TCBC-01")
        .into_iter()
        .find(|r| r["username"] == username)
        .unwrap();
    let col = results["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["section"] == "written")
        .unwrap();
    (
        row["sections"][col]["score"].as_f64(),
        row["rank"].as_u64(),
        row["standing"].as_str().unwrap().to_owned(),
    )
}

/// Only the written round counts (no round-1 scores in these tests), one place.
async fn written_round_only(app: &TestApp, campaign: i64) {
    let c = campaign::Entity::find_by_id(campaign as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut rules = merit::campaigns::rules::parse(&c.rule_set).unwrap();
    rules.rounds[0].sections.clear();
    rules.tie_breaks = vec![TieBreak::ManualDecision];
    let mut active: campaign::ActiveModel = c.into();
    active.rule_set = Set(serde_json::to_string(&rules).unwrap());
    active.update(&app.state.db).await.unwrap();
    for p in position::Entity::find().all(&app.state.db).await.unwrap() {
        let mut a: position::ActiveModel = p.into();
        a.quota = Set(1);
        a.update(&app.state.db).await.unwrap();
    }
}

#[tokio::test]
async fn the_second_marker_sees_neither_the_first_mark_nor_the_candidate() {
    let app = TestApp::new().await;
    let (_, paper) = essay_paper(&app).await;
    let b2 = board(&app, 2).await;
    let q = b2.get(&format!("/api/papers/{paper}/marking")).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
    let q = q.json();
    let entries = q["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6, "three scripts of two essays: {q}");
    assert!(entries.iter().all(|e| e["stage"] == "second"));
    let names = [
        "thisinh02",
        "thisinh03",
        "thisinh04",
        "Trần Quốc Bảo",
        "Lê Minh Châu",
        "Phạm Văn Dũng",
    ];
    let (code, attempt, _) = scripts(&app, paper).await.remove(0);
    let first = first_mark(&app, attempt, 1).await;
    let task = b2
        .get(&format!("/api/papers/{paper}/marking/{code}/1"))
        .await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.text());
    let body = task.json();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "answer",
            "guide_html",
            "item",
            "paper_id",
            "points",
            "question_html",
            "script",
            "section",
            "stage"
        ],
        "no marks, no attempt, no candidate"
    );
    assert!(!body["answer"].as_str().unwrap().is_empty());
    let mut browser = app.browser();
    browser.sign_in("demo.board2", DEMO_PASSWORD).await;
    for text in [
        q.to_string(),
        body.to_string(),
        browser
            .get(&format!("/papers/{paper}/marking"))
            .await
            .text(),
        browser
            .get(&format!("/papers/{paper}/marking/{code}/1"))
            .await
            .text(),
    ] {
        for name in names {
            assert!(!text.contains(name), "{name} shows in {text}");
        }
        assert!(!text.contains("\"attempt"), "{text}");
    }
    let page = browser
        .get(&format!("/papers/{paper}/marking/{code}/1"))
        .await
        .text();
    let shown = merit::grading::service::fmt2(first);
    assert!(
        !page.contains(&format!(">{shown}<")) && !page.contains(&format!("value=\"{shown}\"")),
        "the first mark {shown} is not on the page"
    );
    // Personnel and other board members do not reach the queue at all.
    assert_eq!(
        personnel(&app)
            .await
            .get(&format!("/api/papers/{paper}/marking"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let outsider = app.api_as(Role::Board).await;
    assert_eq!(
        outsider
            .get(&format!("/api/papers/{paper}/marking/{code}/1"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_marker_may_not_mark_the_same_answer_twice() {
    let app = TestApp::new().await;
    let (_, paper) = essay_paper(&app).await;
    let b1 = board(&app, 1).await;
    let q = b1.get(&format!("/api/papers/{paper}/marking")).await.json();
    assert_eq!(q["entries"], json!([]), "{q}");
    assert_eq!(q["waiting_for_others"], 6);
    let (code, _, _) = scripts(&app, paper).await.remove(0);
    let r = b1
        .post(
            &format!("/api/papers/{paper}/marking/{code}/1"),
            json!({"points": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("another board member"), "{}", r.text());
    // Out of range, and the item's points are the bound.
    let b2 = board(&app, 2).await;
    let r = b2
        .post(
            &format!("/api/papers/{paper}/marking/{code}/1"),
            json!({"points": 50.5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("0 to 50"), "{}", r.text());
    // The page: a bad score shows the form again with the message; a decimal
    // comma is a score.
    let mut browser = app.browser();
    browser.sign_in("demo.board2", DEMO_PASSWORD).await;
    let path = format!("/papers/{paper}/marking/{code}/1");
    browser.get(&path).await;
    let r = browser
        .post(&path, &[("points", "abc"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = merit::web::i18n::Text::key("marking.bad_score")
        .with("max", "50")
        .render(merit::web::i18n::Locale::Vi);
    assert!(r.text().contains(&bad), "{}", r.text());
    let r = browser
        .post(&path, &[("points", "37,5"), ("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let again = browser.get(&path).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "marked once only");
}

#[tokio::test]
async fn marks_too_far_apart_go_to_a_third_member_whose_mark_stands_and_the_grade_counts() {
    use merit::grading::entity::grade;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    written_round_only(&app, campaign).await;
    let b2 = board(&app, 2).await;
    let b3 = third_member(&app, paper).await;
    let (code, attempt, username) = scripts(&app, paper).await.remove(0);
    let (f1, f2) = (
        first_mark(&app, attempt, 1).await,
        first_mark(&app, attempt, 2).await,
    );
    // The threshold is 10% of 50 points: 5. Item 1 differs by 10, item 2 by 5.
    let far = if f1 >= 10.0 { f1 - 10.0 } else { f1 + 10.0 };
    mark(&b2, paper, &code, 1, far, "").await;
    mark(&b2, paper, &code, 2, (f2 - 5.0).max(0.0), "").await;
    let g = grade::Entity::find()
        .filter(grade::Column::AttemptId.eq(attempt))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.status, "needs_marking", "item 1 waits for a third mark");
    let q = b2.get(&format!("/api/papers/{paper}/marking")).await.json();
    assert!(
        !q["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["script"] == code.as_str()),
        "the two markers do not reconcile their own marks: {q}"
    );
    let q = b3.get(&format!("/api/papers/{paper}/marking")).await.json();
    let mine: Vec<&Value> = q["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["script"] == code.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{q}");
    assert_eq!(mine[0]["stage"], "reconcile");
    assert_eq!(mine[0]["item"], 1);
    mark(&b3, paper, &code, 1, 33.0, "").await;
    let g = grade::Entity::find()
        .filter(grade::Column::AttemptId.eq(attempt))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.status, "graded");
    let expected = 33.0 + (f2 + (f2 - 5.0).max(0.0)) / 2.0;
    let results = personnel(&app)
        .await
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let (score, rank, _) = written_score(&results, &username);
    assert_eq!(
        score,
        Some(expected),
        "the third mark stands, then the mean"
    );
    assert_eq!(rank, Some(1), "the graded script is ranked: {results}");
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=essay_marked")
        .await
        .json();
    let text = audit.to_string();
    assert!(
        text.contains("reconcile") && text.contains("second"),
        "{text}"
    );
}

#[tokio::test]
async fn nothing_of_a_marked_paper_reaches_candidates_before_release() {
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    second_marks_agree(&app, paper).await;
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    assert_eq!(me.get("/api/results").await.json(), json!([]));
    let page = me.get("/results").await.text();
    assert!(page.contains(&merit::web::i18n::lookup(
        merit::web::i18n::Locale::Vi,
        "results.none"
    )));
    let r = me
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("not published"), "{}", r.text());
    for path in [
        format!("/api/papers/{paper}/marking"),
        format!("/api/campaigns/{campaign}/appeals"),
        format!("/campaigns/{campaign}/appeals"),
    ] {
        let st = me.get(&path).await.status;
        assert!(
            matches!(st, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {st}"
        );
    }
}

#[tokio::test]
async fn a_computer_marked_section_is_not_re_marked() {
    let app = TestApp::new().await;
    let campaign = released_essay_paper(&app).await;
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    let r = me
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_1", "section": "general_knowledge", "reason": "Tôi nghĩ máy chấm sai"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text()
            .contains("computer-marked tests and interviews are not re-marked"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn an_appeal_after_the_window_is_refused() {
    let app = TestApp::new().await;
    let campaign = released_essay_paper(&app).await;
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    let mine = me.get("/api/results").await.json();
    assert_eq!(mine[0]["appealable"][0]["section"], "written", "{mine}");
    // Decree 170: 15 days after publication.
    app.clock.advance_ms(15 * 86_400_000 + 60_000);
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    let mine = me.get("/api/results").await.json();
    assert_eq!(mine[0]["appealable"], json!([]), "no form after the window");
    let r = me
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "Đề nghị chấm lại"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("window closed"), "{}", r.text());
}

#[tokio::test]
async fn an_appeal_is_re_marked_by_someone_new_and_its_outcome_changes_the_ranking_with_an_audit() {
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    written_round_only(&app, campaign).await;
    second_marks_agree(&app, paper).await;
    let hr = personnel(&app).await;
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let before = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    // The candidate ranked last of the three appeals.
    let all = scripts(&app, paper).await;
    let (code, _, username) = all
        .iter()
        .max_by_key(|(_, _, u)| written_score(&before, u).1.unwrap_or(u64::MAX))
        .cloned()
        .unwrap();
    let (old_score, old_rank, _) = written_score(&before, &username);
    assert!(old_rank.unwrap_or(9) > 1, "{before}");
    let me = app.api_login(&username, DEMO_PASSWORD).await;
    let body = json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "Bài làm đủ ý hơn điểm được chấm"});
    let r = me.post("/api/appeals", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["status"], "pending");
    let again = me.post("/api/appeals", body).await;
    assert!(again.status.is_client_error(), "once per section");
    assert!(again.text().contains("once"), "{}", again.text());

    // Both earlier markers marked it: neither re-marks.
    for n in [1, 2] {
        let q = board(&app, n)
            .await
            .get(&format!("/api/papers/{paper}/marking"))
            .await
            .json();
        assert_eq!(q["entries"], json!([]), "demo.board{n}: {q}");
    }
    let b3 = third_member(&app, paper).await;
    let q = b3.get(&format!("/api/papers/{paper}/marking")).await.json();
    let entries = q["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{q}");
    assert!(
        entries
            .iter()
            .all(|e| e["stage"] == "appeal" && e["script"] == code.as_str())
    );
    let r = b3
        .post(
            &format!("/api/papers/{paper}/marking/{code}/1"),
            json!({"points": 49}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a re-mark says why"
    );
    mark(&b3, paper, &code, 1, 49.0, "Đủ các ý theo hướng dẫn chấm").await;
    mark(&b3, paper, &code, 2, 48.0, "Lập luận mạch lạc, có ví dụ").await;

    let after = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let (new_score, new_rank, standing) = written_score(&after, &username);
    assert!((new_score.unwrap() - 97.0).abs() < 1e-6, "{new_score:?}");
    assert_eq!(new_rank, Some(1), "{after}");
    assert_eq!(standing, "selected");
    let mine = me.get("/api/results").await.json();
    let appeal = &mine[0]["appeals"][0];
    assert_eq!(appeal["status"], "decided", "{mine}");
    let before_appeal = appeal["score_before"].as_f64().unwrap();
    assert!((before_appeal - old_score.unwrap()).abs() < 1e-6, "{mine}");
    assert_eq!(appeal["score_after"], 97.0);
    assert!(me.get("/results").await.text().contains("97"));
    let list = hr
        .get(&format!("/api/campaigns/{campaign}/appeals"))
        .await
        .json();
    assert_eq!(list[0]["username"], username.as_str());
    assert_eq!(list[0]["status"], "decided");
    assert!(
        list[0]["remark_due_ms"].as_i64().unwrap() > list[0]["requested_ms"].as_i64().unwrap(),
        "Decree 170: due 15 days after the 15-day window"
    );
    let page = hr.get(&format!("/campaigns/{campaign}/appeals")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&username));
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=appeal_decided")
        .await
        .json()
        .to_string();
    assert!(
        audit.contains("Bài làm đủ ý")
            && audit.contains("97")
            && audit.contains("Lập luận mạch lạc"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_candidate_never_sees_another_candidates_appeal() {
    let app = TestApp::new().await;
    let campaign = released_essay_paper(&app).await;
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    let r = me
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "LÝ-DO-RIÊNG"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let other = app.api_login("thisinh03@example.vn", DEMO_PASSWORD).await;
    let mine = other.get("/api/results").await.json();
    assert_eq!(mine[0]["appeals"], json!([]), "{mine}");
    assert!(!mine.to_string().contains("LÝ-DO-RIÊNG"));
    assert!(!other.get("/results").await.text().contains("LÝ-DO-RIÊNG"));
    for path in [
        format!("/api/campaigns/{campaign}/appeals"),
        format!("/campaigns/{campaign}/appeals"),
    ] {
        let st = other.get(&path).await.status;
        assert!(
            matches!(st, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {st}"
        );
    }
    // Nor can they appeal for someone else's campaign.
    let r = app
        .api_as(Role::Candidate)
        .await
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_re_marking_still_pending_after_its_due_date_is_flagged_overdue() {
    let app = TestApp::new().await;
    let campaign = released_essay_paper(&app).await;
    let hr = personnel(&app).await;
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    let r = me
        .post(
            "/api/appeals",
            json!({"campaign_id": campaign, "round": "round_2", "section": "written", "reason": "Xin chấm lại"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let appeals = format!("/api/campaigns/{campaign}/appeals");
    let before = hr.get(&appeals).await.json();
    let due = before[0]["remark_due_ms"].as_i64().expect("a due date");
    assert_eq!(before[0]["overdue"], false, "{before}");

    // A month on: the sign-in has long expired, so sign in again each time.
    use merit::clock::Clock;
    app.clock.advance_ms(due - app.clock.now_ms());
    let on_the_day = personnel(&app).await.get(&appeals).await.json();
    assert_eq!(
        on_the_day[0]["overdue"], false,
        "due that day: {on_the_day}"
    );
    app.clock.advance_ms(1);
    let hr = personnel(&app).await;
    let late = hr.get(&appeals).await.json();
    assert_eq!(late[0]["overdue"], true, "{late}");
    assert_eq!(late[0]["status"], "pending", "{late}");
    let page = hr
        .get(&format!("/campaigns/{campaign}/appeals"))
        .await
        .text();
    assert!(page.contains("badge bad"), "{page}");
}

#[tokio::test]
async fn a_paper_shown_at_once_gives_its_scores_right_after_submission() {
    use merit::exams::entity::paper as paper_entity;
    let app = TestApp::new().await;
    let (_, paper) = exam_day(&app).await;
    let p = paper_entity::Entity::find_by_id(paper as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut spec: merit::exams::paper::PaperSpec = serde_json::from_str(&p.spec).unwrap();
    spec.release = merit::exams::paper::ReleasePolicy::Immediately;
    let mut active: paper_entity::ActiveModel = p.into();
    active.spec = Set(serde_json::to_string(&spec).unwrap());
    active.update(&app.state.db).await.unwrap();
    let me = app.api_login("demo.candidate", DEMO_PASSWORD).await;
    assert_eq!(
        me.get("/api/results").await.json(),
        json!([]),
        "nothing before submission"
    );
    sit(&app, "demo.candidate", paper, 60, 0).await;
    // No grading run, no release: the computer-marked round shows at once.
    let mine = me.get("/api/results").await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["provisional"], true);
    assert_eq!(mine[0]["rank"], Value::Null);
    let gk = mine[0]["sections"][0]["score"].as_f64().unwrap();
    assert!((0.0..=60.0).contains(&gk), "{mine}");
    assert_eq!(
        mine[0]["sections"][1]["score"],
        Value::Null,
        "round 2 not sat"
    );
    assert!(
        me.get("/results")
            .await
            .text()
            .contains(&mine[0]["reason"].as_str().unwrap().to_owned())
    );
    let other = app.api_login("thisinh01@example.vn", DEMO_PASSWORD).await;
    assert_eq!(
        other.get("/api/results").await.json(),
        json!([]),
        "only one's own"
    );
}

#[tokio::test]
async fn the_marking_threshold_is_part_of_the_paper_and_checked() {
    let app = TestApp::new().await;
    let (_, paper) = essay_paper(&app).await;
    let b1 = board(&app, 1).await;
    let p = b1.get(&format!("/api/papers/{paper}")).await.json();
    assert_eq!(p["spec"]["marking_threshold_percent"], 10.0, "{p}");
    let mut spec = p["spec"].clone();
    spec["marking_threshold_percent"] = json!(150);
    let body = json!({
        "title": p["title"], "spec": spec,
        "time_limit_minutes": p["time_limit_minutes"], "opens_ms": p["opens_ms"],
        "closes_ms": p["closes_ms"], "grace_seconds": p["grace_seconds"],
    });
    let r = b1.put(&format!("/api/papers/{paper}"), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("marking threshold"), "{}", r.text());
    let mut browser = app.browser();
    browser.sign_in("demo.board1", DEMO_PASSWORD).await;
    let page = browser.get(&format!("/papers/{paper}")).await.text();
    assert!(page.contains("name=\"marking_threshold_percent\""));
}

#[tokio::test]
async fn a_female_first_tie_break_reads_the_gender_of_the_linked_staff_record() {
    use merit::staff::entity::staff;
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    let c = campaign::Entity::find_by_id(campaign as i32)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut rules = merit::campaigns::rules::parse(&c.rule_set).unwrap();
    rules.tie_breaks = vec![TieBreak::FemaleFirst, TieBreak::ManualDecision];
    let mut active: campaign::ActiveModel = c.into();
    active.rule_set = Set(serde_json::to_string(&rules).unwrap());
    active.update(&app.state.db).await.unwrap();
    // Two blank papers tie; thisinh01's account shares its national id with a
    // woman's staff record, demo.candidate's account has no national id.
    sit(&app, "demo.candidate", paper, 0, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 0, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let tied = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    assert!(
        rows_of(&tied, "TCBC-01")
            .iter()
            .all(|r| r["standing"] != "selected"),
        "without a recorded gender the tie waits: {tied}"
    );
    let s = staff::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut record: staff::ActiveModel = s.into();
    record.national_id = Set(Some("001196000101".into()));
    record.gender = Set("female".into());
    record.update(&app.state.db).await.unwrap();
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let selected: Vec<String> = rows_of(&results, "TCBC-01")
        .iter()
        .filter(|r| r["standing"] == "selected")
        .map(|r| r["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(selected, ["thisinh01@example.vn"], "{results}");
}

// ---- Safe release and numbers as people read them ------------------------

/// demo.board2 agrees with every first mark on the demo's written paper:
/// nothing is left to mark.
async fn demo_essays_marked(app: &TestApp, campaign: i64) {
    let papers = personnel(app)
        .await
        .get(&format!("/api/campaigns/{campaign}/papers"))
        .await
        .json();
    let paper = papers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["round"] == 2)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    second_marks_agree(app, paper).await;
}

fn vi(key: &str) -> String {
    merit::web::i18n::lookup(merit::web::i18n::Locale::Vi, key)
}

/// Every row of every position.
fn all_rows(results: &Value) -> Vec<Value> {
    results["positions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap().clone())
        .collect()
}

fn charted(results: &Value) -> u64 {
    results["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum()
}

async fn paper_title(app: &TestApp, paper: i64) -> String {
    merit::exams::store::find_paper(&app.state.db, paper as i32)
        .await
        .unwrap()
        .unwrap()
        .title
}

async fn personnel_browser(app: &TestApp) -> crate::harness::Browser<'_> {
    let mut b = app.browser();
    b.sign_in("demo.personnel", DEMO_PASSWORD).await;
    b
}

#[tokio::test]
async fn release_is_refused_while_essays_await_marking() {
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    let title = paper_title(&app, paper).await;
    let hr = personnel(&app).await;
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let pending = results["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{results}");
    assert_eq!(pending[0]["paper_id"], paper);
    assert_eq!(pending[0]["awaiting_marking"], 3, "three scripts wait");
    assert_eq!(pending[0]["ungraded"], 0);

    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let text = r.text();
    assert!(text.contains("cannot be released"), "{text}");
    assert!(
        text.contains(&format!(
            "{title} (#{paper}): 3 script(s) with essays awaiting marking"
        )),
        "{text}"
    );
    let me = app.api_login("thisinh02@example.vn", DEMO_PASSWORD).await;
    assert_eq!(me.get("/api/results").await.json(), json!([]));
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=results_released")
        .await
        .json();
    assert!(!audit.to_string().contains(&format!("campaign {campaign}")));

    second_marks_agree(&app, paper).await;
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
}

#[tokio::test]
async fn release_is_refused_while_attempts_are_ungraded() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    demo_essays_marked(&app, campaign).await;
    let title = paper_title(&app, paper).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 10, 0).await;
    let hr = personnel(&app).await;
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    assert_eq!(
        results["pending"],
        json!([{"paper_id": paper, "title": title, "round": 1, "ungraded": 2, "awaiting_marking": 0}])
    );
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains(&format!(
            "{title} (#{paper}): 2 submitted attempt(s) not graded"
        )),
        "{}",
        r.text()
    );
    // The page's release, confirmed, is refused the same way, in Vietnamese.
    let mut b = personnel_browser(&app).await;
    b.get(&format!("/campaigns/{campaign}/results")).await;
    let page = b
        .post(
            &format!("/campaigns/{campaign}/release"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let expected = vi("results.pending_ungraded")
        .replace("{paper}", &title)
        .replace("{id}", &paper.to_string())
        .replace("{count}", "2");
    let html = page.text();
    assert!(
        html.contains(&askama_escape(&expected)),
        "{expected} in {html}"
    );

    // A third candidate submits after grading: pending again.
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    sit(&app, "thisinh03@example.vn", paper, 5, 0).await;
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("1 submitted attempt(s)"), "{}", r.text());
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
}

/// What askama makes of text in a page.
fn askama_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_results_page_lists_whats_pending_with_its_action() {
    // Ungraded attempts: the page grades the paper and comes back.
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    demo_essays_marked(&app, campaign).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    let mut b = personnel_browser(&app).await;
    let html = b
        .get(&format!("/campaigns/{campaign}/results"))
        .await
        .text();
    assert!(html.contains(&vi("results.pending_title")), "{html}");
    assert!(
        html.contains(&format!("action=\"/papers/{paper}/grade\"")),
        "a grade button for the paper: {html}"
    );
    assert!(html.contains(&format!("href=\"/papers/{paper}/statistics\"")));
    assert!(
        !html.contains("name=\"confirm\""),
        "no release form while something is pending"
    );
    let back = format!("/campaigns/{campaign}/results");
    let r = b
        .post(&format!("/papers/{paper}/grade"), &[("back", &back)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), Some(back.as_str()));
    let html = b.get(&back).await.text();
    assert!(!html.contains(&vi("results.pending_title")), "{html}");
    assert!(html.contains("name=\"confirm\""), "now it can be released");
    // Only a results page is a place to go back to.
    let r = b
        .post(
            &format!("/papers/{paper}/grade"),
            &[("back", "https://evil.example/campaigns/1/results")],
        )
        .await;
    assert_eq!(
        r.location(),
        Some(format!("/papers/{paper}/statistics").as_str())
    );

    // Essays awaiting marking: the page links to the paper's marking queue.
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    let mut b = personnel_browser(&app).await;
    let html = b
        .get(&format!("/campaigns/{campaign}/results"))
        .await
        .text();
    assert!(
        html.contains(&format!("href=\"/papers/{paper}/marking\"")),
        "{html}"
    );
    assert!(html.contains(&vi("results.pending_marking_count").replace("{count}", "3")));
    // The queue it links to is the board's, and it holds those essays.
    let q = board(&app, 2)
        .await
        .get(&format!("/api/papers/{paper}/marking"))
        .await
        .json();
    assert_eq!(q["entries"].as_array().unwrap().len(), 6, "{q}");
}

#[tokio::test]
async fn release_needs_confirmation() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    demo_essays_marked(&app, campaign).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    personnel(&app)
        .await
        .post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let mut b = personnel_browser(&app).await;
    let html = b
        .get(&format!("/campaigns/{campaign}/results"))
        .await
        .text();
    assert!(
        html.contains("type=\"checkbox\" name=\"confirm\" value=\"yes\" required"),
        "the browser asks before it posts, without JavaScript: {html}"
    );
    let r = b.post(&format!("/campaigns/{campaign}/release"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains(&vi("results.confirm_required")));
    let me = app.api_login("demo.candidate", DEMO_PASSWORD).await;
    assert_eq!(
        me.get("/api/results").await.json(),
        json!([]),
        "not released"
    );
    let r = b
        .post(
            &format!("/campaigns/{campaign}/release"),
            &[("confirm", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = b
        .post(
            &format!("/campaigns/{campaign}/release"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        me.get("/api/results")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let html = b
        .get(&format!("/campaigns/{campaign}/results"))
        .await
        .text();
    assert!(html.contains(&vi("results.released")));
}

#[tokio::test]
async fn ungraded_candidates_are_not_counted_as_zero_in_the_histogram() {
    let app = TestApp::new().await;
    let (campaign, paper) = essay_paper(&app).await;
    written_round_only(&app, campaign).await;
    let hr = personnel(&app).await;
    let path = format!("/api/campaigns/{campaign}/results");
    let before = hr.get(&path).await.json();
    let rows = all_rows(&before);
    assert!(
        rows.len() > 3,
        "applicants who did not sit as well: {before}"
    );
    assert_eq!(charted(&before), 0, "essays awaiting marking are not a 0");
    assert!(rows.iter().all(|r| r["total"].is_null()), "{before}");

    second_marks_agree(&app, paper).await;
    let after = hr.get(&path).await.json();
    let rows = all_rows(&after);
    assert_eq!(charted(&after), 3, "the three marked scripts, no one else");
    let with_total: Vec<&Value> = rows.iter().filter(|r| !r["total"].is_null()).collect();
    assert_eq!(with_total.len(), 3, "{after}");
    // In each position, whoever has a score comes before whoever has none.
    for p in after["positions"].as_array().unwrap() {
        let totals: Vec<bool> = p["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["total"].is_null())
            .collect();
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{p}");
    }
    let csv = hr
        .get(&format!("/campaigns/{campaign}/results.csv"))
        .await
        .text();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let no_grade = rows.iter().find(|r| r["total"].is_null()).unwrap();
    let line: Vec<&str> = csv
        .lines()
        .find(|l| l.contains(no_grade["username"].as_str().unwrap()))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(
        (line[at("score")], line[at("total")]),
        ("", ""),
        "no 0 for no grade in the export: {line:?}"
    );
}

/// Sets the stored grade of one candidate's section on a paper.
async fn set_section_points(app: &TestApp, paper: i64, section: &str, points: f64, max: f64) {
    use merit::grading::entity::grade;
    use merit::grading::grade::GradedSection;
    use sea_orm::{ColumnTrait, QueryFilter};
    for g in grade::Entity::find()
        .filter(grade::Column::PaperId.eq(paper as i32))
        .all(&app.state.db)
        .await
        .unwrap()
    {
        let mut sections: Vec<GradedSection> = serde_json::from_str(&g.sections).unwrap();
        for s in &mut sections {
            if s.section == section {
                (s.points, s.max_points) = (points, max);
            }
        }
        let mut active: grade::ActiveModel = g.into();
        active.sections = Set(serde_json::to_string(&sections).unwrap());
        active.update(&app.state.db).await.unwrap();
    }
}

#[tokio::test]
async fn html_json_and_csv_show_the_same_rounded_scores() {
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    sit(&app, "demo.candidate", paper, 60, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    // The Decree 170 round-1 test alone counts here; 15.125 rounds to 15.13
    // (the float residue of scaling is a unit test of the ranking).
    set_section_points(&app, paper, "general_knowledge", 15.125, 60.0).await;

    let results = hr.get(&format!("/api/campaigns/{campaign}/results")).await;
    let row = rows_of(&results.json(), "TCBC-01")
        .into_iter()
        .find(|r| r["username"] == "demo.candidate")
        .unwrap();
    assert_eq!(row["sections"][0]["score"], 15.13);
    assert_eq!(row["total"], 15.13, "{row}");

    let html = hr
        .get(&format!("/campaigns/{campaign}/results"))
        .await
        .text();
    assert!(html.contains("<td>15.13</td>"), "{html}");
    assert!(!html.contains("15.125"), "{html}");
    let csv = hr
        .get(&format!("/campaigns/{campaign}/results.csv"))
        .await
        .text();
    let line = csv.lines().find(|l| l.contains("demo.candidate")).unwrap();
    assert!(line.contains(",15.13,"), "{line}");
    assert!(line.contains(",15.13,15.13,"), "score and total: {line}");

    let r = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let me = app.api_login("demo.candidate", DEMO_PASSWORD).await;
    let mine = me.get("/api/results").await.json();
    assert_eq!(mine[0]["sections"][0]["score"], 15.13);
    assert_eq!(mine[0]["total"], 15.13);
    let page = me.get("/results").await.text();
    assert!(page.contains("15.13 / 60"), "{page}");
}

#[tokio::test]
async fn the_results_export_neutralises_a_formula_name_and_keeps_numbers_numbers() {
    use merit::accounts::entity::user;
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    sit(&app, "demo.candidate", paper, 60, 1).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    // A candidate chooses their own full name at registration.
    let evil = user::Entity::find()
        .filter(user::Column::Username.eq("thisinh01@example.vn"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut evil: user::ActiveModel = evil.into();
    evil.full_name = Set(r#"=HYPERLINK("http://evil","x")"#.to_owned());
    evil.update(&app.state.db).await.unwrap();

    let csv = hr
        .get(&format!("/campaigns/{campaign}/results.csv"))
        .await
        .text();
    assert!(
        csv.contains(r#","'=HYPERLINK(""http://evil"",""x"")","#),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let score = header
        .iter()
        .position(|h| h.starts_with("round_1/"))
        .unwrap();
    let line: Vec<&str> = csv
        .lines()
        .find(|l| l.contains("demo.candidate"))
        .unwrap()
        .split(',')
        .collect();
    assert!(
        line[score].parse::<f64>().is_ok(),
        "the score is a bare number: {line:?}"
    );
}
