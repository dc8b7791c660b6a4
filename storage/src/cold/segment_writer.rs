//! Writing one Parquet segment: rows sorted by key, every column nullable (tombstone
//! rows are all-null), three hidden columns (`__key` binary, `__seq` uint64,
//! `__deleted` bool), PLAIN-encoded (no dictionaries) and compressed with the
//! configured codec (LZ4 by default) — except an integer leading primary-key column,
//! which is sorted and therefore delta-encoded ([`delta_key_column`]) —, row groups and small pages (smaller still for
//! `__key`) with page-level statistics and the page index, and a bloom filter on
//! `__key`. Data columns carry their stable id as field metadata (`kalavar.column_id`),
//! so renames and drops never confuse old files.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::manifest::{ColumnStats, SegmentMeta};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, StorageError};
use crate::options::{SegmentCodec, SegmentOptions};
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

/// The leading primary-key column when it is stored as Parquet INT32/INT64: rows are
/// sorted by key, so its values ascend and `DELTA_BINARY_PACKED` stores them in a few
/// bits each (zero bits for consecutive ids), uncompressed. Scans read this column to
/// find rows shadowed by hot versions; decoding small deltas costs a fraction of
/// decompressing eight PLAIN bytes per row. Point lookups never read it (key columns
/// come from the key asked for; a reader that did would fall back to parquet-rs).
pub(crate) fn delta_key_column(def: &TableDef) -> Option<&ColumnDef> {
    let c = def.column(*def.primary_key.first()?)?;
    matches!(
        c.data_type,
        DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Date
            | DataType::Timestamp
            | DataType::Time
    )
    .then_some(c)
}

/// The writer settings every segment uses: see the module summary.
fn writer_properties(
    def: &TableDef,
    opts: &SegmentOptions,
    rows: usize,
) -> Result<WriterProperties> {
    let key_path = ColumnPath::from(KEY_COL);
    let page_rows = opts.page_rows.max(1);
    let key_page_rows = opts.key_page_rows.max(1);
    let codec = match opts.codec {
        SegmentCodec::None => Compression::UNCOMPRESSED,
        SegmentCodec::Lz4 => Compression::LZ4_RAW,
        SegmentCodec::Zstd(level) => {
            Compression::ZSTD(ZstdLevel::try_new(level).map_err(StorageError::from)?)
        }
    };
    // Page row limits are checked after each write batch, so the batch must not be
    // larger than the smallest page.
    let write_batch = page_rows.min(key_page_rows).clamp(1, 1024);
    // A bloom filter is built per row group and folded to its final size when the
    // row group closes; size it for at most one row group's keys.
    let ndv = rows.min(opts.row_group_rows.max(1)).max(1) as u64;
    let mut b = WriterProperties::builder();
    if let Some(c) = delta_key_column(def) {
        let path = ColumnPath::from(c.name.as_str());
        b = b
            .set_column_encoding(path.clone(), Encoding::DELTA_BINARY_PACKED)
            .set_column_compression(path, Compression::UNCOMPRESSED);
    }
    Ok(b.set_compression(codec)
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_data_page_row_count_limit(page_rows)
        .set_column_data_page_row_count_limit(key_path.clone(), key_page_rows)
        .set_write_batch_size(write_batch)
        .set_statistics_enabled(EnabledStatistics::Page)
        // No dictionaries: a point lookup would have to decode a column chunk's whole
        // dictionary page to read one row.
        .set_dictionary_enabled(false)
        .set_column_bloom_filter_enabled(key_path.clone(), true)
        .set_column_bloom_filter_fpp(key_path.clone(), 0.01)
        .set_column_bloom_filter_max_ndv(key_path, ndv)
        .build())
}

/// Writes one segment from batches handed in key order (schema from
/// [`segment_schema`], keys strictly increasing across batches), keeping only the
/// current row group in memory, and gathers the manifest entry's statistics as it goes.
pub(crate) struct SegmentWriter {
    path: PathBuf,
    id: u64,
    schema_version: u64,
    writer: ArrowWriter<BufWriter<File>>,
    columns: Vec<(ColumnDef, ColumnStats)>,
    rows: u64,
    tombstones: u64,
    min_key: Vec<u8>,
    max_key: Vec<u8>,
    min_seq: u64,
    max_seq: u64,
}

