//! Literals: numbers, strings, booleans, `NULL`, `$n` parameters, typed strings
//! (`DATE '2026-11-21'`, `'…'::timestamp`) and intervals, each turned into the KQL
//! literal with the same value, or refused when KQL has none.

use super::build::{cast, expr, lit};
use super::error::{R, SqlError, codes, fail};
use kql::ast::{Expr, ExprKind, Literal, Param, TypeKind};
use sqlparser::ast::{self as sql};
use sqlparser::tokenizer::Span as SqlSpan;

const MICROS_PER_SECOND: i128 = 1_000_000;

/// A SQL value (number, string, boolean, null, placeholder).
pub(crate) fn value(v: &sql::ValueWithSpan, negate: bool) -> R<Expr> {
    use sql::Value as V;
    let span = v.span;
    match &v.value {
        V::Number(text, _) => number(text, negate, span),
        V::SingleQuotedString(s)
        | V::EscapedStringLiteral(s)
        | V::UnicodeStringLiteral(s)
        | V::NationalStringLiteral(s) => Ok(super::build::string(s.clone())),
        V::DollarQuotedString(d) => Ok(super::build::string(d.value.clone())),
        V::Boolean(b) => Ok(super::build::boolean(*b)),
        V::Null => Ok(lit(Literal::Null)),
        V::Placeholder(p) => placeholder(p, span),
        V::HexStringLiteral(_)
        | V::SingleQuotedByteStringLiteral(_)
        | V::DoubleQuotedByteStringLiteral(_) => fail(
            codes::LITERAL,
            span,
            format!("bit-string literal `{}` has no KQL equivalent", v.value),
        ),
        other => fail(
            codes::LITERAL,
            span,
            format!("literal `{other}` is not PostgreSQL"),
        ),
    }
}

/// `$1` stays `$1`.
fn placeholder(p: &str, span: SqlSpan) -> R<Expr> {
    let digits = p.strip_prefix('$').unwrap_or("");
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 && !digits.starts_with('0') => {
            Ok(expr(ExprKind::Param(Param::Positional(n))))
        }
        _ => Err(SqlError::new(
            codes::LITERAL,
            span,
            format!("parameter `{p}` is not a PostgreSQL positional parameter"),
        )
        .hint("write $1, $2, …")),
    }
}

/// An integer that fits 64 bits becomes an integer; a number with a `.` the exact
/// decimal it is written as, an exponent applied (PostgreSQL's `numeric` constant;
/// see docs/sql.md).
fn number(text: &str, negate: bool, span: SqlSpan) -> R<Expr> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let is_integer = clean.bytes().all(|b| b.is_ascii_digit());
    if is_integer {
        let v: i128 = clean.parse().map_err(|_| too_big(text, span))?;
        let v = if negate { -v } else { v };
        let v = i64::try_from(v).map_err(|_| too_big(text, span))?;
        return Ok(lit(Literal::Int(v)));
    }
    let radix = match clean.get(..2) {
        Some("0x") | Some("0X") => Some(16),
        Some("0o") | Some("0O") => Some(8),
        Some("0b") | Some("0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let v = i128::from_str_radix(&clean[2..], radix).map_err(|_| too_big(text, span))?;
        let v = if negate { -v } else { v };
        let v = i64::try_from(v).map_err(|_| too_big(text, span))?;
        return Ok(lit(Literal::Int(v)));
    }
    // PostgreSQL's `12.50` is an exact numeric: an exact decimal of just its digits
    // (`"12.50"::decimal(4, 2)`), so `0.1 + 0.2` is 0.3 and `12.50` prints 12.50.
    // An exponent moves the point (`2.50e1` is 25.0, `1e-1` 0.1).
    let clean = match plain(&clean) {
        Some(p) => p,
        None => clean,
    };
    if !clean.contains(['e', 'E']) {
        let (int, frac) = clean.split_once('.').unwrap_or((&clean, ""));
        let clean = format!("{}.{frac}", if int.is_empty() { "0" } else { int });
        let clean = clean.trim_end_matches('.');
        let int = int.trim_start_matches('0');
        let precision = (int.len() + frac.len()).max(1);
        if precision > 38 {
            return fail(
                codes::LITERAL,
                span,
                format!("number `{text}` has more than 38 digits, the most a KQL decimal has"),
            );
        }
        let sign = if negate { "-" } else { "" };
        return Ok(super::build::cast(
            super::build::string(format!("{sign}{clean}")),
            TypeKind::Decimal {
                precision: precision as u8,
                scale: frac.len() as u8,
            },
        ));
    }
    match clean.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(lit(Literal::Float(if negate { -f } else { f }))),
        _ => fail(
            codes::LITERAL,
            span,
            format!("number `{text}` is outside the float64 range"),
        ),
    }
}

