//! Staff records, positions and streamlining plans through the API and the
//! pages, with the scoping promises: personnel see only their subtree.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use merit::accounts::domain::Role;
use serde_json::{Value, json};

use crate::harness::{Api, PASSWORD, TestApp};

struct Province {
    tinh: i32,
    ha: i32,
    ha_pnv: i32,
    hb: i32,
}

async fn province(app: &TestApp) -> Province {
    let tinh = app.unit("TINH", None).await;
    let ha = app.unit("HA", Some(tinh)).await;
    let ha_pnv = app.unit("HA-PNV", Some(ha)).await;
    let hb = app.unit("HB", Some(tinh)).await;
    Province {
        tinh,
        ha,
        ha_pnv,
        hb,
    }
}

async fn personnel<'a>(app: &'a TestApp, name: &str, unit: i32) -> Api<'a> {
    app.user_in(Role::Personnel, name, Some(unit)).await;
    app.api_login(name, PASSWORD).await
}

async fn position(api: &Api<'_>, unit: i32, title: &str, headcount: i32) -> i64 {
    let r = api.post("/api/positions", json!({"org_unit_id": unit, "title": title, "group": "professional", "grade": "A1", "headcount": headcount})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

fn person(unit: i32, name: &str, national_id: &str, gender: &str, born: &str) -> Value {
    json!({"full_name": name, "gender": gender, "date_of_birth": born, "national_id": national_id, "org_unit_id": unit,
           "employment_type": "civil_servant", "grade": "A1", "step": 3, "hire_date": "2012-09-01", "last_step_raise": "2024-01-15"})
}

async fn hire(api: &Api<'_>, body: Value) -> i64 {
    let r = api.post("/api/staff", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn hiring_derives_pay_retirement_and_next_step() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let api = personnel(&app, "nv.ha", p.ha).await;
    let pos = position(&api, p.ha, "Chuyên viên tổ chức", 3).await;
    let mut body = person(p.ha, "Nguyễn Văn An", "001085000123", "male", "1966-01-10");
    body["position_id"] = json!(pos);
    let id = hire(&api, body).await;
    let r = api.get(&format!("/api/staff/{id}")).await.json();
    let s = &r["staff"];
    assert_eq!(s["coefficient"], "3.00");
    // 3.00 × 2,340,000 (base from 2024-07-01; the test clock is in 2026).
    assert_eq!(s["monthly_pay_vnd"], 7_020_000);
    assert_eq!(s["retirement_date"], "2027-10-31");
    assert_eq!(s["next_step"]["kind"], "next_step");
    assert_eq!(s["next_step"]["due"], "2027-01-15");
    assert_eq!(s["next_step"]["coefficient"], 333);
    assert_eq!(s["national_id"], "001085000123");
    assert_eq!(r["events"][0]["event"]["kind"], "hire");
    let positions = api.get("/api/positions").await.json();
    assert_eq!(positions[0]["in_post"], 1);
    assert_eq!(positions[0]["vacancies"], 2);
    assert_eq!(
        merit::staff::store::vacancies(&app.state.db, pos as i32)
            .await
            .unwrap(),
        Some(2)
    );
}

#[tokio::test]
async fn events_fold_into_the_record_and_are_audited() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let api = personnel(&app, "nv.ha", p.ha).await;
    let id = hire(
        &api,
        person(
            p.ha,
            "Trần Thị Bình",
            "001190000002",
            "female",
            "1990-05-05",
        ),
    )
    .await;
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "step_raise", "effective_date": "2026-01-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["staff"]["step"], 4);
    assert_eq!(r.json()["staff"]["coefficient"], "3.33");
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "transfer", "effective_date": "2026-02-01", "org_unit_id": p.ha_pnv}),
        )
        .await;
    assert_eq!(r.json()["staff"]["org_unit_id"], p.ha_pnv);
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "transfer", "effective_date": "2026-02-01", "org_unit_id": p.hb}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no transfer out of the subtree"
    );
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "step_raise", "effective_date": "2000-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "retirement", "effective_date": "2026-03-01"}),
        )
        .await;
    assert_eq!(r.json()["staff"]["status"], "retired");
    let r = api
        .post(
            &format!("/api/staff/{id}/events"),
            json!({"kind": "step_raise", "effective_date": "2026-04-01"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a closed record takes no raise: {}",
        r.text()
    );
    let admin = app.api_as(Role::Admin).await;
    let log = admin.get("/api/audit?action=staff_event").await.json();
    assert_eq!(log["total"], 3, "{log}");
}

#[tokio::test]
async fn a_typed_promotion_without_a_step_follows_the_scale_rule() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let api = personnel(&app, "nv.ha", p.ha).await;
    let promote = |id: i64| {
        let api = &api;
        async move {
            let r = api
                .post(
                    &format!("/api/staff/{id}/events"),
                    json!({"kind": "promotion", "effective_date": "2026-06-01", "grade": "A2.1"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            r.json()["staff"].clone()
        }
    };
    // A1 step 3 (3.00) → A2.1 step 1 (4.40): a rise of more than one A1 step,
    // so the time in step restarts on the promotion date.
    let low = hire(
        &api,
        person(p.ha, "Lê Văn Cường", "001085000124", "male", "1985-02-02"),
    )
    .await;
    let s = promote(low).await;
    assert_eq!(
        (s["grade"].as_str(), s["step"].as_i64()),
        (Some("A2.1"), Some(1))
    );
    assert_eq!(s["coefficient"], "4.40");
    assert_eq!(s["next_step"]["due"], "2029-06-01");
    // A1 step 8 (4.65) → A2.1 step 2 (4.74): less than one A1 step more, so the
    // time since the 2024 raise carries over.
    let mut body = person(
        p.ha,
        "Phạm Thị Dung",
        "001185000125",
        "female",
        "1980-03-03",
    );
    body["step"] = json!(8);
    let high = hire(&api, body).await;
    let s = promote(high).await;
    assert_eq!(s["step"], 2);
    assert_eq!(s["coefficient"], "4.74");
    assert_eq!(s["next_step"]["due"], "2027-01-15");
}

#[tokio::test]
async fn personnel_see_only_their_subtree() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let hb = personnel(&app, "nv.hb", p.hb).await;
    let top = personnel(&app, "nv.tinh", p.tinh).await;
    let in_b = hire(
        &hb,
        person(p.hb, "Lê Văn Cường", "001080000003", "male", "1980-01-01"),
    )
    .await;
    let pos_b = position(&hb, p.hb, "Kế toán", 2).await;
    let in_a = hire(
        &ha,
        person(
            p.ha_pnv,
            "Phạm Thị Dung",
            "001085000004",
            "female",
            "1985-01-01",
        ),
    )
    .await;
    // Reading, changing and listing across units: 404s and empty lists.
    assert_eq!(
        ha.get(&format!("/api/staff/{in_b}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ha.post(
            &format!("/api/staff/{in_b}/events"),
            json!({"kind": "retirement", "effective_date": "2026-01-01"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ha.get(&format!("/api/positions/{pos_b}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ha.patch(&format!("/api/positions/{pos_b}"), json!({"org_unit_id": p.ha, "title": "x", "group": "support", "grade": "B", "headcount": 99})).await.status, StatusCode::NOT_FOUND);
    let list = ha.get("/api/staff").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], in_a);
    assert_eq!(
        ha.get(&format!("/api/staff?unit_id={}", p.hb))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Creating in another unit is refused.
    let r = ha
        .post(
            "/api/staff",
            person(p.hb, "X", "001080000099", "male", "1980-01-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "org_unit_id");
    let r = ha.post("/api/positions", json!({"org_unit_id": p.hb, "title": "x", "group": "support", "grade": "B", "headcount": 1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The province sees both, with identity.
    let all = top.get("/api/staff").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|s| s["national_id"].is_string() && s["date_of_birth"].is_string())
    );
    // Boards and candidates see no staff at all.
    for role in [Role::Board, Role::Candidate] {
        let other = app.api_as(role).await;
        assert_eq!(other.get("/api/staff").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            other.get(&format!("/api/staff/{in_a}")).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(other.get("/api/plans").await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            other.get("/api/staff/export").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn identity_reaches_only_personnel_of_the_subtree_and_admins() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let hb = personnel(&app, "nv.hb", p.hb).await;
    let id = hire(
        &ha,
        person(p.ha, "Võ Thị Em", "001095000005", "female", "1995-03-04"),
    )
    .await;
    let admin = app.api_as(Role::Admin).await;
    let seen = admin.get(&format!("/api/staff/{id}")).await.json();
    assert_eq!(seen["staff"]["national_id"], "001095000005");
    assert_eq!(seen["staff"]["date_of_birth"], "1995-03-04");
    let csv = hb.get("/api/staff/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        !csv.text().contains("001095000005"),
        "another unit's export holds no one of ours"
    );
    let csv = ha.get("/api/staff/export?format=csv").await.text();
    assert!(csv.contains("001095000005") && csv.contains("1995-03-04"));
    let scope = merit::staff::scope::Scope::Units(vec![p.hb]);
    assert!(!scope.shows_identity(p.ha));
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "merit-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(api: &Api<'_>, name: &str, bytes: &[u8]) -> crate::harness::TestResponse {
    let (ct, body) = multipart(name, bytes);
    let req = Request::post("/api/staff/import")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", api.token.clone().unwrap()),
        )
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    api.app.send(req).await
}

#[tokio::test]
async fn import_is_all_or_nothing_with_a_report() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    position(&ha, p.ha, "Chuyên viên tổ chức", 5).await;
    let bad = "Họ và tên;Giới tính;Ngày sinh;Số CCCD;Mã đơn vị;Vị trí việc làm;Loại;Ngạch;Bậc;Hệ số;Ngày nâng bậc;Ngày tuyển dụng\n\
               Nguyễn Văn An;Nam;15/03/1985;001085000123;HA;Chuyên viên tổ chức;Công chức;A1;3;;2023-01-01;2012-09-01\n\
               Lê Thị Bé;Nữ;1990-02-30;001190000124;HA;;Viên chức;A1;2;;;2015-01-01\n\
               Trần Văn C;Nam;1980-01-01;001080000125;HB;;Công chức;A1;2;;;2010-01-01\n\
               Đỗ Văn D;Nam;1980-01-01;001080000126;HA;;Công chức;A9;2;;;2010-01-01\n";
    let r = upload(&ha, "ds.csv", bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let report = r.json();
    assert_eq!(report["imported"], 0);
    let problems: Vec<(i64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (3, "date_of_birth".to_owned()),
            (4, "unit".to_owned()),
            (5, "grade".to_owned())
        ]
    );
    assert_eq!(
        ha.get("/api/staff").await.json().as_array().unwrap().len(),
        0,
        "nothing imported"
    );
    let good: String = bad.lines().take(2).map(|l| format!("{l}\n")).collect();
    let r = upload(&ha, "ds.csv", good.as_bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["imported"], 1);
    // The export reads back as an import (duplicates refused by national ID).
    let xlsx = ha.get("/api/staff/export?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let r = upload(&ha, "staff.xlsx", &xlsx.body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["problems"][0]["column"], "national_id");
}

async fn draft_plan(api: &Api<'_>, owner: i32, units: &[i32]) -> i64 {
    let r = api.post("/api/plans", json!({"org_unit_id": owner, "title": "Tinh giản 2026–2030", "first_year": 2026, "last_year": 2030, "unit_ids": units, "target_kind": "percent"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn streamlining_plan_goes_from_draft_to_carried_out() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let top = personnel(&app, "nv.tinh", p.tinh).await;
    let hb = personnel(&app, "nv.hb", p.hb).await;
    position(&ha, p.ha, "Chuyên viên", 6).await;
    let mut ids = Vec::new();
    for (i, born) in [
        "1970-01-01",
        "1975-06-01",
        "1980-01-01",
        "1985-01-01",
        "1964-03-01",
    ]
    .iter()
    .enumerate()
    {
        ids.push(
            hire(
                &ha,
                person(
                    p.ha,
                    &format!("Người {i}"),
                    &format!("00108500010{i}"),
                    "male",
                    born,
                ),
            )
            .await,
        );
    }
    let plan = draft_plan(&ha, p.ha, &[p.ha]).await;
    let r = ha
        .put(
            &format!("/api/plans/{plan}/targets"),
            json!({"targets": [{"org_unit_id": p.ha, "year": 2027, "amount": 2000}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Born 1970: retires 2032, so 2027 is 5 years early.
    let r = ha.post(&format!("/api/plans/{plan}/people"), json!({"staff_id": ids[0], "year": 2027, "category": "reorganisation", "exit_route": "early_retirement"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let view = r.json();
    assert_eq!(
        view["people"][0]["payout"]["kind"], "estimate",
        "{}",
        view["people"][0]
    );
    assert_eq!(view["units"][0]["baseline_headcount"], 5);
    let y2027 = view["projection"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2027)
        .unwrap()
        .clone();
    assert_eq!(y2027["streamlined"], 1);
    assert_eq!(
        y2027["target_headcount"], 4,
        "20% of 5 is 1 person, cumulative to 2027"
    );
    // Born March 1964: retirement fell due in June 2025 and is overdue, so it
    // counts as a departure in the first plan year.
    let y2026 = view["projection"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2026)
        .unwrap()
        .clone();
    assert_eq!(y2026["retired"], 1, "{y2026}");
    // Hierarchy: the owner cannot approve, a sibling cannot see, the province approves.
    assert_eq!(
        ha.post(&format!("/api/plans/{plan}/submit"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        ha.post(&format!("/api/plans/{plan}/approve"), json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        hb.post(&format!("/api/plans/{plan}/approve"), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hb.get(&format!("/api/plans/{plan}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = ha.post(&format!("/api/plans/{plan}/people"), json!({"staff_id": ids[1], "year": 2027, "category": "reorganisation", "exit_route": "resignation"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a submitted plan is frozen");
    assert_eq!(
        top.post(&format!("/api/plans/{plan}/approve"), json!({"note": "ok"}))
            .await
            .status,
        StatusCode::OK
    );
    // The cap campaigns will read: 50% of 2027's departures (1) rounds to 0; 2026 has one retirement → 0.
    let cap = merit::plans::recruitment_cap(&app.state.db, p.ha, 2027)
        .await
        .unwrap();
    assert_eq!(cap, Some(0));
    assert_eq!(
        merit::plans::recruitment_cap(&app.state.db, p.hb, 2027)
            .await
            .unwrap(),
        None
    );
    let r = ha
        .post(
            &format!("/api/plans/{plan}/carry-out"),
            json!({"year": 2027, "effective_date": "2026-11-30"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["carried_out"], 1);
    assert_eq!(r.json()["plan"]["status"], "carried_out");
    let s = ha.get(&format!("/api/staff/{}", ids[0])).await.json();
    assert_eq!(s["staff"]["status"], "streamlined");
    assert_eq!(
        s["events"].as_array().unwrap().last().unwrap()["event"]["kind"],
        "streamlining"
    );
    let admin = app.api_as(Role::Admin).await;
    for action in [
        "plan_created",
        "plan_targets_set",
        "plan_person_proposed",
        "plan_submitted",
        "plan_approved",
        "plan_year_carried_out",
        "plan_carried_out",
    ] {
        let log = admin
            .get(&format!("/api/audit?action={action}"))
            .await
            .json();
        assert_eq!(log["total"], 1, "{action}: {log}");
    }
}

#[tokio::test]
async fn exclusion_rules_keep_protected_people_off_the_list() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let hb = personnel(&app, "nv.hb", p.hb).await;
    let mother = hire(
        &ha,
        person(p.ha, "Mẹ", "001190000201", "female", "1990-01-01"),
    )
    .await;
    let reviewed = hire(
        &ha,
        person(p.ha, "Kỷ luật", "001080000202", "male", "1980-01-01"),
    )
    .await;
    let other = hire(
        &hb,
        person(p.hb, "Khác", "001080000203", "male", "1980-01-01"),
    )
    .await;
    ha.post(
        &format!("/api/staff/{reviewed}/events"),
        json!({"kind": "discipline", "stage": "review_opened", "effective_date": "2026-01-01"}),
    )
    .await;
    ha.post(&format!("/api/staff/{mother}/events"), json!({"kind": "leave", "leave_kind": "maternity", "effective_date": "2026-06-01", "until": "2026-12-01"})).await;
    let plan = draft_plan(&ha, p.ha, &[p.ha]).await;
    let propose = |staff: i64, extra: Value| {
        let mut body = json!({"staff_id": staff, "year": 2027, "category": "reorganisation", "exit_route": "resignation"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let r = ha
        .post(
            &format!("/api/plans/{plan}/people"),
            propose(mother, json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("maternity"), "{}", r.text());
    let r = ha
        .post(
            &format!("/api/plans/{plan}/people"),
            propose(reviewed, json!({"volunteer": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("disciplinary"));
    let r = ha
        .post(
            &format!("/api/plans/{plan}/people"),
            propose(other, json!({})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another unit's staff cannot be proposed"
    );
    let r = ha
        .post(
            &format!("/api/plans/{plan}/people"),
            propose(mother, json!({"volunteer": true})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "volunteering lifts the maternity exclusion: {}",
        r.text()
    );
}

#[tokio::test]
async fn dashboard_counts_headcount_vacancies_and_coming_retirements() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    position(&ha, p.ha, "Chuyên viên", 4).await;
    // Born June 1966: retires at the end of June 2028, within 24 months of the test clock.
    hire(
        &ha,
        person(p.ha, "Sắp nghỉ", "001066000301", "male", "1966-06-01"),
    )
    .await;
    hire(
        &ha,
        person(p.ha, "Còn lâu", "001090000302", "male", "1990-03-01"),
    )
    .await;
    let d = ha.get("/api/staff/dashboard").await.json();
    let row = d
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["org_unit_id"] == p.ha)
        .unwrap();
    assert_eq!(row["headcount"], 2);
    assert_eq!(row["quota"], 4);
    assert_eq!(row["vacancies"], 4, "no one was placed in the position");
    assert_eq!(row["retiring_within_24_months"], 1);
    assert!(
        d.as_array()
            .unwrap()
            .iter()
            .all(|u| u["org_unit_id"] != p.hb)
    );
}

#[tokio::test]
async fn personnel_keep_records_through_the_pages() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    app.user_in(Role::Personnel, "nv.web", Some(p.ha)).await;
    let mut b = app.browser();
    b.sign_in("nv.web", PASSWORD).await;
    let page = b.get("/positions").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let r = b
        .post(
            "/positions",
            &[
                ("org_unit_id", &p.ha.to_string()),
                ("title", "Chuyên viên nội vụ"),
                ("group", "professional"),
                ("grade", "A1"),
                ("headcount", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    b.get("/staff/new").await;
    let r = b
        .post(
            "/staff",
            &[
                ("full_name", "Nguyễn Thị Hoa"),
                ("gender", "female"),
                ("date_of_birth", "1988-04-12"),
                ("national_id", "001188000777"),
                ("org_unit_id", &p.ha.to_string()),
                ("position_id", ""),
                ("employment_type", "civil_servant"),
                ("grade", "A1"),
                ("step", "2"),
                ("coefficient", ""),
                ("last_step_raise", ""),
                ("hire_date", "2014-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let detail = r.location().unwrap().to_owned();
    let page = b.get(&detail).await.text();
    assert!(
        page.contains("Nguyễn Thị Hoa") && page.contains("001188000777") && page.contains("2.67")
    );
    let r = b
        .post(
            &format!("{detail}/events"),
            &[
                ("kind", "appraisal"),
                ("effective_date", "2026-01-10"),
                ("year", "2025"),
                ("rating", "good"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let bad = b
        .post(
            &format!("{detail}/events"),
            &[
                ("kind", "leave"),
                ("effective_date", "2026-01-10"),
                ("leave_kind", "sick"),
                ("until", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("class=\"errors\""));
    let list = b.get("/staff").await.text();
    assert!(list.contains("Nguyễn Thị Hoa"));
    // A plan, drawn up and shown with its chart.
    let r = b
        .post(
            "/plans",
            &[
                ("org_unit_id", &p.ha.to_string()),
                ("title", "Kế hoạch thử"),
                ("first_year", "2026"),
                ("last_year", "2028"),
                ("target_kind", "percent"),
                ("cap_ratio_pct", "50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let plan = r.location().unwrap().to_owned();
    let r = b
        .post(
            &format!("{plan}/targets"),
            &[
                ("org_unit_id", &p.ha.to_string()),
                ("year", "2027"),
                ("amount", "1.5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = b.get(&plan).await.text();
    assert!(page.contains("<svg") && page.contains("1.50%"));
    assert!(!page.contains("style="), "the CSP forbids inline styles");
    let dash = b.get("/staff/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.text().contains("Kế hoạch thử"));
    let import = b.get("/staff/import").await.text();
    assert!(import.contains("/staff/import?csrf="));
}

#[tokio::test]
async fn openapi_lists_the_staff_and_plan_endpoints() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    for path in [
        "/api/staff",
        "/api/staff/{id}/events",
        "/api/positions",
        "/api/plans/{id}/approve",
        "/api/recruitment-cap",
        "/api/staff/dashboard",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn demo_loads_a_province_of_staff_and_plans_once() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.expect("demo loads");
    let admin = app.api_as(Role::Admin).await;
    let staff = admin.get("/api/staff").await.json();
    let count = staff.as_array().unwrap().len();
    assert!((180..=230).contains(&count), "{count} demo staff");
    merit::demo::load(&app.state)
        .await
        .expect("demo loads again");
    assert_eq!(
        admin
            .get("/api/staff")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        count,
        "loading twice adds no one"
    );
    let plans = admin.get("/api/plans").await.json();
    let statuses: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "both districts and the department");
    assert!(statuses.contains(&"submitted") && statuses.contains(&"approved"));
    let hb = merit::org_units::store::find_by_code(&app.state.db, "HB")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        merit::plans::recruitment_cap(&app.state.db, hb, 2027)
            .await
            .unwrap()
            .is_some(),
        "the approved plan caps HB's hiring"
    );
    // The province's officer approves the district's submitted plan.
    let top = app
        .api_login(merit::staff::demo::APPROVER, merit::demo::DEMO_PASSWORD)
        .await;
    let pending = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "submitted")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let view = top.get(&format!("/api/plans/{pending}")).await.json();
    assert!(!view["people"].as_array().unwrap().is_empty());
    assert_eq!(
        top.post(&format!("/api/plans/{pending}/approve"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn administrators_correct_the_base_salary_table_and_pay_follows() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let id = hire(
        &ha,
        person(p.ha, "Lương Văn Mới", "001080000401", "male", "1980-01-01"),
    )
    .await;
    assert_eq!(
        ha.post(
            "/api/base-salaries",
            json!({"effective_from": "2026-07-01", "amount_vnd": 2_530_000})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let admin = app.api_as(Role::Admin).await;
    let r = admin
        .post(
            "/api/base-salaries",
            json!({"effective_from": "2026-07-01", "amount_vnd": 2_530_000, "note": "test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json().as_array().unwrap().len(), 8);
    // 3.00 × 2,530,000 from July 2026 (the test clock is in November 2026).
    assert_eq!(
        ha.get(&format!("/api/staff/{id}")).await.json()["staff"]["monthly_pay_vnd"],
        7_590_000
    );
    let r = admin
        .post(
            "/api/base-salaries",
            json!({"effective_from": "2026-07-01", "amount_vnd": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        admin.get("/api/audit?action=base_salary_set").await.json()["total"],
        1
    );
}

#[tokio::test]
async fn another_unit_cannot_touch_a_plan() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let hb = personnel(&app, "nv.hb", p.hb).await;
    let someone = hire(
        &ha,
        person(p.ha, "Người A", "001080000501", "male", "1970-01-01"),
    )
    .await;
    let plan = draft_plan(&ha, p.ha, &[p.ha]).await;
    let r = ha.post(&format!("/api/plans/{plan}/people"), json!({"staff_id": someone, "year": 2027, "category": "reorganisation", "exit_route": "early_retirement"})).await;
    let person_id = r.json()["people"][0]["id"].as_i64().unwrap();
    assert_eq!(
        hb.put(
            &format!("/api/plans/{plan}/targets"),
            json!({"targets": []})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(hb.post(&format!("/api/plans/{plan}/people"), json!({"staff_id": someone, "year": 2027, "category": "other", "exit_route": "resignation"})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        hb.delete(&format!("/api/plans/{plan}/people/{person_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hb.post(&format!("/api/plans/{plan}/submit"), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hb.post(
            &format!("/api/plans/{plan}/carry-out"),
            json!({"year": 2027, "effective_date": "2026-12-01"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hb.get(&format!("/api/recruitment-cap?unit_id={}&year=2027", p.ha))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        hb.get("/api/plans")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A plan cannot cover a sibling unit either.
    let r = ha.post("/api/plans", json!({"org_unit_id": p.ha, "title": "x", "first_year": 2026, "last_year": 2027, "unit_ids": [p.ha, p.hb], "target_kind": "count"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // And the owner cannot carry out before approval.
    assert_eq!(
        ha.post(
            &format!("/api/plans/{plan}/carry-out"),
            json!({"year": 2027, "effective_date": "2026-12-01"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
}

/// The cells of the first table row whose first cells are `lead`, as text.
fn row_cells(html: &str, lead: &[&str]) -> Vec<String> {
    let start: String = lead.iter().map(|c| format!("<td>{c}</td>")).collect();
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("no row {lead:?}"));
    let row = &html[at..html[at..].find("</tr>").map_or(html.len(), |e| at + e)];
    row.split("</td>")
        .filter_map(|cell| {
            cell.rsplit_once('>')
                .map(|(_, text)| text.trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_plans_cap_applies_the_ratio_to_the_departures_of_all_its_units() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    let top = personnel(&app, "nv.tinh", p.tinh).await;
    let job_ha = position(&ha, p.ha, "Chuyên viên", 3).await;
    let job_pnv = position(&ha, p.ha_pnv, "Chuyên viên", 3).await;
    // One departure in each unit in 2027, no one retiring before 2030.
    let leaving_ha = hire(
        &ha,
        person(p.ha, "Người A", "001085000601", "male", "1985-01-01"),
    )
    .await;
    let leaving_pnv = hire(
        &ha,
        person(p.ha_pnv, "Người B", "001085000602", "male", "1985-02-01"),
    )
    .await;
    hire(
        &ha,
        person(p.ha_pnv, "Người C", "001085000603", "male", "1986-02-01"),
    )
    .await;
    let plan = draft_plan(&ha, p.ha, &[p.ha, p.ha_pnv]).await;
    for staff in [leaving_ha, leaving_pnv] {
        let r = ha.post(&format!("/api/plans/{plan}/people"), json!({"staff_id": staff, "year": 2027, "category": "reorganisation", "exit_route": "resignation"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let view = ha.get(&format!("/api/plans/{plan}")).await.json();
    let year = |rows: &Value| -> Vec<Value> {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["year"] == 2027)
            .cloned()
            .collect()
    };
    let units = year(&view["projection"]);
    assert_eq!(units.len(), 2);
    for r in &units {
        assert_eq!((&r["departures"], &r["cap"]), (&json!(1), &json!(0)), "{r}");
    }
    let hires: i64 = units.iter().map(|r| r["hires"].as_i64().unwrap()).sum();
    assert_eq!(hires, 1, "the plan's one hire is assumed in one unit");
    let total = &year(&view["totals"])[0];
    assert_eq!(
        (&total["departures"], &total["cap"], &total["hires"]),
        (&json!(2), &json!(1), &json!(1)),
        "50% of the plan's 2 departures is 1: {total}"
    );

    // The page shows the plan's cap and each unit's own figure beside it.
    let mut b = app.browser();
    b.sign_in("nv.ha", PASSWORD).await;
    let page = b.get(&format!("/plans/{plan}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Dự kiến tuyển"), "the hires column");
    let whole = row_cells(&html, &["Toàn kế hoạch", "2027"]);
    // unit, year, start, streamlined, retired, cap, hires, …
    assert_eq!(whole[2..7], ["3", "2", "0", "1", "1"], "{whole:?}");

    assert_eq!(
        ha.post(&format!("/api/plans/{plan}/submit"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        top.post(&format!("/api/plans/{plan}/approve"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    for unit in [p.ha, p.ha_pnv] {
        assert_eq!(
            merit::plans::recruitment_cap(&app.state.db, unit, 2027)
                .await
                .unwrap(),
            Some(1),
            "either unit may hire the plan's one"
        );
    }
    let cap = ha
        .get(&format!(
            "/api/recruitment-cap?unit_id={}&year=2027",
            p.ha_pnv
        ))
        .await
        .json();
    assert_eq!(cap["allowed_hires"], 1, "{cap}");
    assert_eq!(cap["plan"]["plan_id"], plan);
    assert_eq!(
        (
            &cap["plan"]["plan_departures"],
            &cap["plan"]["plan_cap"],
            &cap["plan"]["unit_departures"],
            &cap["plan"]["unit_cap"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(0)),
        "{cap}"
    );

    // A campaign may hire the plan's one in either unit, not one in each.
    let campaign = |quotas: [i32; 2]| -> Value {
        json!({
            "title": "Tuyển dụng công chức 2027",
            "kind": "recruitment",
            "org_unit_id": p.ha,
            "preset": "vn-170-2025-recruitment",
            "applies_from_ms": 1_803_859_200_000_i64,
            "applies_until_ms": 1_806_451_200_000_i64,
            "positions": [
                {"code": "CV-HA", "title": "Chuyên viên", "quota": quotas[0], "job_position_id": job_ha},
                {"code": "CV-PNV", "title": "Chuyên viên", "quota": quotas[1], "job_position_id": job_pnv}
            ]
        })
    };
    let mut one = campaign([1, 1]);
    one["positions"].as_array_mut().unwrap().remove(0);
    let r = ha.post("/api/campaigns", one).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = ha.post("/api/campaigns", campaign([1, 1])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let detail = r.json()["errors"][0]["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("CV-HA, CV-PNV")
            && detail.contains("quotas of 2")
            && detail.contains("(1 for all"),
        "{detail}"
    );
}

#[tokio::test]
async fn hostile_workbooks_are_refused_naming_the_limit_and_the_server_still_answers() {
    let app = TestApp::new().await;
    let p = province(&app).await;
    let ha = personnel(&app, "nv.ha", p.ha).await;
    for (name, bytes, max) in crate::banks::hostile_files() {
        let r = upload(&ha, name, bytes).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.text()
        );
        let report = r.json();
        assert_eq!(report["imported"], 0);
        let problem = report["problems"][0]["problem"]
            .as_str()
            .unwrap_or_default();
        assert!(problem.contains(&max.to_string()), "{name}: {problem}");
    }
    let r = ha.get("/api/staff").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}
