//! The compact one-row answer (`Row`, with `FEATURE_COMPACT_ROWS`): column names,
//! their KQL types and one typed value each, turned into the same one-row Arrow
//! batch a `Batch` answer would have carried, with the Arrow types the server uses
//! for those KQL types.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DurationMicrosecondArray,
    FixedSizeBinaryArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    NullArray, RecordBatch, StringArray, Time64MicrosecondArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType as Arrow, Field, Schema, SchemaRef, TimeUnit};
use kalavar_protocol::Value;
use kql_compiler::types::DataType;

use super::error::ClientError;

/// The Arrow type the server sends a KQL type as.
pub fn arrow_type(ty: DataType) -> Arrow {
    match ty {
        DataType::Null => Arrow::Null,
        DataType::Bool => Arrow::Boolean,
        DataType::Int16 => Arrow::Int16,
        DataType::Int32 => Arrow::Int32,
        DataType::Int64 => Arrow::Int64,
        DataType::Float32 => Arrow::Float32,
        DataType::Float64 => Arrow::Float64,
        DataType::Decimal { precision, scale } => Arrow::Decimal128(precision, scale as i8),
        DataType::Text | DataType::Json => Arrow::Utf8,
        DataType::Bytes => Arrow::Binary,
        DataType::Timestamp => Arrow::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        DataType::Date => Arrow::Date32,
        DataType::Time => Arrow::Time64(TimeUnit::Microsecond),
        DataType::Uuid => Arrow::FixedSizeBinary(16),
        DataType::Duration => Arrow::Duration(TimeUnit::Microsecond),
    }
}

fn bad(m: String) -> ClientError {
    ClientError::Protocol(format!("row answer: {m}"))
}

/// The one-row batch of a `Row` answer.
pub fn row_batch(
    columns: &[(String, String)],
    values: &[Value],
) -> Result<RecordBatch, ClientError> {
    RowShape::new(columns)?.batch(values)
}

/// The columns of a `Row` answer, parsed: a connection keeps the last one, since a
/// prepared statement's answers all have the same columns.
#[derive(Debug, Clone)]
pub(super) struct RowShape {
    columns: Vec<(String, String)>,
    types: Vec<DataType>,
    schema: SchemaRef,
}