/// `1.5e3` written without its exponent (`1500`), as PostgreSQL reads it: the scale
/// is the fraction's digits minus the exponent, at least 0. `None` when it is not
/// that shape or would pass 38 digits.
fn plain(text: &str) -> Option<String> {
    let (mantissa, exp) = text.split_once(['e', 'E'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || exp.abs() > 38 {
        return None;
    }
    let digits = format!("{int}{frac}");
    // The point sits after `point` digits of `digits`.
    let point = int.len() as i32 + exp;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    let text = text.trim_start_matches('0');
    let text = if text.is_empty() || text.starts_with('.') {
        format!("0{text}")
    } else {
        text.to_string()
    };
    (text.len() <= 40).then_some(text)
}

fn too_big(text: &str, span: SqlSpan) -> SqlError {
    SqlError::new(
        codes::LITERAL,
        span,
        format!(
            "integer `{text}` does not fit 64 bits (PostgreSQL makes it numeric; KQL has no such type)"
        ),
    )
}

/// A string literal given a type (`DATE '…'`, `'…'::timestamp`): folded into the
/// KQL literal when KQL has one, else a cast of the string.
pub(crate) fn typed_string(text: &str, ty: TypeKind, with_tz: bool, span: SqlSpan) -> R<Expr> {
    match ty {
        TypeKind::Date => date(text, span),
        TypeKind::Timestamp => timestamp(text, with_tz, span),
        _ => Ok(cast(super::build::string(text), ty)),
    }
}

fn date(text: &str, span: SqlSpan) -> R<Expr> {
    let t = text.trim();
    if !iso_date(t) {
        return fail(
            codes::LITERAL,
            span,
            format!("date `{text}` is not an ISO date (YYYY-MM-DD)"),
        )
        .map_err(|e: SqlError| e.hint("write dates as '2026-11-21'"));
    }
    kql_literal(&format!("@{t}"), text, span)
}

fn iso_date(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `YYYY-MM-DD`, or `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]` with an optional `Z`,
/// `±HH` or `±HH:MM` offset. A `timestamp` (without time zone) ignores the offset,
/// as PostgreSQL does; `timestamptz` applies it. Both are UTC instants in KQL
/// (docs/sql.md: the session time zone is taken to be UTC).
fn timestamp(text: &str, with_tz: bool, span: SqlSpan) -> R<Expr> {
    let t = text.trim();
    let bad = || {
        Err(SqlError::new(
            codes::LITERAL,
            span,
            format!("timestamp `{text}` is not an ISO timestamp"),
        )
        .hint("write timestamps as '2026-11-21 10:00:00' or '2026-11-21T10:00:00Z'"))
    };
    if t.len() < 10 || !iso_date(&t[..10]) {
        return bad();
    }
    if t.len() == 10 {
        return kql_literal(&format!("@{t}T00:00:00Z"), text, span);
    }
    let sep = t.as_bytes()[10];
    if sep != b' ' && sep != b'T' && sep != b't' {
        return bad();
    }
    let rest = t[11..].trim_start();
    // Split the clock time from an offset.
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (rest[..i].trim_end(), rest[i..].trim()),
        None => (rest, ""),
    };
    if clock.is_empty()
        || !clock
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        return bad();
    }
    let offset = if offset.eq_ignore_ascii_case("z") || offset.is_empty() || !with_tz {
        "Z".to_string()
    } else {
        let (sign, digits) = offset.split_at(1);
        let hm: Vec<&str> = digits.split(':').collect();
        match hm.as_slice() {
            [h] if h.len() == 2 => format!("{sign}{h}:00"),
            [h] if h.len() == 4 => format!("{sign}{}:{}", &h[..2], &h[2..]),
            [h, m] if h.len() == 2 && m.len() == 2 => format!("{sign}{h}:{m}"),
            _ => return bad(),
        }
    };
    kql_literal(&format!("@{}T{clock}{offset}", &t[..10]), text, span)
}

/// Parses a KQL date or timestamp literal through the KQL lexer, which checks the
/// calendar (no February 30th) and the ranges.
fn kql_literal(kql_text: &str, sql_text: &str, span: SqlSpan) -> R<Expr> {
    match kql::parse_expr(kql_text) {
        Ok(e) if matches!(e.kind, ExprKind::Literal(_)) => Ok(e.without_spans()),
        _ => fail(
            codes::LITERAL,
            span,
            format!("`{sql_text}` is not a valid date or timestamp"),
        ),
    }
}

/// A PostgreSQL interval as an exact KQL duration. Fields are added up; units from
/// microseconds to weeks are fixed lengths (a day is 24 hours: the session time
/// zone is UTC); months, years and longer have no fixed length and are refused.
pub(crate) fn interval(i: &sql::Interval, span: SqlSpan) -> R<Expr> {
    if i.last_field.is_some() || i.fractional_seconds_precision.is_some() {
        return fail(
            codes::LITERAL,
            span,
            "an interval with a field range (`HOUR TO MINUTE`) has no KQL form",
        )
        .map_err(|e: SqlError| e.hint("write it as one string: INTERVAL '1 hour 30 minutes'"));
    }
    let text = match &*i.value {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) | sql::Value::Number(s, _) => s.clone(),
            _ => return not_constant(span),
        },
        _ => return not_constant(span),
    };
    let text = match &i.leading_field {
        Some(f) => format!("{text} {f}"),
        None => text,
    };
    let micros = parse_interval(&text).map_err(|why| {
        SqlError::new(
            codes::LITERAL,
            span,
            format!("interval `{text}` has no exact KQL duration: {why}"),
        )
    })?;
    let micros = i64::try_from(micros).map_err(|_| {
        SqlError::new(
            codes::LITERAL,
            span,
            format!("interval `{text}` is outside the 64-bit microsecond range"),
        )
    })?;
    Ok(lit(Literal::Duration(micros)))
}

