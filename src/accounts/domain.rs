//! Rules about accounts that decide without I/O: roles, usernames, password
//! policy, registration details, sign-in throttling.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::web::i18n::Text;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The least privileged role is the default.
    #[default]
    Candidate,
    Board,
    Personnel,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Candidate, Role::Board, Role::Personnel, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Candidate => "candidate",
            Role::Board => "board",
            Role::Personnel => "personnel",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalog key of the role's display name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Candidate => "role.candidate",
            Role::Board => "role.board",
            Role::Personnel => "role.personnel",
            Role::Admin => "role.admin",
        }
    }
}

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

static COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS.lines().any(|l| l.trim() == lower)
}

/// Length 8 to 128 characters, not one of the most common passwords, not the
/// username itself.
pub fn check_password(password: &str, username: &str) -> Result<(), Text> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Text::key("password.too_short").with("min", MIN_PASSWORD_CHARS));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Text::key("password.too_long").with("max", MAX_PASSWORD_CHARS));
    }
    if is_common(password) || password.eq_ignore_ascii_case(username) {
        return Err(Text::key("password.too_common"));
    }
    Ok(())
}

/// Usernames are lower-case letters, digits and `. _ - @`, 3 to 254 characters
/// (candidates sign in with their email).
pub fn normalize_username(raw: &str) -> Result<String, Text> {
    let name = raw.trim().to_lowercase();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_@".contains(c));
    if name.len() < 3 || name.len() > 254 || !ok_chars {
        return Err(Text::key("accounts.bad_username"));
    }
    Ok(name)
}

pub fn check_email(raw: &str) -> Result<String, Text> {
    let email = raw.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(Text::key("accounts.bad_email"))
    }
}

/// Vietnamese citizen ID (CCCD, 12 digits) or the older ID card (CMND, 9 digits).
pub fn check_national_id(raw: &str) -> Result<String, Text> {
    let id: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if (id.len() == 12 || id.len() == 9) && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(Text::key("accounts.bad_national_id"))
    }
}

/// Recruitment is open to people aged 18 or over (Law on Cadres and Civil
/// Servants, art. 36); a date of birth in the future is a typo.
pub fn check_date_of_birth(raw: &str, today: NaiveDate) -> Result<NaiveDate, Text> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw.trim(), "%d/%m/%Y"))
        .map_err(|_| Text::key("accounts.bad_date_of_birth"))?;
    if age_on(date, today) < 18 || date.year() < 1900 {
        return Err(Text::key("accounts.too_young"));
    }
    Ok(date)
}

pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

pub fn check_full_name(raw: &str) -> Result<String, Text> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Text::key("accounts.bad_full_name"));
    }
    Ok(name)
}

/// How many failed sign-ins are tolerated inside the window before further
/// attempts are refused. An attempt in flight counts as a failure until its
/// password is found right, so a burst cannot get more guesses evaluated than
/// the limit.
///
/// Attempts without a device cookie valid for the account are counted per
/// (account, address) — strict: guessing one password from one place — per
/// address — trying many accounts from one place — and per account across
/// every address, a looser limit that slows an attack spread over many
/// addresses. Attempts carrying a valid device cookie (the browser signed in
/// to this account before) are counted only per cookie: an attacker without
/// the cookie cannot lock the owner out of their own device.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window_ms: i64,
    pub per_account_and_address: u64,
    pub per_address: u64,
    pub per_account: u64,
    pub per_device: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window_ms: 15 * 60_000,
            per_account_and_address: 5,
            per_address: 30,
            per_account: 20,
            per_device: 5,
        }
    }
}

/// Failures (and attempts still in flight) inside the window that an attempt
/// is judged by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    /// This account from this address, since the last success there.
    pub account_and_address: u64,
    /// Any account from this address.
    pub address: u64,
    /// This account from any address.
    pub account: u64,
    /// With this device cookie, since its last success; `None` without one.
    pub device: Option<u64>,
}

/// Which limit refused an attempt (for the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    AccountAndAddress,
    Address,
    Account,
    Device,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::AccountAndAddress => "account and address",
            Limit::Address => "address",
            Limit::Account => "account, all addresses",
            Limit::Device => "device",
        }
    }
}

