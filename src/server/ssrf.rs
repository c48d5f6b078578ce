//! The SSRF guard for back-channel logout: signoff POSTs to URLs that client
//! registrations name, so by default it refuses addresses inside the network
//! it runs in. The check runs on the addresses a name resolves to, at every
//! attempt (a DNS answer can change), and on IP literals before connecting.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is not a place to send logout tokens to, or `None`.
///
/// Only globally routable unicast is allowed. Every range of the IANA IPv4
/// and IPv6 Special-Purpose Address Registries is refused, and the IPv6 forms
/// that embed an IPv4 address (IPv4-compatible `::/96`, IPv4-mapped
/// `::ffff:0:0/96`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4
/// `2002::/16`, Teredo `2001::/32`) are judged by the IPv4 address inside.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// IPv4 special-purpose ranges (IANA registry), as (network, prefix, what).
const SPECIAL_V4: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this network\""),
    ([10, 0, 0, 0], 8, "private"),
    (
        [100, 64, 0, 0],
        10,
        "shared address space (carrier-grade NAT)",
    ),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local or cloud metadata"),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 0, 0, 0], 24, "IETF protocol assignment"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([192, 31, 196, 0], 24, "AS112"),
    ([192, 52, 193, 0], 24, "AMT"),
    ([192, 88, 99, 0], 24, "deprecated 6to4 relay"),
    ([192, 168, 0, 0], 16, "private"),
    ([192, 175, 48, 0], 24, "AS112 direct delegation"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([240, 0, 0, 0], 4, "reserved (or broadcast)"),
];

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let ip = u32::from(ip);
    SPECIAL_V4.iter().find_map(|(net, prefix, what)| {
        let mask = u32::MAX << (32 - u32::from(*prefix));
        (ip & mask == u32::from_be_bytes(*net) & mask).then_some(*what)
    })
}

/// IPv6 ranges refused outright (IANA registry and RFC 4291), as (network,
/// prefix, what). Checked after the forms that embed IPv4 are decoded.
const SPECIAL_V6: &[(u128, u8, &str)] = &[
    (
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        "discard-only",
    ),
    (
        0x0100_0000_0000_0001_0000_0000_0000_0000,
        64,
        "dummy prefix",
    ),
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        23,
        "IETF protocol assignment",
    ),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "documentation",
    ),
    (0x2620_004f_8000_0000_0000_0000_0000_0000, 48, "AS112"),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "documentation",
    ),
    (0x5f00_0000_0000_0000_0000_0000_0000_0000, 16, "SRv6 SIDs"),
    (
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        7,
        "private (unique local)",
    ),
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10, "link-local"),
    (
        0xfec0_0000_0000_0000_0000_0000_0000_0000,
        10,
        "site-local (deprecated)",
    ),
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8, "multicast"),
];

fn in_v6(ip: u128, net: u128, prefix: u8) -> bool {
    let mask = u128::MAX << (128 - u32::from(prefix));
    ip & mask == net & mask
}

fn forbidden_v6(v6: Ipv6Addr) -> Option<&'static str> {
    let ip = u128::from(v6);
    let low32 = Ipv4Addr::from(ip as u32);
    if v6.is_loopback() {
        return Some("loopback");
    }
    if v6.is_unspecified() {
        return Some("unspecified");
    }
    // The forms that carry an IPv4 address: that address decides.
    if in_v6(ip, 0xffff_0000_0000, 96) // ::ffff:0:0/96, IPv4-mapped
        || in_v6(ip, 0, 96) // ::/96, IPv4-compatible (deprecated)
        || in_v6(ip, 0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96) // NAT64
        || in_v6(ip, 0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48)
    // local-use NAT64
    {
        return forbidden_v4(low32);
    }
    if in_v6(ip, 0x2002_0000_0000_0000_0000_0000_0000_0000, 16) {
        // 6to4: the IPv4 address is bits 16..48.
        return forbidden_v4(Ipv4Addr::from((ip >> 80) as u32));
    }
    if in_v6(ip, 0x2001_0000_0000_0000_0000_0000_0000_0000, 32) {
        // Teredo: the client's IPv4 address is the last 32 bits, inverted.
        return forbidden_v4(Ipv4Addr::from(!(ip as u32))).or(Some("Teredo"));
    }
    if let Some((_, _, what)) = SPECIAL_V6.iter().find(|(net, p, _)| in_v6(ip, *net, *p)) {
        return Some(what);
    }
    // Everything else outside 2000::/3 is not global unicast.
    if !in_v6(ip, 0x2000_0000_0000_0000_0000_0000_0000_0000, 3) {
        return Some("not a global unicast address");
    }
    None
}

