//! The test harness: one fresh database and one router per test, driven in
//! process with `tower::ServiceExt::oneshot` (no socket).
//!
//! SQLite by default (a temporary file); PostgreSQL when
//! `MERIT_TEST_DATABASE_URL` is set (a fresh schema per test).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use merit::accounts::domain::Role;
use merit::accounts::service::{self, NewAccount};
use merit::audit::Actor;
use merit::clock::ManualClock;
use merit::config::Config;
use merit::state::AppState;
use sea_orm::ConnectOptions;
use serde_json::Value;
use tower::ServiceExt;

/// 2026-11-25 09:00 UTC: tests start at a fixed instant and move the clock.
pub const T0: i64 = 1_795_597_200_000;
pub const PASSWORD: &str = "correct-horse-battery";
pub const CLIENT: [u8; 4] = [203, 0, 113, 7];

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: ManualClock,
    sqlite_file: Option<std::path::PathBuf>,
    db_url: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(f) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

fn unique() -> String {
    hex::encode(merit::random_bytes::<6>())
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (db, sqlite_file, db_url) = match crate::database::postgres() {
            Some(base) => {
                let url = crate::database::fresh_schema(&base).await;
                let mut opts = ConnectOptions::new(url.clone());
                opts.max_connections(4).sqlx_logging(false);
                (
                    merit::db::connect_with(opts).await.expect("connect"),
                    None,
                    url,
                )
            }
            None => {
                let dir = std::env::temp_dir().join("merit-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let file = dir.join(format!("{}.db", unique()));
                let url = format!("sqlite://{}?mode=rwc", file.display());
                (
                    merit::db::connect(&url, 4).await.expect("connect"),
                    Some(file),
                    url,
                )
            }
        };
        merit::db::migrate(&db).await.expect("migrate");
        let clock = ManualClock::starting_at(T0);
        let mut config = Config::for_tests(b"test-key-test-key-test-key-test-key!".to_vec());
        adjust(&mut config);
        let state = AppState::new(db, Arc::new(clock.clone()), config);
        TestApp {
            router: merit::router(state.clone()),
            state,
            clock,
            sqlite_file,
            db_url,
        }
    }

    /// The router of a second merit process on the same database: its own
    /// connection pool, caches and password hasher; the same clock and key.
    pub async fn second_process(&self) -> Router {
        let db = merit::db::connect(&self.db_url, 4)
            .await
            .expect("connect the second process");
        let state = AppState::new(db, Arc::new(self.clock.clone()), self.state.config.clone());
        merit::router(state)
    }

    pub async fn send(&self, mut req: Request<Body>) -> TestResponse {
        if req.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from((CLIENT, 40000))));
        }
        let response = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Creates an account directly through the service (as the CLI would).
    pub async fn user(&self, role: Role, username: &str) -> i32 {
        let unit = match role {
            Role::Personnel => Some(self.unit("ROOT", None).await),
            _ => None,
        };
        self.user_in(role, username, unit).await
    }

    pub async fn user_in(&self, role: Role, username: &str, unit: Option<i32>) -> i32 {
        let form = NewAccount {
            username: username.into(),
            full_name: format!("Test {username}"),
            role,
            org_unit_id: unit,
            password: Some(PASSWORD.into()),
            ..Default::default()
        };
        let (u, _) = service::create_account(&self.state, &Actor::system("test"), &form)
            .await
            .expect("create user");
        u.id
    }

    /// The id of the unit with this code, created under `parent` if missing.
    pub async fn unit(&self, code: &str, parent: Option<i32>) -> i32 {
        if let Some(u) = merit::org_units::store::find_by_code(&self.state.db, code)
            .await
            .unwrap()
        {
            return u.id;
        }
        merit::org_units::store::insert(&self.state.db, parent, code, &format!("Unit {code}"), T0)
            .await
            .unwrap()
            .id
    }

    /// A Bearer client signed in as a new account with this role.
    pub async fn api_as(&self, role: Role) -> Api<'_> {
        let name = format!("{}.{}", role.as_str(), unique());
        self.user(role, &name).await;
        self.api_login(&name, PASSWORD).await
    }

    pub async fn api_login(&self, login: &str, password: &str) -> Api<'_> {
        let r = self
            .api(None)
            .post(
                "/api/session",
                serde_json::json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "sign-in as {login} failed: {}",
            r.text()
        );
        Api {
            app: self,
            token: Some(r.json()["token"].as_str().unwrap().to_owned()),
        }
    }

    pub fn api(&self, token: Option<String>) -> Api<'_> {
        Api { app: self, token }
    }

    /// A browser with a cookie jar, signed out.
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    /// A browser signed in as a new account with this role.
    pub async fn browser_as(&self, role: Role) -> Browser<'_> {
        let name = format!("{}.{}", role.as_str(), unique());
        self.user(role, &name).await;
        let mut b = self.browser();
        let r = b.sign_in(&name, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "browser sign-in failed: {}",
            r.text()
        );
        b
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
}

pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: Option<String>,
}

impl Api<'_> {
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = &self.token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => req.body(Body::empty()),
        };
        self.app.send(req.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> TestResponse {
        self.request(Method::DELETE, path, None).await
    }
}

/// Follows what a browser does: keeps cookies, and puts the page's CSRF token
/// into every form it posts.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

impl Browser<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, r: &TestResponse) {
        for c in r.set_cookies() {
            let first = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = first.split_once('=') {
                if k == "merit_csrf" {
                    // A new nonce (at sign-in and sign-out) voids the token
                    // of the pages seen before.
                    self.csrf = None;
                }
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let text = r.text();
        if let Some(i) = text.find("name=\"csrf\" value=\"") {
            let rest = &text[i + 19..];
            self.csrf = rest.split('"').next().map(str::to_owned);
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let r = self.app.send(req).await;
        self.absorb(&r);
        r
    }

    /// Posts a form with the CSRF token of the last page seen (loading `/`
    /// first if no page was seen yet).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        if self.csrf.is_none() {
            self.get("/").await;
        }
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        all.push(("csrf", &csrf));
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields, no token added.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let r = self.app.send(req).await;
        self.absorb(&r);
        r
    }

    pub async fn sign_in(&mut self, login: &str, password: &str) -> TestResponse {
        self.get("/sign-in").await;
        self.post("/sign-in", &[("login", login), ("password", password)])
            .await
    }
}
