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
        "preset": "vn-170-2025-recruitment",
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
        detail["rule_set"]["preset_id"], "vn-170-2025-recruitment",
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
async fn priority_claims_and_exemptions_are_checked_against_the_rule_set() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let cand = app.api_as(Role::Candidate).await;
    let url = format!("/api/campaigns/{id}/applications");
    let r = cand
        .post(
            &url,
            json!({"position_id": position, "priority_claims": [{"code": "royalty", "document_ref": "x"}]}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "priority_claims");
    let rules = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    let code = |i: usize| {
        rules["priority"]["categories"][i]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The first section the rule set lets be exempted, by its bare id and as stored.
    let (round, exemptible) = rules["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| {
            let s = r["sections"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["exemptible"] == true)?;
            Some((r["id"].as_str()?.to_owned(), s["id"].as_str()?.to_owned()))
        })
        .unwrap();
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&code(0)),
        "the refusal names the codes the rules know: {}",
        r.text()
    );
    let r = cand
        .post(
            &url,
            json!({"position_id": position, "priority_claims": [{"code": code(0), "document_ref": " "}]}),
        )
        .await;
    assert_eq!(
        r.json()["errors"][0]["field"],
        "priority_claims",
        "each claim needs its document: {}",
        r.text()
    );
    let r = cand
        .post(
            &url,
            json!({"position_id": position, "priority_category": code(0)}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the old single field is refused, not silently dropped: {}",
        r.text()
    );
    let r = cand
        .post(
            &url,
            json!({"position_id": position, "exemptions": ["written"]}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "exemptions", "{}", r.text());
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{round}.{exemptible}")),
        "the refusal names what may be exempted: {}",
        r.text()
    );
    let r = cand
        .post(
            &url,
            json!({"position_id": position, "exemptions": [exemptible]}),
        )
        .await;
    assert_eq!(
        r.json()["errors"][0]["field"],
        "document_ref",
        "an exemption needs its document: {}",
        r.text()
    );
    let r = cand
        .post(
            &url,
            json!({
                "position_id": position,
                "priority_claims": [
                    {"code": code(0), "document_ref": "QĐ 123/2020"},
                    {"code": code(1), "document_ref": "Giấy xác nhận 7/2021"}
                ],
                "exemptions": [exemptible],
                "document_ref": "Chứng chỉ ngoại ngữ B2, 2025"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a = r.json();
    assert_eq!(a["priority_claims"].as_array().unwrap().len(), 2);
    assert_eq!(
        a["priority_claims"][1]["document_ref"],
        "Giấy xác nhận 7/2021"
    );
    assert_eq!(
        a["exemptions"],
        json!([format!("{round}.{exemptible}")]),
        "stored as the rule set names it"
    );
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
    content: impl AsRef<[u8]>,
) -> Request<Body> {
    let boundary = "merit-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content.as_ref());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
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
async fn candidate_applies_through_the_html_page_with_an_exemption_and_two_priority_claims() {
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
    // Each category offered is a checkbox with its own document field.
    assert!(
        page.contains("name=\"claim_document.ethnic_minority\""),
        "{page}"
    );
    let mut fields = vec![
        ("position_id", position.as_str()),
        ("priority", "ethnic_minority"),
        ("claim_document.ethnic_minority", "Giấy khai sinh số 12"),
        ("priority", "completed_service"),
        ("claim_document.completed_service", "QĐ xuất ngũ số 9"),
        (
            "claim_document.hero_or_war_invalid",
            "ticked nowhere, so ignored",
        ),
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
    assert_eq!(
        list["items"][0]["application"]["priority_claims"],
        json!([
            {"code": "ethnic_minority", "document_ref": "Giấy khai sinh số 12"},
            {"code": "completed_service", "document_ref": "QĐ xuất ngũ số 9"}
        ])
    );
    let page = w
        .hr_a
        .get(&format!("/campaigns/{id}/applications"))
        .await
        .text();
    assert!(
        page.contains("completed_service") && page.contains("QĐ xuất ngũ số 9"),
        "personnel see each claim with its document"
    );
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

/// Local midnight (UTC+7) of a calendar day, in Unix milliseconds.
fn local_day_ms(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 7 * 3_600_000
}

fn under_decree_138(unit: i32) -> Value {
    let mut c = campaign(unit);
    c["preset"] = json!("vn-138-2020-recruitment");
    c
}

#[tokio::test]
async fn a_campaign_outside_its_presets_dates_is_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = w
        .hr_a
        .post("/api/campaigns", under_decree_138(w.unit_a))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let error = r.json()["errors"][0].clone();
    assert_eq!(error["field"], "preset");
    let detail = error["detail"].as_str().unwrap();
    assert!(
        detail.contains("2020-12-01") && detail.contains("2025-06-30"),
        "names the preset's dates: {detail}"
    );
    assert!(
        detail.contains("2026-11-25") && detail.contains("2026-12-25"),
        "and the campaign's first and last day: {detail}"
    );

    // The same rules sent as a custom rule set are refused on that field.
    let rules = w
        .hr_a
        .get("/api/rule-set-presets/vn-138-2020-recruitment")
        .await
        .json();
    let mut custom = campaign(w.unit_a);
    custom["rule_set"] = rules;
    let r = w.hr_a.post("/api/campaigns", custom).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "rule_set");

    // An intake of May 2025 was under Decree 138.
    let mut in_force = under_decree_138(w.unit_a);
    in_force["applies_from_ms"] = json!(local_day_ms(2025, 5, 1));
    in_force["applies_until_ms"] = json!(local_day_ms(2025, 6, 1));
    let r = w.hr_a.post("/api/campaigns", in_force.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["transitional_reason"], Value::Null);
    // One that runs on into July did not stay under it.
    in_force["applies_until_ms"] = json!(local_day_ms(2025, 7, 2));
    let r = w.hr_a.post("/api/campaigns", in_force).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    // The HTML form says the same.
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let unit = w.unit_a.to_string();
    let r = b
        .post(
            "/campaigns",
            &[
                ("title", "Kỳ tuyển dụng thử"),
                ("kind", "recruitment"),
                ("org_unit_id", &unit),
                ("preset", "vn-138-2020-recruitment"),
                ("applies_from", "2026-11-25T08:00"),
                ("applies_until", "2026-12-25T17:00"),
                ("positions", "CV-01 | Chuyên viên | 2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("2025-06-30"), "{}", r.text());
}

#[tokio::test]
async fn a_transitional_intake_needs_a_reason_and_is_audited() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut c = under_decree_138(w.unit_a);
    c["transitional"] = json!(true);
    c["transitional_reason"] = json!("  ");
    let r = w.hr_a.post("/api/campaigns", c.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "transitional_reason");

    let reason = "Vòng 1 đã thi xong ngày 20/6/2025 theo Nghị định 138 (Điều 70 NĐ 170/2025)";
    c["transitional_reason"] = json!(reason);
    let r = w.hr_a.post("/api/campaigns", c).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["transitional_reason"], reason);
    let detail = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json();
    assert_eq!(detail["rule_set"]["preset_id"], "vn-138-2020-recruitment");
    assert_eq!(detail["campaign"]["transitional_reason"], reason);

    let admin = app.api_as(Role::Admin).await;
    let audit = admin
        .get("/api/audit?action=campaign_transitional")
        .await
        .json();
    assert_eq!(audit["total"], 1);
    let entry = audit["items"][0]["detail"].as_str().unwrap();
    assert!(
        entry.contains(reason) && entry.contains("2025-06-30"),
        "{entry}"
    );

    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let page = b.get(&format!("/campaigns/{id}")).await.text();
    assert!(
        page.contains("badge warn") && page.contains(reason),
        "{page}"
    );

    // Under rules in force there is nothing to carry over: no mark, no entry.
    let mut fine = campaign(w.unit_a);
    fine["transitional"] = json!(true);
    fine["transitional_reason"] = json!(reason);
    let r = w.hr_a.post("/api/campaigns", fine).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["transitional_reason"], Value::Null);
    let page = b
        .get(&format!("/campaigns/{}", r.json()["id"]))
        .await
        .text();
    assert!(!page.contains("badge warn"));
    let audit = admin
        .get("/api/audit?action=campaign_transitional")
        .await
        .json();
    assert_eq!(audit["total"], 1);
}

#[tokio::test]
async fn presets_say_which_are_in_force() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let in_force = |list: &Value, id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["in_force"].clone())
    };
    // Today, on the test clock, is 2026-11-25.
    let today = w.hr_a.get("/api/rule-set-presets").await.json();
    assert_eq!(
        in_force(&today, "vn-170-2025-recruitment"),
        Some(json!(true))
    );
    assert_eq!(
        in_force(&today, "vn-138-2020-recruitment"),
        Some(json!(false))
    );
    let old = w
        .hr_a
        .get("/api/rule-set-presets?on=2024-01-01")
        .await
        .json();
    assert_eq!(
        in_force(&old, "vn-170-2025-recruitment"),
        Some(json!(false))
    );
    assert_eq!(in_force(&old, "vn-138-2020-recruitment"), Some(json!(true)));
    let p138 = old
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "vn-138-2020-recruitment")
        .unwrap()
        .clone();
    assert_eq!(p138["effective_from"], "2020-12-01");
    assert_eq!(p138["effective_until"], "2025-06-30");
    let r = w.hr_a.get("/api/rule-set-presets?on=30/6/2025").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "on");

    let full = w
        .hr_a
        .get("/api/rule-set-presets/vn-138-2020-recruitment")
        .await;
    assert_eq!(full.status, StatusCode::OK);
    let full = full.json();
    let sections: Vec<&str> = full["rounds"][0]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(sections, ["general_knowledge", "foreign_language", "it"]);
    assert_eq!(full["effective_until"], "2025-06-30");
    assert_eq!(
        w.hr_a.get("/api/rule-set-presets/no-such-law").await.status,
        StatusCode::NOT_FOUND
    );
    let cand = app.api_as(Role::Candidate).await;
    assert_eq!(
        cand.get("/api/rule-set-presets").await.status,
        StatusCode::FORBIDDEN
    );

    let doc = app.get("/api/openapi.json").await.json();
    for path in [
        "/api/rule-set-presets",
        "/api/rule-set-presets/{id}",
        "/api/campaigns/{id}/rule-set",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }

    // The new-campaign page marks each preset for its default window (from today).
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let form = b.get("/campaigns/new").await.text();
    let option = |id: &str| {
        form.split(&format!("<option value=\"{id}\""))
            .nth(1)
            .and_then(|s| s.split("</option>").next())
            .unwrap()
            .to_owned()
    };
    assert!(
        option("vn-138-2020-recruitment").contains("không có hiệu lực"),
        "{form}"
    );
    assert!(option("vn-170-2025-recruitment").contains("đang có hiệu lực"));
    assert!(form.contains("2020-12-01 – 2025-06-30"));
}

