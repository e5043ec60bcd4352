//! Network addresses as analysts compare them: by their /24 (IPv4) or /48
//! (IPv6) prefix, and against partners' CIDR blocks (with `ipnet`).

use std::net::IpAddr;

use ipnet::IpNet;

/// The address family and the network prefix analysts compare addresses by:
/// the /24 of an IPv4 address, the /48 of an IPv6 address.
pub fn ip_prefix(addr: IpAddr) -> (i64, String) {
    let (family, len) = match addr {
        IpAddr::V4(_) => (4, 24),
        IpAddr::V6(_) => (6, 48),
    };
    match IpNet::new(addr, len) {
        Ok(net) => (family, net.trunc().to_string()),
        // 24 and 48 are in range for their families.
        Err(_) => (family, addr.to_string()),
    }
}

/// A CIDR block (`45.146.12.0/24`, `2a02:1:2::/48`; host bits may be set),
/// or `None` if `text` is not one.
pub fn parse_cidr(text: &str) -> Option<IpNet> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_the_slash_24_and_the_slash_48() {
        let v4: IpAddr = "45.146.12.77".parse().unwrap();
        assert_eq!(ip_prefix(v4), (4, "45.146.12.0/24".to_string()));
        let v6: IpAddr = "2a02:1:2:ffff::1".parse().unwrap();
        assert_eq!(ip_prefix(v6), (6, "2a02:1:2::/48".to_string()));
    }

    #[test]
    fn a_cidr_block_contains_its_addresses_of_its_family_only() {
        let net = parse_cidr("45.146.12.0/24").unwrap();
        assert!(net.contains(&"45.146.12.77".parse::<IpAddr>().unwrap()));
        assert!(!net.contains(&"45.146.13.1".parse::<IpAddr>().unwrap()));
        assert!(!net.contains(&"2a02:1:2::1".parse::<IpAddr>().unwrap()));
        assert!(parse_cidr("45.146.12.0/33").is_none());
        assert!(parse_cidr("not a block").is_none());
    }
}
