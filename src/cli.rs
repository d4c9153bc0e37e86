//! The command line: `merit serve` (default), `merit migrate`, `merit user ...`.
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
#[command(args_conflicts_with_subcommands = true)]
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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
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
    Ok(AppState::new(conn, Arc::new(SystemClock), config_for(key)))
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
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("could not listen on {}", args.bind))?;
    println!("merit is listening on http://{}", args.bind);
    let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
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
