//! The certificate extension that carries CIDR ranges a client certificate may
//! connect from (single addresses travel as ordinary IP SANs).
//!
//! ```text
//! OID       1.3.6.1.4.1.61810.1.1   (non-critical)
//! value     SEQUENCE OF OCTET STRING
//!           each OCTET STRING is address || mask, 8 bytes for IPv4, 32 for IPv6,
//!           the same form RFC 5280 uses for iPAddress name constraints
//! ```
//!
//! Both sides need it (the server to check a peer, `kalavar cert show` to print it),
//! so the codec lives here, written by hand to keep x509 crates out of this crate.
//! Decoding is bounded: at most [`MAX_RANGES`] entries, definite short lengths only.

use crate::net::IpNet;

/// The extension's object identifier, as the arcs rcgen and x509-parser take.
pub const OID: &[u64] = &[1, 3, 6, 1, 4, 1, 61810, 1, 1];
/// The OID in dotted form, for documentation and messages.
pub const OID_STR: &str = "1.3.6.1.4.1.61810.1.1";
/// Most ranges one certificate may carry.
pub const MAX_RANGES: usize = 256;

const SEQUENCE: u8 = 0x30;
const OCTET_STRING: u8 = 0x04;

/// Encodes ranges as the extension's DER value.
pub fn encode(ranges: &[IpNet]) -> Vec<u8> {
    let mut body = Vec::new();
    for net in ranges {
        let mut content = match net.addr() {
            std::net::IpAddr::V4(a) => a.octets().to_vec(),
            std::net::IpAddr::V6(a) => a.octets().to_vec(),
        };
        content.extend(net.mask_bytes());
        push_tlv(&mut body, OCTET_STRING, &content);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    push_tlv(&mut out, SEQUENCE, &body);
    out
}

/// Decodes the extension's DER value.
pub fn decode(der: &[u8]) -> Result<Vec<IpNet>, String> {
    let (tag, body, rest) = read_tlv(der)?;
    if tag != SEQUENCE {
        return Err(format!(
            "address-range extension: expected a SEQUENCE, found tag 0x{tag:02x}"
        ));
    }
    if !rest.is_empty() {
        return Err("address-range extension: bytes after the SEQUENCE".to_owned());
    }
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if out.len() == MAX_RANGES {
            return Err(format!(
                "address-range extension: more than {MAX_RANGES} ranges"
            ));
        }
        let (tag, content, next) = read_tlv(rest)?;
        if tag != OCTET_STRING {
            return Err(format!(
                "address-range extension: expected an OCTET STRING, found tag 0x{tag:02x}"
            ));
        }
        let half = content.len() / 2;
        if content.len() != 8 && content.len() != 32 {
            return Err(format!(
                "address-range extension: an entry of {} bytes (expected 8 or 32)",
                content.len()
            ));
        }
        out.push(
            IpNet::from_addr_mask(&content[..half], &content[half..])
                .map_err(|e| format!("address-range extension: {e}"))?,
        );
        rest = next;
    }
    Ok(out)
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        let len = u16::try_from(len).expect("at most MAX_RANGES entries of 34 bytes");
        out.push(0x82);
        out.extend(len.to_be_bytes());
    }
    out.extend_from_slice(content);
}

/// One tag-length-value: (tag, content, bytes after it).
fn read_tlv(der: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let truncated = || "address-range extension: truncated DER".to_owned();
    let (&tag, rest) = der.split_first().ok_or_else(truncated)?;
    let (&first, rest) = rest.split_first().ok_or_else(truncated)?;
    let (len, rest) = match first {
        n if n < 0x80 => (n as usize, rest),
        0x81 => {
            let (&n, rest) = rest.split_first().ok_or_else(truncated)?;
            (n as usize, rest)
        }
        0x82 => {
            if rest.len() < 2 {
                return Err(truncated());
            }
            (u16::from_be_bytes([rest[0], rest[1]]) as usize, &rest[2..])
        }
        other => {
            return Err(format!(
                "address-range extension: unsupported DER length byte 0x{other:02x}"
            ));
        }
    };
    if len > rest.len() {
        return Err(truncated());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::parse_list;

    #[test]
    fn round_trips_v4_and_v6_ranges() {
        let ranges = parse_list("10.0.1.0/24, 127.0.0.0/8, fd00::/8, 0.0.0.0/0").unwrap();
        assert_eq!(decode(&encode(&ranges)).unwrap(), ranges);
        assert_eq!(decode(&encode(&[])).unwrap(), vec![]);
    }

    #[test]
    fn long_lists_use_long_form_lengths() {
        let ranges: Vec<IpNet> = (0..200u32)
            .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256).parse().unwrap())
            .collect();
        assert_eq!(decode(&encode(&ranges)).unwrap(), ranges);
    }

    #[test]
    fn hostile_der_is_refused_with_a_reason() {
        assert!(decode(&[]).is_err());
        assert!(
            decode(&[0x30, 0x05, 0x04])
                .unwrap_err()
                .contains("truncated")
        );
        assert!(decode(&[0x31, 0x00]).unwrap_err().contains("SEQUENCE"));
        assert!(
            decode(&[0x30, 0x03, 0x04, 0x01, 0x00])
                .unwrap_err()
                .contains("1 bytes")
        );
        assert!(
            decode(&[0x30, 0x84, 0, 0, 0, 0])
                .unwrap_err()
                .contains("length")
        );
        let noncontiguous = [0x30, 10, 0x04, 8, 10, 0, 0, 0, 255, 0, 255, 0];
        assert!(decode(&noncontiguous).unwrap_err().contains("contiguous"));
    }
}
