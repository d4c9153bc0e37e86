use axum::http::StatusCode;
use merit::accounts::domain::Role;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn admin_builds_the_unit_tree() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let province = admin
        .post(
            "/api/org-units",
            json!({"code": "TINH", "name": "UBND tỉnh"}),
        )
        .await;
    assert_eq!(province.status, StatusCode::CREATED, "{}", province.text());
    let pid = province.json()["id"].as_i64().unwrap();
    let dept = admin
        .post(
            "/api/org-units",
            json!({"code": "SNV", "name": "Sở Nội vụ", "parent_id": pid}),
        )
        .await;
    assert_eq!(dept.status, StatusCode::CREATED);
    let tree = admin.get("/api/org-units").await.json();
    let placed: Vec<(String, i64)> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["unit"]["code"].as_str().unwrap().to_owned(),
                p["depth"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(placed, [("TINH".to_owned(), 0), ("SNV".to_owned(), 1)]);
}

#[tokio::test]
async fn unit_codes_are_checked_and_unique() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let r = admin
        .post("/api/org-units", json!({"code": "Sở NV", "name": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "code");
    admin
        .post(
            "/api/org-units",
            json!({"code": "SNV", "name": "Sở Nội vụ"}),
        )
        .await;
    let r = admin
        .post("/api/org-units", json!({"code": "SNV", "name": "Again"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            "/api/org-units",
            json!({"code": "X", "name": "x", "parent_id": 999}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["field"], "parent_id");
}

#[tokio::test]
async fn admin_adds_and_renames_units_in_the_html_page() {
    let app = TestApp::new().await;
    let mut b = app.browser_as(Role::Admin).await;
    b.get("/admin/units").await;
    let r = b
        .post(
            "/admin/units",
            &[
                ("parent_id", ""),
                ("code", "TINH"),
                ("name", "UBND tỉnh Demo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = b.get("/admin/units").await.text();
    assert!(page.contains("UBND tỉnh Demo"));
    let id = merit::org_units::store::find_by_code(&app.state.db, "TINH")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = b
        .post(&format!("/admin/units/{id}"), &[("name", "UBND tỉnh Mới")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(b.get("/admin/units").await.text().contains("UBND tỉnh Mới"));
    let bad = b
        .post(
            "/admin/units",
            &[("parent_id", ""), ("code", ""), ("name", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("class=\"errors\""));
}
