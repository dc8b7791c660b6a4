//! Results as text: aligned tables (numbers right-aligned, a row count below),
//! CSV (RFC 4180 quoting) and JSON (an array of objects; numbers and booleans
//! unquoted, nulls as `null`). A statement that returns no rows prints how many rows
//! it touched.

use arrow_schema::DataType;

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
    let mut widths: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let pad = |text: &str, width: usize, right: bool| {
        let fill = " ".repeat(width - text.chars().count());
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
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// CSV with a header line. Nulls are empty cells.
pub fn render_csv(result: &QueryResult) -> String {
    if result.schema().is_none() {
        return affected(result);
    }
    let mut out = String::new();
    let header: Vec<String> = result.columns().iter().map(|c| csv_cell(c)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    let nulls = null_masks(result);
    for (row, mask) in result.rows().iter().zip(&nulls) {
        let cells: Vec<String> = row
            .iter()
            .zip(mask)
            .map(|(c, null)| if *null { String::new() } else { csv_cell(c) })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Which cells are null, row by row (the text form cannot tell `null` from "null").
fn null_masks(result: &QueryResult) -> Vec<Vec<bool>> {
    let mut out = Vec::with_capacity(result.num_rows());
    for batch in result.batches() {
        for row in 0..batch.num_rows() {
            out.push(batch.columns().iter().map(|c| c.is_null(row)).collect());
        }
    }
    out
}

/// A JSON array of objects, one per row.
pub fn render_json(result: &QueryResult) -> String {
    if result.schema().is_none() {
        let body = serde_json::json!({"tag": result.tag, "rows_affected": result.rows_affected});
        return format!("{body}\n");
    }
    let names = result.columns();
    let types = column_types(result);
    let nulls = null_masks(result);
    let rows: Vec<serde_json::Value> = result
        .rows()
        .into_iter()
        .zip(&nulls)
        .map(|(row, mask)| {
            let mut object = serde_json::Map::new();
            for (((name, cell), ty), null) in names.iter().zip(row).zip(&types).zip(mask) {
                let value = if *null {
                    serde_json::Value::Null
                } else if numeric(ty) || *ty == DataType::Boolean {
                    serde_json::from_str(&cell).unwrap_or(serde_json::Value::String(cell))
                } else {
                    serde_json::Value::String(cell)
                };
                object.insert(name.clone(), value);
            }
            serde_json::Value::Object(object)
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&rows).expect("JSON values serialize");
    out.push('\n');
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
}
