//! What a client certificate says about its holder, read once and used by both sides:
//! the server authorises a peer from it, `kalavar cert show` prints it. The user is
//! the subject CN; the addresses are the IP SANs plus the ranges of the
//! [`crate::cert_ext`] extension; the serial is written as lowercase hex without
//! leading zero bytes, the form the catalog, the CRL commands and `revoke` use.

use std::net::IpAddr;

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cert_ext;
use crate::net::IpNet;

/// The fields of a certificate Kalavar cares about.
#[derive(Debug, Clone, PartialEq)]
pub struct CertSummary {
    /// Subject common name: the user.
    pub user: Option<String>,
    /// The issuer name as DER, the catalog's lookup key together with the serial.
    pub issuer_der: Vec<u8>,
    /// The issuer name printed (`CN=…`).
    pub issuer: String,
    /// Lowercase hex, no leading zero bytes.
    pub serial: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// IP SANs and extension ranges, in that order.
    pub addresses: Vec<IpNet>,
    pub is_ca: bool,
    pub client_auth: bool,
    pub server_auth: bool,
}

/// Canonical hex form of a raw serial.
pub fn serial_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    raw[start..].iter().map(|b| format!("{b:02x}")).collect()
}

/// Normalises a serial typed by a person (`0A:1B`, `0x0a1b`, ` 0a1b `) to the
/// canonical form, or says what is wrong with it.
pub fn normalise_serial(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let digits: String = t.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "`{text}` is not a certificate serial (hex digits, optionally separated by `:`)"
        ));
    }
    let digits = digits.to_ascii_lowercase();
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    };
    let bytes: Vec<u8> = (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).expect("hex checked"))
        .collect();
    Ok(serial_hex(&bytes))
}

impl CertSummary {
    /// Parses a DER certificate. Fails on bytes that are not one certificate, or on
    /// a malformed address-range extension.
    pub fn parse(der: &[u8]) -> Result<Self, String> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
        if !rest.is_empty() {
            return Err(format!("{} bytes after the certificate", rest.len()));
        }
        let user = match cert.subject().iter_common_name().next() {
            None => None,
            Some(cn) => Some(
                cn.as_str()
                    .map_err(|e| format!("subject common name is not a string: {e}"))?
                    .to_owned(),
            ),
        };
        let mut addresses = Vec::new();
        let mut ranges = Vec::new();
        let (mut client_auth, mut server_auth) = (false, false);
        for ext in cert.iter_extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        if let GeneralName::IPAddress(bytes) = name {
                            let ip = match bytes.len() {
                                4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).expect("4 bytes")),
                                16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).expect("16 bytes")),
                                n => return Err(format!("an IP SAN of {n} bytes")),
                            };
                            addresses.push(IpNet::host(ip));
                        }
                    }
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    client_auth = eku.client_auth;
                    server_auth = eku.server_auth;
                }
                _ => {
                    let oid: Option<Vec<u64>> = ext.oid.iter().map(|arcs| arcs.collect());
                    if oid.as_deref() == Some(cert_ext::OID) {
                        ranges = cert_ext::decode(ext.value)?;
                    }
                }
            }
        }
        addresses.extend(ranges);
        Ok(Self {
            user,
            issuer_der: cert.issuer().as_raw().to_vec(),
            issuer: cert.issuer().to_string(),
            serial: serial_hex(cert.raw_serial()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            addresses,
            is_ca: cert.is_ca(),
            client_auth,
            server_auth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_canonical() {
        assert_eq!(serial_hex(&[0, 0x0a, 0x1b]), "0a1b");
        assert_eq!(serial_hex(&[0]), "00");
        assert_eq!(normalise_serial("0A:1B").unwrap(), "0a1b");
        assert_eq!(normalise_serial("0x00a1b").unwrap(), "0a1b");
        assert!(normalise_serial("xyz").unwrap_err().contains("xyz"));
        assert!(normalise_serial("").is_err());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(CertSummary::parse(b"nope").unwrap_err().contains("X.509"));
    }
}
