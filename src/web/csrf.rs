//! CSRF protection for every state-changing browser request, in one place so
//! no handler can forget it.
//!
//! Each browser gets a random nonce in an HttpOnly cookie; forms carry
//! `HMAC(key, nonce, session)` in a hidden `csrf` field (or the `X-CSRF-Token`
//! header, or a `csrf` query parameter for multipart uploads), where `session`
//! is the id of the session the browser's cookie names (empty when signed out).
//! Another site can neither read the cookie nor compute the MAC. The nonce is
//! renewed at sign-in and sign-out, and the token names the session, so a
//! token learnt before someone signs in is worthless after. `/api` requests are exempt here: a
//! Bearer token is not sent by browsers on their own, and cookie-authenticated
//! API calls are checked by the auth extractor.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AppError;
use super::cookies;
use super::i18n::Text;
use crate::state::AppState;

#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub fn token_for(key: &[u8], nonce: &str, session_id: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(b"merit-csrf:");
    mac.update(nonce.as_bytes());
    // The nonce is 32 hex digits, so the two parts cannot run into each other.
    mac.update(b":");
    mac.update(session_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A `Set-Cookie` with a new nonce, for the responses that start or end a
/// session: the tokens of the pages seen before stop working.
pub fn renew_nonce(state: &AppState) -> HeaderValue {
    cookies::set(
        cookies::CSRF,
        &hex::encode(crate::random_bytes::<16>()),
        None,
        state.config.cookie_secure,
    )
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn valid_nonce(n: &str) -> bool {
    n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit())
}

fn from_query(query: Option<&str>) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A Bearer token is sent by a program, never attached by a browser on its
    // own, and such a request is authenticated by that token alone: no
    // forgery to guard against, and no CSRF cookie to hand out on each of an
    // API client's requests.
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer {
        return next.run(req).await;
    }
    let existing = cookies::get(req.headers(), cookies::CSRF).filter(|n| valid_nonce(n));
    let fresh = existing.is_none();
    let nonce = existing.unwrap_or_else(|| hex::encode(crate::random_bytes::<16>()));
    // The session the browser's cookie names, if its signature holds; whether
    // the session is still alive is the auth extractor's business.
    let session_id = cookies::get(req.headers(), cookies::SESSION)
        .and_then(|t| state.tokens.verify(&t, state.now_ms()))
        .map(|claims| claims.sid)
        .unwrap_or_default();
    let expected = token_for(&state.config.secret_key, &nonce, &session_id);

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method && !req.uri().path().starts_with("/api/") {
        let mut sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| from_query(req.uri().query()));
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if sent.is_none() && is_form {
            let (parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, state.config.body_limit_bytes).await {
                Ok(b) => b,
                Err(_) => {
                    return AppError::bad_request(Text::key("error.too_large")).into_response();
                }
            };
            sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
            req = Request::from_parts(parts, Body::from(bytes));
        }
        let ok = !fresh && sent.as_deref().is_some_and(|s| same_token(s, &expected));
        if !ok {
            return AppError::BadRequest(Text::key("error.csrf"))
                .into_response_with_status(axum::http::StatusCode::FORBIDDEN);
        }
    }
    req.extensions_mut().insert(CsrfToken(expected));
    let mut response = next.run(req).await;
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::CSRF, &nonce, None, state.config.cookie_secure),
        );
    }
    response
}

impl AppError {
    fn into_response_with_status(self, status: axum::http::StatusCode) -> Response {
        let mut r = self.into_response();
        *r.status_mut() = status;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_depends_on_key_nonce_and_session() {
        let key = b"key-one-key-one-key-one-key-one!";
        let nonce = "00112233445566778899aabbccddeeff";
        let a = token_for(key, nonce, "");
        let b = token_for(b"key-two-key-two-key-two-key-two!", nonce, "");
        let c = token_for(key, "ffeeddccbbaa99887766554433221100", "");
        let d = token_for(key, nonce, "5e55105");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d, "signing in changes the token");
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token("", ""));
    }
}
