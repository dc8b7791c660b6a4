//! Cold point gets: the direct page reader must return exactly what a scan returns,
//! for every column type, with nulls, long (index-truncated) keys, overlapping
//! segments, tombstones, added columns and every codec; segments written by another
//! Parquet writer (dictionary pages, v2 pages) go through parquet-rs and still agree;
//! and the segment cache stays within its bounds. `Engine::get_values` answers what
//! `Engine::get` does, value for value.

mod common;

use std::collections::BTreeMap;

use arrow_array::{Array, ArrayRef, RecordBatch};
use kalavar_storage::*;

fn options(codec: SegmentCodec) -> EngineOptions {
    let mut o = common::options();
    o.segments = SegmentOptions {
        row_group_rows: 32,
        page_rows: 8,
        key_page_rows: 4,
        codec,
    };
    o
}

const TYPES: [(&str, DataType); 16] = [
    ("b", DataType::Bool),
    ("i16", DataType::Int16),
    ("i32", DataType::Int32),
    ("i64", DataType::Int64),
    ("f32", DataType::Float32),
    ("f64", DataType::Float64),
    ("d9", DataType::Decimal(9, 2)),
    ("d18", DataType::Decimal(18, 3)),
    ("d38", DataType::Decimal(38, 4)),
    ("t", DataType::Text),
    ("j", DataType::Json),
    ("by", DataType::Bytes),
    ("ts", DataType::Timestamp),
    ("dt", DataType::Date),
    ("tm", DataType::Time),
    ("u", DataType::Uuid),
];

fn wide_table(e: &Engine) -> TableDef {
    e.create_namespace("app").unwrap();
    let mut columns = vec![
        ColumnSpec::new("k_text", DataType::Text, false),
        ColumnSpec::new("k_int", DataType::Int32, false),
    ];
    for (name, dt) in TYPES {
        columns.push(ColumnSpec::new(name, dt, true));
    }
    e.create_table(&TableSpec {
        namespace: "app".into(),
        name: "wide".into(),
        kind: TableKind::Shared,
        columns,
        primary_key: vec!["k_text".into(), "k_int".into()],
        options: TableOptions::default(),
    })
    .unwrap()
}

/// Key `i`: every third key text is longer than the 64 bytes Parquet keeps in page
/// index statistics, with a long shared prefix.
fn key_of(i: usize) -> Vec<ScalarValue> {
    let text = if i.is_multiple_of(3) {
        format!("{}{i:05}", "p".repeat(70))
    } else {
        format!("k{i:05}")
    };
    vec![
        ScalarValue::Text(text),
        ScalarValue::Int32((i % 7) as i32 - 3),
    ]
}

fn value_of(i: usize, c: usize, salt: u64, dt: DataType) -> ScalarValue {
    if (i + c + salt as usize).is_multiple_of(5) {
        return ScalarValue::Null;
    }
    let mut z = (i as u64 * 31 + c as u64 * 7 + salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^= z >> 29;
    let n = z as i64;
    use ScalarValue as S;
    match dt {
        DataType::Bool => S::Bool(n & 1 == 1),
        DataType::Int16 => S::Int16(n as i16),
        DataType::Int32 => S::Int32(n as i32),
        DataType::Int64 => S::Int64(n),
        DataType::Float32 => S::Float32(match i % 9 {
            0 => f32::NAN,
            1 => -0.0,
            _ => n as f32 / 3.0,
        }),
        DataType::Float64 => S::Float64(if i.is_multiple_of(8) {
            -0.0
        } else {
            n as f64 / 7.0
        }),
        DataType::Decimal(p, s) => S::Decimal(n as i128 % 10i128.pow(p as u32 - 1), p, s),
        DataType::Text => S::Text("é".repeat(i % 4) + &format!("{n:x}")),
        DataType::Json => S::Json(format!("{{\"n\":{}}}", n % 1000)),
        DataType::Bytes => S::Bytes(n.to_le_bytes()[..(i % 8)].to_vec()),
        DataType::Timestamp => S::Timestamp(n / 1000),
        DataType::Date => S::Date(n as i32 % 100_000),
        DataType::Time => S::Time((n.rem_euclid(86_400_000_000)).abs()),
        DataType::Uuid => S::Uuid(z.to_le_bytes().repeat(2).try_into().unwrap()),
    }
}

fn batch(def: &TableDef, ids: &[usize], salt: u64) -> RecordBatch {
    let cols: Vec<ArrayRef> = def
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            let parts: Vec<ArrayRef> = ids
                .iter()
                .map(|&i| {
                    let v = match c {
                        0 | 1 => key_of(i)[c].clone(),
                        _ => value_of(i, c, salt, col.data_type),
                    };
                    v.to_array(&col.data_type, 1).unwrap()
                })
                .collect();
            let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
            arrow_select::concat::concat(&refs).unwrap()
        })
        .collect();
    RecordBatch::try_new(def.arrow_schema(), cols).unwrap()
}

