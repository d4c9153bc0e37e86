//! Signed tokens naming a server-side session row.
//!
//! The JWT only proves "merit issued this, for session `sid`"; whether the
//! session is still alive (not signed out, not idle too long, password not
//! changed, account not disabled) is decided by the database on every request,
//! so ending a session takes effect at once in every process.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "merit";
pub const AUDIENCE: &str = "merit";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// User id.
    pub sub: String,
    /// Session row id.
    pub sid: String,
    /// Seconds since the epoch.
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        // Pinned to HS256: a token claiming `none` or any other algorithm is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 0;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(
        &self,
        user_id: i32,
        sid: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.to_string(),
            sid: sid.into(),
            iat: now_ms / 1000,
            exp: expires_ms / 1000,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Signature, algorithm, issuer and audience. Expiry is checked against the
    /// injected clock by the caller, so tests can move time.
    pub fn verify(&self, token: &str, now_ms: i64) -> Option<Claims> {
        let mut validation = self.validation.clone();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        (data.claims.exp * 1000 > now_ms).then_some(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_790_000_000_000;

    fn b64(s: &str) -> String {
        use std::fmt::Write;
        // URL-safe base64 without padding, enough for test tokens.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                let _ = write!(out, "{}", A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    fn payload() -> String {
        format!(
            r#"{{"iss":"merit","aud":"merit","sub":"1","sid":"s","iat":{},"exp":{}}}"#,
            NOW / 1000,
            NOW / 1000 + 3600
        )
    }

    #[test]
    fn issued_token_verifies_until_it_expires() {
        let keys = TokenKeys::new(KEY);
        let t = keys.issue(7, "abc", NOW, NOW + 60_000).unwrap();
        let claims = keys.verify(&t, NOW + 59_000).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("7", "abc"));
        assert!(keys.verify(&t, NOW + 60_000).is_none());
    }

    #[test]
    fn token_signed_with_another_key_is_refused() {
        let t = TokenKeys::new(b"another key of thirty-two bytes!!")
            .issue(7, "abc", NOW, NOW + 60_000)
            .unwrap();
        assert!(TokenKeys::new(KEY).verify(&t, NOW).is_none());
    }

    #[test]
    fn alg_none_token_is_refused() {
        let t = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&payload())
        );
        assert!(TokenKeys::new(KEY).verify(&t, NOW).is_none());
    }

    #[test]
    fn other_hmac_algorithms_are_refused_even_with_the_right_key() {
        let claims: Claims = serde_json::from_str(&payload()).unwrap();
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let t =
                jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(KEY))
                    .unwrap();
            assert!(TokenKeys::new(KEY).verify(&t, NOW).is_none(), "{alg:?}");
        }
        let ok = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(KEY),
        )
        .unwrap();
        assert!(TokenKeys::new(KEY).verify(&ok, NOW).is_some());
    }

    #[test]
    fn wrong_audience_or_issuer_is_refused() {
        let mut claims: Claims = serde_json::from_str(&payload()).unwrap();
        claims.aud = "someone-else".into();
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(KEY),
        )
        .unwrap();
        assert!(TokenKeys::new(KEY).verify(&t, NOW).is_none());
        claims.aud = AUDIENCE.into();
        claims.iss = "evil".into();
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(KEY),
        )
        .unwrap();
        assert!(TokenKeys::new(KEY).verify(&t, NOW).is_none());
    }
}
