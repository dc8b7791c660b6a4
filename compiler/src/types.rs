//! The value types of KQL as the compiler, the verifier and the VM see them, and the
//! implicit widening rules between them.
//!
//! Every type maps onto one Arrow type (see [`DataType::arrow_name`]); NULL follows SQL:
//! any type may hold NULL, and the type of a bare `null` literal is [`DataType::Null`],
//! which the binder casts to the type its context needs.
//!
//! Implicit widening (the only conversions the binder inserts without a `::` cast):
//!
//! | from | widens to |
//! |---|---|
//! | `null` | any type |
//! | `int16` | `int32`, `int64`, `float32`, `float64`, `decimal(p, s)` with `p - s ≥ 5` |
//! | `int32` | `int64`, `float64`, `decimal(p, s)` with `p - s ≥ 10` |
//! | `int64` | `float64`, `decimal(p, s)` with `p - s ≥ 19` |
//! | `float32` | `float64` |
//! | `decimal(p, s)` | `decimal(p', s')` with `s' ≥ s` and `p' - s' ≥ p - s`, `float64` |
//! | `date` | `timestamp` |
//!
//! The common type of an integer and `decimal(p, s)` is `decimal(max(p - s, d) + s, s)`
//! (capped at 38 digits), `d` being the integer's digits (5, 10 or 19): `int32` and
//! `decimal(10, 2)` meet at `decimal(12, 2)`.
//!
//! An integer *literal* also converts to any narrower integer, float or decimal type its
//! value fits, so `age == 5` compares an `int32` column without widening it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A KQL value type.
/// In JSON (the `--catalog` file) a type is its KQL spelling: `"int64"`,
/// `"decimal(10, 2)"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DataType {
    /// The type of a bare `null`: no values but NULL.
    Null,
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Precision 1–38, scale ≤ precision.
    Decimal {
        precision: u8,
        scale: u8,
    },
    Text,
    Bytes,
    Json,
    /// Microseconds since 1970-01-01T00:00:00Z, UTC.
    Timestamp,
    /// Days since 1970-01-01.
    Date,
    /// Microseconds since midnight.
    Time,
    Uuid,
    /// Microseconds; the type of `30s`, `ago`'s argument and `timestamp - timestamp`.
    Duration,
}

impl DataType {
    /// Every type, in the order of their codec tags (see [`DataType::tag`]).
    pub const SIMPLE: [DataType; 15] = [
        DataType::Null,
        DataType::Bool,
        DataType::Int16,
        DataType::Int32,
        DataType::Int64,
        DataType::Float32,
        DataType::Float64,
        DataType::Text,
        DataType::Bytes,
        DataType::Json,
        DataType::Timestamp,
        DataType::Date,
        DataType::Time,
        DataType::Uuid,
        DataType::Duration,
    ];

    /// The type's byte in the plan codec; decimal is 15 followed by precision and scale.
    pub fn tag(self) -> u8 {
        match self {
            DataType::Decimal { .. } => 15,
            other => Self::SIMPLE.iter().position(|t| *t == other).unwrap_or(0) as u8,
        }
    }

    /// A decimal type if `precision` and `scale` are valid (1 ≤ p ≤ 38, s ≤ p).
    pub fn decimal(precision: u8, scale: u8) -> Option<DataType> {
        ((1..=38).contains(&precision) && scale <= precision)
            .then_some(DataType::Decimal { precision, scale })
    }

