//! IP addresses and CIDR ranges as manifests write them.

use std::net::IpAddr;

use super::model::{IpNet, IpPattern};

/// Why a text is not an address or range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AddressError {
    /// Not an IPv4 or IPv6 address at all.
    NotAnAddress,
    /// The part after `/` is not a prefix length for this family.
    BadPrefix { max: u8 },
    /// Bits below the prefix are set; `network` is what was probably meant.
    HostBitsSet { network: IpNet },
}

/// An address, or a CIDR range when the text has a `/`.
pub(crate) fn parse_ip_pattern(text: &str) -> Result<IpPattern, AddressError> {
    if text.contains('/') {
        parse_cidr(text).map(IpPattern::Net)
    } else {
        parse_addr(text).map(IpPattern::Addr)
    }
}

/// A bare address.
pub(crate) fn parse_addr(text: &str) -> Result<IpAddr, AddressError> {
    text.parse::<IpAddr>()
        .map_err(|_| AddressError::NotAnAddress)
}

/// A network in CIDR form whose host bits are zero.
pub(crate) fn parse_cidr(text: &str) -> Result<IpNet, AddressError> {
    let (addr, prefix) = text.split_once('/').ok_or(AddressError::NotAnAddress)?;
    let addr = parse_addr(addr)?;
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
        prefix
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or(AddressError::BadPrefix { max })?
    } else {
        return Err(AddressError::BadPrefix { max });
    };
    let network = IpNet {
        addr: network_address(addr, prefix),
        prefix,
    };
    if network.addr == addr {
        Ok(network)
    } else {
        Err(AddressError::HostBitsSet { network })
    }
}

fn network_address(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses and ranges of both families parse; bad prefixes and host bits are refused.
    #[test]
    fn parses_addresses_and_ranges() {
        assert!(matches!(
            parse_ip_pattern("10.48.66.132"),
            Ok(IpPattern::Addr(_))
        ));
        assert!(matches!(
            parse_ip_pattern("2001:db8::/32"),
            Ok(IpPattern::Net(_))
        ));
        assert_eq!(
            parse_cidr("10.0.0.0/26").map(|n| n.to_string()),
            Ok("10.0.0.0/26".into())
        );
        assert_eq!(
            parse_cidr("10.0.0.0/33"),
            Err(AddressError::BadPrefix { max: 32 })
        );
        assert_eq!(
            parse_cidr("::/129"),
            Err(AddressError::BadPrefix { max: 128 })
        );
        assert_eq!(
            parse_cidr("10.0.0.0/"),
            Err(AddressError::BadPrefix { max: 32 })
        );
        assert!(matches!(
            parse_cidr("10.0.0.5/24"),
            Err(AddressError::HostBitsSet { network }) if network.to_string() == "10.0.0.0/24"
        ));
        assert_eq!(
            parse_ip_pattern("10.0.0.256"),
            Err(AddressError::NotAnAddress)
        );
        assert_eq!(
            parse_ip_pattern("0.0.0.0/0").map(|p| p.to_string()),
            Ok("0.0.0.0/0".into())
        );
    }
}
