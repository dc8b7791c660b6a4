//! Turning the text of literal tokens into values, and validating them: numbers,
//! durations, dates, timestamps, IPv4 addresses and string escapes. The lexer calls
//! these from its callbacks; the parser calls [`unescape`] and [`unquote_ident`].

use super::LexError;
use crate::calendar::{MICROS_PER_DAY, MICROS_PER_SECOND, days_from_civil, days_in_month};
use std::borrow::Cow;

/// Digits with optional `_` separators.
pub fn parse_int(text: &str) -> Result<u64, LexError> {
    let mut value: u64 = 0;
    for b in text.bytes() {
        if b == b'_' {
            continue;
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(LexError::IntTooLarge)?;
    }
    Ok(value)
}

pub fn parse_float(text: &str) -> Result<f64, LexError> {
    let parsed = if text.contains('_') {
        text.replace('_', "").parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    match parsed {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(LexError::BadNumberSuffix),
    }
}

/// Microseconds in one of each duration unit.
pub const DURATION_UNITS: &[(&str, u64)] = &[
    ("d", MICROS_PER_DAY as u64),
    ("h", 3_600 * MICROS_PER_SECOND as u64),
    ("m", 60 * MICROS_PER_SECOND as u64),
    ("s", MICROS_PER_SECOND as u64),
    ("ms", 1_000),
    ("us", 1),
];

/// Digits followed by letters: a duration (`30s`, `250ms`) or an exponent float
/// without a sign (`1e10`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberWord {
    Duration(u64),
    Float(f64),
}

pub fn parse_number_word(text: &str) -> Result<NumberWord, LexError> {
    let split = text
        .bytes()
        .position(|b| b.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if let Some(&(_, micros)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) {
        let n = parse_int(digits).map_err(|_| LexError::DurationOverflow)?;
        return n
            .checked_mul(micros)
            .map(NumberWord::Duration)
            .ok_or(LexError::DurationOverflow);
    }
    let exp = unit.strip_prefix(['e', 'E']).unwrap_or("");
    if !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit()) {
        return parse_float(text).map(NumberWord::Float);
    }
    Err(LexError::BadNumberSuffix)
}

fn two(text: &[u8], at: usize) -> u32 {
    u32::from(text[at] - b'0') * 10 + u32::from(text[at + 1] - b'0')
}

/// `@YYYY-MM-DD` (the regex has checked the shape) to days since the epoch.
pub fn parse_date(text: &str) -> Result<i32, LexError> {
    let b = text.as_bytes();
    let days = date_days(b)?;
    Ok(days as i32)
}

fn date_days(b: &[u8]) -> Result<i64, LexError> {
    let year = i64::from(two(b, 1) * 100 + two(b, 3));
    let month = two(b, 6);
    let day = two(b, 9);
    if year == 0 {
        return Err(LexError::BadDate("years start at 0001"));
    }
    if !(1..=12).contains(&month) {
        return Err(LexError::BadDate("month must be 01 to 12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(LexError::BadDate("no such day in that month"));
    }
    Ok(days_from_civil(year, month, day))
}

/// `@YYYY-MM-DDThh:mm[:ss[.f…]][Z|±hh:mm]` to microseconds since the epoch (UTC).
/// Without an offset the time is taken as UTC.
pub fn parse_timestamp(text: &str) -> Result<i64, LexError> {
    let b = text.as_bytes();
    let days = date_days(b)?;
    let hour = two(b, 12);
    let minute = two(b, 15);
    let mut at = 17;
    let mut second = 0;
    let mut micros = 0i64;
    if b.get(at) == Some(&b':') {
        second = two(b, at + 1);
        at += 3;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while at < b.len() && b[at].is_ascii_digit() {
                at += 1;
            }
            let digits = &b[start..at];
            if digits.len() > 6 {
                return Err(LexError::BadDate(
                    "at most 6 fractional digits (microseconds)",
                ));
            }
            for (i, d) in digits.iter().enumerate() {
                micros += i64::from(d - b'0') * 10i64.pow(5 - i as u32);
            }
        }
    }
    if hour > 23 {
        return Err(LexError::BadDate("hour must be 00 to 23"));
    }
    if minute > 59 {
        return Err(LexError::BadDate("minute must be 00 to 59"));
    }
    if second > 59 {
        return Err(LexError::BadDate("second must be 00 to 59"));
    }
    let mut offset_secs = 0i64;
    match b.get(at) {
        None | Some(b'Z' | b'z') => {}
        Some(&sign @ (b'+' | b'-')) => {
            let (oh, om) = (two(b, at + 1), two(b, at + 4));
            if oh > 23 || om > 59 {
                return Err(LexError::BadDate("offset must be within ±23:59"));
            }
            offset_secs = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                offset_secs = -offset_secs;
            }
        }
        Some(_) => return Err(LexError::BadDate("unexpected text after the time")),
    }
    let secs = i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Ok(days * MICROS_PER_DAY + secs * MICROS_PER_SECOND + micros)
}

/// Checks an IPv4 address or CIDR range (`10.0.0.5`, `10.0.0.0/24`).
pub fn check_ipv4(text: &str) -> Result<(), LexError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    for octet in addr.split('.') {
        if octet.len() > 3 || octet.parse::<u16>().map_or(true, |v| v > 255) {
            return Err(LexError::BadIp("each part must be 0 to 255"));
        }
        if octet.len() > 1 && octet.starts_with('0') {
            return Err(LexError::BadIp("parts must not have leading zeros"));
        }
    }
    if let Some(p) = prefix
        && (p.len() > 2 || p.parse::<u8>().map_or(true, |v| v > 32))
    {
        return Err(LexError::BadIp("the prefix length must be 0 to 32"));
    }
    Ok(())
}

