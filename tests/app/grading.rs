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
    sit(&app, "demo.candidate", paper, 120, 0).await;
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
    assert_eq!(
        cols,
        ["general_knowledge", "foreign_language", "it", "written"]
    );
    let rows = rows_of(&results, "TCBC-01");
    let blank = rows
        .iter()
        .find(|r| r["username"] == "thisinh01@example.vn")
        .unwrap();
    assert_eq!(blank["sections"][0], 0.0, "a blank paper scores 0");
    assert_eq!(blank["passed"], false);
    assert!(
        blank["reason"].as_str().unwrap().contains("30"),
        "the reason names the pass mark: {blank}"
    );
    let me = rows
        .iter()
        .find(|r| r["username"] == "demo.candidate")
        .unwrap();
    let gk = me["sections"][0].as_f64().unwrap();
    assert!(
        (0.0..=60.0).contains(&gk),
        "scaled to the rule set's 60: {me}"
    );
    // Decree 138: without a round-2 score nobody passes yet.
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
    sit(&app, "demo.candidate", paper, 120, 1).await;
    sit(&app, "thisinh01@example.vn", paper, 60, 0).await;
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
    assert_eq!(mine[0]["sections"].as_array().unwrap().len(), 4);
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
    sit(&app, "demo.candidate", paper, 120, 0).await;
    sit(&app, "thisinh01@example.vn", paper, 90, 1).await;
    sit(&app, "thisinh03@example.vn", paper, 40, 2).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;

    let stats = hr.get(&format!("/api/papers/{paper}/statistics")).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let stats = stats.json();
    assert_eq!(stats["test"]["attempts"], 3);
    assert_eq!(stats["test"]["max_score"], 120.0);
    assert!(stats["items"].as_array().unwrap().len() >= 120);
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
    assert!(text.starts_with("position,application,full_name"), "{text}");
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
    sit(&app, "demo.candidate", paper, 120, 0).await;
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
    let app = TestApp::new().await;
    let (campaign, paper) = exam_day(&app).await;
    one_place_and_manual_ties(&app, campaign).await;
    sit(&app, "demo.candidate", paper, 120, 0).await;
    let hr = personnel(&app).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    // A version the candidate answered and got wrong.
    let g = grade::Entity::find().all(&app.state.db).await.unwrap();
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
