//! Checks on names and strings that enter the catalog: identifiers, user names, CIDR
//! ranges, certificate serials. Limits: identifiers (any characters but control
//! characters) and user names 1–64 characters,
//! at most 256 columns per table and 64 CIDR entries per user or certificate.

use std::net::IpAddr;

use crate::error::{Result, StorageError};

/// Longest namespace, table, column or user name.
pub const MAX_NAME_LEN: usize = 64;
/// Most columns a table may have (over its whole life: ids are never reused).
pub const MAX_COLUMNS: usize = 256;
/// Most entries in an IP allow-list or a certificate's bound addresses.
pub const MAX_CIDRS: usize = 64;

/// A namespace, table or column name: 1–64 characters (not bytes), none of them a
/// control character; `__` prefixes are reserved for the engine's hidden columns.
/// Names are never file names or key prefixes (files and keys use table ids; the
/// export file name is escaped), so any other character is safe.
pub(crate) fn identifier(what: &str, name: &str) -> Result<()> {
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(StorageError::invalid(format!(
            "{what} name {name:?} must be 1–{MAX_NAME_LEN} characters, none of them a \
             control character"
        )));
    }
    if name.starts_with("__") {
        return Err(StorageError::invalid(format!(
            "{what} name {name:?}: names starting with `__` are reserved"
        )));
    }
    Ok(())
}

/// A user name: 1–64 characters from letters, digits, `_ . @ -`, starting with a
/// letter, digit or `_`.
pub(crate) fn user_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-'));
    if ok {
        Ok(())
    } else {
        Err(StorageError::invalid(format!(
            "user name {name:?} must be 1–{MAX_NAME_LEN} characters from letters, digits and \
             `_ . @ -`, starting with a letter, digit or `_`"
        )))
    }
}

/// Parses `addr` or `addr/len` (IPv4 or IPv6) into the address and prefix length; a
/// bare address means a single host.
pub fn parse_cidr(text: &str) -> Result<(IpAddr, u8)> {
    let bad = |why: &str| StorageError::invalid(format!("CIDR {text:?}: {why}"));
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| bad("not an IPv4 or IPv6 address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) => l
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| bad(&format!("prefix length must be 0..={max}")))?,
    };
    Ok((ip, len))
}

pub(crate) fn cidr_list(what: &str, list: &[String]) -> Result<()> {
    if list.len() > MAX_CIDRS {
        return Err(StorageError::LimitExceeded(format!(
            "{what}: {} entries, at most {MAX_CIDRS}",
            list.len()
        )));
    }
    for c in list {
        parse_cidr(c)?;
    }
    Ok(())
}

/// Normalises a certificate serial to upper-case hex without separators (`0a:1b` and
/// `0A1B` are the same serial). Leading zeros are kept. At most 40 digits (20 bytes,
/// RFC 5280's limit).
pub fn normalize_serial(serial: &str) -> Result<String> {
    let digits: String = serial
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if digits.is_empty() || digits.len() > 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StorageError::invalid(format!(
            "certificate serial {serial:?} must be 1–40 hex digits"
        )));
    }
    Ok(digits)
}

/// Longest issuer identifier (room for the hex of a DER-encoded issuer name).
pub const MAX_ISSUER_LEN: usize = 1024;

/// An issuer identifier: 1–1,024 characters, no NUL (it is part of a RocksDB key).
pub(crate) fn issuer(issuer: &str) -> Result<()> {
    if issuer.is_empty() || issuer.len() > MAX_ISSUER_LEN || issuer.contains('\0') {
        return Err(StorageError::invalid(format!(
            "issuer {issuer:?} must be 1–{MAX_ISSUER_LEN} characters without NUL"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cidrs_and_serials() {
        assert!(identifier("table", "messages_2").is_ok());
        assert!(identifier("table", "2x").is_ok());
        assert!(identifier("table", "café table").is_ok());
        assert!(identifier("table", &"é".repeat(64)).is_ok());
        assert!(identifier("table", &"é".repeat(65)).is_err());
        assert!(identifier("table", "").is_err());
        assert!(identifier("table", "a\nb").is_err());
        assert!(identifier("table", "a\0b").is_err());
        assert!(identifier("table", "__rowid").is_err());
        assert!(identifier("table", &"a".repeat(65)).is_err());
        assert!(user_name("alice@example.com").is_ok());
        assert!(user_name("-x").is_err());
        assert_eq!(parse_cidr("10.0.0.0/8").unwrap().1, 8);
        assert_eq!(parse_cidr("::1").unwrap().1, 128);
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("nope/3").is_err());
        assert_eq!(normalize_serial("0a:1b").unwrap(), "0A1B");
        assert!(normalize_serial("xyz").is_err());
        assert!(normalize_serial("").is_err());
    }
}
