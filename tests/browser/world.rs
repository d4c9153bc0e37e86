//! What the journeys run against. One chromedriver is shared by the whole test
//! binary (started by the first journey, stopped when the binary exits); each
//! journey gets its own `merit serve --demo` on its own scratch database (a
//! SQLite file, or a PostgreSQL schema in that pass) and free port, stopped
//! when the journey ends. A server per journey rather than
//! one shared: the app's SQLite transactions that read before they write fail
//! with "database is locked" when another client writes at that moment
//! (SQLITE_BUSY_SNAPSHOT, outside the busy timeout), so journeys running side by
//! side on one database failed at random. The demo loads in about 3 seconds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const ADMIN_PASSWORD: &str = "browser-admin-2026";
pub use merit::demo::DEMO_PASSWORD;

/// One journey's server, with the shared chromedriver.
pub struct World {
    /// `http://127.0.0.1:PORT` of this journey's merit server.
    pub base: String,
    /// `http://127.0.0.1:PORT` of chromedriver.
    pub driver: String,
    /// This journey's scratch space: database, logs, profiles, downloads.
    pub dir: PathBuf,
    server: Child,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

struct Driver {
    url: String,
    /// Scratch space of this test binary's run; journeys' folders go inside.
    dir: PathBuf,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// A fresh world for one journey, or `None` when the browser is not installed
/// (outside CI). Under CI (`CI` set) a missing browser fails the test: a silent
/// pass would hide that the browser journeys never ran.
pub async fn get() -> Option<World> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!(
                "CI is set but {} is missing: install them with `apt-get install -y chromium chromium-driver` (.ci/run does)",
                missing.join(" and ")
            );
        }
        say(&format!(
            "skipped: chromium not installed ({})",
            missing.join(", ")
        ));
        return None;
    }
    let driver = match DRIVER.get_or_init(start_driver) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    // Its own SQLite file, or in the PostgreSQL pass its own schema there.
    let dir = driver.dir.join(crate::http::unique("journey-"));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    let url = match crate::database::postgres() {
        Some(base) => crate::database::fresh_schema(&base).await,
        None => format!("sqlite://{}?mode=rwc", dir.join("merit.db").display()),
    };
    match start_server(dir, &url, driver) {
        Ok(w) => Some(w),
        Err(e) => panic!("{e}"),
    }
}

/// Writes past the test harness's output capture (which only takes `print!`),
/// so a skip shows in a plain `cargo test` run, not only with --nocapture.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn start_driver() -> Result<Driver, String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let log = std::fs::File::create(dir.join("chromedriver.log"))
        .map_err(|e| format!("cannot create the chromedriver log: {e}"))?;
    let port = free_port()?;
    let driver = Command::new(CHROMEDRIVER)
        .args([&format!("--port={port}"), "--log-level=WARNING"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::null())
        // Its own process group, so the reaper also ends the browsers it started.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start chromedriver: {e}"))?;
    // Browser profiles are the bulk of a run (a few MB each); the logs and the
    // databases stay for a look after a failure. A browser may still be
    // closing its profile: remove twice.
    let profiles = format!("rm -rf '{}'/*/profile-*", dir.display());
    reap_on_exit(&driver, &format!("{profiles}; sleep 3; {profiles}"));
    wait_http(port, "/status", Duration::from_secs(30))
        .map_err(|e| format!("chromedriver did not answer /status: {e}"))?;
    Ok(Driver {
        url: format!("http://127.0.0.1:{port}"),
        dir,
    })
}

fn start_server(dir: PathBuf, url: &str, driver: &Driver) -> Result<World, String> {
    let log = |name: &str| {
        std::fs::File::create(dir.join(name))
            .map(Stdio::from)
            .map_err(|e| format!("cannot create the log {name}: {e}"))
    };
    let port = free_port()?;
    let server = Command::new(env!("CARGO_BIN_EXE_merit"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("MERIT_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // Required on PostgreSQL; on SQLite it spares a key file per journey.
        .env(
            "MERIT_SECRET_KEY",
            "browser-journey-signing-key-browser-journey",
        )
        .env("RUST_LOG", "merit=info,warn")
        .stdin(Stdio::null())
        .stdout(log("server.log")?)
        .stderr(log("server.err")?)
        .spawn()
        .map_err(|e| format!("cannot start merit: {e}"))?;
    // Dropping the world stops it; this is for a test binary that dies first.
    reap_on_exit(&server, "");
    let world = World {
        base: format!("http://127.0.0.1:{port}"),
        driver: driver.url.clone(),
        dir,
        server,
    };
    // The server listens only once the demo is loaded (hundreds of questions,
    // 200 staff): slow in a debug build on a busy machine.
    wait_http(port, "/healthz", Duration::from_secs(180)).map_err(|e| {
        format!(
            "merit did not answer /healthz: {e}; see {}",
            world.dir.join("server.log").display()
        )
    })?;
    Ok(world)
}

/// Statics are never dropped, so a child would outlive a test binary that
/// panicked or finished: a small shell waits for this process to end and then
/// ends the child's process group, then runs `then`.
fn reap_on_exit(child: &Child, then: &str) {
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; kill -TERM -{pid} {pid} 2>/dev/null; sleep 2; kill -KILL -{pid} {pid} 2>/dev/null; {then}",
        me = std::process::id(),
        pid = child.id()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Polls `GET path` until it answers 200.
fn wait_http(port: u16, path: &str, limit: Duration) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + limit;
    let mut last = String::from("no answer");
    while Instant::now() < deadline {
        match get_status(addr, path) {
            Ok(200) => return Ok(()),
            Ok(code) => last = format!("status {code}"),
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(last)
}

fn get_status(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    Ok(std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}