fn widen(
    cur: Option<ScalarValue>,
    new: Option<ScalarValue>,
    keep: std::cmp::Ordering,
) -> Option<ScalarValue> {
    match (cur, new) {
        (Some(c), Some(n)) => Some(if n.compare(&c) == Some(keep) { n } else { c }),
        (c, n) => c.or(n),
    }
}

impl SegmentWriter {
    /// Creates `path` for segment `id` of a table at `def`'s schema.
    pub(crate) fn create(
        path: &Path,
        id: u64,
        def: &TableDef,
        opts: &SegmentOptions,
    ) -> Result<SegmentWriter> {
        let props = writer_properties(def, opts, opts.row_group_rows)?;
        let file = File::create(path).map_err(|e| StorageError::io(path, e))?;
        let writer = ArrowWriter::try_new(BufWriter::new(file), segment_schema(def), Some(props))
            .map_err(|e| crate::error::parquet_at(path, e))?;
        let columns = def
            .columns
            .iter()
            .map(|c| {
                let stats = ColumnStats {
                    id: c.id.0,
                    name: c.name.clone(),
                    min: None,
                    max: None,
                    nulls: 0,
                };
                (c.clone(), stats)
            })
            .collect();
        Ok(SegmentWriter {
            path: path.to_path_buf(),
            id,
            schema_version: def.schema_version,
            writer,
            columns,
            rows: 0,
            tombstones: 0,
            min_key: Vec::new(),
            max_key: Vec::new(),
            min_seq: u64::MAX,
            max_seq: 0,
        })
    }

    /// Rows written so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends a batch whose keys all follow the previous batch's.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(());
        }
        let ncols = self.columns.len();
        let key = batch.column(ncols).as_binary::<i32>();
        let seq = batch.column(ncols + 1).as_primitive::<UInt64Type>();
        let deleted = batch.column(ncols + 2).as_boolean();
        debug_assert!(self.rows == 0 || key.value(0) > self.max_key.as_slice());
        for (i, (c, stats)) in self.columns.iter_mut().enumerate() {
            let a = batch.column(i);
            let (min, max) = min_max(a.as_ref(), &c.data_type);
            stats.min = widen(stats.min.take(), min, std::cmp::Ordering::Less);
            stats.max = widen(stats.max.take(), max, std::cmp::Ordering::Greater);
            stats.nulls += a.null_count() as u64;
        }
        if self.rows == 0 {
            self.min_key = key.value(0).to_vec();
        }
        self.max_key = key.value(n - 1).to_vec();
        self.min_seq = self
            .min_seq
            .min(arrow_arith::aggregate::min(seq).unwrap_or(u64::MAX));
        self.max_seq = self
            .max_seq
            .max(arrow_arith::aggregate::max(seq).unwrap_or(0));
        self.tombstones += deleted.true_count() as u64;
        self.rows += n as u64;
        self.writer
            .write(batch)
            .map_err(|e| crate::error::parquet_at(&self.path, e))
    }

    /// Closes the file, fsyncs it when `sync`, and returns the manifest entry; `None`
    /// (and no file) when no row was written. On error the file is removed.
    pub(crate) fn finish(self, sync: bool) -> Result<Option<SegmentMeta>> {
        let path = self.path.clone();
        let out = self.finish_inner(sync);
        if !matches!(out, Ok(Some(_))) {
            // Best effort: a file left behind is removed at the next open.
            let _ = std::fs::remove_file(&path);
        }
        out
    }

    fn finish_inner(self, sync: bool) -> Result<Option<SegmentMeta>> {
        let path = self.path;
        let at = |e| crate::error::parquet_at(&path, e);
        let buf = self.writer.into_inner().map_err(at)?;
        let file = buf
            .into_inner()
            .map_err(|e| StorageError::io(&path, e.into_error()))?;
        if self.rows == 0 {
            return Ok(None);
        }
        if sync {
            file.sync_all().map_err(|e| StorageError::io(&path, e))?;
        }
        let bytes = file
            .metadata()
            .map_err(|e| StorageError::io(&path, e))?
            .len();
        Ok(Some(SegmentMeta {
            id: self.id,
            file: path
                .file_name()
                .expect("segment paths have a name")
                .to_string_lossy()
                .into_owned(),
            rows: self.rows,
            tombstones: self.tombstones,
            bytes,
            min_key: self.min_key,
            max_key: self.max_key,
            min_seq: self.min_seq,
            max_seq: self.max_seq,
            schema_version: self.schema_version,
            columns: self.columns.into_iter().map(|(_, s)| s).collect(),
        }))
    }
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
