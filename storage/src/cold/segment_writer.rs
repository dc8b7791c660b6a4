//! Writing one Parquet segment: rows sorted by key, every column nullable (tombstone
//! rows are all-null), three hidden columns (`__key` binary, `__seq` uint64,
//! `__deleted` bool), zstd without dictionaries, row groups and small pages with
//! page-level statistics, and a bloom filter on `__key`. Data columns carry their stable id as field metadata
//! (`kalavar.column_id`), so renames and drops never confuse old files.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::manifest::{ColumnStats, SegmentMeta};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, StorageError};
use crate::options::SegmentOptions;
use crate::types::{DataType, ScalarValue};

pub(crate) const KEY_COL: &str = "__key";
pub(crate) const SEQ_COL: &str = "__seq";
pub(crate) const DELETED_COL: &str = "__deleted";
pub(crate) const COLUMN_ID_META: &str = "kalavar.column_id";

/// The Arrow schema of a segment written for the table's current columns.
pub(crate) fn segment_schema(def: &TableDef) -> SchemaRef {
    let mut fields: Vec<Field> = def.columns.iter().map(data_field).collect();
    fields.push(Field::new(KEY_COL, ArrowType::Binary, false));
    fields.push(Field::new(SEQ_COL, ArrowType::UInt64, false));
    fields.push(Field::new(DELETED_COL, ArrowType::Boolean, false));
    Arc::new(Schema::new(fields))
}

fn data_field(c: &ColumnDef) -> Field {
    let f = c.data_type.to_field(&c.name, true);
    let mut meta = f.metadata().clone();
    meta.insert(COLUMN_ID_META.to_string(), c.id.0.to_string());
    f.with_metadata(meta)
}

fn min_max(array: &dyn Array, dt: &DataType) -> (Option<ScalarValue>, Option<ScalarValue>) {
    use ScalarValue as S;
    use arrow_arith::aggregate as agg;
    macro_rules! prim {
        ($t:ty, $wrap:expr) => {{
            let a = array.as_primitive::<$t>();
            (agg::min(a).map($wrap), agg::max(a).map($wrap))
        }};
    }
    match dt {
        DataType::Bool => {
            let a = array.as_boolean();
            (
                agg::min_boolean(a).map(S::Bool),
                agg::max_boolean(a).map(S::Bool),
            )
        }
        DataType::Int16 => prim!(Int16Type, S::Int16),
        DataType::Int32 => prim!(Int32Type, S::Int32),
        DataType::Int64 => prim!(Int64Type, S::Int64),
        DataType::Date => prim!(Date32Type, S::Date),
        DataType::Timestamp => prim!(TimestampMicrosecondType, S::Timestamp),
        DataType::Time => prim!(Time64MicrosecondType, S::Time),
        // Float statistics are left out: NaN ordering differs between writers and
        // readers, and a wrong statistic would hide rows.
        DataType::Float32 | DataType::Float64 => (None, None),
        DataType::Decimal(p, s) => {
            let (p, s) = (*p, *s);
            prim!(Decimal128Type, |v| S::Decimal(v, p, s))
        }
        DataType::Text | DataType::Json => {
            let a = array.as_string::<i32>();
            let wrap = |v: &str| {
                if *dt == DataType::Json {
                    S::Json(v.to_string())
                } else {
                    S::Text(v.to_string())
                }
            };
            (agg::min_string(a).map(wrap), agg::max_string(a).map(wrap))
        }
        DataType::Bytes => {
            let a = array.as_binary::<i32>();
            (
                agg::min_binary(a).map(|v| S::Bytes(v.to_vec())),
                agg::max_binary(a).map(|v| S::Bytes(v.to_vec())),
            )
        }
        DataType::Uuid => {
            let a = array.as_fixed_size_binary();
            let to = |v: &[u8]| {
                let mut u = [0u8; 16];
                u.copy_from_slice(v);
                S::Uuid(u)
            };
            (
                agg::min_fixed_size_binary(a).map(to),
                agg::max_fixed_size_binary(a).map(to),
            )
        }
    }
}

