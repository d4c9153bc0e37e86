use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use merit::accounts::domain::Role;
use serde_json::{Value, json};

use crate::harness::{Api, PASSWORD, T0, TestApp};

const DAY: i64 = 86_400_000;

fn campaign(unit: i32) -> Value {
    json!({
        "title": "Tuyển dụng công chức 2026",
        "kind": "recruitment",
        "org_unit_id": unit,
        "preset": "vn-138-2020-recruitment",
        "applies_from_ms": T0,
        "applies_until_ms": T0 + 30 * DAY,
        "positions": [
            {"code": "CV-01", "title": "Chuyên viên pháp chế", "quota": 2},
            {"code": "CV-02", "title": "Chuyên viên tổ chức", "quota": 1}
        ]
    })
}

/// Two units under one province, a personnel officer in each.
struct World<'a> {
    unit_a: i32,
    hr_a: Api<'a>,
    hr_b: Api<'a>,
}

async fn world(app: &TestApp) -> World<'_> {
    let province = app.unit("P", None).await;
    let unit_a = app.unit("A", Some(province)).await;
    let unit_b = app.unit("B", Some(province)).await;
    app.user_in(Role::Personnel, "hr.a", Some(unit_a)).await;
    app.user_in(Role::Personnel, "hr.b", Some(unit_b)).await;
    World {
        unit_a,
        hr_a: app.api_login("hr.a", PASSWORD).await,
        hr_b: app.api_login("hr.b", PASSWORD).await,
    }
}

