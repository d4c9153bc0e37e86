use axum::http::StatusCode;
use merit::campaigns::entity::{campaign, position};
use merit::demo::DEMO_PASSWORD;
use merit::rules::model::{RoundRole, TieBreak};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::harness::TestApp;

/// The demo with one counting round, no pass marks, one place per position,
/// and the paper open.
async fn one_round(app: &TestApp) -> (i64, i64) {
    use merit::clock::Clock;
    merit::demo::load(&app.state).await.unwrap();
    let c = campaign::Entity::find()
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
    let id = c.id;
    let mut active: campaign::ActiveModel = c.into();
    active.rule_set = Set(serde_json::to_string(&rules).unwrap());
    active.update(&app.state.db).await.unwrap();
    for p in position::Entity::find().all(&app.state.db).await.unwrap() {
        let mut a: position::ActiveModel = p.into();
        a.quota = Set(1);
        a.update(&app.state.db).await.unwrap();
    }
    let paper = merit::exams::store::papers_of_campaign(&app.state.db, id)
        .await
        .unwrap()[0]
        .clone();
    app.clock
        .advance_ms(paper.opens_ms - app.clock.now_ms() + 60_000);
    (i64::from(id), i64::from(paper.id))
}

#[tokio::test]
async fn released_winners_become_staff_records_in_their_job_position() {
    let app = TestApp::new().await;
    let (campaign, paper) = one_round(&app).await;
    // thisinh01 (position TCBC-01) is the only one to sit: first of one, selected.
    let cand = app.api_login("thisinh01@example.vn", DEMO_PASSWORD).await;
    let attempt = cand
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    assert!(
        cand.post(&format!("/api/attempts/{attempt}/submit"), json!({}))
            .await
            .status
            .is_success()
    );
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let results = hr
        .get(&format!("/api/campaigns/{campaign}/results"))
        .await
        .json();
    let winner = results["positions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap().iter())
        .find(|r| r["standing"] == "selected")
        .unwrap()["application_id"]
        .as_i64()
        .unwrap();
    let body = json!({"winners": [{"application_id": winner, "gender": "male"}], "hire_date": "2026-11-25"});
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/hires"), body.clone())
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before release"
    );
    let released = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert!(released.status.is_success(), "{}", released.text());
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/hires"), body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let staff_id = r.json()[0]["staff_id"].as_i64().unwrap();
    let record = merit::staff::store::find(&app.state.db, staff_id as i32)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.full_name, "Nguyễn Thị Hồng Nhung");
    assert_eq!(record.grade_code, "A1", "the job position's grade");
    assert_eq!(record.step, 1);
    assert!(record.position_id.is_some());
    let events = merit::staff::store::events(&app.state.db, record.id)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1.name(), "hire");
    // Once only; and a candidate who was not selected cannot be hired.
    assert_eq!(
        hr.post(&format!("/api/campaigns/{campaign}/hires"), body)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let other = hr
        .get(&format!("/api/campaigns/{campaign}/applications"))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["application"]["id"].as_i64().unwrap())
        .find(|id| *id != winner)
        .unwrap();
    let r = hr
        .post(&format!("/api/campaigns/{campaign}/hires"), json!({"winners": [{"application_id": other, "gender": "female"}], "hire_date": "2026-11-25"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other_unit = app.api_login("demo.personnel.ha", DEMO_PASSWORD).await;
    let r = other_unit
        .post(
            &format!("/api/campaigns/{campaign}/hires"),
            json!({"winners": [], "hire_date": "2026-11-25"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
