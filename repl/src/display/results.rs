//! Results as text: aligned tables (numbers right-aligned, a row count below;
//! widths are display columns, so CJK and emoji line up),
//! CSV (RFC 4180 quoting, in the form `kalavar load` reads back) and JSON (an
//! array of objects with keys in column order; numbers with their exact digits,
//! booleans unquoted, nulls as `null`). A statement that returns no rows prints how many rows
//! it touched.

use arrow_schema::DataType;
use unicode_width::UnicodeWidthStr;

use crate::client::QueryResult;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns with a header and a row count.
    #[default]
    Table,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// One JSON array of row objects per statement.
    Json,
}

/// A result in `format`.
pub fn render(format: Format, result: &QueryResult) -> String {
    match format {
        Format::Table => render_table(result),
        Format::Csv => render_csv(result),
        Format::Json => render_json(result),
    }
}

/// Whether a column holds numbers (right-aligned in tables, unquoted in JSON).
fn numeric(ty: &DataType) -> bool {
    ty.is_numeric()
}

fn column_types(result: &QueryResult) -> Vec<DataType> {
    result
        .schema()
        .map(|s| s.fields().iter().map(|f| f.data_type().clone()).collect())
        .unwrap_or_default()
}

/// The line printed for a statement that returned no rows: its tag, and for a
/// write the rows it touched (`INSERT 2`, `CREATE TABLE`).
fn affected(result: &QueryResult) -> String {
    match result.tag.as_str() {
        _ if result.is_write() => format!("{} {}\n", result.tag, result.rows_affected),
        "" => format!("OK {}\n", result.rows_affected),
        tag => format!("{tag}\n"),
    }
}

/// An aligned table with a header and a row count.
pub fn render_table(result: &QueryResult) -> String {
    if result.schema().is_none() {
        return affected(result);
    }
    let names = result.columns();
    let types = column_types(result);
    let rows = result.rows();
    let mut widths: Vec<usize> = names.iter().map(|n| n.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let pad = |text: &str, width: usize, right: bool| {
        let fill = " ".repeat(width.saturating_sub(text.width()));
        if right {
            format!("{fill}{text}")
        } else {
            format!("{text}{fill}")
        }
    };
    let mut out = String::new();
    let header: Vec<String> = names
        .iter()
        .zip(&widths)
        .zip(&types)
        .map(|((n, w), t)| pad(n, *w, numeric(t)))
        .collect();
    out.push(' ');
    out.push_str(header.join(" | ").trim_end());
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    out.push_str(&rule.join("+"));
    out.push('\n');
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .zip(&types)
            .map(|((c, w), t)| pad(c, *w, numeric(t)))
            .collect();
        out.push(' ');
        out.push_str(cells.join(" | ").trim_end());
        out.push('\n');
    }
    let n = rows.len();
    out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    out
}