fn not_constant(span: SqlSpan) -> R<Expr> {
    fail(
        codes::LITERAL,
        span,
        "an interval must be a constant string here: KQL durations are literals",
    )
}

/// Microseconds in a PostgreSQL interval text: `1 day 2 hours`, `-5 min`,
/// `1.5 hours`, `01:30:00`, `3 days 04:05:06`, `2 hours ago`.
pub(crate) fn parse_interval(text: &str) -> Result<i128, String> {
    let mut total: i128 = 0;
    let mut words = text.split_whitespace().peekable();
    let mut any = false;
    let mut ago = false;
    while let Some(word) = words.next() {
        let word = word.trim_start_matches('@');
        if word.is_empty() {
            continue;
        }
        if word.eq_ignore_ascii_case("ago") {
            ago = true;
            continue;
        }
        if word.contains(':') {
            total += clock(word)?;
            any = true;
            continue;
        }
        // A number, possibly glued to its unit (`5min`, `10s`).
        let split = word
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(word.len());
        let (num, glued) = word.split_at(split);
        let unit = if glued.is_empty() {
            match words.next() {
                Some(u) => u.to_string(),
                None if num.is_empty() => return Err(format!("`{word}` is not a number")),
                None => "second".to_string(),
            }
        } else {
            glued.to_string()
        };
        let factor = unit_micros(&unit)?;
        total += scaled(num, factor)?;
        any = true;
    }
    if !any {
        return Err("it is empty".into());
    }
    Ok(if ago { -total } else { total })
}

