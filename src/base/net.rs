//! Network addresses as analysts compare them: by their /24 (IPv4) or /48
//! (IPv6) prefix.

use std::net::IpAddr;

/// The address family and the network prefix analysts compare addresses by:
/// the /24 of an IPv4 address, the /48 of an IPv6 address.
pub fn ip_prefix(addr: IpAddr) -> (i64, String) {
    match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            (4, format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            (6, format!("{net}/48"))
        }
    }
}
