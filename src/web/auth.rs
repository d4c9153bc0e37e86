//! Who is asking. The token comes from `Authorization: Bearer` (API clients) or
//! the session cookie (browsers); either way it must name a live session row.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::cookies;
use super::csrf::{CsrfToken, same_token};
use super::i18n::{Locale, Text};
use super::{AppError, ClientAddr};
use crate::accounts::domain::Role;
use crate::accounts::entity::{session, user};
use crate::audit::Actor;
use crate::state::AppState;

/// How often a session's last-seen time is written: often enough for the idle
/// timeout, rarely enough that autosaves are not doubled by session writes.
const TOUCH_EVERY_MS: i64 = 60_000;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub org_unit_id: Option<i32>,
    pub locale: Locale,
    pub session_id: String,
    pub client_addr: String,
}

impl CurrentUser {
    /// 403 unless the user has one of these roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: self.username.clone(),
            client_addr: self.client_addr.clone(),
        }
    }
}

/// A session is alive when it is not revoked, not past its absolute expiry, not
/// idle for too long, and its account is enabled.
pub fn session_alive(s: &session::Model, u: &user::Model, now_ms: i64, idle_ms: i64) -> bool {
    s.revoked_ms.is_none()
        && now_ms < s.expires_ms
        && now_ms - s.last_seen_ms < idle_ms
        && !u.disabled
}

/// The signed-in user, if any. A bad Bearer token is an error, not "anonymous";
/// a stale browser cookie just means signed out.
pub struct MaybeUser(pub Option<CurrentUser>);

/// A signed-in user; others get 401 (API) or the sign-in page (HTML).
pub struct AuthUser(pub CurrentUser);

#[derive(Clone)]
struct Resolved(Option<CurrentUser>);

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn is_api(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
}

/// The session row and its account: from the short-lived cache when it was
/// read moments ago, from the database otherwise.
async fn live_session(
    state: &AppState,
    sid: &str,
    now: i64,
) -> Result<Option<(session::Model, user::Model)>, AppError> {
    if let Some(found) = state.sessions.get(sid, now) {
        return Ok(Some(found));
    }
    let found = state.session_reads.read(sid.to_owned()).await?;
    if let Some((s, u)) = &found {
        state.sessions.keep(s, u, now);
    }
    Ok(found)
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Resolved(u)) = parts.extensions.get::<Resolved>() {
        return Ok(u.clone());
    }
    let bearer_token = bearer(parts).map(str::to_owned);
    let via_cookie = bearer_token.is_none();
    let Some(token) = bearer_token.or_else(|| cookies::get(&parts.headers, cookies::SESSION))
    else {
        parts.extensions.insert(Resolved(None));
        return Ok(None);
    };
    let now = state.now_ms();
    let idle_ms = state.config.session_idle_minutes * 60_000;
    let mut found = None;
    if let Some(claims) = state.tokens.verify(&token, now)
        && let Some((s, u)) = live_session(state, &claims.sid, now).await?
        && u.id.to_string() == claims.sub
        && session_alive(&s, &u, now, idle_ms)
    {
        found = Some((s, u));
    }
    let Some((s, u)) = found else {
        if via_cookie {
            parts.extensions.insert(Resolved(None));
            return Ok(None);
        }
        return Err(AppError::Unauthorized);
    };
    // A browser calling the JSON API with its cookie must prove the page is ours.
    if via_cookie
        && is_api(parts)
        && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
    {
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        let expected = parts.extensions.get::<CsrfToken>().map(|t| t.0.as_str());
        if !matches!((sent, expected), (Some(a), Some(b)) if same_token(a, b)) {
            return Err(AppError::Forbidden);
        }
    }
    if now - s.last_seen_ms >= TOUCH_EVERY_MS {
        // Through the exam-day writer: batched with the autosaves of the
        // moment instead of a transaction (and an fsync) of its own.
        state
            .sitting
            .writer
            .apply(crate::attempts::writer::Write::Touch {
                session_id: s.id.clone(),
                now_ms: now,
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
        state.sessions.touched(&s.id, now);
    }
    let ClientAddr(client_addr) = ClientAddr::from_request_parts(parts, state)
        .await
        .unwrap_or(ClientAddr("unknown".into()));
    let user = CurrentUser {
        id: u.id,
        role: Role::parse(&u.role)
            .ok_or_else(|| anyhow::anyhow!("account {} has unknown role {}", u.id, u.role))?,
        username: u.username,
        full_name: u.full_name,
        org_unit_id: u.org_unit_id,
        locale: Locale::parse(&u.locale).unwrap_or_default(),
        session_id: s.id,
        client_addr,
    };
    parts.extensions.insert(Resolved(Some(user.clone())));
    Ok(Some(user))
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(resolve(parts, state).await?))
    }
}

pub enum AuthRejection {
    Error(AppError),
    SignIn(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Error(e) => e.into_response(),
            AuthRejection::SignIn(next) => {
                let next: String = url_escape(&next);
                Redirect::to(&format!("/sign-in?next={next}")).into_response()
            }
        }
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match resolve(parts, state).await {
            Ok(Some(u)) => Ok(AuthUser(u)),
            Ok(None) if is_api(parts) => Err(AuthRejection::Error(AppError::Unauthorized)),
            Ok(None) if parts.method == Method::GET => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(AuthRejection::SignIn(next.to_owned()))
            }
            Ok(None) => Err(AuthRejection::Error(AppError::Unauthorized)),
            Err(e) => Err(AuthRejection::Error(e)),
        }
    }
}

/// Message for sign-in failures; the same for an unknown account and a wrong
/// password, so the page does not reveal which accounts exist.
pub fn bad_credentials() -> AppError {
    AppError::Invalid(vec![super::error::FieldError {
        field: None,
        text: Text::key("accounts.bad_credentials"),
    }])
}