/// `[-]HH:MM[:SS[.ffffff]]`.
fn clock(word: &str) -> Result<i128, String> {
    let (neg, body) = match word.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let parts: Vec<&str> = body.split(':').collect();
    let v = match parts.as_slice() {
        [h, m] => scaled(h, 3600 * MICROS_PER_SECOND)? + scaled(m, 60 * MICROS_PER_SECOND)?,
        [h, m, s] => {
            scaled(h, 3600 * MICROS_PER_SECOND)?
                + scaled(m, 60 * MICROS_PER_SECOND)?
                + scaled(s, MICROS_PER_SECOND)?
        }
        _ => return Err(format!("`{word}` is not a time of day")),
    };
    Ok(if neg { -v } else { v })
}

fn unit_micros(unit: &str) -> Result<i128, String> {
    let u = unit.to_ascii_lowercase();
    let s = MICROS_PER_SECOND;
    Ok(match u.as_str() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" => 1,
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => 1_000,
        "second" | "seconds" | "s" | "sec" | "secs" => s,
        "minute" | "minutes" | "m" | "min" | "mins" => 60 * s,
        "hour" | "hours" | "h" | "hr" | "hrs" => 3600 * s,
        "day" | "days" | "d" => 86_400 * s,
        "week" | "weeks" | "w" => 7 * 86_400 * s,
        "month" | "months" | "mon" | "mons" | "year" | "years" | "y" | "yr" | "yrs" | "decade"
        | "decades" | "century" | "centuries" | "millennium" | "millennia" => {
            return Err(format!(
                "`{unit}` has no fixed length (KQL durations are exact microseconds)"
            ));
        }
        _ => return Err(format!("`{unit}` is not an interval unit")),
    })
}

/// `num × factor` exactly, for a decimal `num` (`1.5` hours); an inexact result
/// (below a microsecond) is an error.
fn scaled(num: &str, factor: i128) -> Result<i128, String> {
    let (neg, body) = match num.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, num.strip_prefix('+').unwrap_or(num)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 20
        || frac.len() > 12
    {
        return Err(format!("`{num}` is not a number"));
    }
    let int_v: i128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| "too large".to_string())?
    };
    let mut v = int_v * factor;
    if !frac.is_empty() {
        let denom = 10i128.pow(frac.len() as u32);
        let f: i128 = frac.parse().map_err(|_| "bad fraction".to_string())?;
        let part = f * factor;
        if part % denom != 0 {
            return Err(format!("`{num}` is not a whole number of microseconds"));
        }
        v += part / denom;
    }
    Ok(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::{parse_interval, plain};

    #[test]
    fn exponents_move_the_point() {
        let p = |t: &str| plain(t);
        assert_eq!(p("1.5e3").as_deref(), Some("1500"));
        assert_eq!(p("2.50e1").as_deref(), Some("25.0"));
        assert_eq!(p("1e-1").as_deref(), Some("0.1"));
        assert_eq!(p("12e-4").as_deref(), Some("0.0012"));
        assert_eq!(p("1E2").as_deref(), Some("100"));
        assert_eq!(p("1e300"), None);
        assert_eq!(p("1.5"), None);
    }

    #[test]
    fn intervals_add_up_exactly() {
        let h = 3_600_000_000i128;
        assert_eq!(parse_interval("1 hour"), Ok(h));
        assert_eq!(parse_interval("1.5 hours"), Ok(h + h / 2));
        assert_eq!(parse_interval("1 day 2 hours"), Ok(26 * h));
        assert_eq!(parse_interval("-5 min"), Ok(-300_000_000));
        assert_eq!(parse_interval("01:30:00"), Ok(h + h / 2));
        assert_eq!(parse_interval("3 days 04:00"), Ok(76 * h));
        assert_eq!(parse_interval("2 hours ago"), Ok(-2 * h));
        assert_eq!(parse_interval("10s"), Ok(10_000_000));
        assert_eq!(parse_interval("90"), Ok(90_000_000));
        assert!(parse_interval("1 month").is_err());
        assert!(parse_interval("1 fortnight").is_err());
        assert!(parse_interval("0.0000001 second").is_err());
        assert!(parse_interval("").is_err());
    }
}
