//! Integration tests: one binary, a module per feature. Each test gets a fresh
//! database (SQLite, or PostgreSQL with `MERIT_TEST_DATABASE_URL`).

#[path = "../common/database.rs"]
mod database;
mod fuzz;
mod harness;

mod accounts;
mod attempts;
mod audit;
mod banks;
mod campaigns;
mod cli;
mod crash;
mod demo;
mod grading;
mod hires;
mod intake;
mod org_units;
mod papers;
mod platform;
mod security;
mod staff;