    pub fn is_integer(self) -> bool {
        matches!(self, DataType::Int16 | DataType::Int32 | DataType::Int64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, DataType::Float32 | DataType::Float64)
    }

    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float() || matches!(self, DataType::Decimal { .. })
    }

    /// Whether values of this type have an order (`<`, `sort`, `min`, key ranges).
    pub fn is_ordered(self) -> bool {
        !matches!(self, DataType::Json | DataType::Null)
    }

    /// Whether values of this type can be hashed and compared for equality (group keys,
    /// join keys, `distinct`).
    pub fn is_hashable(self) -> bool {
        !matches!(self, DataType::Json)
    }

    /// The decimal digits an integer type needs (0 for other types): 5, 10 or 19.
    pub fn integer_digits(self) -> u8 {
        match self {
            DataType::Int16 => 5,
            DataType::Int32 => 10,
            DataType::Int64 => 19,
            _ => 0,
        }
    }

    /// The decimal type that holds every value of an integer type: `decimal(10, 0)` for
    /// `int32`.
    pub fn integer_as_decimal(self) -> Option<DataType> {
        self.is_integer()
            .then(|| DataType::decimal(self.integer_digits(), 0))
            .flatten()
    }

    /// Whether `self` converts to `to` implicitly (see the module table).
    pub fn widens_to(self, to: DataType) -> bool {
        use DataType::*;
        if self == to || self == Null {
            return true;
        }
        match (self, to) {
            (Int16, Int32 | Int64 | Float32 | Float64) => true,
            (Int32, Int64 | Float64) => true,
            (Int64, Float64) => true,
            (
                Int16 | Int32 | Int64,
                Decimal {
                    precision: p,
                    scale: s,
                },
            ) => p - s >= self.integer_digits(),
            (Float32, Float64) => true,
            (
                Decimal {
                    precision: p,
                    scale: s,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => s2 >= s && p2 - s2 >= p - s,
            (Decimal { .. }, Float64) => true,
            (Date, Timestamp) => true,
            _ => false,
        }
    }

    /// The smallest type both sides widen to, if any.
    pub fn common(a: DataType, b: DataType) -> Option<DataType> {
        use DataType::*;
        if a.widens_to(b) {
            return Some(b);
        }
        if b.widens_to(a) {
            return Some(a);
        }
        match (a, b) {
            (
                Decimal {
                    precision: p1,
                    scale: s1,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => {
                let scale = s1.max(s2);
                let int = (p1 - s1).max(p2 - s2);
                DataType::decimal((int + scale).min(38), scale)
            }
            (
                i @ (Int16 | Int32 | Int64),
                Decimal {
                    precision: p,
                    scale: s,
                },
            )
            | (
                Decimal {
                    precision: p,
                    scale: s,
                },
                i @ (Int16 | Int32 | Int64),
            ) => {
                let int = (p - s).max(i.integer_digits());
                DataType::decimal((int + s).min(38), s)
            }
            (Float32, Int32 | Int64) | (Int32 | Int64, Float32) => Some(Float64),
            _ => None,
        }
    }

    /// Whether an explicit `::` cast from `self` to `to` exists.
    pub fn casts_to(self, to: DataType) -> bool {
        use DataType::*;
        if self.widens_to(to) || to == Text {
            return true;
        }
        match (self, to) {
            (_, Null) => false,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Bool, b) if b.is_integer() => true,
            (a, Bool) if a.is_integer() => true,
            (Text, _) => true,
            (Timestamp, Date | Time | Int64) | (Int64, Timestamp | Duration) => true,
            (Duration, Int64) => true,
            (Bytes, Uuid) | (Uuid, Bytes) => true,
            (Json, Text) => true,
            _ => false,
        }
    }

    /// The Arrow type the VM uses for this type.
    pub fn arrow_name(self) -> String {
        match self {
            DataType::Null => "Null".into(),
            DataType::Bool => "Boolean".into(),
            DataType::Int16 => "Int16".into(),
            DataType::Int32 => "Int32".into(),
            DataType::Int64 => "Int64".into(),
            DataType::Float32 => "Float32".into(),
            DataType::Float64 => "Float64".into(),
            DataType::Decimal { precision, scale } => format!("Decimal128({precision}, {scale})"),
            DataType::Text => "Utf8".into(),
            DataType::Bytes => "Binary".into(),
            DataType::Json => "Utf8 (JSON text)".into(),
            DataType::Timestamp => "Timestamp(Microsecond, UTC)".into(),
            DataType::Date => "Date32".into(),
            DataType::Time => "Time64(Microsecond)".into(),
            DataType::Uuid => "FixedSizeBinary(16)".into(),
            DataType::Duration => "Duration(Microsecond)".into(),
        }
    }
}

impl From<kql::ast::TypeKind> for DataType {
    fn from(kind: kql::ast::TypeKind) -> Self {
        use kql::ast::TypeKind as K;
        match kind {
            K::Bool => DataType::Bool,
            K::Int16 => DataType::Int16,
            K::Int32 => DataType::Int32,
            K::Int64 => DataType::Int64,
            K::Float32 => DataType::Float32,
            K::Float64 => DataType::Float64,
            K::Decimal { precision, scale } => DataType::Decimal { precision, scale },
            K::Text => DataType::Text,
            K::Bytes => DataType::Bytes,
            K::Json => DataType::Json,
            K::Timestamp => DataType::Timestamp,
            K::Date => DataType::Date,
            K::Time => DataType::Time,
            K::Uuid => DataType::Uuid,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            DataType::Null => "null",
            DataType::Bool => "bool",
            DataType::Int16 => "int16",
            DataType::Int32 => "int32",
            DataType::Int64 => "int64",
            DataType::Float32 => "float32",
            DataType::Float64 => "float64",
            DataType::Decimal { precision, scale } => {
                return write!(f, "decimal({precision}, {scale})");
            }
            DataType::Text => "text",
            DataType::Bytes => "bytes",
            DataType::Json => "json",
            DataType::Timestamp => "timestamp",
            DataType::Date => "date",
            DataType::Time => "time",
            DataType::Uuid => "uuid",
            DataType::Duration => "duration",
        };
        f.write_str(name)
    }
}

impl FromStr for DataType {
    type Err = String;

    /// Parses a type as KQL spells it, aliases (`int`, `float`, `string`) included.
    fn from_str(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix("decimal") {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("`{t}`: write decimal(precision, scale)"))?;
            let (p, s) = inner
                .split_once(',')
                .ok_or_else(|| format!("`{t}`: write decimal(precision, scale)"))?;
            let p: u8 = p
                .trim()
                .parse()
                .map_err(|_| format!("`{t}`: bad precision"))?;
            let s: u8 = s.trim().parse().map_err(|_| format!("`{t}`: bad scale"))?;
            return DataType::decimal(p, s)
                .ok_or_else(|| format!("`{t}`: precision must be 1–38 and scale ≤ precision"));
        }
        let ty = match t {
            "null" => DataType::Null,
            "bool" => DataType::Bool,
            "int16" => DataType::Int16,
            "int32" => DataType::Int32,
            "int64" | "int" => DataType::Int64,
            "float32" => DataType::Float32,
            "float64" | "float" => DataType::Float64,
            "text" | "string" => DataType::Text,
            "bytes" => DataType::Bytes,
            "json" => DataType::Json,
            "timestamp" => DataType::Timestamp,
            "date" => DataType::Date,
            "time" => DataType::Time,
            "uuid" => DataType::Uuid,
            "duration" => DataType::Duration,
            _ => return Err(format!("unknown type `{t}`")),
        };
        Ok(ty)
    }
}

impl TryFrom<String> for DataType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<DataType> for String {
    fn from(ty: DataType) -> String {
        ty.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::DataType::*;
    use super::*;

    #[test]
    fn widening_is_one_way() {
        assert!(Int32.widens_to(Int64));
        assert!(!Int64.widens_to(Int32));
        assert!(Date.widens_to(Timestamp));
        assert!(!Text.widens_to(Int64));
        assert!(Null.widens_to(Uuid));
    }

    #[test]
    fn common_type_of_numbers() {
        assert_eq!(DataType::common(Int16, Int64), Some(Int64));
        assert_eq!(DataType::common(Int64, Float64), Some(Float64));
        assert_eq!(DataType::common(Float32, Int64), Some(Float64));
        assert_eq!(DataType::common(Text, Int64), None);
        assert_eq!(
            DataType::common(
                DataType::decimal(10, 2).unwrap(),
                DataType::decimal(5, 4).unwrap()
            ),
            DataType::decimal(12, 4)
        );
        // An integer keeps all its digits next to a decimal.
        let d = |p, s| DataType::decimal(p, s).unwrap();
        assert!(!Int32.widens_to(d(10, 2)));
        assert!(Int32.widens_to(d(12, 2)));
        assert!(Int16.widens_to(d(7, 2)));
        assert_eq!(DataType::common(Int32, d(10, 2)), Some(d(12, 2)));
        assert_eq!(DataType::common(d(10, 2), Int64), Some(d(21, 2)));
        assert_eq!(DataType::common(Int16, d(10, 2)), Some(d(10, 2)));
        assert_eq!(DataType::common(Int64, d(38, 30)), Some(d(38, 30)));
    }

    #[test]
    fn decimal_arithmetic_types() {
        use crate::bytecode::BinaryOp as Op;
        let d = |p, s| DataType::decimal(p, s).unwrap();
        assert_eq!(Op::Add.decimal_type((10, 2), (10, 2)), d(11, 2));
        assert_eq!(Op::Sub.decimal_type((10, 2), (5, 4)), d(13, 4));
        assert_eq!(Op::Mul.decimal_type((10, 2), (10, 2)), d(20, 4));
        assert_eq!(Op::Mul.decimal_type((10, 2), (1, 1)), d(11, 3));
        assert_eq!(Op::Div.decimal_type((10, 2), (1, 0)), d(24, 16));
        assert_eq!(Op::Rem.decimal_type((10, 2), (1, 0)), d(3, 2));
        // Past 38 digits the scale gives way first, down to the operands' scale.
        assert_eq!(Op::Mul.decimal_type((38, 10), (38, 10)), d(38, 10));
        assert_eq!(Op::Mul.decimal_type((20, 10), (20, 10)), d(38, 18));
        assert_eq!(Op::Add.decimal_type((38, 0), (38, 0)), d(38, 0));
    }

    #[test]
    fn spelling_round_trips() {
        let mut all = DataType::SIMPLE.to_vec();
        all.push(DataType::decimal(10, 2).unwrap());
        for ty in all {
            assert_eq!(ty.to_string().parse::<DataType>(), Ok(ty));
        }
        assert_eq!("string".parse::<DataType>(), Ok(Text));
        assert!("decimal(40, 2)".parse::<DataType>().is_err());
        assert!("varchar".parse::<DataType>().is_err());
    }

    #[test]
    fn tags_are_distinct() {
        let mut tags: Vec<u8> = DataType::SIMPLE.iter().map(|t| t.tag()).collect();
        tags.push(DataType::decimal(3, 1).unwrap().tag());
        let n = tags.len();
        tags.dedup();
        assert_eq!(tags.len(), n);
    }
}
