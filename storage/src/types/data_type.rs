//! [`DataType`]: the column types the engine stores, and how each maps to Arrow.
//!
//! | type | Arrow |
//! |---|---|
//! | `Bool` | `Boolean` |
//! | `Int16` / `Int32` / `Int64` | `Int16` / `Int32` / `Int64` |
//! | `Float32` / `Float64` | `Float32` / `Float64` |
//! | `Decimal(p, s)` | `Decimal128(p, s)` (1 ≤ p ≤ 38, 0 ≤ s ≤ p) |
//! | `Text` | `Utf8` |
//! | `Bytes` | `Binary` |
//! | `Json` | `Utf8` with field metadata `ARROW:extension:name = arrow.json` |
//! | `Timestamp` | `Timestamp(Microsecond, "UTC")` |
//! | `Date` | `Date32` (days since 1970-01-01) |
//! | `Time` | `Time64(Microsecond)` |
//! | `Uuid` | `FixedSizeBinary(16)` |

use std::collections::HashMap;

use arrow_schema::{DataType as ArrowType, Field, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};

/// The Arrow extension name marking a `Utf8` field as JSON text.
pub const JSON_EXTENSION_NAME: &str = "arrow.json";

/// A column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Fixed-point number: precision (total digits, 1–38) and scale (digits after the point).
    Decimal(u8, i8),
    Text,
    Bytes,
    /// JSON document stored as text.
    Json,
    /// Microseconds since the Unix epoch, UTC.
    Timestamp,
    /// Days since 1970-01-01.
    Date,
    /// Microseconds since midnight.
    Time,
    Uuid,
}

impl DataType {
    /// The Arrow type this column has in record batches.
    pub fn to_arrow(&self) -> ArrowType {
        match self {
            DataType::Bool => ArrowType::Boolean,
            DataType::Int16 => ArrowType::Int16,
            DataType::Int32 => ArrowType::Int32,
            DataType::Int64 => ArrowType::Int64,
            DataType::Float32 => ArrowType::Float32,
            DataType::Float64 => ArrowType::Float64,
            DataType::Decimal(p, s) => ArrowType::Decimal128(*p, *s),
            DataType::Text | DataType::Json => ArrowType::Utf8,
            DataType::Bytes => ArrowType::Binary,
            DataType::Timestamp => ArrowType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Date => ArrowType::Date32,
            DataType::Time => ArrowType::Time64(TimeUnit::Microsecond),
            DataType::Uuid => ArrowType::FixedSizeBinary(16),
        }
    }

    /// An Arrow field of this type (JSON columns carry the extension metadata).
    pub fn to_field(&self, name: &str, nullable: bool) -> Field {
        let field = Field::new(name, self.to_arrow(), nullable);
        if *self == DataType::Json {
            field.with_metadata(HashMap::from([(
                "ARROW:extension:name".to_string(),
                JSON_EXTENSION_NAME.to_string(),
            )]))
        } else {
            field
        }
    }

    /// True when `arrow` is the Arrow type of this column (timestamps must be UTC µs).
    pub fn matches_arrow(&self, arrow: &ArrowType) -> bool {
        match (self, arrow) {
            (DataType::Timestamp, ArrowType::Timestamp(TimeUnit::Microsecond, Some(tz))) => {
                tz.as_ref() == "UTC" || tz.as_ref() == "+00:00"
            }
            _ => &self.to_arrow() == arrow,
        }
    }

    /// Checks parameters (decimal precision and scale).
    pub fn validate(&self) -> Result<()> {
        if let DataType::Decimal(p, s) = self
            && (*p == 0 || *p > 38 || *s < 0 || (*s as u8) > *p)
        {
            return Err(StorageError::invalid(format!(
                "decimal({p}, {s}): precision must be 1..=38 and scale 0..=precision"
            )));
        }
        Ok(())
    }

    /// True when the type may be part of a primary key (everything but JSON).
    pub fn can_be_key(&self) -> bool {
        !matches!(self, DataType::Json)
    }

    /// The name used in messages (`int64`, `decimal(10,2)`, …).
    pub fn name(&self) -> String {
        match self {
            DataType::Bool => "bool".into(),
            DataType::Int16 => "int16".into(),
            DataType::Int32 => "int32".into(),
            DataType::Int64 => "int64".into(),
            DataType::Float32 => "float32".into(),
            DataType::Float64 => "float64".into(),
            DataType::Decimal(p, s) => format!("decimal({p},{s})"),
            DataType::Text => "text".into(),
            DataType::Bytes => "bytes".into(),
            DataType::Json => "json".into(),
            DataType::Timestamp => "timestamp".into(),
            DataType::Date => "date".into(),
            DataType::Time => "time".into(),
            DataType::Uuid => "uuid".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_mapping_and_validation() {
        assert_eq!(
            DataType::Timestamp.to_arrow(),
            ArrowType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        assert_eq!(DataType::Uuid.to_arrow(), ArrowType::FixedSizeBinary(16));
        let f = DataType::Json.to_field("doc", true);
        assert_eq!(f.data_type(), &ArrowType::Utf8);
        assert_eq!(
            f.metadata().get("ARROW:extension:name").map(String::as_str),
            Some(JSON_EXTENSION_NAME)
        );
        assert!(DataType::Decimal(10, 2).validate().is_ok());
        assert!(DataType::Decimal(39, 2).validate().is_err());
        assert!(DataType::Decimal(5, 6).validate().is_err());
        assert!(!DataType::Json.can_be_key());
    }
}
