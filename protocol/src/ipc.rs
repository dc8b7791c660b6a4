//! Result rows on the wire: each `Batch` and `Change` message carries one Arrow IPC
//! stream (a schema message, then record batches, then the end marker). These helpers
//! are the only place either side writes or reads it.

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, Schema, SchemaRef};

/// Encodes batches that share `schema` as one IPC stream.
pub fn encode_batches(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>, ArrowError> {
    let mut out = Vec::new();
    {
        let mut writer = StreamWriter::try_new(&mut out, schema)?;
        for batch in batches {
            writer.write(batch)?;
        }
        writer.finish()?;
    }
    Ok(out)
}

/// Decodes one IPC stream into its batches.
pub fn decode_batches(bytes: &[u8]) -> Result<Vec<RecordBatch>, ArrowError> {
    StreamReader::try_new(bytes, None)?.collect()
}

/// Decodes an Arrow IPC stream with its schema, which a stream of no batches (a
/// result with no rows) still carries.
pub fn decode_stream(bytes: &[u8]) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
    let reader = StreamReader::try_new(bytes, None)?;
    let schema = reader.schema();
    Ok((schema, reader.collect::<Result<_, _>>()?))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{DataType, Field};

    use super::*;

    #[test]
    fn a_stream_of_no_batches_keeps_its_schema() {
        let schema = Schema::new(vec![Field::new("id", DataType::Int64, false)]);
        let bytes = encode_batches(&schema, &[]).unwrap();
        let (back, batches) = decode_stream(&bytes).unwrap();
        assert!(batches.is_empty());
        assert_eq!(back.as_ref(), &schema);
    }

    #[test]
    fn batches_round_trip_and_garbage_is_an_error() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(StringArray::from(vec![Some("a"), None])),
            ],
        )
        .unwrap();
        let bytes = encode_batches(&schema, std::slice::from_ref(&batch)).unwrap();
        assert_eq!(decode_batches(&bytes).unwrap(), vec![batch]);
        assert!(decode_batches(b"not arrow").is_err());
    }
}