/// The refusal, found again in a reqwest error's source chain.
#[derive(Debug, thiserror::Error)]
#[error(
    "refused {host}: it resolves to {ip}, a {reason} address (set SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS=true to allow)"
)]
pub struct ForbiddenTarget {
    pub host: String,
    pub ip: IpAddr,
    pub reason: &'static str,
}

/// Checks every address; one forbidden address refuses the whole name, so a
/// DNS answer mixing public and private addresses cannot be used to slip in.
pub fn check_addresses(host: &str, addrs: &[SocketAddr]) -> Result<(), ForbiddenTarget> {
    for addr in addrs {
        if let Some(reason) = forbidden_reason(addr.ip()) {
            return Err(ForbiddenTarget {
                host: host.to_owned(),
                ip: addr.ip(),
                reason,
            });
        }
    }
    Ok(())
}

/// reqwest's resolver with the guard applied to every lookup.
#[derive(Debug, Default)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            check_addresses(&host, &addrs)?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

pub fn guarded_resolver() -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver)
}

/// Finds a [`ForbiddenTarget`] behind an error (reqwest wraps resolver errors).
pub fn find_forbidden<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a ForbiddenTarget> {
    let mut current: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<ForbiddenTarget>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(ip: &str) -> bool {
        forbidden_reason(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn loopback_private_link_local_and_metadata_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn every_ipv4_special_purpose_range_is_refused() {
        for ip in [
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.254",
            "198.51.100.7",
            "203.0.113.9",
            "239.255.255.250",
            "240.0.0.1",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
        for ip in ["198.20.0.1", "192.0.3.1", "203.0.114.1", "223.255.255.254"] {
            assert!(!forbidden(ip), "{ip} is public");
        }
    }

    #[test]
    fn every_ipv6_special_purpose_range_is_refused() {
        for ip in [
            "100::1",
            "100:0:0:1::1",
            "2001:2::1",
            "2001:1ff::1",
            "2001:db8::1",
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
            "ff02::1",
            "4000::1",
            "::2:1",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn an_embedded_ipv4_address_decides_for_the_ipv6_forms_that_carry_one() {
        // IPv4-compatible, NAT64 (well-known and local-use), 6to4, Teredo:
        // refused when the IPv4 inside is, allowed when it is public.
        for (bad, good) in [
            ("::127.0.0.1", "::8.8.8.8"),
            ("64:ff9b::10.0.0.1", "64:ff9b::8.8.8.8"),
            ("64:ff9b:1::169.254.169.254", "64:ff9b:1::8.8.8.8"),
            ("2002:a9fe:a9fe::1", "2002:808:808::1"),
            // Teredo client 127.0.0.1 is stored inverted: 0x80ff_fffe.
            (
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
            ),
        ] {
            assert!(forbidden(bad), "{bad} must be refused");
            assert!(
                forbidden_reason(good.parse().unwrap()).is_none_or(|r| r == "Teredo"),
                "{good} is judged by its public IPv4"
            );
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert!(!forbidden(ip), "{ip} is public");
        }
    }

    #[test]
    fn one_private_address_refuses_the_whole_answer() {
        let addrs: Vec<SocketAddr> = vec![
            "8.8.8.8:443".parse().unwrap(),
            "10.0.0.1:443".parse().unwrap(),
        ];
        let err = check_addresses("mixed.example", &addrs).unwrap_err();
        assert_eq!(err.ip, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert!(
            err.to_string()
                .contains("SIGNOFF_ALLOW_PRIVATE_LOGOUT_TARGETS")
        );
    }
}
