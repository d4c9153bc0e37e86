//! A Decree 170/2025 intake driven end to end through the API: applications
//! with an exemption and priority claims, a round-1 computer test, the round
//! closed, round 2 offered only to those who qualified, grading, a tie at the
//! last place settled by the head, and the ranking a person computes by hand.

use axum::http::{Method, StatusCode};
use merit::accounts::domain::Role;
use merit::banks::model::{Answer, Question};
use merit::demo::DEMO_PASSWORD;
use merit::exams::form::Form;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::harness::{Api, PASSWORD, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Questions per paper in these tests: round 1 scales 10 to the preset's 60
/// (pass at 30), round 2 scales 10 to 100 (pass at 50).
const ITEMS: u32 = 10;

/// The demo's banks and board, a unit of our own and its personnel officer.
struct Intake<'a> {
    app: &'a TestApp,
    campaign: i64,
    position: i64,
    bank: i64,
}

async fn intake(app: &TestApp, quota: u32) -> Intake<'_> {
    merit::demo::load(&app.state).await.unwrap();
    let unit = app.unit("SO-TEST", None).await;
    app.user_in(Role::Personnel, "hr.intake", Some(unit)).await;
    let hr = app.api_login("hr.intake", PASSWORD).await;
    let now = app.state.now_ms();
    let r = hr
        .post(
            "/api/campaigns",
            json!({
                "title": "Tuyển dụng công chức 2026 — kiểm thử",
                "kind": "recruitment",
                "org_unit_id": unit,
                "preset": "vn-170-2025-recruitment",
                "applies_from_ms": now - DAY,
                "applies_until_ms": now + 29 * DAY,
                "positions": [{"code": "CV-01", "title": "Chuyên viên", "quota": quota}]
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let campaign = r.json()["id"].as_i64().unwrap();
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/publish"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let detail = hr.get(&format!("/api/campaigns/{campaign}")).await.json();
    let position = detail["positions"][0]["id"].as_i64().unwrap();
    let bank = merit::banks::store::find_bank_by_name(&app.state.db, "Kiến thức chung")
        .await
        .unwrap()
        .unwrap()
        .id;
    Intake {
        app,
        campaign,
        position,
        bank: i64::from(bank),
    }
}

impl Intake<'_> {
    /// Signed in afresh: the tests move the clock by hours and days, past a
    /// session's life.
    async fn hr(&self) -> Api<'_> {
        self.app.api_login("hr.intake", PASSWORD).await
    }

    async fn board(&self) -> Api<'_> {
        self.app.api_login("demo.board1", DEMO_PASSWORD).await
    }

    async fn candidate(&self, name: &str) -> Api<'_> {
        self.app.api_login(name, PASSWORD).await
    }

    async fn close_round(&self, round: i32) -> crate::harness::TestResponse {
        self.hr()
            .await
            .post(
                &format!("/api/campaigns/{}/rounds/{round}/close", self.campaign),
                json!({}),
            )
            .await
    }

    async fn results(&self) -> Value {
        self.hr()
            .await
            .get(&format!("/api/campaigns/{}/results", self.campaign))
            .await
            .json()
    }
    /// A candidate applies with `body` added to the position and is approved.
    async fn applicant(&self, name: &'static str, extra: Value) -> (&'static str, i64) {
        self.app.user(Role::Candidate, name).await;
        let api = self.app.api_login(name, PASSWORD).await;
        let mut body = json!({"position_id": self.position});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = api
            .post(
                &format!("/api/campaigns/{}/applications", self.campaign),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let r = self
            .hr()
            .await
            .post(
                &format!("/api/applications/{id}/decision"),
                json!({"decision": "approve"}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
        (name, id)
    }

    /// A published paper of `round`: one section of single-choice questions
    /// titled as the rule set's section, open from `opens` for two hours.
    async fn paper(&self, round: i32, section_title: &str, opens: i64) -> i64 {
        let r = self
            .hr()
            .await
            .post(
                &format!("/api/campaigns/{}/papers", self.campaign),
                json!({"title": format!("Vòng {round}"), "round": round, "board": ["demo.board1"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let mut p = self
            .board()
            .await
            .get(&format!("/api/papers/{id}"))
            .await
            .json();
        p["spec"]["blueprint"] = json!({"sections": [{
            "title": section_title,
            "rows": [{"bank_id": self.bank, "topics": [], "difficulty_min": 1, "difficulty_max": 5,
                      "kind": "single_choice", "count": ITEMS, "points_each": 1.0}],
            "shuffle_questions": true, "shuffle_options": true
        }]});
        let edit = json!({
            "title": p["title"], "spec": p["spec"], "time_limit_minutes": 60,
            "opens_ms": opens, "closes_ms": opens + 2 * HOUR, "grace_seconds": 0,
        });
        let r = self
            .board()
            .await
            .request(Method::PUT, &format!("/api/papers/{id}"), Some(edit))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = self
            .board()
            .await
            .post(&format!("/api/papers/{id}/publish"), json!({}))
            .await;
        assert!(r.status.is_success(), "{}", r.text());
        id
    }

    async fn issue(&self, paper: i64) -> Value {
        let r = self
            .hr()
            .await
            .post(&format!("/api/papers/{paper}/forms"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    }

    async fn grade(&self, paper: i64) {
        let r = self
            .hr()
            .await
            .post(&format!("/api/papers/{paper}/grade"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }

    fn advance_to(&self, at: i64) {
        let now = self.app.state.now_ms();
        self.app.clock.advance_ms(at - now);
    }
}

/// The displayed option that is right for each item of the attempt's form.
async fn right_answers(app: &TestApp, attempt: i64) -> Vec<usize> {
    use merit::attempts::entity::attempt;
    use merit::banks::entity::version;
    use merit::exams::entity::form;
    let db = &app.state.db;
    let a = attempt::Entity::find_by_id(attempt as i32)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let f = form::Entity::find_by_id(a.form_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let f = Form::decode(&f.data).unwrap();
    let mut out = Vec::new();
    for item in f.sections.iter().flat_map(|s| &s.items) {
        let v = version::Entity::find_by_id(item.version_id as i32)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let q: Question = serde_json::from_str(&v.content).unwrap();
        let Answer::SingleChoice { options } = q.answer else {
            panic!("single choice only");
        };
        let right = options.iter().position(|o| o.weight > 0.0).unwrap();
        out.push(if item.option_order.is_empty() {
            right
        } else {
            item.option_order
                .iter()
                .position(|o| usize::from(*o) == right)
                .unwrap()
        });
    }
    out
}

/// Starts `paper`, answers the first `right` items correctly and the rest
/// wrongly, and submits.
async fn sit(app: &TestApp, name: &str, paper: i64, right: usize) {
    let api = app.api_login(name, PASSWORD).await;
    let r = api
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    for (i, good) in right_answers(app, id).await.into_iter().enumerate() {
        let index = if i < right { good } else { (good + 1) % 4 };
        let r = api
            .request(
                Method::PUT,
                &format!("/api/attempts/{id}/answers/{}", i + 1),
                Some(json!({"seq": 1, "response": {"kind": "choice", "index": index}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = api
        .post(&format!("/api/attempts/{id}/submit"), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
}

fn row(results: &Value, application: i64) -> &Value {
    results["positions"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application_id"] == application)
        .unwrap_or_else(|| panic!("application {application} in {results}"))
}

fn exempt_claim() -> Value {
    json!({"exemptions": ["general_knowledge"], "document_ref": "Kết quả kiểm định còn hạn, 2025"})
}

#[tokio::test]
async fn a_decree_170_intake_ranks_as_a_person_would_by_hand() {
    let app = TestApp::new().await;
    let k = intake(&app, 2).await;
    // An: exempt from round 1. Bình: two priority categories. Chi: fails round
    // 1. Dũng and Giang: tie for the last place. Hà: priority, fails round 2.
    let (an_name, an) = k.applicant("tv.an", exempt_claim()).await;
    let (binh_name, binh) = k
        .applicant(
            "tv.binh",
            json!({"priority_claims": [
                {"code": "ethnic_minority", "document_ref": "Giấy khai sinh số 12"},
                {"code": "hero_or_war_invalid", "document_ref": "Thẻ thương binh số 345"}
            ]}),
        )
        .await;
    let (chi_name, chi) = k.applicant("tv.chi", json!({})).await;
    let (dung_name, dung) = k.applicant("tv.dung", json!({})).await;
    let (giang_name, giang) = k.applicant("tv.giang", json!({})).await;
    let (ha_name, ha) = k
        .applicant(
            "tv.ha",
            json!({"priority_claims": [{"code": "completed_service", "document_ref": "QĐ xuất ngũ 9"}]}),
        )
        .await;

    let t1 = app.state.now_ms() + HOUR;
    let round_1 = k.paper(1, "Kiến thức chung", t1).await;
    let issued = k.issue(round_1).await;
    assert_eq!(issued["issued"], 6, "{issued}");
    let an_form = merit::exams::store::form_of(&app.state.db, round_1 as i32, an as i32)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(an_form.item_count, 0, "the exempt section is not drawn");

    k.advance_to(t1 + 60_000);
    for (name, right) in [
        (binh_name, 7),
        (chi_name, 3),
        (dung_name, 6),
        (giang_name, 8),
        (ha_name, 5),
    ] {
        sit(&app, name, round_1, right).await;
    }
    let r = k.close_round(1).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the paper is still open: {}",
        r.text()
    );
    k.advance_to(t1 + 3 * HOUR);
    let r = k.close_round(1).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not graded yet: {}",
        r.text()
    );
    assert!(
        r.text().contains("Vòng 1"),
        "the refusal names the paper: {}",
        r.text()
    );
    k.grade(round_1).await;
    let r = k.close_round(1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["qualified"], 5, "everyone but Chi: {}", r.text());

    let t2 = app.state.now_ms() + DAY;
    let round_2 = k.paper(2, "Thi viết chuyên ngành", t2).await;
    let issued = k.issue(round_2).await;
    assert_eq!(
        issued["issued"], 5,
        "no form for the round-1 failure: {issued}"
    );
    assert_eq!(issued["not_admitted"], 1);
    k.advance_to(t2 + 60_000);
    let chi_api = k.candidate(chi_name).await;
    let exams = chi_api.get("/api/exams").await.json();
    let offered = exams
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["paper_id"] == round_2)
        .unwrap();
    assert_eq!(offered["state"], "not_admitted", "{offered}");
    let r = chi_api
        .post(&format!("/api/papers/{round_2}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("did not qualify in round 1"),
        "told why, in the candidate's language: {}",
        r.text()
    );

    for (name, right) in [
        (an_name, 8),
        (binh_name, 6),
        (dung_name, 7),
        (giang_name, 7),
        (ha_name, 4),
    ] {
        sit(&app, name, round_2, right).await;
    }
    k.advance_to(t2 + 3 * HOUR);
    k.grade(round_2).await;

    let results = k.results().await;
    // By hand: round 2 is the score (10 questions scaled to 100); priority
    // counts only for those who pass, the highest category only.
    // An 80 · Dũng 70 · Giang 70 · Bình 60 + 7.5 = 67.5 · Hà 40 fails · Chi failed round 1.
    let a = row(&results, an);
    assert_eq!(
        a["sections"][0],
        json!({"score": null, "exempt": true}),
        "{a}"
    );
    assert_eq!(a["total"], 80.0);
    assert_eq!(a["rank"], 1);
    assert_eq!(a["standing"], "selected");
    let b = row(&results, binh);
    assert_eq!(b["priority_points"], 7.5);
    assert_eq!(
        b["priority_categories"],
        json!(["hero_or_war_invalid"]),
        "which category counted"
    );
    assert_eq!(b["total"], 67.5);
    assert_eq!(b["rank"], 4);
    let h = row(&results, ha);
    assert_eq!(h["passed"], false);
    assert_eq!(h["priority_points"], 0.0, "points never rescue a fail");
    let c = row(&results, chi);
    assert_eq!(c["passed"], false);
    assert_eq!(c["failures"][0]["section"], "general_knowledge", "{c}");
    assert_eq!(row(&results, dung)["standing"], "awaiting_tie_decision");
    assert_eq!(row(&results, giang)["standing"], "awaiting_tie_decision");
    let tie = results["positions"][0]["unresolved_tie"].clone();
    assert_eq!(tie.as_array().unwrap().len(), 2, "{tie}");

    // Same round-2 score, same written score: the head decides.
    let r = k
        .hr()
        .await
        .post(
            &format!(
                "/api/campaigns/{}/positions/{}/tie-decision",
                k.campaign, k.position
            ),
            json!({"application_ids": [giang, dung], "reason": "Quyết định của Giám đốc Sở số 5/QĐ"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let results = k.results().await;
    let selected: Vec<i64> = results["positions"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["standing"] == "selected")
        .map(|r| r["application_id"].as_i64().unwrap())
        .collect();
    assert_eq!(selected, vec![an, giang]);
    assert_eq!(row(&results, dung)["standing"], "not_selected");
    assert_eq!(row(&results, giang)["rank"], 2);
    assert_eq!(row(&results, dung)["rank"], 3);
}

#[tokio::test]
async fn an_exempt_section_is_neither_drawn_nor_scored() {
    let app = TestApp::new().await;
    let k = intake(&app, 1).await;
    let (an_name, an) = k.applicant("tv.an", exempt_claim()).await;
    let (other_name, other) = k.applicant("tv.binh", json!({})).await;
    let t1 = app.state.now_ms() + HOUR;
    let round_1 = k.paper(1, "Kiến thức chung", t1).await;
    k.issue(round_1).await;
    let form = |id: i64| merit::exams::store::form_of(&app.state.db, round_1 as i32, id as i32);
    assert_eq!(form(an).await.unwrap().unwrap().item_count, 0);
    assert_eq!(form(other).await.unwrap().unwrap().item_count, ITEMS as i32);
    k.advance_to(t1 + 60_000);
    sit(&app, other_name, round_1, 6).await;
    let an_api = k.candidate(an_name).await;
    let exams = an_api.get("/api/exams").await.json();
    assert_eq!(exams[0]["state"], "exempt", "nothing to sit: {exams}");
    let r = an_api
        .post(&format!("/api/papers/{round_1}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    k.advance_to(t1 + 3 * HOUR);
    k.grade(round_1).await;
    let results = k.results().await;
    let a = row(&results, an);
    assert_eq!(a["sections"][0]["exempt"], true);
    assert_eq!(a["sections"][0]["score"], Value::Null, "not 0");
    assert!(
        a["failures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["section"] != "general_knowledge"),
        "the exempt section fails nobody: {a}"
    );
    assert_eq!(
        row(&results, other)["sections"][0]["score"],
        36.0,
        "6 of 10 scaled to 60"
    );
    let csv = k
        .hr()
        .await
        .get(&format!("/campaigns/{}/results.csv", k.campaign))
        .await
        .text();
    assert!(csv.contains("miễn"), "the export says exempt: {csv}");
    let r = k.close_round(1).await;
    assert_eq!(
        r.json()["qualified"],
        2,
        "the exempt candidate qualifies without sitting: {}",
        r.text()
    );
}

#[tokio::test]
async fn round_two_is_refused_to_a_round_one_failure_until_and_after_the_round_is_closed() {
    let app = TestApp::new().await;
    let k = intake(&app, 1).await;
    let (pass, _) = k.applicant("tv.an", json!({})).await;
    let (fail, _) = k.applicant("tv.binh", json!({})).await;
    let t1 = app.state.now_ms() + HOUR;
    let round_1 = k.paper(1, "Kiến thức chung", t1).await;
    let round_2 = k.paper(2, "Thi viết chuyên ngành", t1 + DAY).await;
    k.advance_to(t1 + 60_000);
    sit(&app, pass, round_1, 9).await;
    sit(&app, fail, round_1, 2).await;
    k.advance_to(t1 + DAY + 60_000);
    // Round 1 not closed: nobody may start round 2, whatever their score.
    for name in [pass, fail] {
        let api = k.candidate(name).await;
        let r = api
            .post(&format!("/api/papers/{round_2}/attempt"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let exams = api.get("/api/exams").await.json();
        let p = exams
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["paper_id"] == round_2)
            .unwrap();
        assert_eq!(p["state"], "awaiting_round", "{p}");
    }
    k.grade(round_1).await;
    // On the results page, closing asks for confirmation first.
    let mut b = app.browser();
    b.sign_in("hr.intake", PASSWORD).await;
    let page = b
        .get(&format!("/campaigns/{}/results", k.campaign))
        .await
        .text();
    assert!(
        page.contains(&format!("/campaigns/{}/rounds/1/close", k.campaign)),
        "the results page offers to close round 1"
    );
    let r = b
        .post(&format!("/campaigns/{}/rounds/1/close", k.campaign), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Tick the confirmation") || r.text().contains("Đánh dấu ô xác nhận"),
        "refused without confirmation, on the page: {}",
        r.text()
    );
    assert!(
        merit::campaigns::store::round_results(&app.state.db, k.campaign as i32, 1)
            .await
            .unwrap()
            .is_empty(),
        "nothing recorded without confirmation"
    );
    let r = b
        .post(
            &format!("/campaigns/{}/rounds/1/close", k.campaign),
            &[("close_confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = k
        .candidate(fail)
        .await
        .post(&format!("/api/papers/{round_2}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = k
        .candidate(pass)
        .await
        .post(&format!("/api/papers/{round_2}/attempt"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let audit = app
        .api_as(Role::Admin)
        .await
        .get("/api/audit?action=round_closed")
        .await
        .json();
    assert!(
        audit.to_string().contains("1 of 2 qualified"),
        "closing is audited with its count: {audit}"
    );
    // The last round is ranked, not closed.
    let r = k.close_round(2).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

#[tokio::test]
async fn only_the_highest_priority_category_counts_and_the_ranking_names_it() {
    let app = TestApp::new().await;
    let k = intake(&app, 1).await;
    let (name, id) = k
        .applicant(
            "tv.an",
            json!({"priority_claims": [
                {"code": "completed_service", "document_ref": "QĐ xuất ngũ 9"},
                {"code": "ethnic_minority", "document_ref": "Giấy khai sinh số 12"}
            ]}),
        )
        .await;
    let t1 = app.state.now_ms() + HOUR;
    let round_1 = k.paper(1, "Kiến thức chung", t1).await;
    k.advance_to(t1 + 60_000);
    sit(&app, name, round_1, 8).await;
    k.advance_to(t1 + 3 * HOUR);
    k.grade(round_1).await;
    assert_eq!(k.close_round(1).await.status, StatusCode::OK);
    let round_2 = k.paper(2, "Thi viết chuyên ngành", t1 + DAY).await;
    k.advance_to(t1 + DAY + 60_000);
    sit(&app, name, round_2, 6).await;
    k.advance_to(t1 + DAY + 3 * HOUR);
    k.grade(round_2).await;
    let results = k.results().await;
    let r = row(&results, id);
    assert_eq!(r["priority_points"], 5.0, "5 and 2.5: the highest only");
    assert_eq!(r["priority_categories"], json!(["ethnic_minority"]));
    assert_eq!(r["total"], 65.0);
}
