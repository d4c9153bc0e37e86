//! Connecting to the database and migrating it.

use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://merit.db?mode=rwc";

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Opens a pool. SQLite runs in WAL mode with `synchronous=FULL` (an acknowledged
/// answer survives a power cut) and foreign keys on.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(options(url, max_connections, |o| o)).await
}

/// The exam-day writer's pool. On SQLite its page cache is larger than the
/// readers': the one connection that writes every answer keeps the answers'
/// index in memory. It never checkpoints: [`spawn_checkpointer`] does, on
/// another connection.
pub async fn connect_writer(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(options(url, max_connections, |o| {
        o.pragma("cache_size", "-32768")
            .pragma("wal_autocheckpoint", "0")
            // The log grows while readers keep it busy; once rewound, it is
            // cut back to this size rather than kept at its peak.
            .pragma("journal_size_limit", "67108864")
    }))
    .await
}

/// On SQLite, copies the write-ahead log into the database once a second
/// from a connection of `db` (not the writer's). SQLite's automatic
/// checkpoint runs inside the commit that crosses 1,000 pages of log, so the
/// exam-day writer — and every save waiting for it — stalled while pages were
/// copied and the database file synced. A PASSIVE checkpoint waits for no
/// reader and no writer; the writer rewinds the log after one completes.
pub fn spawn_checkpointer(db: DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                tracing::warn!(error = %e, "could not checkpoint the write-ahead log");
            }
        }
    });
}

fn options(
    url: &str,
    max_connections: u32,
    sqlite: fn(SqliteConnectOptions) -> SqliteConnectOptions,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            sqlite(
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30)),
            )
        });
    options
}

pub async fn connect_with(options: ConnectOptions) -> anyhow::Result<DatabaseConnection> {
    let url = options.get_url().to_owned();
    Database::connect(options)
        .await
        .with_context(|| format!("could not open the database at {}", redact(&url)))
}

/// Transactions that write. On SQLite they take the write lock at BEGIN
/// (IMMEDIATE): a deferred transaction that reads and then writes fails with
/// "database is locked" when another connection committed in between, and no
/// busy timeout helps; waiting for the lock up front does. PostgreSQL ignores
/// the mode.
pub trait BeginWrite {
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<DatabaseTransaction, DbErr>> + Send;
}

impl BeginWrite for DatabaseConnection {
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<DatabaseTransaction, DbErr>> + Send {
        self.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
    }
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("could not migrate the database")
}

/// Hides a password in a database URL before it reaches a log or a message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn database_password_is_hidden_in_messages() {
        assert_eq!(
            redact("postgres://merit:s3cret@db:5432/merit"),
            "postgres://merit:***@db:5432/merit"
        );
        assert_eq!(
            redact("sqlite://merit.db?mode=rwc"),
            "sqlite://merit.db?mode=rwc"
        );
    }
}

/// A `LIKE` pattern that matches `text` as typed: `%`, `_` and the escape
/// character itself are literal, not wildcards. Use with `ESCAPE '\'`
/// ([`like`]), which SQLite and PostgreSQL both understand.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `column LIKE pattern ESCAPE '\'`, where the pattern is `text` as typed with
/// `%` before it when `any_before` and after it when `any_after`: every search
/// box goes through here, so a `%` or `_` in it finds only itself.
pub fn like(
    column: impl sea_orm::sea_query::IntoColumnRef,
    any_before: bool,
    text: &str,
    any_after: bool,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{ExprTrait, LikeExpr};
    let pattern = format!(
        "{}{}{}",
        if any_before { "%" } else { "" },
        like_literal(text),
        if any_after { "%" } else { "" }
    );
    sea_orm::sea_query::Expr::col(column).like(LikeExpr::new(pattern).escape('\\'))
}

/// `column LIKE '%text%'`, with `text` literal.
pub fn contains(
    column: impl sea_orm::sea_query::IntoColumnRef,
    text: &str,
) -> sea_orm::sea_query::Expr {
    like(column, true, text, true)
}

#[cfg(test)]
mod like_tests {
    use super::like_literal;

    #[test]
    fn wildcards_typed_in_a_search_are_literal() {
        assert_eq!(like_literal("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(like_literal("Nguyễn"), "Nguyễn");
    }
}
