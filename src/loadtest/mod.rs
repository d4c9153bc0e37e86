//! `merit loadtest`: drives a running server over HTTP as candidates do on
//! exam day — everyone starts at once, answers with think time (some saves
//! replayed with the same sequence number), everyone submits — then checks
//! that every acknowledged save is stored and prints latency and throughput.
//!
//! The client is hyper-util's pooled HTTP/1 client: it is already in the
//! dependency tree through axum (no new crates to build on a 2-core machine),
//! is what reqwest itself is built on, and loopback needs no TLS.

pub mod fixture;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

type Http = Client<HttpConnector, Full<Bytes>>;

#[derive(clap::Args, Debug, Clone)]
pub struct LoadtestArgs {
    /// The server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub url: String,
    #[arg(long, default_value_t = 1000)]
    pub candidates: usize,
    /// Pause between two answers of one candidate.
    #[arg(long, default_value_t = 1000)]
    pub think_ms: u64,
    /// Items each candidate answers (the demo paper has 60).
    #[arg(long, default_value_t = 20)]
    pub items: i64,
    /// The server's process id, for its peak RSS (default: found by the URL's port).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Personnel watching the paper's invigilation board, each reloading it
    /// every 5 seconds as the page does, for the whole run.
    #[arg(long, default_value_t = 0)]
    pub invigilators: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also print, per second of the run, the saves sent and their p99 (to
    /// stderr): shows the start storm's wake apart from steady autosave.
    #[arg(long)]
    pub timeline: bool,
}

#[derive(Default)]
struct Tally {
    /// Microseconds per request, by kind.
    latencies: HashMap<&'static str, Vec<u64>>,
    errors: u64,
    errors_5xx: u64,
    /// (attempt, item) → highest acknowledged sequence.
    acked: HashMap<(i64, i64), i64>,
    first_save: Option<Instant>,
    last_save: Option<Instant>,
    /// (second of the run the save was sent in, microseconds).
    save_seconds: Vec<(u32, u64)>,
}

impl Tally {
    /// One request's latency under `kind`, and its failure if it failed.
    fn record(&mut self, kind: &'static str, started: Instant, status: anyhow::Result<u16>) {
        self.latencies
            .entry(kind)
            .or_default()
            .push(started.elapsed().as_micros() as u64);
        match status {
            Ok(s) if s < 400 => {}
            Ok(s) => {
                self.errors += 1;
                if s >= 500 {
                    self.errors_5xx += 1;
                }
            }
            Err(_) => self.errors += 1,
        }
    }

    fn merge(&mut self, o: Tally) {
        for (k, v) in o.latencies {
            self.latencies.entry(k).or_default().extend(v);
        }
        self.save_seconds.extend(o.save_seconds);
        self.errors += o.errors;
        self.errors_5xx += o.errors_5xx;
        self.acked.extend(o.acked);
        self.first_save = match (self.first_save, o.first_save) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_save = match (self.last_save, o.last_save) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

async fn call(
    http: &Http,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let resp = http
        .request(req.body(Full::new(Bytes::from(body)))?)
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// The pid listening on `port`, from /proc (Linux).
fn pid_on_port(port: u16) -> Option<u32> {
    let mut inodes = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(file).ok()?.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local_port = cols.get(1)?.rsplit(':').next()?;
            if u16::from_str_radix(local_port, 16).ok()? == port && cols.get(3) == Some(&"0A") {
                inodes.push(format!("socket:[{}]", cols.get(9)?));
            }
        }
    }
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && inodes.iter().any(|i| target.to_string_lossy() == *i)
            {
                return Some(pid);
            }
        }
    }
    None
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets the process's peak RSS (VmHWM) to its current RSS; false when the
/// kernel refuses (not our process).
fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

#[allow(clippy::too_many_arguments)]
/// Saves sent per second of the run, with their p50 and p99 (milliseconds).
fn print_timeline(saves: &mut [(u32, u64)]) {
    saves.sort_unstable();
    eprintln!("second  saves  p50_ms  p99_ms");
    for second in saves.chunk_by(|a, b| a.0 == b.0) {
        let latencies: Vec<u64> = second.iter().map(|s| s.1).collect();
        eprintln!(
            "{:>6}  {:>5}  {:>6.1}  {:>6.1}",
            second[0].0,
            latencies.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99)
        );
    }
}

