//! Results as protocol messages. A statement's emitted batches are coalesced into
//! `Batch` messages of about a megabyte (one Arrow IPC stream each, split further so
//! no message nears the frame limit); a query whose rows were all filtered away
//! still sends its schema (an IPC stream without batches), so a client can show
//! column names. With `FEATURE_COMPACT_ROWS`, a result of exactly one row travels as
//! one `Row` message instead. A subscription's batches become `Change` messages.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use kalavar_protocol::{ChangeKind, ServerMessage, Value};

use crate::vm::Output;
use crate::vm::error::{ExecError, Result};

/// Sends a message to the client; fails when the session is gone.
pub type Send<'a> = &'a mut dyn FnMut(ServerMessage) -> Result<()>;

/// Bytes of batches held before they are sent.
const COALESCE_BYTES: usize = 1 << 20;
/// An encoded stream larger than this is split.
const MAX_STREAM_BYTES: usize = 8 << 20;

/// Encodes batches as one IPC stream, splitting them into several streams when the
/// encoding gets large.
pub fn encode(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<Vec<u8>>> {
    let bytes = kalavar_protocol::ipc::encode_batches(schema, batches)
        .map_err(|e| ExecError::internal(format!("Arrow IPC: {e}")))?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if bytes.len() <= MAX_STREAM_BYTES || rows <= 1 {
        return Ok(vec![bytes]);
    }
    let mut parts = Vec::new();
    for b in batches {
        if b.num_rows() <= 1 {
            parts.extend(encode(schema, std::slice::from_ref(b))?);
            continue;
        }
        let half = b.num_rows() / 2;
        parts.extend(encode(schema, &[b.slice(0, half)])?);
        parts.extend(encode(schema, &[b.slice(half, b.num_rows() - half)])?);
    }
    Ok(parts)
}

/// The column names and KQL types a compact `Row` answer of `schema` carries.
pub fn row_columns(schema: &SchemaRef) -> Vec<(String, String)> {
    schema
        .fields()
        .iter()
        .map(|f| {
            let t = crate::vm::types::from_arrow(f.data_type());
            let json = f
                .metadata()
                .get("ARROW:extension:name")
                .is_some_and(|n| n == "arrow.json");
            let ty = if json {
                "json".to_owned()
            } else {
                t.to_string()
            };
            (f.name().clone(), ty)
        })
        .collect()
}

/// A statement's results for one request.
pub struct ResultSink<'a> {
    request: u32,
    compact: bool,
    send: Send<'a>,
    pending: Vec<RecordBatch>,
    pending_bytes: usize,
    schema: Option<SchemaRef>,
    sent: bool,
    rows: u64,
    empty_schema: Option<SchemaRef>,
}

impl<'a> ResultSink<'a> {
    pub fn new(request: u32, compact: bool, send: Send<'a>) -> Self {
        ResultSink {
            request,
            compact,
            send,
            pending: Vec::new(),
            pending_bytes: 0,
            schema: None,
            sent: false,
            rows: 0,
            empty_schema: None,
        }
    }

    fn flush(&mut self) -> Result<()> {
        let Some(schema) = self.schema.clone() else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        for arrow_ipc in encode(&schema, &self.pending)? {
            (self.send)(ServerMessage::Batch {
                request: self.request,
                arrow_ipc,
            })?;
        }
        self.pending.clear();
        self.pending_bytes = 0;
        self.sent = true;
        Ok(())
    }

    /// Ends the request: `Row` for a compact one-row answer, else the remaining
    /// batches and `Complete`.
    pub fn finish(mut self, rows_affected: u64) -> Result<()> {
        if self.compact
            && !self.sent
            && self.rows == 1
            && rows_affected == 0
            && let (Some(schema), [b]) = (&self.schema, self.pending.as_slice())
        {
            let columns = row_columns(schema);
            let values = b
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(a, f)| cell(a.as_ref(), f))
                .collect::<Result<Vec<_>>>()?;
            return (self.send)(ServerMessage::Row {
                request: self.request,
                columns,
                values,
            });
        }
        self.flush()?;
        if !self.sent
            && let Some(schema) = self.empty_schema.take()
        {
            let arrow_ipc = encode(&schema, &[])?.pop().unwrap_or_default();
            (self.send)(ServerMessage::Batch {
                request: self.request,
                arrow_ipc,
            })?;
        }
        (self.send)(ServerMessage::Complete {
            request: self.request,
            rows_affected,
        })
    }
}

