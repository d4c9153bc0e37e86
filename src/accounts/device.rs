//! The device cookie (OWASP's defence against lockout by a stranger): a signed
//! cookie handed to a browser at a successful sign-in, naming the account and a
//! random device id. Sign-ins that carry a valid one for their account are
//! counted per device, apart from everyone else's, so failures from other
//! addresses never lock the owner out of a browser they have used before.

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::state::AppState;
use crate::web::cookies;

/// How long a browser stays known without signing in again.
pub const MAX_AGE_S: i64 = 365 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCookie {
    pub user_id: i32,
    /// 32 hex digits, stored with each attempt made with this cookie.
    pub device_id: String,
}

fn mac(key: &[u8], user_id: i32, device_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("merit-device:{user_id}.{device_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl DeviceCookie {
    /// A new cookie for this account, with the id drawn from `random`.
    pub fn new(user_id: i32, random: [u8; 16]) -> DeviceCookie {
        DeviceCookie {
            user_id,
            device_id: hex::encode(random),
        }
    }

    /// `user.device.mac`.
    pub fn encode(&self, key: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            self.user_id,
            self.device_id,
            mac(key, self.user_id, &self.device_id)
        )
    }

    /// The cookie, if `value` is one this key signed.
    pub fn decode(key: &[u8], value: &str) -> Option<DeviceCookie> {
        let mut parts = value.split('.');
        let (user, device, sent) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || device.len() != 32
            || !device.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let user_id = user.parse().ok()?;
        crate::web::csrf::same_token(sent, &mac(key, user_id, device)).then(|| DeviceCookie {
            user_id,
            device_id: device.to_owned(),
        })
    }

    /// The `Set-Cookie` value that hands this cookie to the browser.
    pub fn set_cookie(&self, state: &AppState) -> HeaderValue {
        cookies::set(
            cookies::DEVICE,
            &self.encode(&state.config.secret_key),
            Some(MAX_AGE_S),
            state.config.cookie_secure,
        )
    }
}

/// The valid device cookie a request carries, if any (whichever account it names).
pub struct KnownDevice(pub Option<DeviceCookie>);

impl FromRequestParts<AppState> for KnownDevice {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(KnownDevice(
            cookies::get(&parts.headers, cookies::DEVICE)
                .and_then(|v| DeviceCookie::decode(&state.config.secret_key, &v)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"key-one-key-one-key-one-key-one!";

    #[test]
    fn a_device_cookie_reads_back_only_with_its_key_and_unaltered() {
        let c = DeviceCookie::new(42, [7; 16]);
        let v = c.encode(KEY);
        assert_eq!(DeviceCookie::decode(KEY, &v), Some(c.clone()));
        assert_eq!(
            DeviceCookie::decode(b"key-two-key-two-key-two-key-two!", &v),
            None
        );
        // Another account's number with the same id and MAC does not pass.
        let forged = v.replacen("42.", "43.", 1);
        assert_eq!(DeviceCookie::decode(KEY, &forged), None);
        assert_eq!(DeviceCookie::decode(KEY, "42"), None);
        assert_eq!(DeviceCookie::decode(KEY, &format!("{v}.x")), None);
    }
}