/// A row as comparable text (floats by their exact Debug form, so NaN equals NaN).
fn row_text(def: &TableDef, b: &RecordBatch, r: usize) -> Vec<String> {
    b.columns()
        .iter()
        .zip(b.schema().fields())
        .map(|(a, f)| {
            let dt = def.column_by_name(f.name()).unwrap().data_type;
            format!("{:?}", ScalarValue::from_array(a.as_ref(), r, &dt).unwrap())
        })
        .collect()
}

/// Every row of a scan keyed by its key columns' text.
fn scan_rows(e: &Engine, def: &TableDef, projection: &[ColumnId]) -> BTreeMap<String, Vec<String>> {
    let keys = [def.columns[0].id, def.columns[1].id];
    let mut proj = keys.to_vec();
    proj.extend_from_slice(projection);
    let b = e
        .scan(ScanSpec::new(def.id, None).project(proj))
        .unwrap()
        .collect_batch()
        .unwrap();
    (0..b.num_rows())
        .map(|r| {
            let row = row_text(def, &b, r);
            (format!("{}|{}", row[0], row[1]), row[2..].to_vec())
        })
        .collect()
}

/// Gets every key (present, deleted and absent) with `projection` and checks each
/// answer against the scan.
fn check_gets(e: &Engine, def: &TableDef, projection: &[ColumnId], keys: usize) {
    let want = scan_rows(e, def, projection);
    let mut found = 0;
    for i in 0..keys {
        let k = key_of(i);
        let got = e.get(def.id, None, &k, Some(projection)).unwrap();
        let name = format!("{:?}|{:?}", k[0], k[1]);
        match (got, want.get(&name)) {
            (None, None) => {}
            (Some(b), Some(row)) => {
                assert_eq!(b.num_rows(), 1);
                assert_eq!(&row_text(def, &b, 0), row, "key {name}");
                found += 1;
            }
            (got, want) => panic!("key {name}: get {got:?}, scan {want:?}"),
        }
    }
    assert_eq!(found, want.len(), "every scanned row was found by get");
    check_values(e, def, projection, keys);
}

/// `get_values` answers what `get` answers, value for value, for every key.
fn check_values(e: &Engine, def: &TableDef, projection: &[ColumnId], keys: usize) {
    for i in 0..keys {
        let k = key_of(i);
        let batch = e.get(def.id, None, &k, Some(projection)).unwrap();
        let values = e.get_values(def.id, None, &k, Some(projection)).unwrap();
        match (batch, values) {
            (None, None) => {}
            (Some(b), Some(v)) => {
                let v: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
                assert_eq!(row_text(def, &b, 0), v, "key {k:?}");
            }
            (b, v) => panic!("key {k:?}: get {b:?}, get_values {v:?}"),
        }
    }
}

fn all_columns(def: &TableDef) -> Vec<ColumnId> {
    def.columns[2..].iter().map(|c| c.id).collect()
}