impl RowShape {
    pub(super) fn new<N: AsRef<str>, T: AsRef<str>>(
        columns: &[(N, T)],
    ) -> Result<RowShape, ClientError> {
        let mut fields = Vec::with_capacity(columns.len());
        let mut types = Vec::with_capacity(columns.len());
        for (name, ty) in columns {
            let (name, ty) = (name.as_ref(), ty.as_ref());
            let parsed: DataType = ty
                .parse()
                .map_err(|_| bad(format!("column `{name}` has unknown type `{ty}`")))?;
            fields.push(Field::new(name, arrow_type(parsed), true));
            types.push(parsed);
        }
        Ok(RowShape {
            columns: columns
                .iter()
                .map(|(n, t)| (n.as_ref().to_owned(), t.as_ref().to_owned()))
                .collect(),
            types,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// Whether a `Row` answer with `columns` has this shape.
    pub(super) fn fits<N: AsRef<str>, T: AsRef<str>>(&self, columns: &[(N, T)]) -> bool {
        self.columns.len() == columns.len()
            && self
                .columns
                .iter()
                .zip(columns)
                .all(|((a, b), (n, t))| a == n.as_ref() && b == t.as_ref())
    }

    /// The Arrow schema of the batch.
    pub(super) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Whether `values` make a row of this shape ([`RowShape::batch`] builds it
    /// then), without building it.
    pub(super) fn check(&self, values: &[Value]) -> Result<(), ClientError> {
        if self.types.len() != values.len() {
            return Err(bad(format!(
                "{} columns but {} values",
                self.types.len(),
                values.len()
            )));
        }
        for ((ty, value), (name, _)) in self.types.iter().zip(values).zip(&self.columns) {
            if !fits(*ty, value) {
                return Err(bad(format!(
                    "column `{name}` is {ty}, the value {value:?} is not"
                )));
            }
        }
        Ok(())
    }

    /// The one-row batch of `values` in this shape.
    pub(super) fn batch(&self, values: &[Value]) -> Result<RecordBatch, ClientError> {
        self.check(values)?;
        let mut arrays = Vec::with_capacity(values.len());
        for ((ty, value), (name, _)) in self.types.iter().zip(values).zip(&self.columns) {
            let array = one(*ty, value).ok_or_else(|| {
                bad(format!(
                    "column `{name}` is {ty}, the value {value:?} is not"
                ))
            })?;
            arrays.push(array);
        }
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| bad(e.to_string()))
    }
}

/// Whether [`one`] makes an array of `value` for `ty`.
fn fits(ty: DataType, value: &Value) -> bool {
    if let DataType::Decimal { precision, scale } = ty
        && Decimal128Array::from(vec![None::<i128>])
            .with_precision_and_scale(precision, scale as i8)
            .is_err()
    {
        // A precision and scale no array takes, whatever the value.
        return false;
    }
    match (ty, value) {
        (_, Value::Null) | (DataType::Null, _) => true,
        (DataType::Bool, Value::Bool(_)) => true,
        (DataType::Int16, Value::Int(i)) => i16::try_from(*i).is_ok(),
        (DataType::Int32, Value::Int(i)) => i32::try_from(*i).is_ok(),
        (DataType::Int64, Value::Int(_)) => true,
        (DataType::Float32 | DataType::Float64, Value::Float(_)) => true,
        (DataType::Text | DataType::Json, Value::Text(_) | Value::Json(_)) => true,
        (DataType::Bytes, Value::Bytes(_)) => true,
        (DataType::Timestamp, Value::Timestamp(_)) => true,
        (DataType::Date, Value::Date(_)) => true,
        (DataType::Time, Value::Time(_)) => true,
        (DataType::Duration, Value::Duration(_) | Value::Int(_)) => true,
        (DataType::Uuid, Value::Uuid(_)) => true,
        (DataType::Decimal { .. }, Value::Decimal { .. }) => true,
        _ => false,
    }
}

/// A one-element array of type `ty` holding `value` (null for `Value::Null`), or
/// `None` when the value does not fit the type.
fn one(ty: DataType, value: &Value) -> Option<ArrayRef> {
    macro_rules! single {
        ($array:ty, $pattern:pat => $out:expr) => {{
            let v = match value {
                Value::Null => None,
                $pattern => Some($out),
                _ => return None,
            };
            Arc::new(<$array>::from(vec![v])) as ArrayRef
        }};
    }
    Some(match ty {
        DataType::Null => Arc::new(NullArray::new(1)),
        DataType::Bool => single!(BooleanArray, Value::Bool(b) => *b),
        DataType::Int16 => single!(Int16Array, Value::Int(i) => i16::try_from(*i).ok()?),
        DataType::Int32 => single!(Int32Array, Value::Int(i) => i32::try_from(*i).ok()?),
        DataType::Int64 => single!(Int64Array, Value::Int(i) => *i),
        DataType::Float32 => single!(Float32Array, Value::Float(f) => *f as f32),
        DataType::Float64 => single!(Float64Array, Value::Float(f) => *f),
        DataType::Text | DataType::Json => {
            single!(StringArray, Value::Text(s) | Value::Json(s) => s.as_str())
        }
        DataType::Bytes => single!(BinaryArray, Value::Bytes(b) => b.as_slice()),
        DataType::Timestamp => Arc::new(
            TimestampMicrosecondArray::from(vec![match value {
                Value::Null => None,
                Value::Timestamp(t) => Some(*t),
                _ => return None,
            }])
            .with_timezone("UTC"),
        ),
        DataType::Date => single!(Date32Array, Value::Date(d) => *d),
        DataType::Time => single!(Time64MicrosecondArray, Value::Time(t) => *t),
        DataType::Duration => {
            single!(DurationMicrosecondArray, Value::Duration(d) | Value::Int(d) => *d)
        }
        DataType::Uuid => {
            let v = match value {
                Value::Null => None,
                Value::Uuid(u) => Some(u.to_vec()),
                _ => return None,
            };
            Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(std::iter::once(v), 16)
                    .ok()?,
            )
        }
        DataType::Decimal { precision, scale } => {
            let v = match value {
                Value::Null => None,
                Value::Decimal { unscaled, .. } => Some(*unscaled),
                _ => return None,
            };
            Arc::new(
                Decimal128Array::from(vec![v])
                    .with_precision_and_scale(precision, scale as i8)
                    .ok()?,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::QueryResult;

    #[test]
    fn a_row_answer_becomes_a_one_row_batch() {
        let batch = row_batch(
            &[
                ("id".into(), "int64".into()),
                ("body".into(), "text".into()),
                ("price".into(), "decimal(10, 2)".into()),
                ("at".into(), "timestamp".into()),
            ],
            &[
                Value::Int(7),
                Value::Null,
                Value::Decimal {
                    unscaled: 1234,
                    precision: 10,
                    scale: 2,
                },
                Value::Timestamp(0),
            ],
        )
        .unwrap();
        let result = QueryResult::new(Some(batch.schema()), vec![batch]);
        assert_eq!(
            result.rows(),
            vec![vec!["7", "null", "12.34", "1970-01-01T00:00:00Z"]]
        );
    }

    #[test]
    fn a_row_checks_exactly_when_its_batch_builds() {
        let types = [
            "null",
            "bool",
            "int16",
            "int32",
            "int64",
            "float32",
            "float64",
            "decimal(10, 2)",
            "decimal(38, 0)",
            "text",
            "json",
            "bytes",
            "timestamp",
            "date",
            "time",
            "uuid",
            "duration",
        ];
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Int(7),
            Value::Int(1 << 20),
            Value::Int(1 << 40),
            Value::Float(1.5),
            Value::Text("x".into()),
            Value::Json("{}".into()),
            Value::Bytes(vec![1]),
            Value::Timestamp(1),
            Value::Date(2),
            Value::Time(3),
            Value::Duration(4),
            Value::Uuid([9; 16]),
            Value::Decimal {
                unscaled: 1234,
                precision: 10,
                scale: 2,
            },
        ];
        for ty in types {
            let ty: DataType = ty.parse().unwrap();
            for v in &values {
                assert_eq!(fits(ty, v), one(ty, v).is_some(), "{ty} {v:?}");
            }
        }
        // A decimal type no array takes fails whatever the value, null included.
        let bad_decimal = DataType::Decimal {
            precision: 40,
            scale: 2,
        };
        for v in &values {
            assert_eq!(fits(bad_decimal, v), one(bad_decimal, v).is_some(), "{v:?}");
        }
    }

    #[test]
    fn a_compact_answer_is_counted_without_its_batch_and_built_on_demand() {
        let cols = [
            ("v".to_owned(), "int64".to_owned()),
            ("pad".to_owned(), "text".to_owned()),
        ];
        let shape = Arc::new(RowShape::new(&cols).unwrap());
        let mut r = QueryResult::default();
        r.set_row(shape.clone(), vec![Value::Int(5), Value::Text("p".into())])
            .unwrap();
        assert_eq!(r.num_rows(), 1);
        assert_eq!(r.columns(), ["v", "pad"]);
        assert_eq!(r.rows(), vec![vec!["5", "p"]]);
        assert_eq!(r.batches().len(), 1);
        assert!(Arc::ptr_eq(&r.batches()[0].schema(), shape.schema()));
        let copy = r.clone();
        assert_eq!(copy.rows(), r.rows());
        // Values that do not fit are refused when the answer arrives.
        let mut bad = QueryResult::default();
        assert!(
            bad.set_row(shape.clone(), vec![Value::Text("5".into()), Value::Null])
                .is_err()
        );
        assert!(bad.set_row(shape, vec![Value::Int(5)]).is_err());
    }

    #[test]
    fn mismatches_are_protocol_errors() {
        let cols = [("n".to_owned(), "int16".to_owned())];
        assert!(row_batch(&cols, &[Value::Int(1 << 20)]).is_err());
        assert!(row_batch(&cols, &[Value::Text("1".into())]).is_err());
        assert!(row_batch(&cols, &[]).is_err());
        assert!(row_batch(&[("n".into(), "int65".into())], &[Value::Null]).is_err());
    }

    #[test]
    fn a_kept_shape_serves_answers_with_the_same_columns_only() {
        let cols = [
            ("v".to_owned(), "int64".to_owned()),
            ("pad".to_owned(), "text".to_owned()),
        ];
        let shape = RowShape::new(&cols).unwrap();
        assert!(shape.fits(&cols));
        assert!(!shape.fits(&[
            ("v".to_owned(), "int32".to_owned()),
            ("pad".to_owned(), "text".to_owned())
        ]));
        assert!(!shape.fits(&cols[..1]));
        let a = shape
            .batch(&[Value::Int(1), Value::Text("x".into())])
            .unwrap();
        let b = shape.batch(&[Value::Int(2), Value::Null]).unwrap();
        assert!(Arc::ptr_eq(&a.schema(), &b.schema()));
        assert_eq!(
            a.schema(),
            row_batch(&cols, &[Value::Int(1), Value::Null])
                .unwrap()
                .schema()
        );
        assert!(shape.batch(&[Value::Int(1)]).is_err());
        assert!(
            shape
                .batch(&[Value::Text("1".into()), Value::Null])
                .is_err()
        );
    }
}