impl Output for ResultSink<'_> {
    fn emit(&mut self, batch: &RecordBatch, _change: Option<ChangeKind>) -> Result<()> {
        if self.schema.as_ref() != Some(&batch.schema()) {
            self.flush()?;
            self.schema = Some(batch.schema());
        }
        self.rows += batch.num_rows() as u64;
        self.pending_bytes += crate::vm::types::batch_bytes(batch);
        self.pending.push(batch.clone());
        if self.pending_bytes >= COALESCE_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn empty(&mut self, schema: &SchemaRef) {
        if self.empty_schema.is_none() {
            self.empty_schema = Some(schema.clone());
        }
    }
}

/// One cell of a compact row.
fn cell(a: &dyn arrow_array::Array, f: &arrow_schema::Field) -> Result<Value> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    use arrow_schema::DataType as A;
    if a.is_null(0) {
        return Ok(Value::Null);
    }
    Ok(match f.data_type() {
        A::Boolean => Value::Bool(a.as_boolean().value(0)),
        A::Int16 => Value::Int(i64::from(a.as_primitive::<Int16Type>().value(0))),
        A::Int32 => Value::Int(i64::from(a.as_primitive::<Int32Type>().value(0))),
        A::Int64 => Value::Int(a.as_primitive::<Int64Type>().value(0)),
        A::Float32 => Value::Float(f64::from(a.as_primitive::<Float32Type>().value(0))),
        A::Float64 => Value::Float(a.as_primitive::<Float64Type>().value(0)),
        A::Decimal128(p, s) => Value::Decimal {
            unscaled: a.as_primitive::<Decimal128Type>().value(0),
            precision: *p,
            scale: (*s).max(0) as u8,
        },
        A::Utf8 => {
            let s = a.as_string::<i32>().value(0).to_owned();
            if f.metadata()
                .get("ARROW:extension:name")
                .is_some_and(|n| n == "arrow.json")
            {
                Value::Json(s)
            } else {
                Value::Text(s)
            }
        }
        A::Binary => Value::Bytes(a.as_binary::<i32>().value(0).to_vec()),
        A::Timestamp(..) => Value::Timestamp(a.as_primitive::<TimestampMicrosecondType>().value(0)),
        A::Date32 => Value::Date(a.as_primitive::<Date32Type>().value(0)),
        A::Time64(_) => Value::Time(a.as_primitive::<Time64MicrosecondType>().value(0)),
        A::Duration(_) => Value::Duration(a.as_primitive::<DurationMicrosecondType>().value(0)),
        A::FixedSizeBinary(16) => {
            let mut u = [0u8; 16];
            u.copy_from_slice(a.as_fixed_size_binary().value(0));
            Value::Uuid(u)
        }
        A::Null => Value::Null,
        other => {
            return Err(ExecError::internal(format!(
                "a result column of type {other}"
            )));
        }
    })
}

/// A subscription's batches, as `Change` messages.
pub struct ChangeSink<'a> {
    pub subscription: u64,
    pub send: Send<'a>,
}

impl Output for ChangeSink<'_> {
    fn emit(&mut self, batch: &RecordBatch, change: Option<ChangeKind>) -> Result<()> {
        let kind = change.unwrap_or(ChangeKind::Insert);
        for arrow_ipc in encode(&batch.schema(), std::slice::from_ref(batch))? {
            (self.send)(ServerMessage::Change {
                subscription: self.subscription,
                kind,
                arrow_ipc,
            })?;
        }
        Ok(())
    }
}
