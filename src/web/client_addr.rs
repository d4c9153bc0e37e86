//! The client's address, for throttling and the audit log.
//!
//! `X-Forwarded-For` is read only when the direct peer is a configured trusted
//! proxy; otherwise anyone could claim any address and dodge throttling.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddr(client_ip(
            peer,
            forwarded,
            &state.config.trusted_proxies,
        )))
    }
}

/// The rightmost address in `X-Forwarded-For` that is not itself a trusted proxy,
/// but only when the peer is trusted; otherwise the peer.
pub fn client_ip(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "unknown".to_owned();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    forwarded
        .into_iter()
        .flat_map(|v| v.split(','))
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_header_is_ignored_without_a_trusted_proxy() {
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &[]),
            "203.0.113.9"
        );
    }

    #[test]
    fn forwarded_header_is_believed_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        assert_eq!(
            client_ip(Some(proxy), Some("6.6.6.6, 198.51.100.7"), &[proxy]),
            "198.51.100.7"
        );
        // A spoofed leftmost entry does not win over what the proxy appended.
        assert_eq!(
            client_ip(
                Some(proxy),
                Some("1.1.1.1, 198.51.100.7, 10.0.0.2"),
                &[proxy]
            ),
            "198.51.100.7"
        );
    }

    #[test]
    fn untrusted_peer_sending_the_header_is_itself_the_client() {
        let proxy = ip("10.0.0.2");
        assert_eq!(
            client_ip(Some(ip("10.0.0.3")), Some("1.1.1.1"), &[proxy]),
            "10.0.0.3"
        );
    }
}