/// Builds three overlapping segments, an added column, a segment of tombstones and a
/// few hot updates.
fn build(e: &Engine) -> TableDef {
    let def = wide_table(e);
    e.insert(def.id, None, &batch(&def, &(0..120).collect::<Vec<_>>(), 0))
        .unwrap();
    e.flush(def.id, None).unwrap();
    e.upsert(
        def.id,
        None,
        &batch(&def, &(60..150).collect::<Vec<_>>(), 1),
    )
    .unwrap();
    e.flush(def.id, None).unwrap();
    let mut extra = ColumnSpec::new("extra", DataType::Int64, true);
    extra.backfill = ScalarValue::Int64(42);
    let def = e
        .alter_table(def.id, &AlterTable::AddColumn(extra))
        .unwrap();
    e.upsert(
        def.id,
        None,
        &batch(&def, &(140..160).collect::<Vec<_>>(), 2),
    )
    .unwrap();
    e.flush(def.id, None).unwrap();
    let dead: Vec<Vec<ScalarValue>> = (0..160).filter(|i| i % 11 == 0).map(key_of).collect();
    assert_eq!(e.delete(def.id, None, &dead).unwrap(), dead.len());
    e.flush(def.id, None).unwrap();
    let hot: Vec<usize> = (0..160).filter(|i| i % 13 == 1).collect();
    e.upsert(def.id, None, &batch(&def, &hot, 3)).unwrap();
    assert_eq!(e.stats().segments, 4);
    def
}

#[test]
fn cold_gets_agree_with_scans_for_every_type_and_codec() {
    for codec in [SegmentCodec::Lz4, SegmentCodec::None, SegmentCodec::Zstd(3)] {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(dir.path(), options(codec)).unwrap();
        let def = build(&e);
        let cols = all_columns(&def);
        check_gets(&e, &def, &cols, 170);
        let t = def.column_by_name("t").unwrap().id;
        let x = def.column_by_name("extra").unwrap().id;
        let d38 = def.column_by_name("d38").unwrap().id;
        check_gets(&e, &def, &[x, t, def.columns[1].id], 170);
        check_gets(&e, &def, &[d38], 170);
        check_gets(&e, &def, &[], 170);
        // A column asked for twice, hot and cold.
        check_values(&e, &def, &[t, x, t, d38], 170);
        let s = e.stats();
        assert!(s.cold_lookups > 0, "{codec:?}: cold lookups happened");
        assert_eq!(
            s.cold_lookup_fallbacks, 0,
            "{codec:?}: the direct page reader served every lookup"
        );
        assert!(s.segment_cache_bytes > 0 && s.open_segments == 4);
        drop(e);
        // Reopened: the cache starts empty and fills again.
        let e = Engine::open(dir.path(), options(codec)).unwrap();
        assert_eq!(e.stats().open_segments, 0);
        check_gets(&e, &def, &cols, 170);
    }
}

#[test]
fn the_segment_cache_stays_within_its_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(SegmentCodec::Lz4);
    o.max_open_segments = 2;
    let e = Engine::open(dir.path(), o).unwrap();
    let def = build(&e);
    check_gets(&e, &def, &all_columns(&def), 170);
    let s = e.stats();
    assert!(s.open_segments <= 2, "{} segments open", s.open_segments);
    assert!(s.segment_cache_evictions > 0);
    drop(e);
    let mut o = options(SegmentCodec::Lz4);
    o.segment_cache_bytes = 1;
    let e = Engine::open(dir.path(), o).unwrap();
    check_gets(&e, &def, &all_columns(&def), 170);
    let s = e.stats();
    assert!(
        s.open_segments <= 1,
        "a 1-byte cache keeps only the segment in use"
    );
    assert!(s.memory_used >= s.segment_cache_bytes);
}

