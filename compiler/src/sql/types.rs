//! PostgreSQL types to KQL types. A type maps only when every value of it is a
//! value of the KQL type with the same meaning; otherwise it is refused with a hint.
//!
//! | PostgreSQL | KQL |
//! |---|---|
//! | `smallint`, `int2` | `int16` |
//! | `integer`, `int`, `int4` | `int32` |
//! | `bigint`, `int8` | `int64` |
//! | `real`, `float4`, `float(1..24)` | `float32` |
//! | `double precision`, `float8`, `float`, `float(25..53)` | `float64` |
//! | `numeric(p, s)`, `decimal(p, s)` with p ≤ 38; `numeric(p)` | `decimal(p, s)`, `decimal(p, 0)` |
//! | `text`, `varchar`, `character varying` (no length) | `text` |
//! | `boolean`, `bool` | `bool` |
//! | `bytea` | `bytes` |
//! | `json` | `json` |
//! | `timestamp`, `timestamptz` (precision 6 or none) | `timestamp` |
//! | `date` | `date` |
//! | `time` (precision 6 or none) | `time` |
//! | `uuid` | `uuid` |

use super::error::{R, SqlError, codes, fail};
use kql::ast::TypeKind;
use sqlparser::ast::{self as sql, CharacterLength, ExactNumberInfo, TimezoneInfo};
use sqlparser::tokenizer::Span as SqlSpan;

/// Largest decimal precision KQL has.
const MAX_DECIMAL_PRECISION: u64 = 38;

pub(crate) fn kql_type(t: &sql::DataType, span: SqlSpan) -> R<TypeKind> {
    use sql::DataType as T;
    let refuse = |why: &str, hint: &str| -> R<TypeKind> {
        Err(SqlError::new(
            codes::TYPE,
            span,
            format!("type `{t}` has no KQL equivalent: {why}"),
        )
        .hint(hint.to_string()))
    };
    Ok(match t {
        T::SmallInt(None) | T::Int2(None) => TypeKind::Int16,
        T::Int(None) | T::Integer(None) | T::Int4(None) => TypeKind::Int32,
        T::BigInt(None) | T::Int8(None) => TypeKind::Int64,
        T::Real | T::Float4 => TypeKind::Float32,
        T::DoublePrecision | T::Float8 | T::Double(ExactNumberInfo::None) => TypeKind::Float64,
        T::Float(ExactNumberInfo::None) => TypeKind::Float64,
        T::Float(ExactNumberInfo::Precision(p)) if (1..=24).contains(p) => TypeKind::Float32,
        T::Float(ExactNumberInfo::Precision(p)) if (25..=53).contains(p) => TypeKind::Float64,
        T::Numeric(info) | T::Decimal(info) | T::Dec(info) => return decimal(t, info, span),
        T::Text => TypeKind::Text,
        T::Varchar(None) | T::CharacterVarying(None) | T::CharVarying(None) => TypeKind::Text,
        T::Varchar(Some(_)) | T::CharacterVarying(Some(_)) | T::CharVarying(Some(_)) => {
            return refuse(
                "KQL text has no length limit, so values PostgreSQL rejects (or a cast truncates) would pass",
                "use text",
            );
        }
        T::Char(_) | T::Character(_) => {
            return match t {
                T::Char(Some(CharacterLength::IntegerLength { .. }))
                | T::Character(Some(CharacterLength::IntegerLength { .. }))
                | T::Char(None)
                | T::Character(None) => refuse(
                    "PostgreSQL pads and truncates fixed-length strings, KQL text does neither",
                    "use text",
                ),
                _ => refuse("not a PostgreSQL type", "use text"),
            };
        }
        T::Bool | T::Boolean => TypeKind::Bool,
        T::Bytea => TypeKind::Bytes,
        T::JSON => TypeKind::Json,
        T::JSONB => {
            return refuse(
                "jsonb normalizes documents (key order, duplicates, spacing) and KQL json keeps the text",
                "use json, which keeps the text as written in both",
            );
        }
        T::Date => TypeKind::Date,
        T::Timestamp(p, tz) => {
            if matches!(p, Some(p) if *p != 6) {
                return refuse(
                    "PostgreSQL rounds to the given fractional digits, KQL keeps microseconds",
                    "use timestamp or timestamptz without a precision",
                );
            }
            match tz {
                TimezoneInfo::None
                | TimezoneInfo::WithoutTimeZone
                | TimezoneInfo::WithTimeZone
                | TimezoneInfo::Tz => TypeKind::Timestamp,
            }
        }
        T::Time(p, tz) => {
            if matches!(tz, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) {
                return refuse("KQL time has no time zone", "use time (without time zone)");
            }
            if matches!(p, Some(p) if *p != 6) {
                return refuse(
                    "PostgreSQL rounds to the given fractional digits, KQL keeps microseconds",
                    "use time without a precision",
                );
            }
            TypeKind::Time
        }
        T::Uuid => TypeKind::Uuid,
        T::Interval { .. } => {
            return refuse(
                "KQL has durations (`30s`, `1h`) as values but no interval column type, and no months",
                "store microseconds in a bigint",
            );
        }
        T::Custom(name, _) => return custom(t, name, span),
        T::SmallInt(Some(_))
        | T::Int2(Some(_))
        | T::Int(Some(_))
        | T::Integer(Some(_))
        | T::Int4(Some(_))
        | T::BigInt(Some(_))
        | T::Int8(Some(_)) => {
            return refuse(
                "a display width is not PostgreSQL",
                "write the type without a width",
            );
        }
        T::Array(_) => {
            return refuse(
                "KQL has no array columns",
                "store the elements in a table of their own",
            );
        }
        _ => {
            return refuse(
                "it is not one of the types KQL has",
                "see docs/sql.md for the type table",
            );
        }
    })
}

fn decimal(t: &sql::DataType, info: &ExactNumberInfo, span: SqlSpan) -> R<TypeKind> {
    let (p, s) = match *info {
        ExactNumberInfo::None => {
            return Err(SqlError::new(
                codes::TYPE,
                span,
                format!("type `{t}` without a precision has no KQL equivalent: PostgreSQL's is arbitrary-precision, KQL decimals have at most 38 digits"),
            )
            .hint("give a precision and scale: numeric(18, 2)"));
        }
        ExactNumberInfo::Precision(p) => (p, 0i64),
        ExactNumberInfo::PrecisionAndScale(p, s) => (p, s),
    };
    if !(1..=MAX_DECIMAL_PRECISION).contains(&p) || s < 0 || s as u64 > p {
        return fail(
            codes::TYPE,
            span,
            format!(
                "type `{t}`: KQL decimals take a precision from 1 to 38 and a scale from 0 to the precision"
            ),
        );
    }
    Ok(TypeKind::Decimal {
        precision: p as u8,
        scale: s as u8,
    })
}

fn custom(t: &sql::DataType, name: &sql::ObjectName, span: SqlSpan) -> R<TypeKind> {
    let text = name.to_string().to_ascii_lowercase();
    let hint = match text.as_str() {
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => {
            "KQL has no sequences; use bigint with a default such as snowflake() (unique, time-ordered, not consecutive)"
        }
        "timestamptz" => return Ok(TypeKind::Timestamp),
        "money" => "use numeric(p, s)",
        "citext" => "use text and compare with ILIKE",
        _ => "see docs/sql.md for the type table",
    };
    Err(SqlError::new(
        codes::TYPE,
        span,
        format!("type `{t}` has no KQL equivalent"),
    )
    .hint(hint))
}