#[allow(clippy::too_many_arguments)]
async fn candidate(
    t0: Instant,
    http: Http,
    base: String,
    token: String,
    paper: i32,
    items: i64,
    think_ms: u64,
    n: usize,
) -> Tally {
    let mut t = Tally::default();
    let started = Instant::now();
    let r = call(
        &http,
        &base,
        Method::POST,
        &format!("/api/papers/{paper}/attempt"),
        Some(&token),
        Some(json!({})),
    )
    .await;
    let attempt = r.as_ref().ok().and_then(|(_, v)| v["id"].as_i64());
    t.record("start", started, r.map(|x| x.0));
    let Some(attempt) = attempt else {
        return t;
    };
    // Spread the candidates' first answers over one think time, as people do.
    let offset = (n as u64 * 7919) % think_ms.max(1);
    tokio::time::sleep(Duration::from_millis(offset)).await;
    for item in 1..=items {
        tokio::time::sleep(Duration::from_millis(think_ms)).await;
        let body =
            json!({"seq": 1, "response": {"kind": "choice", "index": (item as usize + n) % 2}});
        // One save in twenty is sent twice (a retry after a lost reply).
        let tries = if (n as i64 + item) % 20 == 0 { 2 } else { 1 };
        for _ in 0..tries {
            let s = Instant::now();
            let r = call(
                &http,
                &base,
                Method::PUT,
                &format!("/api/attempts/{attempt}/answers/{item}"),
                Some(&token),
                Some(body.clone()),
            )
            .await;
            if let Ok((200, v)) = &r
                && v["status"] == "saved"
            {
                t.acked.insert((attempt, item), 1);
            }
            t.first_save.get_or_insert(s);
            t.last_save = Some(Instant::now());
            t.save_seconds
                .push(((s - t0).as_secs() as u32, s.elapsed().as_micros() as u64));
            t.record("save", s, r.map(|x| x.0));
        }
    }
    let s = Instant::now();
    let r = call(
        &http,
        &base,
        Method::POST,
        &format!("/api/attempts/{attempt}/submit"),
        Some(&token),
        Some(json!({})),
    )
    .await;
    t.record("submit", s, r.map(|x| x.0));
    t
}

/// How often the invigilation page reloads its board (merit.js).
const BOARD_REFRESH: Duration = Duration::from_secs(5);

/// One invigilator: the board of `paper` every [`BOARD_REFRESH`] until `done`.
async fn invigilator(
    http: Http,
    base: String,
    token: String,
    paper: i32,
    n: usize,
    done: tokio::sync::watch::Receiver<bool>,
) -> Tally {
    let mut t = Tally::default();
    let mut done = done;
    // Invigilators do not reload in step.
    let offset = (n as u64 * 1733) % BOARD_REFRESH.as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(offset)).await;
    while !*done.borrow() {
        let s = Instant::now();
        let r = call(
            &http,
            &base,
            Method::GET,
            &format!("/api/papers/{paper}/invigilation"),
            Some(&token),
            None,
        )
        .await;
        t.record("board", s, r.map(|x| x.0));
        let _ = tokio::time::timeout(BOARD_REFRESH, done.changed()).await;
    }
    t
}

