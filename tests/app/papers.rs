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
    assert_eq!(issued["issued"], 10, "11 applicants, one rejected");
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
