//! Address ranges: [`IpNet`] is an address with a prefix length (`10.0.0.0/24`,
//! `10.0.0.5` meaning `/32`, `::1/128`), used by certificate bindings and user
//! allow-lists. [`canonical`] turns an IPv4-mapped IPv6 peer (`::ffff:10.0.0.5`, what a
//! dual-stack listener reports for an IPv4 client) back into the IPv4 address, so one
//! rule matches the client however the socket saw it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 or IPv6 network: an address and a prefix length. The host bits are kept
/// as written (`10.0.0.5/24` stays so) but ignored by [`IpNet::contains`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Fails when the prefix is longer than the address (32 or 128 bits).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, String> {
        let addr = canonical(addr);
        let max = max_prefix(addr);
        if prefix > max {
            return Err(format!(
                "prefix /{prefix} is longer than {max} bits for {addr}"
            ));
        }
        Ok(Self { addr, prefix })
    }

    /// A single address (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> Self {
        let addr = canonical(addr);
        Self {
            addr,
            prefix: max_prefix(addr),
        }
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// True when this is one address rather than a range.
    pub fn is_host(&self) -> bool {
        self.prefix == max_prefix(self.addr)
    }

    /// Whether `ip` (canonicalised first) lies in this network. An IPv4 address is
    /// never inside an IPv6 network and the other way round.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask32(self.prefix);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask128(self.prefix);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// The network mask as bytes (4 or 16), as in RFC 5280 name constraints.
    pub fn mask_bytes(&self) -> Vec<u8> {
        match self.addr {
            IpAddr::V4(_) => mask32(self.prefix).to_be_bytes().to_vec(),
            IpAddr::V6(_) => mask128(self.prefix).to_be_bytes().to_vec(),
        }
    }

    /// Builds a network from an address and a contiguous mask of the same family.
    pub fn from_addr_mask(addr: &[u8], mask: &[u8]) -> Result<Self, String> {
        let (addr, prefix) = match (addr.len(), mask.len()) {
            (4, 4) => {
                let a: [u8; 4] = addr.try_into().expect("length checked");
                let m = u32::from_be_bytes(mask.try_into().expect("length checked"));
                (
                    IpAddr::V4(Ipv4Addr::from(a)),
                    contiguous_prefix(m.leading_ones(), m.count_ones())?,
                )
            }
            (16, 16) => {
                let a: [u8; 16] = addr.try_into().expect("length checked");
                let m = u128::from_be_bytes(mask.try_into().expect("length checked"));
                (
                    IpAddr::V6(Ipv6Addr::from(a)),
                    contiguous_prefix(m.leading_ones(), m.count_ones())?,
                )
            }
            (a, m) => return Err(format!("address of {a} bytes with a mask of {m} bytes")),
        };
        Self::new(addr, prefix)
    }
}

fn contiguous_prefix(leading: u32, ones: u32) -> Result<u8, String> {
    if leading == ones {
        Ok(leading as u8)
    } else {
        Err("the mask is not contiguous".to_owned())
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    }
}

fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) becomes the IPv4 address; anything
/// else is returned as it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    /// `10.0.0.5`, `10.0.0.0/24`, `::1`, `fd00::/8`.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s.split_once('/') {
            None => s
                .parse::<IpAddr>()
                .map(Self::host)
                .map_err(|_| format!("`{s}` is not an IP address or CIDR range")),
            Some((addr, prefix)) => {
                let addr: IpAddr = addr
                    .parse()
                    .map_err(|_| format!("`{s}`: `{addr}` is not an IP address"))?;
                let prefix: u8 = prefix
                    .parse()
                    .map_err(|_| format!("`{s}`: `{prefix}` is not a prefix length"))?;
                Self::new(addr, prefix).map_err(|e| format!("`{s}`: {e}"))
            }
        }
    }
}

/// Parses a comma-separated list of addresses and ranges.
pub fn parse_list(s: &str) -> Result<Vec<IpNet>, String> {
    s.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(IpNet::from_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_what_they_should() {
        assert!(net("10.0.0.0/24").contains(ip("10.0.0.200")));
        assert!(!net("10.0.0.0/24").contains(ip("10.0.1.1")));
        assert!(net("10.0.0.5").contains(ip("10.0.0.5")));
        assert!(!net("10.0.0.5").contains(ip("10.0.0.6")));
        assert!(net("0.0.0.0/0").contains(ip("1.2.3.4")));
        assert!(!net("0.0.0.0/0").contains(ip("::1")));
        assert!(net("fd00::/8").contains(ip("fd12::1")));
        assert!(net("::1").contains(ip("::1")));
    }

    #[test]
    fn mapped_ipv6_peers_match_ipv4_rules() {
        assert_eq!(canonical(ip("::ffff:127.0.0.1")), ip("127.0.0.1"));
        assert!(net("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert_eq!(
            net("::ffff:10.0.0.0/24"),
            IpNet::new(ip("10.0.0.0"), 24).unwrap()
        );
        assert_eq!(canonical(ip("::1")), ip("::1"));
    }

    #[test]
    fn bad_input_says_what_was_wrong() {
        assert!("10.0.0.0/33".parse::<IpNet>().unwrap_err().contains("/33"));
        assert!("10.0.0".parse::<IpNet>().unwrap_err().contains("10.0.0"));
        assert!(
            "10.0.0.0/x"
                .parse::<IpNet>()
                .unwrap_err()
                .contains("prefix")
        );
    }

    #[test]
    fn masks_round_trip_and_must_be_contiguous() {
        for s in ["10.0.0.0/24", "10.1.2.3", "0.0.0.0/0", "fd00::/8", "::1"] {
            let n = net(s);
            let bytes = match n.addr() {
                IpAddr::V4(a) => a.octets().to_vec(),
                IpAddr::V6(a) => a.octets().to_vec(),
            };
            assert_eq!(IpNet::from_addr_mask(&bytes, &n.mask_bytes()).unwrap(), n);
        }
        assert!(IpNet::from_addr_mask(&[10, 0, 0, 0], &[255, 0, 255, 0]).is_err());
        assert!(IpNet::from_addr_mask(&[10, 0, 0, 0], &[255; 16]).is_err());
    }

    #[test]
    fn lists_parse_and_print() {
        let list = parse_list("10.0.0.5, 10.0.1.0/24,").unwrap();
        let printed: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["10.0.0.5", "10.0.1.0/24"]);
    }
}
