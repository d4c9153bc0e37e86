//! The page shell every HTML page shares: language, signed-in user, CSRF token.

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::AppError;
use super::auth::{CurrentUser, MaybeUser};
use super::cookies;
use super::csrf::CsrfToken;
use super::error::ErrorDetails;
use super::i18n::{Locale, Tr};
use crate::accounts::domain::Role;
use crate::state::AppState;

pub struct Shell {
    pub tr: Tr,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub path: String,
}

impl Shell {
    pub fn has_role(&self, role: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.as_str() == role)
    }

    pub fn is_staff(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role != Role::Candidate)
    }

    pub fn other_locale(&self) -> &'static str {
        match self.tr.0 {
            Locale::Vi => "en",
            Locale::En => "vi",
        }
    }
}

fn locale_of(parts: &Parts, user: Option<&CurrentUser>) -> Locale {
    user.map(|u| u.locale)
        .or_else(|| cookies::get(&parts.headers, cookies::LANG).and_then(|l| Locale::parse(&l)))
        .unwrap_or_default()
}

/// Extracts the shell for a page handler.
pub struct Page(pub Shell);

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let locale = locale_of(parts, user.as_ref());
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(Page(Shell {
            tr: Tr(locale),
            user,
            csrf,
            path: parts.uri.path().to_owned(),
        }))
    }
}

pub fn render(t: impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(t.render()?))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    s: Shell,
    status: u16,
    messages: Vec<String>,
}

/// Turns error responses of HTML routes into pages in the reader's language;
/// a 401 becomes the sign-in page.
pub async fn html_errors(req: Request, next: Next) -> Response {
    // A Bearer token means a program, not a person: it gets the JSON error.
    let program = req.headers().contains_key(header::AUTHORIZATION);
    if program || req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let next_path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let locale = cookies::get(req.headers(), cookies::LANG)
        .and_then(|l| Locale::parse(&l))
        .unwrap_or_default();
    let csrf = req
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let response = next.run(req).await;
    let Some(ErrorDetails(english, vietnamese)) =
        response.extensions().get::<ErrorDetails>().cloned()
    else {
        return response;
    };
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/sign-in?next={}", encode(&next_path))).into_response();
    }
    let details = if locale == Locale::En {
        english
    } else {
        vietnamese
    };
    let page = ErrorPage {
        s: Shell {
            tr: Tr(locale),
            user: None,
            csrf,
            path,
        },
        status: status.as_u16(),
        messages: details.into_iter().map(|(_, m)| m).collect(),
    };
    match page.render() {
        Ok(html) => {
            let mut r = (status, Html(html)).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(_) => response,
    }
}

fn encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Where to go after signing in: only a local path, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(
            safe_next(Some("/admin/accounts?page=2")),
            "/admin/accounts?page=2"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
