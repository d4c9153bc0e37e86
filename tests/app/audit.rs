use axum::http::StatusCode;
use merit::accounts::domain::Role;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp};

#[tokio::test]
async fn sign_ins_failures_and_account_changes_are_audited_with_who_and_where() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let id = app.user(Role::Board, "board.audit").await;
    app.api(None)
        .post(
            "/api/session",
            json!({"login": "board.audit", "password": "wrong-password"}),
        )
        .await;
    app.api_login("board.audit", PASSWORD).await;
    admin
        .patch(
            &format!("/api/accounts/{id}"),
            json!({"role": "board", "disabled": true}),
        )
        .await;

    let all = admin.get("/api/audit").await.json();
    let actions: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "account_created",
        "sign_in_failed",
        "sign_in",
        "account_disabled",
    ] {
        assert!(actions.contains(&expected), "{expected} not in {actions:?}");
    }
    let failed = admin.get("/api/audit?action=sign_in_failed").await.json();
    assert_eq!(failed["total"], 1);
    let entry = &failed["items"][0];
    assert_eq!(entry["target"], "board.audit");
    assert_eq!(entry["client_addr"], "203.0.113.7");
    assert_eq!(entry["detail"], "wrong password");
    let disabled = admin.get("/api/audit?action=account_disabled").await.json();
    assert!(
        disabled["items"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("admin.")
    );
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_through_the_api() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    for method in ["DELETE", "PATCH", "PUT", "POST"] {
        let r = admin
            .request(method.parse().unwrap(), "/api/audit", Some(json!({})))
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
}

#[tokio::test]
async fn admins_browse_the_audit_log_page_with_filters() {
    let app = TestApp::new().await;
    let mut b = app.browser_as(Role::Admin).await;
    let page = b.get("/admin/audit?action=sign_in").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<code>sign_in</code>"));
    assert!(!page.text().contains("<code>account_created</code>"));
}
