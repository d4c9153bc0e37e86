use axum::http::StatusCode;
use merit::campaigns::entity::{campaign, position};
use merit::demo::DEMO_PASSWORD;
use merit::rules::model::{RoundRole, TieBreak};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::harness::TestApp;

/// The demo with one counting round, no pass marks, one place per position,
/// and the paper open.
async fn one_round(app: &TestApp) -> (i64, i64) {
    use merit::clock::Clock;
    merit::demo::load(&app.state).await.unwrap();
    let c = campaign::Entity::find()
        .filter(campaign::Column::Title.eq(merit::demo::DEMO_CAMPAIGN))
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
    for p in position::Entity::find()
        .filter(position::Column::CampaignId.eq(id))
        .all(&app.state.db)
        .await
        .unwrap()
    {
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
    // The page's form: a gender per winner, left empty for one not hired now.
    let mut b = app.browser();
    b.sign_in("demo.personnel", DEMO_PASSWORD).await;
    let (hire_winner, hire_other) = (format!("gender_{winner}"), format!("gender_{other}"));
    let path = format!("/campaigns/{campaign}/hires");
    let r = b
        .post(
            &path,
            &[
                (hire_winner.as_str(), ""),
                (hire_other.as_str(), "female"),
                ("hire_date", "2026-11-25"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(
        page.contains(&format!("Hồ sơ {other} không thuộc danh sách trúng tuyển")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("Hồ sơ {winner}")),
        "left empty: {page}"
    );
    let r = b
        .post(
            &path,
            &[(hire_winner.as_str(), "male"), ("hire_date", "2026-11-25")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains(&format!("Hồ sơ {winner}: người này đã có hồ sơ cán bộ")),
        "{}",
        r.text()
    );
    let other_unit = app.api_login("demo.personnel.ha", DEMO_PASSWORD).await;
    let r = other_unit
        .post(
            &format!("/api/campaigns/{campaign}/hires"),
            json!({"winners": [], "hire_date": "2026-11-25"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The demo promotion campaign cut to one counting round with no pass marks,
/// a paper open now, and its three admitted staff. Returns (campaign, paper).
async fn promotion_round(app: &TestApp) -> (i64, i64) {
    use merit::clock::Clock;
    merit::demo::load(&app.state).await.unwrap();
    let c = campaign::Entity::find()
        .filter(campaign::Column::Title.eq(merit::demo::DEMO_PROMOTION))
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
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    let draft = hr
        .post(
            &format!("/api/campaigns/{id}/papers"),
            json!({"title": "Vòng 1", "round": 1, "board": ["demo.board1"]}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text());
    let paper = draft.json()["id"].as_i64().unwrap();
    let board = app.api_login("demo.board1", DEMO_PASSWORD).await;
    let p = board.get(&format!("/api/papers/{paper}")).await.json();
    let now = app.clock.now_ms();
    let r = board
        .request(
            "PUT".parse().unwrap(),
            &format!("/api/papers/{paper}"),
            Some(json!({
                "title": p["title"],
                "spec": p["spec"],
                "time_limit_minutes": p["time_limit_minutes"],
                "opens_ms": now + 60_000,
                "closes_ms": now + 7 * 86_400_000,
                "grace_seconds": p["grace_seconds"],
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = board
        .post(&format!("/api/papers/{paper}/publish"), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = hr
        .post(&format!("/api/papers/{paper}/forms"), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    app.clock.advance_ms(120_000);
    (i64::from(id), paper)
}

#[tokio::test]
async fn a_promotion_winner_gets_one_promotion_event_at_the_scale_step() {
    let app = TestApp::new().await;
    let (campaign, paper) = promotion_round(&app).await;
    let links = merit::campaigns::store::staff_links(&app.state.db, campaign as i32)
        .await
        .unwrap();
    assert_eq!(links.len(), 3, "the demo admits three eligible staff");
    let before = merit::staff::store::find(&app.state.db, links[0].staff_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.grade_code, "A1");
    // The first admitted member of staff is the only one to sit: selected.
    let cand = app
        .api_login(
            &merit::campaigns::promotions::staff_username(before.id),
            DEMO_PASSWORD,
        )
        .await;
    let attempt = cand
        .post(&format!("/api/papers/{paper}/attempt"), json!({}))
        .await;
    assert!(attempt.status.is_success(), "{}", attempt.text());
    let attempt = attempt.json()["id"].as_i64().unwrap();
    assert!(
        cand.post(&format!("/api/attempts/{attempt}/submit"), json!({}))
            .await
            .status
            .is_success()
    );
    let hr = app.api_login("demo.personnel", DEMO_PASSWORD).await;
    hr.post(&format!("/api/papers/{paper}/grade"), json!({}))
        .await;
    let winner = links[0].application_id;
    let body = json!({"application_ids": [winner], "effective_date": "2026-12-01"});
    let path = format!("/api/campaigns/{campaign}/promotions");
    let r = hr.post(&path, body.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before release"
    );
    let released = hr
        .post(&format!("/api/campaigns/{campaign}/release"), json!({}))
        .await;
    assert!(released.status.is_success(), "{}", released.text());

    let plan = merit::plans::store::list(&app.state.db, None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.title == merit::staff::demo::DEMO_PLAN_SNV)
        .unwrap();
    let payroll = |rows: Vec<merit::plans::domain::ProjectionRow>| {
        rows.iter()
            .find(|r| r.unit_id == Some(before.org_unit_id) && r.year == 2026)
            .unwrap()
            .payroll_vnd
    };
    let payroll_before = payroll(
        merit::plans::service::projection(&app.state.db, &plan)
            .await
            .unwrap(),
    );

    let r = hr
        .post(
            &path,
            json!({"application_ids": [winner], "effective_date": "1990-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("cannot be dated before"), "{}", r.text());
    let r = hr.post(&path, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let out = r.json();
    assert_eq!(out[0]["already"], false);
    assert_eq!(out[0]["grade"], "A2.1", "the linked job position's grade");
    let after = merit::staff::store::find(&app.state.db, before.id)
        .await
        .unwrap()
        .unwrap();
    let a21 = merit::staff::store::scales(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.code == "A2.1")
        .unwrap();
    let expected =
        merit::staff::domain::promotion_placement(&a21, before.coefficient, Some(33)).unwrap();
    assert_eq!(after.grade_code, "A2.1");
    assert_eq!(
        (after.step, after.coefficient),
        (expected.step, expected.coefficient)
    );
    assert!(after.coefficient >= before.coefficient, "never a pay cut");
    let events = merit::staff::store::events(&app.state.db, before.id)
        .await
        .unwrap();
    let promotions = events
        .iter()
        .filter(|(_, k)| k.name() == "promotion")
        .count();
    assert_eq!(promotions, 1);
    let (audit, _) = merit::audit::store::list(
        &app.state.db,
        &merit::audit::store::Filter {
            action: Some("staff_promoted".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "the promotion is audited once");
    assert!(audit[0].target.contains(&before.full_name));
    assert!(audit[0].detail.contains("A1") && audit[0].detail.contains("A2.1"));
    // The plan's projection pays the new coefficient.
    let payroll_after = payroll(
        merit::plans::service::projection(&app.state.db, &plan)
            .await
            .unwrap(),
    );
    assert!(
        payroll_after > payroll_before,
        "{payroll_before} → {payroll_after}"
    );

    // Confirming again writes nothing.
    let r = hr.post(&path, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()[0]["already"], true);
    let again = merit::staff::store::events(&app.state.db, before.id)
        .await
        .unwrap();
    assert_eq!(again.len(), events.len(), "no second promotion event");

    // Someone admitted but not selected (did not sit) cannot be promoted, and
    // the promotion route belongs to promotion campaigns only.
    let r = hr
        .post(
            &path,
            json!({"application_ids": [links[1].application_id], "effective_date": "2026-12-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The page's form, ticked boxes and a date: the same answers.
    let mut b = app.browser();
    b.sign_in("demo.personnel", DEMO_PASSWORD).await;
    let form_path = format!("/campaigns/{campaign}/promotions");
    let (winner, not_selected) = (winner.to_string(), links[1].application_id.to_string());
    let r = b
        .post(
            &form_path,
            &[
                ("application", winner.as_str()),
                ("effective_date", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.location(),
        Some(format!("/campaigns/{campaign}").as_str())
    );
    let r = b
        .post(
            &form_path,
            &[
                ("application", not_selected.as_str()),
                ("effective_date", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let still = merit::staff::store::events(&app.state.db, before.id)
        .await
        .unwrap();
    assert_eq!(still.len(), events.len(), "no second promotion event");
    let other_unit = app.api_login("demo.personnel.ha", DEMO_PASSWORD).await;
    let r = other_unit
        .post(
            &path,
            json!({"application_ids": [], "effective_date": "2026-12-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
