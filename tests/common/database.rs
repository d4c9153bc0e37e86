//! The database a test runs on: SQLite unless `MERIT_TEST_DATABASE_URL` names a
//! PostgreSQL server, where each test gets a fresh schema of its own (`.ci/run`
//! drops the `t_…` schemas a run leaves). Shared by the test binaries.

/// `MERIT_TEST_DATABASE_URL`, when it is set and not empty.
pub fn postgres() -> Option<String> {
    std::env::var("MERIT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Creates a schema `t_<random>` on the PostgreSQL server at `base` and returns
/// a URL whose connections search it first. A URL rather than connection
/// options, so a `merit` child process can be given it as `DATABASE_URL`.
pub async fn fresh_schema(base: &str) -> String {
    use sea_orm::ConnectionTrait;
    let schema = format!("t_{}", hex::encode(merit::random_bytes::<6>()));
    let admin = sea_orm::Database::connect(base)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to MERIT_TEST_DATABASE_URL {base}: {e}"));
    admin
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap_or_else(|e| panic!("cannot create the schema {schema}: {e}"));
    admin.close().await.ok();
    let joiner = if base.contains('?') { '&' } else { '?' };
    // libpq's `options` startup parameter: `-c search_path=…`, URL-encoded.
    format!("{base}{joiner}options=-c%20search_path%3D{schema}")
}
