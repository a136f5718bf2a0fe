//! Who is asking: the client's address, as seen through trusted reverse proxies only.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

/// The client address of a request that came from `peer` with these `X-Forwarded-For`
/// values. The header is believed only from a trusted proxy, and then read from the right
/// (the hop our proxy added) leftwards, past further trusted proxies, to the first address
/// that is not one: addresses left of it were written by the client and prove nothing. An
/// unreadable entry stops the walk at the last address read.
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|hop| !hop.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = canonical(address);
        if !is_trusted(client, trusted) {
            break;
        }
    }
    client
}

pub(super) fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&address))
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(inner, _)| inner.parse().ok())
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The part of an address one client is assumed to hold: the address itself for IPv4,
/// the /64 network for IPv6 (one subscriber's allocation), so walking through an IPv6
/// prefix does not give a client a fresh allowance per address.
pub fn client_key(address: IpAddr) -> IpAddr {
    match canonical(address) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::config::parse_network;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|s| parse_network(s).expect("network"))
            .collect()
    }

    #[test]
    fn the_header_is_ignored_from_untrusted_peers() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("198.51.100.4"), ["203.0.113.9"], &trusted),
            ip("198.51.100.4")
        );
        assert_eq!(client_ip(ip("198.51.100.4"), [], &[]), ip("198.51.100.4"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_client_written_hops_are_skipped() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.1"]);
        // The client wrote "1.2.3.4" itself; the proxy at 10.0.0.2 appended the real peer.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["1.2.3.4, 203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
        // Two proxies: the outer one (192.0.2.1) is trusted too.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                ["1.2.3.4", "203.0.113.9, 192.0.2.1"],
                &trusted
            ),
            ip("203.0.113.9")
        );
        // Ports and brackets as some proxies write them.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["[2001:db8::7]:4711"], &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["203.0.113.9:80"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_readable_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["203.0.113.9, unknown"], &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["unknown, 203.0.113.9"], &trusted),
            ip("203.0.113.9")
        );
        // Only trusted hops: the leftmost one is the best there is.
        assert_eq!(
            client_ip(ip("10.0.0.2"), ["10.1.1.1, 10.2.2.2"], &trusted),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn mapped_addresses_are_ipv4_and_ipv6_clients_are_keyed_by_their_64() {
        assert_eq!(
            client_ip(ip("::ffff:198.51.100.4"), [], &[]),
            ip("198.51.100.4")
        );
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("2001:db8:1:2:ffff::9")), ip("2001:db8:1:2::"));
        assert_ne!(client_key(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("198.51.100.4")), ip("198.51.100.4"));
    }
}
