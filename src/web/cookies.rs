//! Reading and writing the few cookies merit uses.

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION: &str = "merit_session";
pub const CSRF: &str = "merit_csrf";
pub const LANG: &str = "merit_lang";
/// Signed proof that this browser signed in to an account before.
pub const DEVICE: &str = "merit_device";

pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: always `HttpOnly`, `SameSite=Strict`, path `/`;
/// `Secure` unless the server is configured for plain-HTTP localhost.
/// `max_age_s = 0` deletes the cookie.
pub fn set(name: &str, value: &str, max_age_s: Option<i64>, secure: bool) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_s {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}