impl ThrottlePolicy {
    /// Whether one more attempt may be evaluated, given those already made.
    pub fn judge(&self, counts: &AttemptCounts) -> Result<(), Limit> {
        if let Some(device) = counts.device {
            return if device < self.per_device {
                Ok(())
            } else {
                Err(Limit::Device)
            };
        }
        if counts.account_and_address >= self.per_account_and_address {
            Err(Limit::AccountAndAddress)
        } else if counts.address >= self.per_address {
            Err(Limit::Address)
        } else if counts.account >= self.per_account {
            Err(Limit::Account)
        } else {
            Ok(())
        }
    }

    pub fn window_minutes(&self) -> i64 {
        self.window_ms / 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn password_length_is_between_8_and_128_characters() {
        assert!(check_password("Ab3$xyz", "u").is_err());
        assert!(check_password("Ab3$xyzQ", "u").is_ok());
        assert!(check_password(&"x9".repeat(64), "u").is_ok());
        assert!(check_password(&"x9".repeat(64).replace("9", "99"), "u").is_err());
    }

    #[test]
    fn characters_not_bytes_count_toward_the_length() {
        // 8 Vietnamese letters are more than 8 bytes but exactly 8 characters.
        assert!(check_password("Ấn Độ Dương", "u").is_ok());
        assert!(check_password("Đường", "u").is_err());
    }

    #[test]
    fn common_passwords_and_the_username_are_refused() {
        for p in [
            "password",
            "12345678",
            "Password1",
            "qwertyuiop",
            "iloveyou",
        ] {
            assert_eq!(
                check_password(p, "u"),
                Err(Text::key("password.too_common")),
                "{p}"
            );
        }
        assert!(check_password("nguyen.van.a", "nguyen.van.a").is_err());
    }

    #[test]
    fn usernames_are_lowercased_and_limited() {
        assert_eq!(normalize_username(" An.Nguyen ").unwrap(), "an.nguyen");
        assert!(normalize_username("ab").is_err());
        assert!(normalize_username("an nguyen").is_err());
        assert!(normalize_username("an<script>").is_err());
    }

    #[test]
    fn national_id_is_nine_or_twelve_digits() {
        assert_eq!(
            check_national_id("001 203 004 567").unwrap(),
            "001203004567"
        );
        assert!(check_national_id("123456789").is_ok());
        assert!(check_national_id("12345").is_err());
        assert!(check_national_id("00120300456A").is_err());
    }

    #[test]
    fn candidates_must_be_adults() {
        let today = day("2026-11-25");
        assert!(check_date_of_birth("2008-11-25", today).is_ok());
        assert!(check_date_of_birth("2008-11-26", today).is_err());
        assert_eq!(
            check_date_of_birth("25/11/1990", today).unwrap(),
            day("1990-11-25")
        );
        assert!(check_date_of_birth("1990-13-01", today).is_err());
    }

    #[test]
    fn email_needs_a_domain() {
        assert_eq!(check_email("An@Example.VN").unwrap(), "an@example.vn");
        assert!(check_email("an@localhost").is_err());
        assert!(check_email("an example@x.vn").is_err());
    }

    #[test]
    fn throttle_blocks_at_each_limit_not_before() {
        let p = ThrottlePolicy::default();
        let c = |pair, address, account| AttemptCounts {
            account_and_address: pair,
            address,
            account,
            device: None,
        };
        assert_eq!(p.judge(&c(4, 29, 19)), Ok(()));
        assert_eq!(p.judge(&c(5, 5, 5)), Err(Limit::AccountAndAddress));
        assert_eq!(p.judge(&c(0, 30, 0)), Err(Limit::Address));
        assert_eq!(p.judge(&c(0, 0, 20)), Err(Limit::Account));
    }

    #[test]
    fn a_known_device_is_judged_by_its_own_count_alone() {
        let p = ThrottlePolicy::default();
        let locked_out = AttemptCounts {
            account_and_address: 50,
            address: 500,
            account: 500,
            device: Some(0),
        };
        assert_eq!(p.judge(&locked_out), Ok(()));
        let guessing = AttemptCounts {
            device: Some(5),
            ..AttemptCounts::default()
        };
        assert_eq!(p.judge(&guessing), Err(Limit::Device));
    }
}
