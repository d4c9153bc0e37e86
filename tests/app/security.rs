//! One test (at least) per security promise of the platform.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use merit::accounts::domain::Role;
use merit::accounts::session::Claims;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;

use crate::harness::{PASSWORD, T0, TestApp};

async fn sign_in_from(app: &TestApp, login: &str, password: &str, ip: [u8; 4]) -> StatusCode {
    let mut req = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((ip, 5000))));
    app.send(req).await.status
}

#[tokio::test]
async fn stored_password_hash_is_argon2id_with_at_least_owasp_parameters() {
    let app = TestApp::new().await;
    let id = app.user(Role::Board, "board.hash").await;
    let row = merit::accounts::entity::user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        row.password_hash
    );
    assert!(!row.password_hash.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_storm_hashes_within_the_concurrency_bound() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.storm").await;
    let mut storm = tokio::task::JoinSet::new();
    for i in 0..8u8 {
        let router = app.router.clone();
        let password = if i % 2 == 0 {
            PASSWORD
        } else {
            "wrong-password-x"
        };
        let mut req = Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"login": "board.storm", "password": password}).to_string(),
            ))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [10, 0, 0, i],
                5000,
            ))));
        storm.spawn(async move {
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = storm.join_all().await;
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    // Without the bound, eight hashes would run at once on the blocking pool.
    let peak = app.state.hasher.peak_concurrency();
    assert!(
        (1..=app.state.config.hash_concurrency).contains(&peak),
        "peak {peak}"
    );
}

#[tokio::test]
async fn passwords_outside_8_to_128_characters_or_common_are_refused() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    for (pw, why) in [
        ("Ab1!xyz", "7 chars"),
        (&"k".repeat(129)[..], "129 chars"),
        ("Password123", "common"),
        ("iloveyou", "common"),
    ] {
        let r = admin
            .post(
                "/api/accounts",
                json!({"username": "weak.pw", "full_name": "W", "role": "board", "password": pw}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert_eq!(r.json()["errors"][0]["field"], "password", "{why}");
    }
    let ok = admin
        .post("/api/accounts", json!({"username": "weak.pw", "full_name": "W", "role": "board", "password": "k".repeat(128)}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_token_is_useless_after_sign_out() {
    let app = TestApp::new().await;
    let api = app.api_as(Role::Board).await;
    assert_eq!(api.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(
        api.delete("/api/session").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(api.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let id = app.user(Role::Board, "board.dis").await;
    let board = app.api_login("board.dis", PASSWORD).await;
    let r = admin
        .patch(
            &format!("/api/accounts/{id}"),
            json!({"role": "board", "disabled": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(board.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in_from(&app, "board.dis", PASSWORD, [1, 2, 3, 4]).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = TestApp::new().await;
    let api = app.api_as(Role::Board).await;
    app.clock.advance_minutes(119);
    assert_eq!(
        api.get("/api/me").await.status,
        StatusCode::OK,
        "activity resets the idle timer"
    );
    app.clock.advance_minutes(119);
    assert_eq!(api.get("/api/me").await.status, StatusCode::OK);
    app.clock.advance_minutes(121);
    assert_eq!(api.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_active_session_still_ends_at_the_absolute_timeout() {
    let app = TestApp::new().await;
    let api = app.api_as(Role::Board).await;
    for _ in 0..11 {
        app.clock.advance_minutes(60);
        assert_eq!(api.get("/api/me").await.status, StatusCode::OK);
    }
    app.clock.advance_minutes(61);
    assert_eq!(api.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

fn forged(alg: Algorithm, key: &[u8], sid: &str, sub: i32) -> String {
    let claims = Claims {
        iss: "merit".into(),
        aud: "merit".into(),
        sub: sub.to_string(),
        sid: sid.into(),
        iat: T0 / 1000,
        exp: T0 / 1000 + 3600,
    };
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(key)).unwrap()
}

async fn live_session(app: &TestApp) -> (String, i32) {
    let id = app.user(Role::Admin, "admin.forge").await;
    app.api_login("admin.forge", PASSWORD).await;
    let s = merit::accounts::entity::session::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (s.id, id)
}

#[tokio::test]
async fn tokens_with_another_algorithm_or_none_are_refused() {
    let app = TestApp::new().await;
    let (sid, uid) = live_session(&app).await;
    let key = app.state.config.secret_key.clone();
    let good = forged(Algorithm::HS256, &key, &sid, uid);
    assert_eq!(
        app.api(Some(good)).get("/api/me").await.status,
        StatusCode::OK,
        "control: HS256 with the key works"
    );
    let hs512 = forged(Algorithm::HS512, &key, &sid, uid);
    assert_eq!(
        app.api(Some(hs512)).get("/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let good = forged(Algorithm::HS256, &key, &sid, uid);
    let payload = good.split('.').nth(1).unwrap();
    // {"alg":"none","typ":"JWT"}
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    assert_eq!(
        app.api(Some(none)).get("/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let other_key = forged(
        Algorithm::HS256,
        b"not-the-server-key-not-the-server",
        &sid,
        uid,
    );
    assert_eq!(
        app.api(Some(other_key)).get("/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_malformed_bearer_token_is_an_error_not_anonymous() {
    let app = TestApp::new().await;
    let r = app.api(Some("not.a.token".into())).get("/").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.api(Some("not.a.token".into())).get("/api/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["errors"][0]["detail"].is_string());
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.csrf").await;
    let mut b = app.browser();
    b.get("/sign-in").await;
    let r = b
        .post_raw(
            "/sign-in",
            &[("login", "board.csrf"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_raw(
            "/sign-in",
            &[
                ("login", "board.csrf"),
                ("password", PASSWORD),
                ("csrf", "0000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post(
            "/sign-in",
            &[("login", "board.csrf"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Signed in, a state change without the token is still refused.
    let r = b.post_raw("/sign-out", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        b.get("/").await.text().contains("Test board.csrf"),
        "still signed in"
    );
}

#[tokio::test]
async fn a_token_from_another_browser_does_not_pass() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.csrf2").await;
    let mut attacker = app.browser();
    attacker.get("/").await;
    let stolen_form_token = attacker.csrf.clone().unwrap();
    let mut victim = app.browser();
    victim.sign_in("board.csrf2", PASSWORD).await;
    let r = victim
        .post_raw("/sign-out", &[("csrf", &stolen_form_token)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_with_a_session_cookie_needs_the_csrf_header_for_changes() {
    let app = TestApp::new().await;
    let mut b = app.browser_as(Role::Admin).await;
    b.get("/").await;
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let make = |csrf: Option<&str>| {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/api/org-units")
            .header(header::COOKIE, &cookies)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.body(Body::from(json!({"code": "X1", "name": "X"}).to_string()))
            .unwrap()
    };
    assert_eq!(app.send(make(None)).await.status, StatusCode::FORBIDDEN);
    let token = b.csrf.clone().unwrap();
    assert_eq!(
        app.send(make(Some(&token))).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn nothing_changes_state_on_get() {
    let app = TestApp::new().await;
    let mut b = app.browser_as(Role::Admin).await;
    for path in ["/sign-out", "/lang"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
    }
    assert!(b.get("/").await.status.is_success());
    assert!(
        b.cookies.contains_key("merit_session"),
        "GET /sign-out did not sign out"
    );
}

/// A JSON sign-in from `ip`, with these cookies (a device cookie, say).
fn sign_in_request(
    login: &str,
    password: &str,
    ip: [u8; 4],
    cookie: Option<&str>,
) -> Request<Body> {
    let mut req = Request::post("/api/session").header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let mut req = req
        .body(Body::from(
            json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((ip, 5000))));
    req
}

/// Sends every request at once, each on a task of its own, to its router;
/// the statuses in request order.
async fn all_at_once(requests: Vec<(axum::Router, Request<Body>)>) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (router, req)) in requests.into_iter().enumerate() {
        tasks.spawn(async move {
            let r = tower::ServiceExt::oneshot(router, req).await.unwrap();
            (i, r.status())
        });
    }
    let mut out = vec![StatusCode::OK; tasks.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, status) = done.unwrap();
        out[i] = status;
    }
    out
}

fn tally(statuses: &[StatusCode], which: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == which).count()
}

async fn attempts_recorded(app: &TestApp) -> u64 {
    use sea_orm::PaginatorTrait;
    merit::accounts::entity::login_attempt::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_guesses_sent_at_once_get_only_five_evaluated() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.burst").await;
    let burst = (0..60)
        .map(|i| {
            let guess = format!("wrong-guess-{i}");
            (
                app.router.clone(),
                sign_in_request("board.burst", &guess, [198, 51, 100, 1], None),
            )
        })
        .collect();
    let statuses = all_at_once(burst).await;
    assert_eq!(
        tally(&statuses, StatusCode::UNPROCESSABLE_ENTITY),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        tally(&statuses, StatusCode::TOO_MANY_REQUESTS),
        55,
        "{statuses:?}"
    );
    assert_eq!(app.state.hasher.verifications(), 5, "passwords checked");
    // The right password, late, is refused while the lock holds.
    assert_eq!(
        sign_in_from(&app, "board.burst", PASSWORD, [198, 51, 100, 1]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(app.state.hasher.verifications(), 5);
    app.clock.advance_minutes(16);
    assert_eq!(
        sign_in_from(&app, "board.burst", PASSWORD, [198, 51, 100, 1]).await,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_split_between_two_processes_get_only_five_evaluated() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.split").await;
    let other = app.second_process().await;
    let burst = (0..60)
        .map(|i| {
            let router = if i % 2 == 0 {
                app.router.clone()
            } else {
                other.clone()
            };
            let guess = format!("wrong-guess-{i}");
            (
                router,
                sign_in_request("board.split", &guess, [198, 51, 100, 2], None),
            )
        })
        .collect();
    let statuses = all_at_once(burst).await;
    assert_eq!(
        tally(&statuses, StatusCode::UNPROCESSABLE_ENTITY),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        attempts_recorded(&app).await,
        5,
        "attempts that reached the password check"
    );
    for router in [app.router.clone(), other] {
        let r = tower::ServiceExt::oneshot(
            router,
            sign_in_request("board.split", PASSWORD, [198, 51, 100, 2], None),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eighty_accounts_tried_at_once_from_one_address_get_only_thirty_evaluated() {
    let app = TestApp::new().await;
    let burst = (0..80)
        .map(|i| {
            let login = format!("nobody.{i}");
            (
                app.router.clone(),
                sign_in_request(&login, "whatever-pw", [198, 51, 100, 3], None),
            )
        })
        .collect();
    let statuses = all_at_once(burst).await;
    assert_eq!(
        tally(&statuses, StatusCode::UNPROCESSABLE_ENTITY),
        30,
        "{statuses:?}"
    );
    assert_eq!(
        tally(&statuses, StatusCode::TOO_MANY_REQUESTS),
        50,
        "{statuses:?}"
    );
    assert_eq!(app.state.hasher.verifications(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crowd_signing_in_at_once_from_one_address_is_let_in() {
    // Forty candidates behind one exam centre's address, all at 08:55: those
    // waiting for their password to be hashed are not counted as failures.
    let app = TestApp::new().await;
    let mut crowd = Vec::new();
    for i in 0..40 {
        let login = format!("crowd.{i}");
        app.user(Role::Candidate, &login).await;
        crowd.push((
            app.router.clone(),
            sign_in_request(&login, PASSWORD, [198, 51, 100, 5], None),
        ));
    }
    let statuses = all_at_once(crowd).await;
    assert_eq!(tally(&statuses, StatusCode::OK), 40, "{statuses:?}");
}

#[tokio::test]
async fn five_failures_from_one_address_lock_that_address_out_across_processes() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.guess").await;
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&app, "board.guess", "not-the-password", [198, 51, 100, 4]).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The attacker's address is stopped, even with the right password, and a
    // second merit process on the same database sees the same count.
    assert_eq!(
        sign_in_from(&app, "board.guess", PASSWORD, [198, 51, 100, 4]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let other = app.second_process().await;
    let r = tower::ServiceExt::oneshot(
        other,
        sign_in_request("board.guess", PASSWORD, [198, 51, 100, 4], None),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The owner elsewhere is not.
    assert_eq!(
        sign_in_from(&app, "board.guess", PASSWORD, [192, 0, 2, 1]).await,
        StatusCode::OK
    );
    app.clock.advance_minutes(16);
    assert_eq!(
        sign_in_from(&app, "board.guess", PASSWORD, [198, 51, 100, 4]).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_very_long_login_is_counted_like_any_other() {
    let app = TestApp::new().await;
    let login = "x".repeat(300);
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&app, &login, "a-wrong-guess", [198, 51, 100, 6]).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in_from(&app, &login, "a-wrong-guess", [198, 51, 100, 6]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A browser that signed in to `login` once and signed out: it holds that
/// account's device cookie.
async fn known_browser<'a>(app: &'a TestApp, login: &str) -> crate::harness::Browser<'a> {
    let mut b = app.browser();
    assert_eq!(
        b.sign_in(login, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(b.cookies.contains_key("merit_device"), "{:?}", b.cookies);
    b.post("/sign-out", &[]).await;
    assert!(!b.cookies.contains_key("merit_session"));
    b
}

#[tokio::test]
async fn failures_from_other_addresses_cannot_lock_the_owner_out_of_a_known_device() {
    let app = TestApp::new().await;
    app.user(Role::Candidate, "an@example.vn").await;
    let mut owner = known_browser(&app, "an@example.vn").await;
    // An attack spread over twenty addresses, three guesses each.
    for i in 0..20u8 {
        for _ in 0..3 {
            sign_in_from(
                &app,
                "an@example.vn",
                "a-wrong-guess",
                [198, 51, 100, 100 + i],
            )
            .await;
        }
    }
    // The account-wide limit slows it down: a new address, even with the right
    // password, is refused for now, and so is a browser the account never used.
    assert_eq!(
        sign_in_from(&app, "an@example.vn", PASSWORD, [198, 51, 100, 200]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.browser()
            .sign_in("an@example.vn", PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner's own browser is let in.
    let r = owner.sign_in("an@example.vn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(owner.get("/").await.text().contains("Test an@example.vn"));
}

#[tokio::test]
async fn an_attacker_on_the_owners_address_is_stopped_but_the_owners_device_is_not() {
    let app = TestApp::new().await;
    app.user(Role::Candidate, "binh@example.vn").await;
    let mut owner = known_browser(&app, "binh@example.vn").await;
    // The attacker shares the owner's address (one exam centre, one NAT).
    for _ in 0..5 {
        sign_in_from(
            &app,
            "binh@example.vn",
            "a-wrong-guess",
            crate::harness::CLIENT,
        )
        .await;
    }
    assert_eq!(
        sign_in_from(&app, "binh@example.vn", PASSWORD, crate::harness::CLIENT).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the per-address limit stops the attacker"
    );
    let r = owner.sign_in("binh@example.vn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

#[tokio::test]
async fn a_device_cookie_gives_five_guesses_and_only_for_its_own_account() {
    let app = TestApp::new().await;
    app.user(Role::Candidate, "chi@example.vn").await;
    app.user(Role::Candidate, "dung@example.vn").await;
    let owner = known_browser(&app, "chi@example.vn").await;
    let device = format!("merit_device={}", owner.cookies["merit_device"]);
    let ip = [198, 51, 100, 9];
    let with_cookie = |login: &str, password: &str, cookie: &str| {
        tower::ServiceExt::oneshot(
            app.router.clone(),
            sign_in_request(login, password, ip, Some(cookie)),
        )
    };
    // Cookie-less guesses from this address lock it out of both accounts.
    for login in ["chi@example.vn", "dung@example.vn"] {
        for _ in 0..5 {
            sign_in_from(&app, login, "a-wrong-guess", ip).await;
        }
    }
    // An altered cookie is no cookie; one naming another account does not
    // count for this one.
    let (value, mac) = device.rsplit_once('.').unwrap();
    let forged = format!("{value}.{}", mac.chars().rev().collect::<String>());
    let r = with_cookie("chi@example.vn", PASSWORD, &forged)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = with_cookie("dung@example.vn", PASSWORD, &device)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = with_cookie("chi@example.vn", PASSWORD, &device)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the genuine cookie is let in");
    // A stolen cookie is worth five guesses at its own account, then no more.
    for _ in 0..5 {
        let r = with_cookie("chi@example.vn", "a-wrong-guess", &device)
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = with_cookie("chi@example.vn", PASSWORD, &device)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_throttled() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.victim").await;
    for i in 0..30 {
        assert_eq!(
            sign_in_from(
                &app,
                &format!("nobody{i}"),
                "whatever-pw",
                [198, 51, 100, 50]
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in_from(&app, "board.victim", PASSWORD, [198, 51, 100, 50]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&app, "board.victim", PASSWORD, [198, 51, 100, 51]).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn x_forwarded_for_cannot_dodge_throttling_without_a_trusted_proxy() {
    let app = TestApp::new().await;
    for i in 0..30u8 {
        let mut req = Request::post("/api/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", format!("10.9.9.{i}"))
            .body(Body::from(
                json!({"login": format!("ghost{i}"), "password": "whatever-pw"}).to_string(),
            ))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [198, 51, 100, 77],
                1,
            ))));
        app.send(req).await;
    }
    app.user(Role::Board, "board.xff").await;
    assert_eq!(
        sign_in_from(&app, "board.xff", PASSWORD, [198, 51, 100, 77]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn unknown_account_and_wrong_password_get_the_same_answer() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.same").await;
    let login = |l: &'static str| {
        let app = &app;
        async move {
            app.api(None)
                .post(
                    "/api/session",
                    json!({"login": l, "password": "wrong-password-1"}),
                )
                .await
        }
    };
    let unknown = login("nobody.here").await;
    let wrong = login("board.same").await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.text(), wrong.text());
}

#[tokio::test]
async fn every_role_is_checked_on_the_server() {
    let app = TestApp::new().await;
    assert_eq!(
        app.api(None).get("/api/accounts").await.status,
        StatusCode::UNAUTHORIZED
    );
    for role in [Role::Candidate, Role::Board, Role::Personnel] {
        let api = app.api_as(role).await;
        assert_eq!(
            api.get("/api/accounts").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            api.get("/api/audit").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        let r = api
            .post(
                "/api/accounts",
                json!({"username": "x.y.z", "full_name": "X", "role": "admin"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?} made an admin");
        let mut b = app.browser_as(role).await;
        assert_eq!(
            b.get("/admin/accounts").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            b.get("/admin/audit").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    let candidate = app.api_as(Role::Candidate).await;
    assert_eq!(
        candidate.get("/api/org-units").await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.browser().get("/admin/accounts").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/sign-in?next=/admin/accounts"));
}

#[tokio::test]
async fn personnel_see_only_their_unit_subtree() {
    let app = TestApp::new().await;
    let province = app.unit("P", None).await;
    let district_a = app.unit("DA", Some(province)).await;
    app.unit("DA-1", Some(district_a)).await;
    app.unit("DB", Some(province)).await;
    app.user_in(Role::Personnel, "hr.da", Some(district_a))
        .await;
    let hr = app.api_login("hr.da", PASSWORD).await;
    let units = hr.get("/api/org-units").await.json();
    let mut codes: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["unit"]["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["DA", "DA-1"]);
    let r = hr
        .post("/api/org-units", json!({"code": "NEW", "name": "New"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::new().await;
    let big = "x".repeat(9 * 1024 * 1024);
    let r = app
        .api(None)
        .post("/api/session", json!({"login": big, "password": "x"}))
        .await;
    assert!(
        r.status == StatusCode::PAYLOAD_TOO_LARGE || r.status == StatusCode::BAD_REQUEST,
        "{}",
        r.status
    );
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("too large")
    );
}

#[tokio::test]
async fn malformed_json_gets_a_clear_400() {
    let app = TestApp::new().await;
    let req = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"login\": "))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let detail = r.json()["errors"][0]["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("JSON"), "{detail}");
    let r = app
        .api(None)
        .post("/api/session", json!({"login": "a"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("password"),
        "names the missing field"
    );
}

#[tokio::test]
async fn a_server_error_never_shows_internals() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.500").await;
    app.state
        .db
        .execute_unprepared("DROP TABLE audit_log")
        .await
        .unwrap();
    let r = app
        .api(None)
        .post(
            "/api/session",
            json!({"login": "board.500", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = r.text().to_lowercase();
    for leak in ["audit_log", "table", "sql", "relation", "panicked"] {
        assert!(!body.contains(leak), "5xx body leaks {leak:?}: {body}");
    }
}

/// `GET /api/me` for every token at once, each on a task of its own; the
/// usernames in token order (None when refused).
async fn me_all_at_once(app: &TestApp, tokens: &[String]) -> Vec<Option<String>> {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let router = app.router.clone();
        let req = Request::get("/api/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .extension(ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))))
            .body(Body::empty())
            .unwrap();
        tasks.spawn(async move {
            let r = router.oneshot(req).await.unwrap();
            let ok = r.status() == StatusCode::OK;
            let body = r.into_body().collect().await.unwrap().to_bytes();
            let me: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            (
                i,
                ok.then(|| me["username"].as_str().unwrap_or_default().to_owned()),
            )
        });
    }
    let mut out = vec![None; tokens.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, name) = done.unwrap();
        out[i] = name;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_read_together_each_resolve_to_their_own_account() {
    let app = TestApp::new().await;
    let mut names = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..40 {
        let name = format!("together.{i}");
        app.user(Role::Candidate, &name).await;
        tokens.push(app.api_login(&name, PASSWORD).await.token.unwrap());
        names.push(Some(name));
    }
    // Past the cache's trust: every session is read from the database, and
    // requests arriving together share queries.
    app.clock.advance_minutes(1);
    assert_eq!(me_all_at_once(&app, &tokens).await, names);
    // One of them signs out: only that one is refused.
    assert_eq!(
        app.api(Some(tokens[7].clone()))
            .delete("/api/session")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.clock.advance_minutes(1);
    names[7] = None;
    assert_eq!(me_all_at_once(&app, &tokens).await, names);
}

#[tokio::test]
async fn a_bearer_client_is_not_handed_csrf_cookies() {
    let app = TestApp::new().await;
    let api = app.api_as(Role::Candidate).await;
    let r = api.get("/api/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.set_cookies().is_empty(),
        "a program's request got {:?}",
        r.set_cookies()
    );
    // A browser still gets its CSRF cookie with the sign-in page.
    let page = app.get("/sign-in").await;
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("merit_csrf=")),
        "{:?}",
        page.set_cookies()
    );
}

/// Values of `next` and `back` known to lead browsers off-site, or to break a
/// `Location` header.
const OFF_SITE: &[&str] = &[
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/%2F%2Fevil.example",
    "/%5C%5Cevil.example",
    "https://evil.example",
    "http:evil.example",
    " /evil.example",
    "/.//evil.example",
    "/./%2F/evil.example",
    "/\r\nSet-Cookie: merit_session=x",
    "/\n/evil.example",
    "/\0",
];

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.next").await;
    let mut b = app.browser();
    for next in OFF_SITE {
        b.get("/sign-in").await;
        let r = b
            .post(
                "/sign-in",
                &[
                    ("login", "board.next"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.text());
        assert_eq!(r.location(), Some("/"), "{next:?}");
        // Signed in, the sign-in page sends one on to `next`: the same check.
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let r = b.get(&format!("/sign-in?{query}")).await;
        assert_eq!(r.location(), Some("/"), "GET {next:?}");
        b.post("/sign-out", &[]).await;
        // Signed out, the page does not carry it into its form either.
        let r = b.get(&format!("/sign-in?{query}")).await;
        assert!(r.text().contains(r#"name="next" value="/""#), "{next:?}");
    }
    // A path of ours is followed.
    b.get("/sign-in").await;
    let r = b
        .post(
            "/sign-in",
            &[
                ("login", "board.next"),
                ("password", PASSWORD),
                ("next", "/admin/accounts?page=2"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/admin/accounts?page=2"));
}

#[tokio::test]
async fn language_switch_and_application_forms_never_redirect_off_site() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.unwrap();
    let hr = app
        .api_login("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let campaign = hr.get("/api/campaigns").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let application = hr
        .get(&format!("/api/campaigns/{campaign}/applications"))
        .await
        .json()["items"][0]["application"]["id"]
        .as_i64()
        .unwrap();
    let mut b = app.browser();
    b.sign_in("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    b.get("/").await;
    for back in OFF_SITE {
        let r = b.post("/lang", &[("lang", "en"), ("back", back)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{back:?}: {}", r.text());
        assert_eq!(r.location(), Some("/"), "lang {back:?}");
        let r = b
            .post(
                &format!("/applications/{application}/extra-time"),
                &[("extra_minutes", "15"), ("back", back)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{back:?}: {}", r.text());
        assert_eq!(r.location(), Some("/"), "extra time {back:?}");
        let r = b
            .post(
                &format!("/applications/{application}/decision"),
                &[("decision", "approve"), ("back", back)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{back:?}: {}", r.text());
        assert_eq!(r.location(), Some("/"), "decision {back:?}");
    }
    let here = format!("/campaigns/{campaign}/applications?page=1");
    let r = b.post("/lang", &[("lang", "vi"), ("back", &here)]).await;
    assert_eq!(r.location(), Some(here.as_str()));
}

#[tokio::test]
async fn a_csrf_token_from_before_sign_in_is_refused_after_it() {
    let app = TestApp::new().await;
    app.user(Role::Board, "board.fixate").await;
    let mut b = app.browser();
    b.get("/sign-in").await;
    let before = b.csrf.clone().unwrap();
    let nonce_before = b.cookies["merit_csrf"].clone();
    let r = b
        .post(
            "/sign-in",
            &[("login", "board.fixate"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(
        b.cookies["merit_csrf"], nonce_before,
        "the nonce is renewed at sign-in"
    );
    // Even with the old nonce put back, the old token names no session.
    for nonce in [b.cookies["merit_csrf"].clone(), nonce_before] {
        b.cookies.insert("merit_csrf".into(), nonce);
        let r = b
            .post_raw("/lang", &[("lang", "en"), ("csrf", &before)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    b.get("/").await;
    let during = b.csrf.clone().unwrap();
    assert_ne!(during, before);
    let nonce_during = b.cookies["merit_csrf"].clone();
    let r = b.post_raw("/sign-out", &[("csrf", &during)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(b.cookies["merit_csrf"], nonce_during, "and at sign-out");
    let r = b
        .post_raw("/lang", &[("lang", "en"), ("csrf", &during)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_huge_or_zero_page_is_refused_with_the_field_named_on_every_list() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let lists = [
        ("/api/audit", true),
        ("/admin/audit", false),
        ("/api/accounts", true),
        ("/admin/accounts", false),
        ("/api/banks/1/questions", true),
        ("/banks/1/questions", false),
        ("/api/campaigns/1/applications", true),
        ("/campaigns/1/applications", false),
        ("/api/papers/1/invigilation", true),
        ("/papers/1/invigilation", false),
    ];
    for (path, api) in lists {
        for page in [
            "9223372036854775807",
            "18446744073709551615",
            "99999999999999999999",
            "0",
            "x",
        ] {
            let r = admin.get(&format!("{path}?page={page}")).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{path}?page={page}: {}",
                r.text()
            );
            if api {
                assert_eq!(
                    r.json()["errors"][0]["field"],
                    "page",
                    "{path}?page={page}: {}",
                    r.text()
                );
            }
        }
        let r = admin.get(&format!("{path}?page=2")).await;
        assert_ne!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{path}?page=2: {}",
            r.text()
        );
    }
}

#[tokio::test]
async fn a_numeric_query_parameter_out_of_its_range_is_refused_with_the_field_named() {
    let app = TestApp::new().await;
    let admin = app.api_as(Role::Admin).await;
    let r = admin.get("/api/staff?unit_id=99999999999").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "unit_id", "{}", r.text());
}

#[tokio::test]
async fn a_percent_or_underscore_in_a_search_matches_only_itself() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.unwrap();
    let admin = app.api_as(Role::Admin).await;
    let hr = app
        .api_login("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let campaigns = hr.get("/api/campaigns").await.json();
    let campaign = campaigns
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == merit::demo::DEMO_CAMPAIGN)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for wildcard in ["%25", "_", "%25%25", "thisinh%25"] {
        let accounts = admin
            .get(&format!("/api/accounts?q={wildcard}"))
            .await
            .json();
        assert_eq!(accounts["total"], 0, "accounts q={wildcard}: {accounts}");
        let apps = hr
            .get(&format!(
                "/api/campaigns/{campaign}/applications?q={wildcard}"
            ))
            .await
            .json();
        assert_eq!(apps["total"], 0, "applications q={wildcard}: {apps}");
        let audit = admin
            .get(&format!("/api/audit?target={wildcard}"))
            .await
            .json();
        assert_eq!(
            audit["items"],
            json!([]),
            "audit target={wildcard}: {audit}"
        );
    }
    let apps = hr
        .get(&format!("/api/campaigns/{campaign}/applications?q=thisinh"))
        .await
        .json();
    assert!(
        apps["total"].as_u64().unwrap() > 1,
        "a plain search still finds: {apps}"
    );
    let accounts = admin.get("/api/accounts?q=demo.").await.json();
    assert!(accounts["total"].as_u64().unwrap() > 1, "{accounts}");
}
