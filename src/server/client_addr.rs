//! Who is asking: the client address a request came from, believing
//! `X-Forwarded-For` only from the reverse proxies configured as trusted
//! (`server::rate_limit` and the login throttle key by it).
//!
//! Throttles and limits key an IPv6 client by its /64: one subscriber usually
//! holds a whole /64, and keying by the full address would let it rotate
//! through 2^64 of them.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one
/// address (`192.0.2.1`, a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an IP address or CIDR range such as 10.0.0.0/8 or 2001:db8::/32")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let err = || CidrError(raw.to_owned());
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (raw.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() && p.len() <= 3 => {
                p.parse::<u8>().map_err(|_| err())?
            }
            Some(_) => return Err(err()),
        };
        if prefix > max {
            return Err(err());
        }
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    /// Parses a comma- or space-separated list (the `SIGNOFF_TRUSTED_PROXIES` form).
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, CidrError> {
        raw.split([',', ' '])
            .filter(|part| !part.trim().is_empty())
            .map(str::parse)
            .collect()
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, canonical(addr)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The address a request came from. The TCP peer, unless the peer is a
/// trusted proxy: then `X-Forwarded-For` is read from its right end (the hop
/// the proxy itself saw), skipping further trusted proxies, and the first
/// untrusted hop is the client. A malformed entry stops the walk at the
/// last address known good, so a client cannot forge its way past a proxy.
pub fn client_addr(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.iter().any(|c| c.contains(client)) {
        return client;
    }
    let Some(chain) = forwarded_for else {
        return client;
    };
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(addr) => {
                client = canonical(addr);
                if !trusted.iter().any(|c| c.contains(client)) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The key throttles and limits count under: an IPv4 address, or an IPv6 /64.
pub fn throttle_key(addr: IpAddr) -> IpAddr {
    match canonical(addr) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

/// The client address of a request from its parts: the peer from
/// `ConnectInfo` and `X-Forwarded-For` as [`client_addr`] reads them.
/// Unspecified (0.0.0.0) when the server runs without connect info.
pub fn request_client_addr(
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    trusted: &[Cidr],
) -> IpAddr {
    let Some(ConnectInfo(peer)) = extensions.get::<ConnectInfo<SocketAddr>>() else {
        return IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
    };
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    client_addr(peer.ip(), forwarded, trusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_parse_with_or_without_a_prefix_and_refuse_nonsense() {
        assert!(
            "10.0.0.0/8"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("10.200.1.1"))
        );
        assert!(
            !"10.0.0.0/8"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("11.0.0.1"))
        );
        assert!(
            "192.0.2.1"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("192.0.2.1"))
        );
        assert!(
            !"192.0.2.1"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("192.0.2.2"))
        );
        assert!(
            "2001:db8::/32"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("2001:db8:1::7"))
        );
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "host/8",
            "1.2.3.4/8/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert_eq!(Cidr::parse_list("10.0.0.0/8, ::1").unwrap().len(), 2);
        assert_eq!(Cidr::parse_list("").unwrap(), vec![]);
    }

    #[test]
    fn an_ipv4_mapped_peer_matches_its_ipv4_range() {
        let lan: Cidr = "192.168.0.0/16".parse().unwrap();
        assert!(lan.contains(ip("::ffff:192.168.1.1")));
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = Cidr::parse_list("10.0.0.0/8").unwrap();
        assert_eq!(
            client_addr(ip("203.0.113.5"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_addr(ip("10.0.0.2"), Some("198.51.100.1"), &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_addr(ip("10.0.0.2"), None, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = Cidr::parse_list("10.0.0.0/8").unwrap();
        // The client forged the leftmost entry; the proxies appended the rest.
        let chain = "1.1.1.1, 198.51.100.7, 10.0.0.9";
        assert_eq!(
            client_addr(ip("10.0.0.2"), Some(chain), &trusted),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            client_addr(
                ip("10.0.0.2"),
                Some("198.51.100.7, junk, 10.0.0.9"),
                &trusted
            ),
            ip("10.0.0.9")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            throttle_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            throttle_key(ip("2001:db8:1:2::1")),
            throttle_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(throttle_key(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(throttle_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