/// A draft campaign of unit A under Decree 170, and its rule set.
async fn draft_170(w: &World<'_>) -> (i64, Value) {
    let r = w.hr_a.post("/api/campaigns", campaign(w.unit_a)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let rules = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    (id, rules)
}

#[tokio::test]
async fn a_draft_campaigns_rule_set_can_be_edited_with_the_same_validation() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, rules) = draft_170(&w).await;
    let path = format!("/api/campaigns/{id}/rule-set");

    let mut edited = rules.clone();
    edited["rounds"][0]["sections"][0]["pass_mark"] = json!({"kind": "percent", "value": 60.0});
    edited["priority"]["categories"] = json!([edited["priority"]["categories"][0]]);
    let r = w.hr_a.put(&path, edited).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stored = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    assert_eq!(
        stored["rounds"][0]["sections"][0]["pass_mark"]["value"],
        60.0
    );
    assert_eq!(
        stored["priority"]["categories"].as_array().unwrap().len(),
        1
    );

    // The checks of creation: a pass mark above 100%…
    let mut bad = stored.clone();
    bad["rounds"][0]["sections"][0]["pass_mark"] = json!({"kind": "percent", "value": 120.0});
    let r = w.hr_a.put(&path, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "rule_set");
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("pass mark 120%")
    );
    // …and rules out of force for the campaign's dates.
    let mut ended = stored.clone();
    ended["effective_until"] = json!("2025-06-30");
    let r = w.hr_a.put(&path, ended).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("2025-06-30")
    );
    assert_eq!(
        w.hr_b.put(&path, stored.clone()).await.status,
        StatusCode::NOT_FOUND,
        "another unit's officer"
    );
    let after = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    assert_eq!(after, stored, "refused edits change nothing");

    let admin = app.api_as(Role::Admin).await;
    let audit = admin
        .get("/api/audit?action=campaign_rule_set_edited")
        .await
        .json();
    assert_eq!(audit["total"], 1);
    let entry = audit["items"][0]["detail"].as_str().unwrap();
    assert!(
        entry.contains("general_knowledge ≥ 50%") && entry.contains("general_knowledge ≥ 60%"),
        "before and after: {entry}"
    );

    // The HTML page: the rule set in a textarea, problems listed beside it.
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let show = b.get(&format!("/campaigns/{id}")).await.text();
    assert!(show.contains(&format!("href=\"/campaigns/{id}/rule-set\"")));
    let page = b.get(&format!("/campaigns/{id}/rule-set")).await.text();
    assert!(page.contains("<textarea") && page.contains("general_knowledge"));
    let html = format!("/campaigns/{id}/rule-set");
    let r = b.post(&html, &[("rule_set", "{ not json")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("JSON") && r.text().contains("{ not json"));
    let mut again = stored.clone();
    again["rounds"][0]["sections"][0]["pass_mark"] = json!({"kind": "percent", "value": 0.0});
    let r = b.post(&html, &[("rule_set", &again.to_string())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("pass mark 0%"), "{}", r.text());
    again["rounds"][0]["sections"][0]["pass_mark"] = json!({"kind": "percent", "value": 55.0});
    let r = b.post(&html, &[("rule_set", &again.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let stored = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    assert_eq!(
        stored["rounds"][0]["sections"][0]["pass_mark"]["value"],
        55.0
    );
}

#[tokio::test]
async fn a_published_campaigns_rule_set_cannot_be_edited() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, _) = w.published().await;
    let rules = w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"].clone();
    let mut edited = rules.clone();
    edited["rounds"][0]["sections"][0]["pass_mark"] = json!({"kind": "percent", "value": 60.0});
    let r = w
        .hr_a
        .put(&format!("/api/campaigns/{id}/rule-set"), edited.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "status");
    assert_eq!(
        w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"],
        rules
    );
    let mut b = app.browser();
    b.sign_in("hr.a", PASSWORD).await;
    let page = b.get(&format!("/campaigns/{id}/rule-set")).await.text();
    assert!(
        !page.contains("<textarea"),
        "shown, not offered for editing"
    );
    assert!(page.contains("general_knowledge"));
    let r = b
        .post(
            &format!("/campaigns/{id}/rule-set"),
            &[("rule_set", &edited.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        w.hr_a.get(&format!("/api/campaigns/{id}")).await.json()["rule_set"],
        rules
    );
}

#[tokio::test]
async fn a_quota_above_the_job_positions_vacancies_needs_an_audited_override() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let job = w
        .hr_a
        .post("/api/positions", json!({"org_unit_id": w.unit_a, "title": "Chuyên viên", "group": "professional", "grade": "A1", "headcount": 3}))
        .await;
    assert_eq!(job.status, StatusCode::CREATED, "{}", job.text());
    let job_id = job.json()["id"].as_i64().unwrap();
    let mut c = campaign(w.unit_a);
    c["positions"] =
        json!([{"code": "CV-01", "title": "Chuyên viên", "quota": 5, "job_position_id": job_id}]);
    let r = w.hr_a.post("/api/campaigns", c.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let detail = r.json()["errors"][0]["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("CV-01") && detail.contains("quota of 5") && detail.contains("3 vacancies"),
        "{detail}"
    );
    c["positions"][0]["quota"] = json!(3);
    assert_eq!(
        w.hr_a.post("/api/campaigns", c.clone()).await.status,
        StatusCode::CREATED,
        "within vacancies"
    );
    c["positions"][0]["quota"] = json!(5);
    c["quota_override_reason"] = json!("Chủ tịch UBND tỉnh đồng ý tại văn bản 45/UBND");
    assert_eq!(
        w.hr_a.post("/api/campaigns", c.clone()).await.status,
        StatusCode::CREATED,
        "with a reason"
    );
    let admin = app.api_as(Role::Admin).await;
    let audit = admin.get("/api/audit?action=quota_override").await.json();
    assert_eq!(audit["total"], 1);
    assert!(
        audit["items"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("45/UBND")
    );
    // Another unit's officer cannot recruit for unit A's job position.
    let mut theirs = campaign(app.unit("B", None).await);
    theirs["positions"] =
        json!([{"code": "CV-01", "title": "Chuyên viên", "quota": 1, "job_position_id": job_id}]);
    let r = w.hr_b.post("/api/campaigns", theirs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("no such job position")
    );
}

/// The id of the campaign with this title among those `hr` sees.
async fn campaign_titled(hr: &Api<'_>, title: &str) -> i64 {
    let all = hr.get("/api/campaigns").await.json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no campaign {title}: {all}"))["id"]
        .as_i64()
        .unwrap()
}

/// The demo promotion campaign and personnel of its department.
async fn demo_promotion(app: &TestApp) -> (i64, Api<'_>) {
    merit::demo::load(&app.state).await.unwrap();
    let hr = app
        .api_login("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let id = campaign_titled(&hr, merit::demo::DEMO_PROMOTION).await;
    (id, hr)
}

/// The campaign's eligible list as personnel see it, and its first position.
async fn eligible_and_position(hr: &Api<'_>, campaign: i64) -> (Vec<Value>, i64) {
    let rows = hr
        .get(&format!("/api/campaigns/{campaign}/eligible"))
        .await
        .json();
    let position = hr.get(&format!("/api/campaigns/{campaign}")).await.json()["positions"][0]["id"]
        .as_i64()
        .unwrap();
    (rows.as_array().unwrap().clone(), position)
}

/// An eligible member of staff not yet admitted to the campaign.
async fn not_yet_admitted(app: &TestApp, rows: &[Value], campaign: i64) -> i64 {
    let links = merit::campaigns::store::staff_links(&app.state.db, campaign as i32)
        .await
        .unwrap();
    rows.iter()
        .find(|r| {
            r["eligible"] == true
                && !links
                    .iter()
                    .any(|l| i64::from(l.staff_id) == r["staff_id"].as_i64().unwrap())
        })
        .unwrap()["staff_id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_admission_form_admits_every_ticked_member_of_staff_in_one_post() {
    let app = TestApp::new().await;
    let (id, hr) = demo_promotion(&app).await;
    let (rows, position) = eligible_and_position(&hr, id).await;
    let links = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    let ticked: Vec<String> = rows
        .iter()
        .filter(|r| r["eligible"] == true)
        .map(|r| r["staff_id"].as_i64().unwrap())
        .filter(|s| !links.iter().any(|l| i64::from(l.staff_id) == *s))
        .take(2)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ticked.len(), 2, "two eligible not yet admitted: {rows:?}");
    let mut b = app.browser();
    let r = b
        .sign_in("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let path = format!("/campaigns/{id}/admissions");

    // No position chosen: the form comes back saying so, and nobody is admitted.
    let r = b.post(&path, &[("staff", ticked[0].as_str())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let bad_position = "Chọn một vị trí của kỳ tuyển dụng này.";
    assert!(r.text().contains(bad_position), "{}", r.text());
    let unchanged = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    assert_eq!(unchanged.len(), links.len());

    let position = position.to_string();
    let form = [
        ("staff", ticked[0].as_str()),
        ("staff", ticked[1].as_str()),
        ("position_id", position.as_str()),
    ];
    let r = b.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    for staff in &ticked {
        assert!(page.contains(&format!("staff-{staff}")), "{staff}: {page}");
    }
    let after = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    assert_eq!(after.len(), links.len() + 2);
}

#[tokio::test]
async fn eligible_staff_are_admitted_with_a_linked_application_and_the_excluded_are_told_why() {
    let app = TestApp::new().await;
    let (id, hr) = demo_promotion(&app).await;
    let (rows, position) = eligible_and_position(&hr, id).await;
    let rows = rows.as_slice();
    let excluded = rows.iter().find(|r| r["eligible"] == false).unwrap();
    let path = format!("/api/campaigns/{id}/admissions");
    let r = hr
        .post(
            &path,
            json!({"position_id": position, "staff_ids": [excluded["staff_id"]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = excluded["reasons"][0].as_str().unwrap();
    assert!(r.text().contains(reason), "{} lacks {reason}", r.text());

    let staff_id = not_yet_admitted(&app, rows, id).await;
    let r = hr
        .post(
            &path,
            json!({"position_id": position, "staff_ids": [staff_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let admitted = r.json()[0].clone();
    assert_eq!(admitted["username"], format!("staff-{staff_id}"));
    let password = admitted["password"].as_str().unwrap().to_owned();
    let record = merit::staff::store::find(&app.state.db, staff_id as i32)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !r.text()
            .contains(record.national_id.as_deref().unwrap_or("none")),
        "no national ID in the answer"
    );
    let links = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    let link = links
        .iter()
        .find(|l| i64::from(l.staff_id) == staff_id)
        .unwrap();
    assert_eq!(
        i64::from(link.application_id),
        admitted["application_id"].as_i64().unwrap()
    );
    // Twice is refused; the new account signs in and sees its approved application.
    let r = hr
        .post(
            &path,
            json!({"position_id": position, "staff_ids": [staff_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("already admitted"), "{}", r.text());
    let me = app.api_login(&format!("staff-{staff_id}"), &password).await;
    let mine = me.get("/api/me/applications").await.json();
    assert_eq!(mine[0]["status"], "approved");
    assert_eq!(mine[0]["campaign_id"].as_i64().unwrap(), id);
    let (audit, _) = merit::audit::store::list(
        &app.state.db,
        &merit::audit::store::Filter {
            action: Some("staff_admitted".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 4, "three by the demo, one here");
    // Recruitment campaigns admit no staff this way.
    let recruitment = campaign_titled(&hr, merit::demo::DEMO_CAMPAIGN).await;
    let r = hr
        .post(
            &format!("/api/campaigns/{recruitment}/admissions"),
            json!({"position_id": position, "staff_ids": [staff_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn promotion_pages_show_no_identity_and_only_to_personnel_of_the_subtree() {
    let app = TestApp::new().await;
    let (id, hr) = demo_promotion(&app).await;
    let snv = merit::org_units::store::find_by_code(&app.state.db, "SNV")
        .await
        .unwrap()
        .unwrap()
        .id;
    let people = merit::staff::store::list(
        &app.state.db,
        &merit::staff::store::StaffFilter {
            units: Some(vec![snv]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut browser = app.browser();
    browser
        .sign_in("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let page = browser.get(&format!("/campaigns/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let eligible = hr
        .get(&format!("/api/campaigns/{id}/eligible"))
        .await
        .text();
    assert!(
        html.contains(&people[0].full_name),
        "the eligible list is shown"
    );
    for p in &people {
        let national_id = p.national_id.clone().unwrap();
        let born = p.date_of_birth.to_string();
        for (what, text) in [("page", &html), ("eligible list", &eligible)] {
            assert!(!text.contains(&national_id), "national ID on the {what}");
            assert!(!text.contains(&born), "date of birth on the {what}");
        }
    }
    // Other units' personnel and candidates get nothing; admins may act.
    let other = app
        .api_login("demo.personnel.ha", merit::demo::DEMO_PASSWORD)
        .await;
    let body = json!({"position_id": 1, "staff_ids": [people[0].id]});
    for (path, body) in [
        (format!("/api/campaigns/{id}/admissions"), body.clone()),
        (
            format!("/api/campaigns/{id}/promotions"),
            json!({"application_ids": [1], "effective_date": "2026-12-01"}),
        ),
    ] {
        assert_eq!(
            other.post(&path, body).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        other
            .get(&format!("/api/campaigns/{id}/eligible"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let candidate = app
        .api_login("demo.candidate", merit::demo::DEMO_PASSWORD)
        .await;
    let r = candidate
        .post(&format!("/api/campaigns/{id}/admissions"), body)
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    let doc = app.get("/api/openapi.json").await.json();
    for path in [
        "/api/campaigns/{id}/admissions",
        "/api/campaigns/{id}/promotions",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "{path} missing");
    }
    let admin = app
        .api_login("demo.admin", merit::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        admin
            .get(&format!("/api/campaigns/{id}/eligible"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_demo_recruitment_shows_the_approved_plans_cap_and_personnel_admit_from_the_page() {
    let app = TestApp::new().await;
    let (id, _) = demo_promotion(&app).await;
    let snv = merit::org_units::store::find_by_code(&app.state.db, "SNV")
        .await
        .unwrap()
        .unwrap()
        .id;
    let cap = merit::plans::service::recruitment_cap(&app.state.db, snv, 2026)
        .await
        .unwrap();
    assert!(
        cap.is_some_and(|c| c > 0),
        "the approved SNV plan sets a cap: {cap:?}"
    );
    let mut browser = app.browser();
    browser
        .sign_in("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let recruitment = merit::campaigns::store::campaigns_in(&app.state.db, &None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.title == merit::demo::DEMO_CAMPAIGN)
        .unwrap();
    let html = browser
        .get(&format!("/campaigns/{}", recruitment.id))
        .await
        .text();
    assert!(html.contains("Trần tuyển dụng"), "the cap column is shown");
    assert!(
        html.contains(&format!("<td class=\"num\">{}</td>", cap.unwrap())),
        "the cap's value is shown"
    );
    // Admit one more eligible person through the form: the page hands over
    // the new account once.
    let links = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    let page = browser.get(&format!("/campaigns/{id}")).await.text();
    let staff_id = page
        .split("name=\"staff\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(!links.iter().any(|l| l.staff_id.to_string() == staff_id));
    let position = merit::campaigns::store::positions(&app.state.db, id as i32)
        .await
        .unwrap()[0]
        .id
        .to_string();
    let r = browser
        .post(
            &format!("/campaigns/{id}/admissions"),
            &[
                ("staff", staff_id.as_str()),
                ("position_id", position.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&format!("staff-{staff_id}")));
    assert!(r.text().contains("class=\"secret\""), "the password, once");
}

#[tokio::test]
async fn two_admissions_of_one_person_at_once_admit_once_and_tell_the_other_why() {
    let app = TestApp::new().await;
    let (id, hr) = demo_promotion(&app).await;
    let (rows, position) = eligible_and_position(&hr, id).await;
    let staff_id = not_yet_admitted(&app, &rows, id).await;
    let path = format!("/api/campaigns/{id}/admissions");
    let body = json!({"position_id": position, "staff_ids": [staff_id]});
    let (a, b) = tokio::join!(hr.post(&path, body.clone()), hr.post(&path, body));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.text(),
        b.text()
    );
    let refused = if a.status == StatusCode::CREATED {
        &b
    } else {
        &a
    };
    assert!(
        refused.text().contains("already admitted"),
        "{}",
        refused.text()
    );
    let links = merit::campaigns::store::staff_links(&app.state.db, id as i32)
        .await
        .unwrap();
    assert_eq!(
        links
            .iter()
            .filter(|l| i64::from(l.staff_id) == staff_id)
            .count(),
        1
    );
}

#[tokio::test]
async fn the_applications_list_is_searched_by_name_username_or_email() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.unwrap();
    let hr = app
        .api_login("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let id = campaign_titled(&hr, merit::demo::DEMO_CAMPAIGN).await;
    let search = |q: &'static str| {
        let path = format!("/api/campaigns/{id}/applications?q={q}");
        let hr = &hr;
        async move { hr.get(&path).await.json() }
    };
    let all = search("").await;
    assert!(all["total"].as_u64().unwrap() > 3, "{all}");
    let one = search("thisinh03").await;
    assert_eq!(one["total"], 1, "{one}");
    assert_eq!(one["items"][0]["email"], "thisinh03@example.vn");
    // Neither the name nor the email (thisinh.demo@…) holds this: the username does.
    let by_username = search("demo.candidate").await;
    assert_eq!(by_username["total"], 1, "{by_username}");
    assert_eq!(by_username["items"][0]["email"], "thisinh.demo@example.vn");
    assert_eq!(search("zzz-nobody").await["total"], 0);
}

#[tokio::test]
async fn hostile_workbooks_are_refused_naming_the_limit_and_the_server_still_answers() {
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
    for (name, bytes, max) in crate::banks::hostile_files() {
        let r = app
            .send(multipart(&csrf, &cookies, &path, name, bytes))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.text()
        );
        assert!(r.text().contains(&max.to_string()), "{name}: {}", r.text());
    }
    let list = w
        .hr_a
        .get(&format!("/api/campaigns/{id}/applications"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["total"], 0, "nothing imported");
}

#[tokio::test]
async fn the_applications_export_neutralises_a_name_or_reason_a_spreadsheet_would_run() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (id, position) = w.published().await;
    let evil = r#"=HYPERLINK("http://evil","x")"#;
    let r = app
        .api(None)
        .post(
            "/api/register",
            json!({
                "full_name": evil,
                "date_of_birth": "1996-04-30",
                "national_id": "001196012345",
                "email": "evil@example.vn",
                "password": "hoa-sen-trong-dam"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let cand = app.api(r.json()["token"].as_str().map(str::to_owned));
    let a = cand
        .post(
            &format!("/api/campaigns/{id}/applications"),
            json!({"position_id": position}),
        )
        .await
        .json();
    let r = w
        .hr_a
        .post(
            &format!("/api/applications/{}/decision", a["id"]),
            json!({"decision": "reject", "reason": "@SUM(1+1)"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let csv = w
        .hr_a
        .get(&format!("/campaigns/{id}/applications.csv"))
        .await
        .text();
    assert!(
        csv.contains(r#""'=HYPERLINK(""http://evil"",""x"")""#),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(1+1),"), "{csv}");
    assert!(
        !csv.contains(",=HYPERLINK") && !csv.contains(",@SUM"),
        "{csv}"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_a_campaigns_positions_as_they_are_sent() {
    let app = TestApp::new().await;
    let doc = app.api(None).get("/api/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    let campaign = &schemas["CampaignPositionView"]["properties"];
    assert!(
        campaign["code"].is_object() && campaign["quota"].is_object(),
        "{campaign}"
    );
    let staff = &schemas["PositionView"]["properties"];
    assert!(staff["org_unit_id"].is_object(), "{staff}");
}
