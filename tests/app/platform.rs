use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use merit::accounts::domain::Role;

use crate::harness::TestApp;

#[tokio::test]
async fn healthz_checks_the_database() {
    let app = TestApp::new().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    app.state.db.clone().close().await.unwrap();
    assert_eq!(
        app.get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn openapi_document_lists_the_json_endpoints() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/session",
        "/api/register",
        "/api/me",
        "/api/accounts",
        "/api/accounts/{id}",
        "/api/org-units",
        "/api/audit",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
}

fn with_lang(path: &str, lang: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, format!("merit_lang={lang}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn sign_in_page_speaks_vietnamese_by_default_and_english_on_request() {
    let app = TestApp::new().await;
    let vi = app.get("/sign-in").await.text();
    assert!(
        vi.contains("<html lang=\"vi\">") && vi.contains("Đăng nhập") && vi.contains("Mật khẩu")
    );
    let en = app.send(with_lang("/sign-in", "en")).await.text();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in") && en.contains("Password"));
    assert!(!en.contains("Mật khẩu"));
}

#[tokio::test]
async fn no_page_shows_an_untranslated_key() {
    let app = TestApp::new().await;
    for lang in ["vi", "en"] {
        for path in ["/", "/sign-in", "/register", "/nowhere"] {
            let text = app.send(with_lang(path, lang)).await.text();
            for prefix in ["nav.", "signin.", "register.", "error.", "home.", "common."] {
                assert!(
                    !text.contains(prefix),
                    "{lang} {path} shows a raw key starting {prefix}"
                );
            }
        }
    }
    let mut admin = app.browser_as(Role::Admin).await;
    for path in [
        "/",
        "/admin/accounts",
        "/admin/accounts/new",
        "/admin/units",
        "/admin/audit",
        "/account/password",
    ] {
        let text = admin.get(path).await.text();
        for prefix in ["nav.", "accounts.", "units.", "audit.", "common.", "role."] {
            assert!(
                !text.contains(&format!(">{prefix}")),
                "{path} shows a raw key starting {prefix}"
            );
        }
    }
}

#[tokio::test]
async fn switching_language_is_a_post_that_sticks_to_the_account() {
    let app = TestApp::new().await;
    let mut b = app.browser_as(Role::Board).await;
    assert!(b.get("/").await.text().contains("lang=\"vi\""));
    let r = b
        .post("/lang", &[("lang", "en"), ("back", "/account/password")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/account/password"));
    assert!(
        b.get("/account/password")
            .await
            .text()
            .contains("Change password")
    );
    b.cookies.remove("merit_lang");
    assert!(
        b.get("/").await.text().contains("lang=\"en\""),
        "the account remembers English"
    );
}

#[tokio::test]
async fn unknown_pages_are_404_in_html_and_in_json() {
    let app = TestApp::new().await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("<html"));
    let r = app.get("/api/no-such-thing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["errors"][0]["detail"].is_string());
}

#[tokio::test]
async fn pages_forbid_framing_and_inline_scripts() {
    let app = TestApp::new().await;
    let r = app.get("/sign-in").await;
    let csp = r
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert!(
        !r.text().contains(" style=\""),
        "inline styles would be blocked by the CSP"
    );
}

#[tokio::test]
async fn sign_in_redirects_only_to_local_paths() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.next").await;
    let mut b = app.browser();
    b.get("/sign-in").await;
    let r = b
        .post(
            "/sign-in",
            &[
                ("login", "board.next"),
                ("password", crate::harness::PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/"));
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::new().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return; // PostgreSQL run: nothing to check here.
    }
    let pragma = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    format!("PRAGMA {name}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("synchronous").await, "2", "2 = FULL");
    assert_eq!(pragma("foreign_keys").await, "1");
}
