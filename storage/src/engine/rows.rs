//! Turning a record batch handed in by the VM into encoded (key, row) pairs: schema
//! and type checks, null checks, key extraction, size limits. Nothing is written here.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;

use crate::catalog::{ColumnId, TableDef, UserId};
use crate::encoding::column::TypedCol;
use crate::encoding::key::{self, partition_prefix};
use crate::encoding::row::encode_row;
use crate::error::{Result, StorageError};
use crate::options::Limits;

/// Name of the hidden row-id column of tables without a primary key.
pub const ROW_ID_COLUMN: &str = "__rowid";

/// One encoded row.
pub(crate) struct EncodedRow {
    pub key: Vec<u8>,
    pub row: Vec<u8>,
}

/// How the key of each row is found.
pub(crate) enum KeySource<'a> {
    /// From the primary-key columns.
    Columns,
    /// Hidden-key table, new rows: fresh row ids from this allocator.
    NewRowIds(&'a dyn Fn() -> i64),
    /// Hidden-key table, existing rows: the trailing `__rowid` column.
    RowIdColumn,
}

/// Checks `batch` against the table's columns (by position and type; a trailing
/// `__rowid` for [`KeySource::RowIdColumn`]) and encodes every row.
pub(crate) fn encode_batch(
    def: &TableDef,
    owner: Option<UserId>,
    batch: &RecordBatch,
    keys: KeySource<'_>,
    limits: &Limits,
) -> Result<Vec<EncodedRow>> {
    let table = def.qualified_name();
    if batch.num_rows() > limits.max_batch_rows {
        return Err(StorageError::LimitExceeded(format!(
            "batch of {} rows for {table}; at most {} rows per batch",
            batch.num_rows(),
            limits.max_batch_rows
        )));
    }
    let want = def.columns.len() + matches!(keys, KeySource::RowIdColumn) as usize;
    if batch.num_columns() != want {
        return Err(StorageError::TypeMismatch(format!(
            "table {table} takes rows of {want} column(s) ({}{}), got {}",
            def.columns
                .iter()
                .map(|c| format!("{} {}", c.name, c.data_type.name()))
                .collect::<Vec<_>>()
                .join(", "),
            if matches!(keys, KeySource::RowIdColumn) {
                ", __rowid int64"
            } else {
                ""
            },
            batch.num_columns()
        )));
    }
    let mut cols: Vec<(ColumnId, TypedCol<'_>)> = Vec::with_capacity(def.columns.len());
    for (i, c) in def.columns.iter().enumerate() {
        let typed = TypedCol::new(batch.column(i).as_ref(), &c.data_type).map_err(|_| {
            StorageError::TypeMismatch(format!(
                "column {} (`{}`) of {table} is {}, expected Arrow {}",
                i + 1,
                c.name,
                batch.column(i).data_type(),
                c.data_type.to_arrow()
            ))
        })?;
        if !c.nullable && batch.column(i).null_count() > 0 {
            let row = (0..batch.num_rows())
                .find(|r| batch.column(i).is_null(*r))
                .unwrap_or(0);
            return Err(StorageError::NullViolation {
                table,
                column: c.name.clone(),
                row,
            });
        }
        cols.push((c.id, typed));
    }
    let key_cols: Vec<usize> = def
        .primary_key
        .iter()
        .map(|id| def.column_index(*id).expect("key columns exist"))
        .collect();
    let row_ids = match keys {
        KeySource::RowIdColumn => {
            let a = batch.column(def.columns.len());
            if a.data_type() != &arrow_schema::DataType::Int64 || a.null_count() > 0 {
                return Err(StorageError::TypeMismatch(format!(
                    "the last column of an update of {table} must be a non-null int64 `{ROW_ID_COLUMN}`"
                )));
            }
            Some(a.as_primitive::<Int64Type>().clone())
        }
        _ => None,
    };
    let prefix = partition_prefix(def.id, owner);
    let mut out = Vec::with_capacity(batch.num_rows());
    for r in 0..batch.num_rows() {
        let mut k = prefix.clone();
        match &keys {
            KeySource::Columns => {
                for &c in &key_cols {
                    cols[c].1.put_key(r, &mut k);
                }
            }
            KeySource::NewRowIds(next) => key::put_i64(&mut k, next()),
            KeySource::RowIdColumn => {
                key::put_i64(&mut k, row_ids.as_ref().expect("checked").value(r))
            }
        }
        if k.len() - prefix.len() > limits.max_key_bytes {
            return Err(StorageError::LimitExceeded(format!(
                "row {r} of {table}: primary key of {} bytes; at most {}",
                k.len() - prefix.len(),
                limits.max_key_bytes
            )));
        }
        let mut row = Vec::with_capacity(64);
        encode_row(&cols, r, &mut row);
        if row.len() > limits.max_row_bytes {
            return Err(StorageError::LimitExceeded(format!(
                "row {r} of {table} encodes to {} bytes; at most {} bytes per row",
                row.len(),
                limits.max_row_bytes
            )));
        }
        out.push(EncodedRow { key: k, row });
    }
    Ok(out)
}