/// Writes `batch` (schema from [`segment_schema`], sorted by `__key`, unique keys) to
/// `path` and fsyncs it. Returns the segment's manifest entry.
pub(crate) fn write_segment(
    path: &Path,
    id: u64,
    def: &TableDef,
    batch: &RecordBatch,
    opts: &SegmentOptions,
    sync: bool,
) -> Result<SegmentMeta> {
    let rows = batch.num_rows();
    debug_assert!(rows > 0);
    let ncols = def.columns.len();
    let key = batch.column(ncols).as_binary::<i32>();
    let seq = batch.column(ncols + 1).as_primitive::<UInt64Type>();
    let deleted = batch.column(ncols + 2).as_boolean();
    let mut columns = Vec::with_capacity(ncols);
    for (i, c) in def.columns.iter().enumerate() {
        let a = batch.column(i);
        let (min, max) = min_max(a.as_ref(), &c.data_type);
        columns.push(ColumnStats {
            id: c.id.0,
            name: c.name.clone(),
            min,
            max,
            nulls: a.null_count() as u64,
        });
    }
    let key_path = ColumnPath::from(KEY_COL);
    let props = WriterProperties::builder()
        .set_compression(if opts.compress {
            Compression::ZSTD(ZstdLevel::try_new(opts.zstd_level).map_err(StorageError::from)?)
        } else {
            Compression::UNCOMPRESSED
        })
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_data_page_row_count_limit(opts.page_rows.max(1))
        .set_write_batch_size(opts.page_rows.clamp(1, 1024))
        .set_statistics_enabled(EnabledStatistics::Page)
        // No dictionaries: a point lookup would have to decode a column chunk's whole
        // dictionary page to read one row; zstd recovers most of the space.
        .set_dictionary_enabled(false)
        .set_column_bloom_filter_enabled(key_path.clone(), true)
        .set_column_bloom_filter_fpp(key_path.clone(), 0.01)
        .set_column_bloom_filter_max_ndv(key_path, rows as u64)
        .build();
    let file = File::create(path).map_err(|e| StorageError::io(path, e))?;
    let at = |e| crate::error::parquet_at(path, e);
    let mut writer =
        ArrowWriter::try_new(BufWriter::new(file), batch.schema(), Some(props)).map_err(at)?;
    writer.write(batch).map_err(at)?;
    let buf = writer.into_inner().map_err(at)?;
    let file = buf
        .into_inner()
        .map_err(|e| StorageError::io(path, e.into_error()))?;
    if sync {
        file.sync_all().map_err(|e| StorageError::io(path, e))?;
    }
    let bytes = file
        .metadata()
        .map_err(|e| StorageError::io(path, e))?
        .len();
    let (min_seq, max_seq) = (
        arrow_arith::aggregate::min(seq).unwrap_or(0),
        arrow_arith::aggregate::max(seq).unwrap_or(0),
    );
    Ok(SegmentMeta {
        id,
        file: path
            .file_name()
            .expect("segment paths have a name")
            .to_string_lossy()
            .into_owned(),
        rows: rows as u64,
        tombstones: deleted.true_count() as u64,
        bytes,
        min_key: key.value(0).to_vec(),
        max_key: key.value(rows - 1).to_vec(),
        min_seq,
        max_seq,
        schema_version: def.schema_version,
        columns,
    })
}

/// Maps a segment file's Arrow schema: column id → field index, plus the hidden columns.
pub(crate) struct SegmentColumns {
    pub by_id: HashMap<u32, usize>,
    pub key: usize,
    pub seq: usize,
    pub deleted: usize,
}

impl SegmentColumns {
    pub(crate) fn of(schema: &Schema, path: &Path) -> Result<SegmentColumns> {
        let mut by_id = HashMap::new();
        let (mut key, mut seq, mut deleted) = (None, None, None);
        for (i, f) in schema.fields().iter().enumerate() {
            match f.name().as_str() {
                KEY_COL => key = Some(i),
                SEQ_COL => seq = Some(i),
                DELETED_COL => deleted = Some(i),
                _ => {
                    if let Some(id) = f
                        .metadata()
                        .get(COLUMN_ID_META)
                        .and_then(|v| v.parse::<u32>().ok())
                    {
                        by_id.insert(id, i);
                    }
                }
            }
        }
        match (key, seq, deleted) {
            (Some(key), Some(seq), Some(deleted)) => Ok(SegmentColumns {
                by_id,
                key,
                seq,
                deleted,
            }),
            _ => Err(StorageError::corrupt(format!(
                "segment {} lacks the hidden __key/__seq/__deleted columns",
                path.display()
            ))),
        }
    }
}