/// Scans a string literal whose opening `quote` has been consumed; returns the
/// number of bytes of `rest` up to and including the closing quote.
pub fn scan_string(rest: &str, quote: u8) -> Result<usize, (LexError, usize)> {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c == quote => return Ok(i + 1),
            b'\\' => {
                let len = escape_len(&rest[i..]).map_err(|len| {
                    // Report the escape, but keep going to the closing quote so the
                    // rest of the input lexes as the user meant.
                    let end = scan_string(&rest[i + len..], quote).map_or(b.len(), |n| i + len + n);
                    (LexError::BadEscape { offset: i + 1, len }, end)
                })?;
                i += len;
            }
            _ => i += 1,
        }
    }
    Err((LexError::UnterminatedString, b.len()))
}

/// Length of the escape at the start of `s` (which begins with `\`); `Err(len)`
/// gives the length of an invalid one.
fn escape_len(s: &str) -> Result<usize, usize> {
    let b = s.as_bytes();
    match b.get(1) {
        Some(b'\\' | b'"' | b'\'' | b'n' | b'r' | b't' | b'0') => Ok(2),
        Some(b'u') => {
            if b.get(2) != Some(&b'{') {
                return Err(2);
            }
            let close = match s[3..].find('}') {
                Some(c) if c <= 6 => c,
                _ => return Err(3),
            };
            let hex = &s[3..3 + close];
            match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                Some(_) if !hex.is_empty() && !hex.starts_with('+') => Ok(4 + close),
                _ => Err(4 + close),
            }
        }
        Some(_) => Err(1 + s[1..].chars().next().map_or(0, char::len_utf8)),
        None => Err(1),
    }
}

