//! The command line: `merit serve` (default), `merit migrate`, `merit user ...`,
//! `merit bank ...`.
//! Every flag can also come from an environment variable.

use std::io::{BufRead, IsTerminal};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::accounts::domain::Role;
use crate::accounts::{service, store};
use crate::audit::Actor;
use crate::clock::SystemClock;
use crate::config::{self, Config};
use crate::db;
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "merit",
    version,
    about = "Civil-service recruitment and promotion exams"
)]
pub struct Cli {
    /// Database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = db::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// `merit --demo` is `merit serve --demo`: serving is the default command.
    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// `merit loadtest`: the one command that should run on a single thread.
    pub fn is_load_generator(&self) -> bool {
        matches!(self.command, Some(Command::Loadtest(_)))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import, export and list question banks.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Load-test a running server as exam-day candidates (see README, performance).
    Loadtest(crate::loadtest::LoadtestArgs),
    /// Time the heavy batch work on synthetic data (see README, performance).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Grade, rank and analyse N synthetic attempts in a scratch SQLite database.
    Grading(crate::grading::bench::GradingBenchArgs),
}

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Import question files: TOML (merit), GIFT, Moodle XML, CSV or XLSX, the
    /// format from the extension or the content. Every file is checked first;
    /// if any has an error nothing is imported. Statuses in the file are kept.
    Import {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// The bank to import into (created if missing); default: the bank the file names.
        #[arg(long)]
        bank: Option<String>,
        /// Check only: list what would be imported and every problem, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a bank to a file (or standard output).
    Export {
        bank: String,
        #[arg(long, default_value = "toml", value_parser = ["toml", "gift", "moodle-xml", "csv", "xlsx"])]
        format: String,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// List banks with their question counts.
    List,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CookieSecure {
    /// `Secure` unless bound to a loopback address (plain-HTTP localhost).
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[arg(long, env = "MERIT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the demo data and print the demo sign-ins.
    #[arg(long, env = "MERIT_DEMO")]
    pub demo: bool,
    #[arg(long, env = "MERIT_COOKIE_SECURE", value_enum, default_value = "auto")]
    pub cookie_secure: CookieSecure,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "MERIT_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "MERIT_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends regardless.
    #[arg(long, env = "MERIT_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,
    /// Local time's offset from UTC in minutes, for entering and showing times (420 = Vietnam).
    #[arg(long, env = "MERIT_UTC_OFFSET_MINUTES", default_value_t = crate::clock::DEFAULT_UTC_OFFSET_MINUTES)]
    pub utc_offset_minutes: i32,
    /// Database connections in the pool.
    #[arg(long, env = "MERIT_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is read from stdin, or generated and printed.
    Add {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Org unit code (required for personnel).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        full_name: Option<String>,
        username: String,
    },
    /// Set a new password (from stdin, or generated and printed); ends the account's sessions.
    Passwd { username: String },
    /// List accounts.
    List,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected one of: candidate, board, personnel, admin".to_owned())
}

async fn open(
    database_url: &str,
    pool: u32,
    config_for: impl FnOnce(Vec<u8>) -> Config,
) -> anyhow::Result<AppState> {
    let key = config::secret_key(
        std::env::var("MERIT_SECRET_KEY").ok().as_deref(),
        database_url,
    )?;
    let conn = db::connect(database_url, pool).await?;
    db::migrate(&conn).await?;
    let writer =
        db::connect_writer(database_url, crate::attempts::writer::connections(&conn)).await?;
    db::spawn_checkpointer(conn.clone());
    Ok(AppState::with_writer_connection(
        conn,
        writer,
        Arc::new(SystemClock),
        config_for(key),
    ))
}

fn base_config(key: Vec<u8>) -> Config {
    Config {
        secret_key: key,
        cookie_secure: true,
        trusted_proxies: Vec::new(),
        session_idle_minutes: 120,
        session_absolute_hours: 12,
        hash_concurrency: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        body_limit_bytes: 8 * 1024 * 1024,
        utc_offset_minutes: crate::clock::DEFAULT_UTC_OFFSET_MINUTES,
    }
}

/// A password from stdin when piped in, else a generated one that is printed.
fn password_from_stdin() -> anyhow::Result<Option<String>> {
    if std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\n', '\r']).to_owned();
    Ok((!p.is_empty()).then_some(p))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url.clone();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Migrate => {
            let conn = db::connect(&url, 1).await?;
            db::migrate(&conn).await?;
            println!("migrated {}", db::redact(&url));
            Ok(())
        }
        Command::Serve(args) => serve(&url, args).await,
        Command::User(cmd) => user(&url, cmd).await,
        Command::Bank(cmd) => bank(&url, cmd).await,
        Command::Loadtest(args) => crate::loadtest::run(args).await,
        Command::Bench(BenchCommand::Grading(args)) => crate::grading::bench::run(args).await,
    }
}

async fn bank(url: &str, cmd: BankCommand) -> anyhow::Result<()> {
    use crate::banks::{domain, service, store};
    let state = open(url, 2, base_config).await?;
    let actor = Actor::system("cli");
    match cmd {
        BankCommand::Import {
            files,
            bank,
            dry_run,
        } => {
            let mut loaded = Vec::new();
            for path in &files {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                loaded.push((path.display().to_string(), name, bytes));
            }
            // Check every file before importing any: bad input imports nothing.
            let mut failed = false;
            for (shown, name, bytes) in &loaded {
                let report = service::import(
                    &state.db,
                    state.now_ms(),
                    &actor,
                    service::Target::Named(bank.clone()),
                    (name, bytes),
                    &service::ImportOptions {
                        dry_run: true,
                        keep_status: true,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                print_report(shown, &report, true);
                failed |= !report.errors.is_empty();
            }
            if failed {
                bail!("nothing was imported: fix the errors above and run the import again");
            }
            if dry_run {
                return Ok(());
            }
            for (shown, name, bytes) in &loaded {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_message(shown.clone());
                let report = service::import_with_progress(
                    &state.db,
                    state.now_ms(),
                    &actor,
                    service::Target::Named(bank.clone()),
                    (name, bytes),
                    &service::ImportOptions {
                        dry_run: false,
                        keep_status: true,
                    },
                    &|done, total| {
                        bar.set_length(total as u64);
                        bar.set_position(done as u64);
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                bar.finish_and_clear();
                print_report(shown, &report, false);
                if !report.errors.is_empty() {
                    bail!("{shown}: nothing was imported");
                }
            }
            Ok(())
        }
        BankCommand::Export { bank, format, out } => {
            let b = store::find_bank_by_name(&state.db, &bank)
                .await?
                .with_context(|| format!("no bank named {bank:?}; `merit bank list` shows them"))?;
            let format = domain::Format::parse(&format)
                .with_context(|| format!("unknown format {format:?}"))?;
            let exported = service::export(&state.db, &b, &Default::default(), format)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for note in &exported.notes {
                eprintln!("note: {note}");
            }
            match out {
                Some(path) => {
                    std::fs::write(&path, &exported.bytes)
                        .with_context(|| format!("could not write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&exported.bytes)?;
                }
            }
            Ok(())
        }
        BankCommand::List => {
            println!(
                "{:<40} {:<18} {:>8} {:>6} {:>7}  members",
                "bank", "subject", "approved", "draft", "retired"
            );
            for b in store::banks(&state.db, None).await? {
                let total = domain::matrix(&store::counts(&state.db, b.id).await?).total;
                let members: Vec<String> = store::members(&state.db, b.id)
                    .await?
                    .into_iter()
                    .map(|u| u.username)
                    .collect();
                println!(
                    "{:<40} {:<18} {:>8} {:>6} {:>7}  {}",
                    b.name,
                    b.subject,
                    total.approved,
                    total.draft,
                    total.retired,
                    members.join(", ")
                );
            }
            Ok(())
        }
    }
}

/// The same error list the import page shows, one problem per line.
fn print_report(file: &str, r: &crate::banks::service::ImportReport, dry_run: bool) {
    for p in &r.errors {
        eprintln!("{file}: error: {p}");
    }
    for p in &r.warnings {
        eprintln!("{file}: warning: {p}");
    }
    let verb = if dry_run { "would import" } else { "imported" };
    if r.errors.is_empty() {
        println!(
            "{file} ({}) into \"{}\": {} found; {verb}: {} new, {} updated, {} unchanged",
            r.format, r.bank, r.found, r.created, r.updated, r.unchanged
        );
    } else {
        println!("{file}: {} errors, nothing imported", r.errors.len());
    }
}

async fn user(url: &str, cmd: UserCommand) -> anyhow::Result<()> {
    let state = open(url, 2, base_config).await?;
    let actor = Actor::system("cli");
    match cmd {
        UserCommand::Add {
            role,
            unit,
            full_name,
            username,
        } => {
            let org_unit_id = match unit {
                Some(code) => Some(
                    crate::org_units::store::find_by_code(&state.db, &code)
                        .await?
                        .with_context(|| format!("no org unit with code {code:?}; `merit` lists units at /admin/units"))?
                        .id,
                ),
                None => None,
            };
            let form = service::NewAccount {
                full_name: full_name.unwrap_or_else(|| username.clone()),
                username,
                email: None,
                role,
                org_unit_id,
                password: password_from_stdin()?,
            };
            match service::create_account(&state, &actor, &form).await {
                Ok((u, generated)) => {
                    println!("created {} ({})", u.username, role.as_str());
                    if let Some(p) = generated {
                        println!("password: {p}");
                    }
                    Ok(())
                }
                Err(e) => bail!(
                    "{}",
                    e.details(crate::web::i18n::Locale::En)
                        .into_iter()
                        .map(|(f, m)| match f {
                            Some(f) => format!("{f}: {m}"),
                            None => m,
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
        UserCommand::Passwd { username } => {
            let account = store::find_by_username(&state.db, &username.to_lowercase())
                .await?
                .with_context(|| format!("no account named {username:?}"))?;
            let supplied = password_from_stdin()?;
            match service::reset_password(&state, &actor, account.id, supplied.as_deref()).await {
                Ok(p) => {
                    if supplied.is_none() {
                        println!("password: {p}");
                    } else {
                        println!("password changed for {}", account.username);
                    }
                    Ok(())
                }
                Err(e) => bail!("{e}"),
            }
        }
        UserCommand::List => {
            let mut page = 1;
            println!(
                "{:<32} {:<10} {:<8} full name",
                "username", "role", "status"
            );
            loop {
                let filter = store::UserFilter {
                    page: Some(page),
                    ..Default::default()
                };
                let (rows, total) = store::list_users(&state.db, &filter).await?;
                for u in &rows {
                    println!(
                        "{:<32} {:<10} {:<8} {}",
                        u.username,
                        u.role,
                        if u.disabled { "disabled" } else { "active" },
                        u.full_name
                    );
                }
                if page * store::PAGE_SIZE >= total {
                    break;
                }
                page += 1;
            }
            Ok(())
        }
    }
}

async fn serve(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let cookie_secure = match args.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => !args.bind.ip().is_loopback(),
    };
    let state = open(url, args.db_connections, |key| Config {
        cookie_secure,
        trusted_proxies: args.trusted_proxies.clone(),
        session_idle_minutes: args.session_idle_minutes,
        session_absolute_hours: args.session_hours,
        utc_offset_minutes: args.utc_offset_minutes,
        ..base_config(key)
    })
    .await?;
    if let Some(password) = service::ensure_admin(
        &state,
        std::env::var("MERIT_ADMIN_PASSWORD").ok().as_deref(),
    )
    .await?
    {
        println!(
            "Created the administrator account.\n  username: admin\n  password: {password}\n(This is shown once.)"
        );
    }
    if args.demo {
        crate::demo::load(&state).await?;
    }
    // Submits overdue attempts even when their candidates have gone.
    crate::attempts::sweeper::spawn(state.clone());
    let listener =
        listen(args.bind).with_context(|| format!("could not listen on {}", args.bind))?;
    println!("merit is listening on http://{}", args.bind);
    let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// Connections waiting to be accepted. tokio's default (1024) overflows when
/// ten thousand candidates press Start in the same second: the kernel drops
/// the rest and their browsers retry a second or more later. The kernel caps
/// this at `net.core.somaxconn`.
const ACCEPT_BACKLOG: u32 = 16_384;

fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
