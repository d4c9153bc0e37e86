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

/// `raw` if it is a path on this site and nothing else: one leading slash, no
/// second slash or backslash after it, no empty, `.` or `..` segment, no
/// whitespace, control character or backslash anywhere — checked as sent and
/// once percent-decoded — and neither scheme nor authority when parsed. Browsers
/// strip tabs and newlines and read `\` as `/`, so `/\t/evil.example` and
/// `/\evil.example` go off-site; a CR, LF or NUL cannot make a header either.
pub fn same_site_path(raw: &str) -> Option<&str> {
    // A path in which no reader finds a way off-site: no empty segment (`//`
    // starts an authority), no dot segment (`/.//x` resolves to `//x`), no
    // backslash, no control character.
    fn plain_path(path: &str) -> bool {
        !path.chars().any(|c| c.is_control() || c == '\\')
            && !path.contains("//")
            && !path.split('/').any(|seg| seg == "." || seg == "..")
    }
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    if raw.len() > 2048
        || !raw.starts_with('/')
        || raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        || !plain_path(path)
        || !plain_path(&percent_decoded(path)?)
    {
        return None;
    }
    let uri: axum::http::Uri = raw.parse().ok()?;
    (uri.scheme().is_none() && uri.authority().is_none() && uri.path().starts_with('/'))
        .then_some(raw)
}

/// `%XX` decoded once (lossily: what matters is which characters appear);
/// `None` for a `%` not followed by two hex digits.
fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Where a `next` or `back` field leads: the path if [`same_site_path`]
/// accepts it, else the home page (a bad value, even one with a CR or LF,
/// falls back rather than fails).
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_site_path).unwrap_or("/").to_owned()
}

#[cfg(test)]
mod tests {
    use super::{safe_next, same_site_path};

    #[test]
    fn local_paths_with_queries_are_kept() {
        for ok in [
            "/",
            "/admin/accounts?page=2",
            "/campaigns/3/applications?q=an%20nguyen&status=pending",
            "/sign-in?next=%2Fpapers",
            "/papers/4#section-2",
        ] {
            assert_eq!(safe_next(Some(ok)), ok, "{ok}");
        }
    }

    #[test]
    fn next_never_leaves_the_site() {
        for bad in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/%0d%0aLocation:%20https://evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/.//evil.example",
            "/./evil.example",
            "/a/../..//evil.example",
            " /evil.example",
            "/ evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/%zz",
            "/\u{3000}/evil.example",
            "/\u{2028}/evil.example",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
