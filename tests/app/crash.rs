//! Exam-day durability through the real binary: the server is killed with
//! SIGKILL while candidates save, restarted on the same database (a SQLite
//! file, or a PostgreSQL schema in that pass), and every save it acknowledged
//! before dying must be there.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

type Http = Client<HttpConnector, Full<Bytes>>;

const ADMIN_PASSWORD: &str = "crash-test-admin-pw";

fn serve(url: &str, port: u16) -> Child {
    let mut merit = Command::new(env!("CARGO_BIN_EXE_merit"));
    // On SQLite the signing key is the one merit keeps beside the database, so
    // the tokens signed before the kill must still open it after the restart;
    // PostgreSQL needs a key given.
    if url.starts_with("postgres") {
        merit.env(
            "MERIT_SECRET_KEY",
            "crash-test-signing-key-crash-test-signing-key",
        );
    } else {
        merit.env_remove("MERIT_SECRET_KEY");
    }
    merit
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("MERIT_LOADTEST", "1")
        .env("MERIT_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the merit binary starts")
}

async fn call(
    http: &Http,
    port: u16,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Result<(u16, Value), String> {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:{port}{path}"))
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn wait_until_up(http: &Http, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = call(http, port, Method::GET, "/healthz", None, Value::Null).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("merit did not come up on port {port} within 60 s");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_save_survives_kill_9_and_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "merit-crash-{}",
        hex::encode(merit::random_bytes::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = match crate::database::postgres() {
        Some(base) => crate::database::fresh_schema(&base).await,
        None => format!("sqlite://{}/merit.db?mode=rwc", dir.display()),
    };
    let port = free_port();
    let http: Http = Client::builder(TokioExecutor::new()).build(HttpConnector::new());

    let mut server = serve(&url, port);
    wait_until_up(&http, port).await;
    let (status, v) = call(
        &http,
        port,
        Method::POST,
        "/api/session",
        None,
        json!({"login": "admin", "password": ADMIN_PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{v}");
    let admin = v["token"].as_str().unwrap().to_owned();
    let (status, fixture) = call(
        &http,
        port,
        Method::POST,
        "/api/loadtest/fixture",
        Some(&admin),
        json!({"candidates": 4}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{fixture}");
    let paper = fixture["paper_id"].as_i64().unwrap();
    let items = fixture["item_count"].as_i64().unwrap().min(8);

    // Each candidate starts, then saves every item over and over with rising
    // sequence numbers, several requests in flight, until the server dies.
    let acked: Arc<Mutex<HashMap<(i64, i64), i64>>> = Arc::default();
    let mut savers = Vec::new();
    for token in fixture["tokens"].as_array().unwrap() {
        let token = token.as_str().unwrap().to_owned();
        let (status, a) = call(
            &http,
            port,
            Method::POST,
            &format!("/api/papers/{paper}/attempt"),
            Some(&token),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!(status, 201, "{a}");
        let attempt = a["id"].as_i64().unwrap();
        for item in 1..=items {
            let (http, token, acked) = (http.clone(), token.clone(), acked.clone());
            savers.push(tokio::spawn(async move {
                for seq in 1.. {
                    let body =
                        json!({"seq": seq, "response": {"kind": "choice", "index": seq % 2}});
                    let path = format!("/api/attempts/{attempt}/answers/{item}");
                    match call(&http, port, Method::PUT, &path, Some(&token), body).await {
                        Ok((200, v)) if v["status"] == "saved" => {
                            acked.lock().unwrap().insert((attempt, item), seq);
                        }
                        Ok((status, v)) => {
                            panic!("save refused while the server was up: {status} {v}")
                        }
                        Err(_) => return, // the server is gone
                    }
                }
            }));
        }
    }
    let started = Instant::now();
    while acked.lock().unwrap().values().sum::<i64>() < 400
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL the server");
    server.wait().unwrap();
    for s in savers {
        s.await.expect("a saver stops when the server is gone");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.values().sum::<i64>() >= 400,
        "the server acknowledged too few saves before the kill to prove anything: {acked:?}"
    );

    let mut server = serve(&url, port);
    wait_until_up(&http, port).await;
    let (status, stored) = call(
        &http,
        port,
        Method::GET,
        &format!("/api/papers/{paper}/answer-seqs"),
        Some(&admin),
        Value::Null,
    )
    .await
    .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200, "{stored}");
    let stored: HashMap<(i64, i64), i64> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (r[0].as_i64().unwrap(), r[1].as_i64().unwrap()),
                r[2].as_i64().unwrap(),
            )
        })
        .collect();
    for ((attempt, item), seq) in &acked {
        let have = stored.get(&(*attempt, *item)).copied().unwrap_or(0);
        assert!(
            have >= *seq,
            "attempt {attempt} item {item}: save {seq} was acknowledged but {have} is stored"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
