//! Literals and type names in canonical form: strings in double quotes with
//! escapes, durations in the largest unit that divides evenly, dates as
//! `@YYYY-MM-DD`, timestamps in UTC with `Z` and only the fraction they need.
//! Values no literal can spell (non-finite floats, dates outside years 1–9999)
//! print as casts from a string, which the binder evaluates to the same value.

use crate::ast::{Literal, TypeKind};
use crate::calendar::{MICROS_PER_DAY, civil_from_days, format_timestamp};
use crate::lexer::DURATION_UNITS;
use std::fmt::Write;

pub fn write_literal(out: &mut String, lit: &Literal) {
    match lit {
        Literal::Null => out.push_str("null"),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Literal::Float(v) if v.is_finite() => {
            let _ = write!(out, "{v:?}");
        }
        Literal::Float(v) => {
            let _ = write!(out, "\"{v}\"::float64");
        }
        Literal::String(s) => write_string(out, s),
        Literal::Duration(v) => write_duration(out, *v),
        Literal::Date(days) => {
            let (y, m, d) = civil_from_days(i64::from(*days));
            if (1..=9999).contains(&y) {
                let _ = write!(out, "@{y:04}-{m:02}-{d:02}");
            } else {
                let _ = write!(out, "\"{days}\"::date");
            }
        }
        Literal::Timestamp(us) => write_timestamp(out, *us),
    }
}

/// Whether a literal has no literal spelling and prints as a cast.
pub fn spelled_as_cast(lit: &Literal) -> bool {
    match lit {
        Literal::Float(v) => !v.is_finite(),
        Literal::Date(days) => !(1..=9999).contains(&civil_from_days(i64::from(*days)).0),
        Literal::Timestamp(us) => {
            !(1..=9999).contains(&civil_from_days(us.div_euclid(MICROS_PER_DAY)).0)
        }
        _ => false,
    }
}

pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_duration(out: &mut String, v: i64) {
    if v == 0 {
        out.push_str("0s");
        return;
    }
    if v < 0 {
        out.push('-');
    }
    let abs = v.unsigned_abs();
    for &(unit, micros) in DURATION_UNITS {
        if abs.is_multiple_of(micros) {
            let _ = write!(out, "{}{unit}", abs / micros);
            return;
        }
    }
}

fn write_timestamp(out: &mut String, us: i64) {
    let (y, _, _) = civil_from_days(us.div_euclid(MICROS_PER_DAY));
    if !(1..=9999).contains(&y) {
        let _ = write!(out, "\"{us}\"::timestamp");
        return;
    }
    out.push('@');
    out.push_str(&format_timestamp(us));
}

pub fn type_name(kind: TypeKind) -> String {
    match kind {
        TypeKind::Bool => "bool".into(),
        TypeKind::Int16 => "int16".into(),
        TypeKind::Int32 => "int32".into(),
        TypeKind::Int64 => "int64".into(),
        TypeKind::Float32 => "float32".into(),
        TypeKind::Float64 => "float64".into(),
        TypeKind::Decimal { precision, scale } => format!("decimal({precision}, {scale})"),
        TypeKind::Text => "text".into(),
        TypeKind::Bytes => "bytes".into(),
        TypeKind::Json => "json".into(),
        TypeKind::Timestamp => "timestamp".into(),
        TypeKind::Date => "date".into(),
        TypeKind::Time => "time".into(),
        TypeKind::Uuid => "uuid".into(),
    }
}