/// The value of a string literal token (quotes included), escapes resolved. The
/// lexer has validated the escapes; an invalid one is kept as written.
pub fn unescape(token: &str) -> String {
    let inner = &token[1..token.len() - 1];
    if !inner.contains('\\') {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let len = match escape_len(rest) {
            Ok(len) => {
                match rest.as_bytes()[1] {
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'0' => out.push('\0'),
                    b'u' => {
                        let c = u32::from_str_radix(&rest[3..len - 1], 16)
                            .ok()
                            .and_then(char::from_u32);
                        out.extend(c);
                    }
                    other => out.push(char::from(other)),
                }
                len
            }
            Err(len) => {
                let len = len.min(rest.len());
                out.push_str(&rest[..len]);
                len
            }
        };
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// Scans a quoted identifier whose opening backtick has been consumed; ``` `` ```
/// inside stands for one backtick. Returns the bytes up to and including the close.
pub fn scan_quoted_ident(rest: &str) -> Result<usize, (LexError, usize)> {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            if b.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return if i == 0 {
                Err((LexError::EmptyIdent, 1))
            } else {
                Ok(i + 1)
            };
        }
        i += 1;
    }
    Err((LexError::UnterminatedIdent, b.len()))
}

/// The name inside a quoted identifier token (backticks included).
pub fn unquote_ident(token: &str) -> Cow<'_, str> {
    let inner = &token[1..token.len() - 1];
    if inner.contains("``") {
        Cow::Owned(inner.replace("``", "`"))
    } else {
        Cow::Borrowed(inner)
    }
}

/// Scans a block comment whose `/#` has been consumed. Block comments do not nest.
pub fn scan_block_comment(rest: &str) -> Result<usize, usize> {
    rest.find("#/").map(|i| i + 2).ok_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_take_offsets_and_fractions() {
        let base = parse_timestamp("@2026-11-21T10:00:00Z").unwrap();
        assert_eq!(parse_timestamp("@2026-11-21T10:00").unwrap(), base);
        assert_eq!(parse_timestamp("@2026-11-21T12:00:00+02:00").unwrap(), base);
        assert_eq!(parse_timestamp("@2026-11-21T09:30:00-00:30").unwrap(), base);
        assert_eq!(
            parse_timestamp("@2026-11-21T10:00:00.25Z").unwrap(),
            base + 250_000
        );
        assert_eq!(parse_timestamp("@1970-01-01T00:00:00Z").unwrap(), 0);
        assert!(parse_timestamp("@2026-11-21T24:00:00Z").is_err());
        assert!(parse_timestamp("@2026-11-21T10:00:00.1234567Z").is_err());
        assert!(parse_date("@2026-02-29").is_err());
        assert!(parse_date("@2024-02-29").is_ok());
        assert!(parse_date("@2026-13-01").is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#""a\nb\u{1F600}\\\"""#), "a\nb\u{1F600}\\\"");
        assert_eq!(
            scan_string(r#"ab\q" x"#, b'"'),
            Err((LexError::BadEscape { offset: 3, len: 2 }, 5))
        );
        assert_eq!(
            scan_string(r"a\u{110000}'", b'\''),
            Err((LexError::BadEscape { offset: 2, len: 10 }, 12))
        );
        assert_eq!(
            scan_string("abc", b'"'),
            Err((LexError::UnterminatedString, 3))
        );
        assert_eq!(scan_string("ab'", b'\''), Ok(3));
    }

    #[test]
    fn ipv4() {
        assert!(check_ipv4("10.0.0.0/24").is_ok());
        assert!(check_ipv4("255.255.255.255").is_ok());
        assert!(check_ipv4("256.0.0.1").is_err());
        assert!(check_ipv4("10.0.0.0/33").is_err());
        assert!(check_ipv4("01.0.0.0").is_err());
    }

    #[test]
    fn durations() {
        assert!(matches!(
            parse_number_word("250ms"),
            Ok(NumberWord::Duration(250_000))
        ));
        assert!(matches!(
            parse_number_word("7d"),
            Ok(NumberWord::Duration(604_800_000_000))
        ));
        assert!(matches!(parse_number_word("1e3"), Ok(NumberWord::Float(v)) if v == 1000.0));
        assert_eq!(
            parse_number_word("5min").err(),
            Some(LexError::BadNumberSuffix)
        );
        assert_eq!(
            parse_number_word("999999999999d").err(),
            Some(LexError::DurationOverflow)
        );
    }
}