fn csv_cell(cell: &str) -> String {
    if cell.is_empty() {
        // An empty string, told apart from null (an empty unquoted cell) as
        // PostgreSQL's CSV does and `kalavar load` reads it.
        "\"\"".to_owned()
    } else if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// Whether a column holds `bytes` (written `\x` and hex in CSV, as `load` reads it).
fn binary(ty: &DataType) -> bool {
    matches!(
        ty,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

/// CSV with a header line, in the form `kalavar load` reads back: null is an
/// empty unquoted cell, the empty string `""`, `bytes` `\x` and hex.
pub fn render_csv(result: &QueryResult) -> String {
    if result.schema().is_none() {
        return affected(result);
    }
    let mut out = String::new();
    let header: Vec<String> = result.columns().iter().map(|c| csv_cell(c)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    let types = column_types(result);
    let nulls = null_masks(result);
    for (row, mask) in result.rows().iter().zip(&nulls) {
        let cells: Vec<String> = row
            .iter()
            .zip(mask)
            .zip(&types)
            .map(|((c, null), ty)| match (*null, binary(ty)) {
                (true, _) => String::new(),
                (false, true) => format!("\\x{c}"),
                (false, false) => csv_cell(c),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Which cells are null, row by row (the text form cannot tell `null` from "null").
/// Logical nulls, so that a column of type `null` (`{n: null}`) is null throughout.
fn null_masks(result: &QueryResult) -> Vec<Vec<bool>> {
    let mut out = Vec::with_capacity(result.num_rows());
    for batch in result.batches() {
        let nulls: Vec<_> = batch.columns().iter().map(|c| c.logical_nulls()).collect();
        for row in 0..batch.num_rows() {
            out.push(
                nulls
                    .iter()
                    .map(|n| n.as_ref().is_some_and(|n| n.is_null(row)))
                    .collect(),
            );
        }
    }
    out
}

/// The keys of a JSON row: the column names in order, a name already used taking
/// the first free suffix `_2`, `_3`, … (a join's `id, id` is `id, id_2`).
pub fn json_keys(names: &[String]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut keys = Vec::with_capacity(names.len());
    for name in names {
        let mut key = name.clone();
        let mut n = 2;
        while taken.contains(&key) || (key != *name && names.contains(&key)) {
            key = format!("{name}_{n}");
            n += 1;
        }
        taken.insert(key.clone());
        keys.push(key);
    }
    keys
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Whether `text` is a number in JSON's grammar.
fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// One value as JSON: numbers with the exact digits the server sent (decimals
/// and int64 are not squeezed through a float), booleans bare, a float that JSON
/// cannot hold (`NaN`, `inf`) as a string, everything else as a string.
fn json_value(cell: &str, ty: &DataType) -> String {
    if *ty == DataType::Boolean && (cell == "true" || cell == "false") {
        return cell.to_owned();
    }
    if numeric(ty) {
        if is_json_number(cell) {
            return cell.to_owned();
        }
        return json_string(match cell {
            "inf" | "Infinity" => "Infinity",
            "-inf" | "-Infinity" => "-Infinity",
            "NaN" | "nan" => "NaN",
            other => other,
        });
    }
    json_string(cell)
}

/// A JSON array of objects, one per row and one line each, keys in column order
/// (see [`json_keys`] for repeated names); a statement without rows is one object
/// with its tag. Each statement's document ends with a newline, so several
/// statements make a stream `jq` reads.
pub fn render_json(result: &QueryResult) -> String {
    if result.schema().is_none() {
        return format!(
            "{{\"tag\": {}, \"rows_affected\": {}}}\n",
            json_string(&result.tag),
            result.rows_affected
        );
    }
    let keys: Vec<String> = json_keys(&result.columns())
        .iter()
        .map(|k| json_string(k))
        .collect();
    let types = column_types(result);
    let nulls = null_masks(result);
    let rows = result.rows();
    if rows.is_empty() {
        return "[]\n".to_owned();
    }
    let mut out = String::from("[\n");
    for (i, (row, mask)) in rows.iter().zip(&nulls).enumerate() {
        out.push_str("  {");
        for (j, ((cell, ty), null)) in row.iter().zip(&types).zip(mask).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            out.push_str(&keys[j]);
            out.push_str(": ");
            if *null {
                out.push_str("null");
            } else {
                out.push_str(&json_value(cell, ty));
            }
        }
        out.push('}');
        if i + 1 < rows.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn sample() -> QueryResult {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("content", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![7, 1234])),
                Arc::new(StringArray::from(vec![Some("hi, \"you\""), None])),
            ],
        )
        .unwrap();
        let mut r = QueryResult::new(Some(schema), vec![batch]);
        r.statement = "from t".into();
        r
    }

    #[test]
    fn tables_align_and_count() {
        assert_eq!(
            render_table(&sample()),
            "   id | content\n------+-----------\n    7 | hi, \"you\"\n 1234 | null\n(2 rows)\n"
        );
        let mut write = QueryResult::default();
        write.rows_affected = 2;
        write.tag = "INSERT".into();
        assert_eq!(render_table(&write), "INSERT 2\n");
        let mut ddl = QueryResult::default();
        ddl.tag = "CREATE TABLE".into();
        assert_eq!(render_table(&ddl), "CREATE TABLE\n");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("t", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["日本", "😀", "abcd"])),
                Arc::new(Int64Array::from(vec![1, 2, 3])),
            ],
        )
        .unwrap();
        assert_eq!(
            render_table(&QueryResult::new(Some(schema), vec![batch])),
            " t    | n\n------+---\n 日本 | 1\n 😀   | 2\n abcd | 3\n(3 rows)\n"
        );
    }

    #[test]
    fn csv_quotes_and_json_types() {
        assert_eq!(
            render_csv(&sample()),
            "id,content\n7,\"hi, \"\"you\"\"\"\n1234,\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&sample())).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"id": 7, "content": "hi, \"you\""}, {"id": 1234, "content": null}])
        );
    }

    #[test]
    fn a_column_of_type_null_is_null_in_every_format() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Null, true),
            Field::new("m", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(arrow_array::NullArray::new(1)),
                Arc::new(Int64Array::from(vec![1])),
            ],
        )
        .unwrap();
        let result = QueryResult::new(Some(schema), vec![batch]);
        assert_eq!(render_json(&result), "[\n  {\"n\": null, \"m\": 1}\n]\n");
        assert_eq!(render_csv(&result), "n,m\n,1\n");
    }

    #[test]
    fn json_keeps_column_order_repeated_names_and_exact_numbers() {
        use arrow_array::{BinaryArray, Decimal128Array, Float64Array};
        let schema = Arc::new(Schema::new(vec![
            Field::new("z", DataType::Int64, false),
            Field::new("a", DataType::Decimal128(38, 18), true),
            Field::new("z", DataType::Float64, true),
            Field::new("z_2", DataType::Binary, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![9007199254740993, -1])),
                Arc::new(
                    Decimal128Array::from(vec![Some(12345678901234567890123456789012345678), None])
                        .with_precision_and_scale(38, 18)
                        .unwrap(),
                ),
                Arc::new(Float64Array::from(vec![f64::NAN, f64::NEG_INFINITY])),
                Arc::new(BinaryArray::from(vec![Some(&b"hi"[..]), Some(&b""[..])])),
            ],
        )
        .unwrap();
        let result = QueryResult::new(Some(schema), vec![batch]);
        assert_eq!(
            render_json(&result),
            "[\n  {\"z\": 9007199254740993, \"a\": 12345678901234567890.123456789012345678, \"z_3\": \"NaN\", \"z_2\": \"6869\"},\n  \
             {\"z\": -1, \"a\": null, \"z_3\": \"-Infinity\", \"z_2\": \"\"}\n]\n"
        );
        assert_eq!(
            render_csv(&result),
            "z,a,z,z_2\n9007199254740993,12345678901234567890.123456789012345678,NaN,\\x6869\n-1,,-inf,\\x\n"
        );
        assert_eq!(
            json_keys(&["id".into(), "id".into(), "id".into()]),
            ["id", "id_2", "id_3"]
        );
        assert!(is_json_number("-0.5e+10") && is_json_number("12") && !is_json_number("01"));
        assert!(!is_json_number("1.") && !is_json_number("inf") && !is_json_number(""));
    }
}