/// Rewrites every segment of the table with another writer configuration.
fn rewrite_segments(
    dir: &std::path::Path,
    def: &TableDef,
    props: parquet::file::properties::WriterProperties,
) {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let part = dir.join(format!("cold/t{}/shared", def.id.0));
    for entry in std::fs::read_dir(&part).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "parquet") {
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        let tmp = path.with_extension("rewrite");
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(&tmp).unwrap(),
            schema,
            Some(props.clone()),
        )
        .unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
}

#[test]
fn segments_from_other_writers_read_the_same_through_the_fallback() {
    use parquet::basic::Compression;
    use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), options(SegmentCodec::Lz4)).unwrap();
    let def = build(&e);
    let cols = all_columns(&def);
    let before = scan_rows(&e, &def, &cols);
    drop(e);
    let base = || {
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(16))
            .set_data_page_row_count_limit(5)
            .set_write_batch_size(5)
            .set_statistics_enabled(EnabledStatistics::Page)
    };
    // v2 data pages without dictionaries: still the direct reader.
    rewrite_segments(
        dir.path(),
        &def,
        base()
            .set_writer_version(WriterVersion::PARQUET_2_0)
            .set_dictionary_enabled(false)
            .set_encoding(parquet::basic::Encoding::PLAIN)
            .set_compression(Compression::LZ4_RAW)
            .build(),
    );
    let e = Engine::open(dir.path(), options(SegmentCodec::Lz4)).unwrap();
    assert_eq!(scan_rows(&e, &def, &cols), before);
    check_gets(&e, &def, &cols, 170);
    assert_eq!(
        e.stats().cold_lookup_fallbacks,
        0,
        "v2 PLAIN pages are read directly"
    );
    drop(e);
    // Dictionary pages and no bloom filter: parquet-rs answers.
    rewrite_segments(
        dir.path(),
        &def,
        base()
            .set_dictionary_enabled(true)
            .set_compression(Compression::ZSTD(Default::default()))
            .build(),
    );
    let e = Engine::open(dir.path(), options(SegmentCodec::Lz4)).unwrap();
    check_gets(&e, &def, &cols, 170);
    let s = e.stats();
    assert!(s.cold_lookup_fallbacks > 0 && s.cold_lookup_fallbacks <= s.cold_lookups);
}

