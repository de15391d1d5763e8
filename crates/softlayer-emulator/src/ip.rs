//! IP addresses as one number space, so IPv4 and IPv6 subnets can be indexed
//! together (IPv4 is mapped into `::ffff:0:0/96`).

use std::net::IpAddr;

/// An address as a number; IPv4 is IPv4-mapped.
pub(crate) fn ip_number(text: &str) -> Option<u128> {
    let ip: IpAddr = text.trim().parse().ok()?;
    Some(match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    })
}

/// Whether `text` is an IPv4 address.
pub(crate) fn is_v4(text: &str) -> bool {
    matches!(text.trim().parse::<IpAddr>(), Ok(IpAddr::V4(_)))
}

/// The first and last address of `network/cidr`, or None when the prefix
/// does not fit the address family.
pub(crate) fn range(network: &str, cidr: u32) -> Option<(u128, u128)> {
    let start = ip_number(network)?;
    let bits = if is_v4(network) { 32 } else { 128 };
    if cidr > bits {
        return None;
    }
    let host_bits = bits - cidr;
    let mask: u128 = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let first = start & !mask;
    Some((first, first | mask))
}

/// Formats an IPv4-mapped number back as dotted IPv4.
pub(crate) fn v4_text(number: u128) -> String {
    let v4 = (number & 0xffff_ffff) as u32;
    std::net::Ipv4Addr::from(v4).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A /26 spans 64 addresses starting at its network identifier.
    #[test]
    fn computes_ranges() {
        let (a, b) = range("10.0.0.0", 26).unwrap();
        assert_eq!(b - a + 1, 64);
        assert_eq!(v4_text(b), "10.0.0.63");
        assert!(ip_number("10.0.0.5").unwrap() >= a);
        assert!(range("10.0.0.0", 33).is_none());
        assert!(ip_number("999.1.1.1").is_none());
    }
}