impl World<'_> {
    /// A published campaign of unit A; returns (campaign id, first position id).
    async fn published(&self) -> (i64, i64) {
        let r = self
            .hr_a
            .post("/api/campaigns", campaign(self.unit_a))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            self.hr_a
                .post(&format!("/api/campaigns/{id}/publish"), json!({}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let detail = self.hr_a.get(&format!("/api/campaigns/{id}")).await.json();
        (id, detail["positions"][0]["id"].as_i64().unwrap())
    }
}

#[tokio::test]
async fn personnel_create_campaigns_only_in_their_subtree() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = w.hr_b.post("/api/campaigns", campaign(w.unit_a)).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "unit B's officer cannot create in unit A"
    );
    let (id, _) = w.published().await;
    assert_eq!(
        w.hr_b.get(&format!("/api/campaigns/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.hr_b
            .get(&format!("/api/campaigns/{id}/applications"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        w.hr_b
            .get("/api/campaigns")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let detail = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json();
    assert_eq!(
        detail["rule_set"]["preset_id"], "vn-138-2020-recruitment",
        "the preset is copied into the campaign"
    );
}

#[tokio::test]
async fn campaign_input_problems_are_all_named() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut bad = campaign(w.unit_a);
    bad["title"] = json!("");
    bad["applies_until_ms"] = json!(T0 - 1);
    bad["positions"] = json!([{"code": "X 1", "title": "", "quota": 0}]);
    bad["preset"] = json!("no-such-preset");
    let r = w.hr_a.post("/api/campaigns", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["title", "applies_until", "positions", "preset"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn a_candidate_applies_once_per_campaign() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let cand = app.api_as(Role::Candidate).await;
    let r = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["status"], "submitted");
    let again = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn priority_and_exemption_claims_are_checked_against_the_rule_set() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let cand = app.api_as(Role::Candidate).await;
    let r = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position, "priority_category": "royalty"}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "priority_category");
    let rules = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    let code = rules["priority"]["categories"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position, "priority_category": code}),
        )
        .await;
    assert_eq!(
        r.json()["errors"][0]["field"],
        "document_ref",
        "a claim needs its document"
    );
    let r = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position, "priority_category": code, "document_ref": "QĐ 123/2020"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn applications_are_refused_outside_the_window_and_for_drafts() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let draft = w
        .hr_a
        .post("/api/campaigns", campaign(w.unit_a))
        .await
        .json();
    let cand = app.api_as(Role::Candidate).await;
    let r = cand
        .post(
            &format!("/api/campaigns/{}/applications", draft["id"]),
            json!({"position_id": 1}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a draft campaign is invisible"
    );
    let (id, position) = w.published().await;
    app.clock.advance_ms(30 * DAY);
    let cand = app.api_as(Role::Candidate).await;
    let r = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn candidates_see_only_their_own_applications() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let one = app.api_as(Role::Candidate).await;
    let two = app.api_as(Role::Candidate).await;
    let a1 = one
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await
        .json();
    two.post(
        &format!("/api/campaigns/{id}/applications"),
        json!({"position_id": position}),
    )
    .await;
    let mine = one.get("/api/me/applications").await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["id"], a1["id"]);
    assert_eq!(
        one.get(&format!("/api/campaigns/{id}/applications"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = one
        .post(
            &format!("/api/applications/{}/decision", a1["id"]),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a candidate cannot approve themselves"
    );
}

#[tokio::test]
async fn personnel_approve_reject_with_reason_and_grant_extra_time_all_audited() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let cand = app.api_as(Role::Candidate).await;
    let a = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await
        .json();
    let path = format!("/api/applications/{}", a["id"]);
    let r = w
        .hr_a
        .post(
            &format!("{path}/decision"),
            json!({"decision": "reject", "reason": ""}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rejection needs a reason"
    );
    let r = w
        .hr_a
        .post(
            &format!("{path}/decision"),
            json!({"decision": "reject", "reason": "Thiếu bằng đại học"}),
        )
        .await;
    assert_eq!(r.json()["status"], "rejected");
    assert_eq!(
        cand.get("/api/me/applications").await.json()[0]["reject_reason"],
        "Thiếu bằng đại học"
    );
    let r = w
        .hr_b
        .post(&format!("{path}/decision"), json!({"decision": "approve"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another unit's officer cannot decide"
    );
    assert_eq!(
        w.hr_a
            .post(&format!("{path}/decision"), json!({"decision": "approve"}))
            .await
            .json()["status"],
        "approved"
    );
    assert_eq!(
        w.hr_a
            .request(
                "PUT".parse().unwrap(),
                &format!("{path}/extra-minutes"),
                Some(json!({"extra_minutes": 500}))
            )
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        w.hr_a
            .request(
                "PUT".parse().unwrap(),
                &format!("{path}/extra-minutes"),
                Some(json!({"extra_minutes": 15}))
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let admin = app.api_as(Role::Admin).await;
    let audit = admin.get("/api/audit").await.json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "application_decided")
            .count(),
        2
    );
    assert!(actions.contains(&"accommodation_set"));
}

fn multipart(
    csrf: &str,
    cookies: &str,
    path: &str,
    file_name: &str,
    content: &str,
) -> Request<Body> {
    let boundary = "merit-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    Request::post(format!("{path}?csrf={csrf}"))
        .header(header::COOKIE, cookies)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn bulk_import_creates_accounts_and_approved_applications_or_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, _) = w.published().await;
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    b.get(&format!("/campaigns/{id}")).await;
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let csrf = b.csrf.clone().unwrap();
    let path = format!("/campaigns/{id}/applicants/import");

    let bad = "full_name,date_of_birth,national_id,email,position\nAn,1995-03-12,001095001234,an@example.vn,CV-01\nBình,1996-01-01,12,binh@example.vn,CV-09\n";
    let r = app
        .send(multipart(&csrf, &cookies, &path, "bad.csv", bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text();
    assert!(
        text.contains("row 3, column &#39;national_id&#39;"),
        "{text}"
    );
    assert!(
        text.contains("row 3, column &#39;position&#39;"),
        "every problem is listed"
    );
    assert!(
        w.hr_a
            .get(&format!("/api/campaigns/{id}/applications"))
            .await
            .json()["total"]
            == 0,
        "nothing imported"
    );

    let good = "full_name,date_of_birth,national_id,email,position,priority_category,extra_minutes\nAn,1995-03-12,001095001234,an@example.vn,CV-01,,0\nBình,1996-01-01,001096004321,binh@example.vn,CV-02,,20\n";
    let r = app
        .send(multipart(&csrf, &cookies, &path, "good.csv", good))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list = w
        .hr_a
        .get(&format!("/api/campaigns/{id}/applications"))
        .await
        .json();
    assert_eq!(list["total"], 2);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["application"]["status"] == "approved")
    );
    // The password on the page signs the new candidate in.
    let page = r.text();
    let start = page.find("<span class=\"secret\">").unwrap() + "<span class=\"secret\">".len();
    let password = &page[start..start + 16];
    app.api_login("an@example.vn", password).await;
}

#[tokio::test]
async fn candidate_applies_through_the_html_page_with_an_exemption() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut c = campaign(w.unit_a);
    c["preset"] = json!("vn-170-2025-recruitment");
    let id = w.hr_a.post("/api/campaigns", c).await.json()["id"]
        .as_i64()
        .unwrap();
    w.hr_a
        .post(&format!("/api/campaigns/{id}/publish"), json!({}))
        .await;
    let detail = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json();
    let position = detail["positions"][0]["id"].to_string();
    let mut b = app.browser_as(Role::Candidate).await;
    let page = b.get(&format!("/campaigns/{id}")).await.text();
    let exemption = page
        .split("name=\"exemption\" value=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().to_owned());
    let mut fields = vec![
        ("position_id", position.as_str()),
        ("priority_category", ""),
        ("document_ref", "Giấy chứng nhận 12/2026"),
    ];
    if let Some(e) = &exemption {
        fields.push(("exemption", e.as_str()));
    }
    let r = b.post(&format!("/campaigns/{id}/apply"), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mine = b.get("/my/applications").await.text();
    assert!(mine.contains("Tuyển dụng công chức 2026"));
    let list = w
        .hr_a
        .get(&format!("/api/campaigns/{id}/applications"))
        .await
        .json();
    let claimed = list["items"][0]["application"]["exemptions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(claimed, usize::from(exemption.is_some()));
}

#[tokio::test]
async fn personnel_create_a_campaign_in_the_html_form() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let form = b.get("/campaigns/new").await.text();
    assert!(
        form.contains("Nghị định 138") || form.contains("138/2020"),
        "presets offered"
    );
    let unit = w.unit_a.to_string();
    let r = b
        .post(
            "/campaigns",
            &[
                ("title", "Kỳ tuyển dụng thử"),
                ("kind", "recruitment"),
                ("org_unit_id", &unit),
                ("preset", "vn-170-2025-recruitment"),
                ("applies_from", "2026-11-25T08:00"),
                ("applies_until", "2026-12-25T17:00"),
                ("positions", "CV-01 | Chuyên viên | 2\nCV-02 | Văn thư | 1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let show = b.get(r.location().unwrap()).await.text();
    assert!(show.contains("Văn thư") && show.contains("25/11/2026 08:00"));
    let bad = b
        .post(
            "/campaigns",
            &[
                ("title", ""),
                ("kind", "recruitment"),
                ("org_unit_id", &unit),
                ("preset", "x"),
                ("applies_from", ""),
                ("applies_until", ""),
                ("positions", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_custom_rule_set_is_validated_and_stored() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, _) = w.published().await;
    let mut rules = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    rules["name"] = json!("Quy chế riêng của tỉnh");
    rules["preset_id"] = json!("custom");
    let last = rules["tie_breaks"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    rules["tie_breaks"] = json!([]);
    let mut c = campaign(w.unit_a);
    c["rule_set"] = rules.clone();
    let r = w.hr_a.post("/api/campaigns", c.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a tie-break list must end in a manual decision"
    );
    assert_eq!(r.json()["errors"][0]["field"], "rule_set");
    c["rule_set"]["tie_breaks"] = json!([last]);
    let r = w.hr_a.post("/api/campaigns", c).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let stored = w
        .hr_a
        .get(&format!("/api/campaigns/{}", r.json()["id"]))
        .await
        .json();
    assert_eq!(stored["rule_set"]["name"], "Quy chế riêng của tỉnh");
}