/// A table keyed by one `int64` column: segments store the key column delta-encoded
/// (and uncompressed), and gets and scans — hot over cold, tombstones, several
/// segments — still agree with what was written, without the parquet-rs fallback.
#[test]
fn integer_keys_are_delta_encoded_and_read_back_exactly() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::{Int64Array, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), options(SegmentCodec::Lz4)).unwrap();
    e.create_namespace("app").unwrap();
    let def = e
        .create_table(&TableSpec {
            namespace: "app".into(),
            name: "ints".into(),
            kind: TableKind::Shared,
            columns: vec![
                ColumnSpec::new("id", DataType::Int64, false),
                ColumnSpec::new("x", DataType::Int64, true),
                ColumnSpec::new("s", DataType::Text, true),
            ],
            primary_key: vec!["id".into()],
            options: TableOptions::default(),
        })
        .unwrap();
    let mut model: BTreeMap<i64, (i64, String)> = BTreeMap::new();
    let write = |ids: &[i64], salt: i64, model: &mut BTreeMap<i64, (i64, String)>| {
        let xs: Vec<i64> = ids.iter().map(|i| i * 10 + salt).collect();
        let ss: Vec<String> = ids.iter().map(|i| format!("s{i}-{salt}")).collect();
        for ((i, x), s) in ids.iter().zip(&xs).zip(&ss) {
            model.insert(*i, (*x, s.clone()));
        }
        let b = RecordBatch::try_new(
            def.arrow_schema(),
            vec![
                Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
                Arc::new(Int64Array::from(xs)),
                Arc::new(StringArray::from(ss)),
            ],
        )
        .unwrap();
        e.upsert(def.id, None, &b).unwrap();
    };
    // Negative and positive keys with irregular gaps, two overlapping flushes (the
    // second with tombstones), then hot updates and deletes.
    let first: Vec<i64> = (-300..300).map(|i| i * 7 + i % 5).collect();
    write(&first, 0, &mut model);
    e.flush(def.id, None).unwrap();
    let second: Vec<i64> = (-300..300).step_by(4).map(|i| i * 7 + i % 5).collect();
    write(&second, 1, &mut model);
    let dead: Vec<i64> = first.iter().copied().filter(|i| i % 9 == 0).collect();
    let keys: Vec<Vec<ScalarValue>> = dead.iter().map(|i| vec![ScalarValue::Int64(*i)]).collect();
    e.delete(def.id, None, &keys).unwrap();
    for d in &dead {
        model.remove(d);
    }
    e.flush(def.id, None).unwrap();
    let hot: Vec<i64> = first.iter().copied().filter(|i| i % 13 == 2).collect();
    write(&hot, 2, &mut model);
    let hot_dead: Vec<Vec<ScalarValue>> = first
        .iter()
        .filter(|i| *i % 17 == 3 && model.contains_key(i))
        .map(|i| vec![ScalarValue::Int64(*i)])
        .collect();
    e.delete(def.id, None, &hot_dead).unwrap();
    for k in &hot_dead {
        let ScalarValue::Int64(i) = k[0] else {
            unreachable!()
        };
        model.remove(&i);
    }
    assert_eq!(e.stats().segments, 2);

    // The segments' `id` column is delta-encoded and uncompressed.
    let part = dir.path().join(format!("cold/t{}/shared", def.id.0));
    let mut files = 0;
    for entry in std::fs::read_dir(&part).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "parquet") {
            continue;
        }
        files += 1;
        let r =
            parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path).unwrap())
                .unwrap();
        let md = parquet::file::reader::FileReader::metadata(&r);
        for rg in md.row_groups() {
            let c = rg.column(0);
            assert_eq!(c.column_path().string(), "id");
            assert!(
                c.encodings()
                    .any(|e| e == parquet::basic::Encoding::DELTA_BINARY_PACKED),
                "{}: id column encodings {:?}",
                path.display(),
                c.encodings().collect::<Vec<_>>()
            );
            assert_eq!(c.compression(), parquet::basic::Compression::UNCOMPRESSED);
            assert_eq!(
                rg.column(1).compression(),
                parquet::basic::Compression::LZ4_RAW
            );
        }
    }
    assert_eq!(files, 2);

    // A scan returns exactly the model.
    let b = e
        .scan(ScanSpec::new(def.id, None).ordered())
        .unwrap()
        .collect_batch()
        .unwrap();
    let scanned: BTreeMap<i64, (i64, String)> = (0..b.num_rows())
        .map(|r| {
            (
                b.column(0).as_primitive::<Int64Type>().value(r),
                (
                    b.column(1).as_primitive::<Int64Type>().value(r),
                    b.column(2).as_string::<i32>().value(r).to_string(),
                ),
            )
        })
        .collect();
    assert_eq!(scanned, model);
    let unordered = e
        .scan(ScanSpec::new(def.id, None))
        .unwrap()
        .collect_batch()
        .unwrap();
    assert_eq!(unordered.num_rows(), model.len());
    // Every key, present or not, reads back through get.
    for i in -2200..2200 {
        let got = e.get(def.id, None, &[ScalarValue::Int64(i)], None).unwrap();
        match (got, model.get(&i)) {
            (None, None) => {}
            (Some(b), Some((x, s))) => {
                assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), i);
                assert_eq!(b.column(1).as_primitive::<Int64Type>().value(0), *x);
                assert_eq!(b.column(2).as_string::<i32>().value(0), s);
            }
            (got, want) => panic!("key {i}: get {got:?}, model {want:?}"),
        }
    }
    let s = e.stats();
    assert!(s.cold_lookups > 0);
    assert_eq!(s.cold_lookup_fallbacks, 0);
}
