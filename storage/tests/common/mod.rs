//! Helpers shared by the integration tests: engines in temp dirs, a simple
//! `(id int64, x int64, body text)` table, and batch builders.

#![allow(dead_code)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use kalavar_storage::*;

pub fn options() -> EngineOptions {
    EngineOptions {
        durability: Durability::NoSync,
        block_cache_bytes: 8 << 20,
        write_buffer_bytes: 4 << 20,
        segments: SegmentOptions {
            row_group_rows: 64,
            page_rows: 16,
            key_page_rows: 4,
            codec: SegmentCodec::Lz4,
        },
        ..Default::default()
    }
}

pub fn open(dir: &std::path::Path) -> Engine {
    Engine::open(dir, options()).unwrap()
}

pub fn user(e: &Engine, name: &str) -> UserId {
    e.create_user(&UserSpec {
        name: name.into(),
        role: Role::User,
        enabled: true,
        allowed_ips: vec![],
    })
    .unwrap()
    .id
}

/// `ns.name (id int64 pk, x int64 null, body text null)`.
pub fn table(e: &Engine, name: &str, kind: TableKind) -> TableDef {
    if e.catalog().namespace("app").is_none() {
        e.create_namespace("app").unwrap();
    }
    let mut options = TableOptions::default();
    if kind == TableKind::Stream {
        options.ttl_secs = Some(60);
    }
    e.create_table(&TableSpec {
        namespace: "app".into(),
        name: name.into(),
        kind,
        columns: vec![
            ColumnSpec::new("id", DataType::Int64, false),
            ColumnSpec::new("x", DataType::Int64, true),
            ColumnSpec::new("body", DataType::Text, true),
        ],
        primary_key: vec!["id".into()],
        options,
    })
    .unwrap()
}

/// A batch of `(id, x, body)` rows for the current schema of `def` (extra columns
/// after the first three are filled with nulls).
pub fn rows(def: &TableDef, rows: &[(i64, Option<i64>)]) -> RecordBatch {
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|r| Some(format!("row {}", r.0)))
                .collect::<Vec<_>>(),
        )),
    ];
    for c in &def.columns[3..] {
        cols.push(arrow_array::new_null_array(
            &c.data_type.to_arrow(),
            rows.len(),
        ));
    }
    RecordBatch::try_new(def.arrow_schema(), cols).unwrap()
}

/// Runs a scan and returns `(id, x)` pairs sorted by id.
pub fn ids_x(e: &Engine, spec: ScanSpec) -> Vec<(i64, Option<i64>)> {
    let b = e.scan(spec).unwrap().collect_batch().unwrap();
    pairs(&b)
}

pub fn pairs(b: &RecordBatch) -> Vec<(i64, Option<i64>)> {
    let ids = b.column(0).as_primitive::<Int64Type>();
    let xs = b.column(1).as_primitive::<Int64Type>();
    let mut v: Vec<_> = (0..b.num_rows())
        .map(|i| (ids.value(i), (!xs.is_null(i)).then(|| xs.value(i))))
        .collect();
    v.sort();
    v
}

pub fn all(def: &TableDef, owner: Option<UserId>) -> ScanSpec {
    ScanSpec::new(def.id, owner)
}

pub fn x_col(def: &TableDef) -> ColumnId {
    def.column_by_name("x").unwrap().id
}

pub fn key(id: i64) -> Vec<ScalarValue> {
    vec![ScalarValue::Int64(id)]
}