pub async fn run(args: LoadtestArgs) -> anyhow::Result<()> {
    let base = args.url.trim_end_matches('/').to_owned();
    let password = std::env::var("MERIT_ADMIN_PASSWORD")
        .context("set MERIT_ADMIN_PASSWORD to the server's admin password")?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let http: Http = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(Duration::from_secs(120))
        .build(connector);
    let (status, v) = call(
        &http,
        &base,
        Method::POST,
        "/api/session",
        None,
        Some(json!({"login": "admin", "password": password})),
    )
    .await?;
    if status != 200 {
        bail!("admin sign-in failed ({status}): {v}");
    }
    let admin = v["token"].as_str().unwrap_or_default().to_owned();
    eprintln!("preparing {} candidates…", args.candidates);
    let (status, fx) = call(
        &http,
        &base,
        Method::POST,
        "/api/loadtest/fixture",
        Some(&admin),
        Some(json!({"candidates": args.candidates})),
    )
    .await?;
    if status != 200 {
        bail!("preparation failed ({status}): {fx}. Is the server running with MERIT_LOADTEST=1?");
    }
    let fixture: fixture::Fixture = serde_json::from_value(fx)?;
    // Preparing thousands of accounts is not exam day: report the peak RSS of
    // the preparation apart, and start the exam's peak afresh.
    let port = base
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or(80);
    let server_pid = args.server_pid.or_else(|| pid_on_port(port));
    let preparation_rss = server_pid.and_then(peak_rss_kib);
    let exam_rss_from_zero = server_pid.is_some_and(reset_peak_rss);
    let items = args.items.min(i64::from(fixture.item_count));
    eprintln!(
        "storm: {} candidates start paper {} at once",
        fixture.tokens.len(),
        fixture.paper_id
    );
    let t0 = Instant::now();
    let tasks: Vec<_> = fixture
        .tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            tokio::spawn(candidate(
                t0,
                http.clone(),
                base.clone(),
                token,
                fixture.paper_id,
                items,
                args.think_ms,
                n,
            ))
        })
        .collect();
    let (finished, watching) = tokio::sync::watch::channel(false);
    let invigilators: Vec<_> = (0..args.invigilators)
        .map(|n| {
            tokio::spawn(invigilator(
                http.clone(),
                base.clone(),
                admin.clone(),
                fixture.paper_id,
                n,
                watching.clone(),
            ))
        })
        .collect();
    let mut total = Tally::default();
    for t in tasks {
        total.merge(t.await?);
    }
    let _ = finished.send(true);
    for t in invigilators {
        total.merge(t.await?);
    }
    let wall = t0.elapsed().as_secs_f64();
    if args.timeline {
        print_timeline(&mut total.save_seconds);
    }
    // Every acknowledged save must be in the database.
    let (status, stored) = call(
        &http,
        &base,
        Method::GET,
        &format!("/api/papers/{}/answer-seqs", fixture.paper_id),
        Some(&admin),
        None,
    )
    .await?;
    if status != 200 {
        bail!("could not read stored answers ({status})");
    }
    let stored: HashMap<(i64, i64), i64> = stored
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| Some(((r[0].as_i64()?, r[1].as_i64()?), r[2].as_i64()?)))
                .collect()
        })
        .unwrap_or_default();
    let lost = total
        .acked
        .iter()
        .filter(|(k, seq)| stored.get(k).is_none_or(|s| s < seq))
        .count();
    let rss = server_pid.and_then(peak_rss_kib);
    let mut out = serde_json::Map::new();
    let mut lat = |kind: &'static str| {
        let mut v = total.latencies.remove(kind).unwrap_or_default();
        v.sort_unstable();
        (
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.95),
            percentile(&v, 0.99),
            v.last().copied().unwrap_or(0) as f64 / 1000.0,
        )
    };
    let start = lat("start");
    let save = lat("save");
    let submit = lat("submit");
    let start_span = start.4 / 1000.0;
    let save_span = match (total.first_save, total.last_save) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    out.insert("candidates".into(), json!(args.candidates));
    out.insert("starts".into(), json!(start.0));
    out.insert(
        "starts_per_s".into(),
        json!(if start_span > 0.0 {
            start.0 as f64 / start_span
        } else {
            0.0
        }),
    );
    out.insert("start_p50_ms".into(), json!(start.1));
    out.insert("start_p95_ms".into(), json!(start.2));
    out.insert("start_p99_ms".into(), json!(start.3));
    out.insert("start_all_within_s".into(), json!(start_span));
    out.insert("saves".into(), json!(save.0));
    out.insert(
        "saves_per_s".into(),
        json!(if save_span > 0.0 {
            save.0 as f64 / save_span
        } else {
            0.0
        }),
    );
    out.insert("save_p50_ms".into(), json!(save.1));
    out.insert("save_p95_ms".into(), json!(save.2));
    out.insert("save_p99_ms".into(), json!(save.3));
    out.insert("submits".into(), json!(submit.0));
    out.insert("submit_p50_ms".into(), json!(submit.1));
    out.insert("submit_p99_ms".into(), json!(submit.3));
    if args.invigilators > 0 {
        let board = lat("board");
        out.insert("boards".into(), json!(board.0));
        out.insert("board_p50_ms".into(), json!(board.1));
        out.insert("board_p99_ms".into(), json!(board.3));
    }
    out.insert("acked_saves".into(), json!(total.acked.len()));
    out.insert("lost_acks".into(), json!(lost));
    out.insert("errors".into(), json!(total.errors));
    out.insert("errors_5xx".into(), json!(total.errors_5xx));
    out.insert(
        "server_peak_rss_mib".into(),
        json!(rss.map(|k| k as f64 / 1024.0)),
    );
    // When the peak could not be reset (another user's process), the exam's
    // figure includes the preparation.
    out.insert(
        "server_peak_rss_includes_preparation".into(),
        json!(!exam_rss_from_zero),
    );
    out.insert(
        "preparation_peak_rss_mib".into(),
        json!(preparation_rss.map(|k| k as f64 / 1024.0)),
    );
    out.insert("wall_s".into(), json!(wall));
    if args.json {
        println!("{}", Value::Object(out));
    } else {
        for (k, v) in out {
            println!("{k:>22}  {v}");
        }
    }
    Ok(())
}
