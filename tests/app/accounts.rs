use axum::http::StatusCode;
use merit::accounts::domain::Role;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp};

fn registration() -> serde_json::Value {
    json!({
        "full_name": "Nguyễn Thị Lan",
        "date_of_birth": "1996-04-30",
        "national_id": "001196012345",
        "email": "lan.nguyen@example.vn",
        "password": "hoa-sen-trong-dam"
    })
}

#[tokio::test]
async fn candidate_registers_and_is_signed_in() {
    let app = TestApp::new().await;
    let r = app.api(None).post("/api/register", registration()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let me = app.api(Some(token)).get("/api/me").await.json();
    assert_eq!(me["role"], "candidate");
    assert_eq!(me["full_name"], "Nguyễn Thị Lan");
    assert_eq!(me["username"], "lan.nguyen@example.vn");
}

#[tokio::test]
async fn registration_reports_every_bad_field() {
    let app = TestApp::new().await;
    let r = app
        .api(None)
        .post(
            "/api/register",
            json!({"full_name": " ", "date_of_birth": "2015-01-01", "national_id": "12", "email": "x", "password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "full_name",
            "date_of_birth",
            "national_id",
            "email",
            "password"
        ]
    );
}

#[tokio::test]
async fn the_same_national_id_cannot_register_twice() {
    let app = TestApp::new().await;
    assert_eq!(
        app.api(None)
            .post("/api/register", registration())
            .await
            .status,
        StatusCode::CREATED
    );
    let mut again = registration();
    again["email"] = json!("other@example.vn");
    let r = app.api(None).post("/api/register", again).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["errors"][0]["field"], "national_id");
}

#[tokio::test]
async fn candidate_registers_through_the_html_form() {
    let app = TestApp::new().await;
    let mut b = app.browser();
    b.get("/register").await;
    let r = b
        .post(
            "/register",
            &[
                ("full_name", "Trần Văn Bình"),
                ("date_of_birth", "1990-01-15"),
                ("national_id", "079090001234"),
                ("email", "binh@example.vn"),
                ("password", "mua-thu-ha-noi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let home = b.get("/").await;
    assert!(home.text().contains("Trần Văn Bình"));
}

#[tokio::test]
async fn admin_creates_staff_account_with_a_generated_password_shown_once() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let r = admin
        .post(
            "/api/accounts",
            json!({"username": "board.one", "full_name": "Board One", "role": "board"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let password = r.json()["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 16);
    let board = app.api_login("board.one", &password).await;
    assert_eq!(board.get("/api/me").await.json()["role"], "board");
}

#[tokio::test]
async fn personnel_accounts_need_a_unit() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let r = admin
        .post(
            "/api/accounts",
            json!({"username": "hr.one", "full_name": "HR", "role": "personnel"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "org_unit_id");
}

#[tokio::test]
async fn admin_lists_and_filters_accounts_with_paging() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    for i in 0..55 {
        app.user(Role::Candidate, &format!("cand{i:02}@example.vn"))
            .await;
    }
    let page1 = admin.get("/api/accounts?role=candidate").await.json();
    assert_eq!(page1["total"], 55);
    assert_eq!(page1["items"].as_array().unwrap().len(), 50);
    let page2 = admin
        .get("/api/accounts?role=candidate&page=2")
        .await
        .json();
    assert_eq!(page2["items"].as_array().unwrap().len(), 5);
    let one = admin.get("/api/accounts?q=cand07").await.json();
    assert_eq!(one["total"], 1);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_but_not_this_one() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.pw").await;
    let first = app.api_login("board.pw", PASSWORD).await;
    let second = app.api_login("board.pw", PASSWORD).await;
    let r = first
        .post(
            "/api/me/password",
            json!({"current_password": PASSWORD, "new_password": "a-much-better-secret"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(first.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(second.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    app.api_login("board.pw", "a-much-better-secret").await;
}

#[tokio::test]
async fn password_change_needs_the_current_password() {
    let app = TestApp::new().await;
    let user = app.api_as(Role::Board).await;
    let r = user
        .post(
            "/api/me/password",
            json!({"current_password": "wrong-one-here", "new_password": "a-much-better-secret"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "current_password");
}

#[tokio::test]
async fn admin_reset_password_ends_the_accounts_sessions() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let id = app.user(Role::Board, "board.reset").await;
    let board = app.api_login("board.reset", PASSWORD).await;
    let r = admin
        .post(&format!("/api/accounts/{id}/password"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let new = r.json()["password"].as_str().unwrap().to_owned();
    assert_eq!(board.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    app.api_login("board.reset", &new).await;
}

#[tokio::test]
async fn admin_cannot_disable_themselves() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let me = admin.get("/api/me").await.json();
    let r = admin
        .patch(
            &format!("/api/accounts/{}", me["id"]),
            json!({"role": "admin", "disabled": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn first_start_creates_the_admin_from_the_environment_password() {
    let app = TestApp::new().await;
    let shown = merit::accounts::service::ensure_admin(&app.state, Some("first-start-secret"))
        .await
        .unwrap();
    assert!(shown.is_some());
    app.api_login("admin", "first-start-secret").await;
    // Only on an empty database.
    assert!(
        merit::accounts::service::ensure_admin(&app.state, None)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn first_start_refuses_a_weak_admin_password() {
    let app = TestApp::new().await;
    let err = merit::accounts::service::ensure_admin(&app.state, Some("password"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("MERIT_ADMIN_PASSWORD"), "{err}");
}

#[tokio::test]
async fn browser_sign_in_sets_a_strict_httponly_cookie_and_sign_out_clears_it() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.web").await;
    let mut b = app.browser();
    let r = b.sign_in("board.web", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("merit_session="))
        .unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(b.get("/").await.text().contains("Test board.web"));
    let out = b.post("/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/").await.text().contains("Test board.web"));
}

#[tokio::test]
async fn plain_http_localhost_config_drops_the_secure_flag() {
    let app = TestApp::with_config(|c| c.cookie_secure = false).await;
    app.user(Role::Board, "board.local").await;
    let mut b = app.browser();
    let r = b.sign_in("board.local", PASSWORD).await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("merit_session="))
        .unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn sign_in_accepts_the_email_too() {
    let app = TestApp::new().await;
    app.api(None).post("/api/register", registration()).await;
    app.api_login("LAN.NGUYEN@example.vn", "hoa-sen-trong-dam")
        .await;
}
