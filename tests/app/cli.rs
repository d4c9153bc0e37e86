//! The `merit` binary itself, on a scratch SQLite file.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn scratch_db() -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "merit-cli-{}",
        hex::encode(merit::random_bytes::<6>())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/merit.db?mode=rwc", dir.display());
    (dir, url)
}

fn merit(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_merit"))
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("MERIT_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn user_add_passwd_and_list_work_from_the_command_line() {
    let (dir, url) = scratch_db();
    let o = merit(&url, &["migrate"], None);
    assert!(o.status.success(), "{}", out(&o));
    let o = merit(
        &url,
        &[
            "user",
            "add",
            "--role",
            "board",
            "--full-name",
            "Hội đồng Một",
            "hd.mot",
        ],
        Some("mat-khau-hoi-dong\n"),
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        !out(&o).contains("password:"),
        "a piped password is not echoed"
    );
    let o = merit(&url, &["user", "passwd", "hd.mot"], Some(""));
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("password: "),
        "an empty stdin generates a password: {}",
        out(&o)
    );
    let o = merit(&url, &["user", "list"], None);
    assert!(
        out(&o).contains("hd.mot") && out(&o).contains("board"),
        "{}",
        out(&o)
    );
    assert!(
        dir.join("merit.db.key").exists(),
        "the signing key was generated beside the database"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_cli_input_exits_non_zero_with_a_message() {
    let (dir, url) = scratch_db();
    let o = merit(&url, &["user", "add", "--role", "wizard", "x.y"], None);
    assert!(!o.status.success());
    assert!(
        out(&o).contains("candidate, board, personnel, admin"),
        "{}",
        out(&o)
    );
    let o = merit(
        &url,
        &["user", "add", "--role", "personnel", "hr.x"],
        Some("mat-khau-to-chuc\n"),
    );
    assert!(!o.status.success());
    assert!(out(&o).contains("org unit"), "{}", out(&o));
    let o = merit(
        &url,
        &["user", "add", "--role", "board", "weak.pw"],
        Some("password\n"),
    );
    assert!(!o.status.success());
    assert!(out(&o).contains("too common"), "{}", out(&o));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn postgres_without_a_secret_key_refuses_to_start() {
    let o = merit(
        "postgres://postgres@127.0.0.1:5432/test",
        &["user", "list"],
        None,
    );
    assert!(!o.status.success());
    assert!(
        out(&o).contains("MERIT_SECRET_KEY is required"),
        "{}",
        out(&o)
    );
}
