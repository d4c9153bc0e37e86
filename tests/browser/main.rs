//! Browser end-to-end tests (issue #8): each user's journey clicked and typed in
//! headless Chromium through WebDriver, against a real `merit serve` child process
//! on a scratch database (SQLite; a PostgreSQL schema when
//! `MERIT_TEST_DATABASE_URL` is set). One binary, apart from `tests/app`, so the fast
//! in-process tests do not wait for it.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages). Without them each
//! test prints "skipped: chromium not installed" and passes, except under CI
//! (`CI` set), where a missing browser fails.
//!
//! Screenshots of the key screens land in `target/tmp/screenshots/`; the README
//! shows a copy of them from `docs/screenshots/`.

#![forbid(unsafe_code)]

mod board;
mod candidate;
#[path = "../common/database.rs"]
mod database;
mod http;
mod language;
mod personnel;
mod setup;
mod web;
mod world;
