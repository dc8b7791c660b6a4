//! What a statement returns: its rows (Arrow record batches, decoded from the IPC
//! streams of its `Batch` messages) and the count of rows its writes touched.
//!
//! A compact one-row answer (`Row`) is kept as its values: the one-row batch is
//! built the first time [`QueryResult::batches`] (or anything reading the rows) asks
//! for it, so a caller that only counts rows builds no Arrow arrays.

use std::sync::{Arc, OnceLock};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use kalavar_protocol::Value;
use kql_compiler::plan::BoundStatement;

use super::error::ClientError;
use super::row::RowShape;

/// The answer to one statement.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    /// The statement's text.
    pub statement: String,
    /// What kind of statement ran, as a completion tag: `INSERT`, `UPDATE`,
    /// `DELETE`, `CREATE TABLE`, `FLUSH`, `BEGIN`…; empty for queries.
    pub tag: String,
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The schema of the rows; `None` when the statement returned no batch.
    schema: Option<SchemaRef>,
    /// The rows; for a compact answer, built from `row` when first asked for.
    batches: OnceLock<Vec<RecordBatch>>,
    /// A compact one-row answer's values (checked against the shape).
    row: Option<(Arc<RowShape>, Vec<Value>)>,
}

impl QueryResult {
    /// A result holding `batches` (`schema`: `None` for a statement that returned
    /// no rows, not even an empty result).
    pub fn new(schema: Option<SchemaRef>, batches: Vec<RecordBatch>) -> QueryResult {
        QueryResult {
            schema,
            batches: OnceLock::from(batches),
            ..QueryResult::default()
        }
    }

    /// The schema of the rows; `None` when the statement returned no batch.
    pub fn schema(&self) -> Option<&SchemaRef> {
        self.schema.as_ref()
    }

    /// The rows, as record batches.
    pub fn batches(&self) -> &[RecordBatch] {
        self.batches.get_or_init(|| match &self.row {
            // Checked when the answer arrived ([`RowShape::check`]): it builds.
            Some((shape, values)) => shape.batch(values).map(|b| vec![b]).unwrap_or_default(),
            None => Vec::new(),
        })
    }

    /// Adds a `Batch` answer's rows.
    pub(super) fn extend(&mut self, schema: SchemaRef, batches: Vec<RecordBatch>) {
        if self.schema.is_none() {
            self.schema = Some(schema);
        }
        let mut all = self.batches.take().unwrap_or_default();
        all.extend(batches);
        self.batches = OnceLock::from(all);
    }

    /// Takes a compact one-row answer: its values are checked against `shape` now,
    /// the batch is built when asked for.
    pub(super) fn set_row(
        &mut self,
        shape: Arc<RowShape>,
        values: Vec<Value>,
    ) -> Result<(), ClientError> {
        shape.check(&values)?;
        self.schema = Some(shape.schema().clone());
        let mut before = self.batches.take().unwrap_or_default();
        if before.is_empty() {
            self.row = Some((shape, values));
        } else {
            // Batches came first (no server sends that): keep them all as batches.
            before.push(shape.batch(&values)?);
            self.batches = OnceLock::from(before);
        }
        Ok(())
    }

    /// The number of rows returned.
    pub fn num_rows(&self) -> usize {
        match (&self.row, self.batches.get()) {
            (Some(_), None) => 1,
            _ => self.batches().iter().map(RecordBatch::num_rows).sum(),
        }
    }

    /// The column names, in order.
    pub fn columns(&self) -> Vec<String> {
        self.schema
            .as_ref()
            .map(|s| s.fields().iter().map(|f| f.name().clone()).collect())
            .unwrap_or_default()
    }

    /// Every row with every value as text (`null` for nulls), in the order the
    /// server sent them; what the REPL prints and what tests compare.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let options = FormatOptions::default().with_null("null");
        let mut out = Vec::with_capacity(self.num_rows());
        for batch in self.batches() {
            let columns: Vec<ArrayRef> = batch.columns().iter().map(displayable).collect();
            let formatters: Vec<Option<ArrayFormatter<'_>>> = columns
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
                .collect();
            for row in 0..batch.num_rows() {
                out.push(
                    formatters
                        .iter()
                        .zip(&columns)
                        .map(|(f, c)| match f {
                            Some(f) => f.value(row).to_string(),
                            None => format!("<{}>", c.data_type()),
                        })
                        .collect(),
                );
            }
        }
        out
    }

    /// The rows sorted, for comparing results whose order the query leaves open.
    pub fn sorted_rows(&self) -> Vec<Vec<String>> {
        let mut rows = self.rows();
        rows.sort();
        rows
    }

    /// The values of one column as text, or `None` when there is no such column.
    pub fn column(&self, name: &str) -> Option<Vec<String>> {
        let index = self.columns().iter().position(|c| c == name)?;
        Some(
            self.rows()
                .into_iter()
                .map(|mut r| r.swap_remove(index))
                .collect(),
        )
    }
}

/// The column as it is shown: timestamps in `UTC` (as the server sends them) get
/// the equivalent offset `+00:00`, which the formatter reads without a time-zone
/// database (it prints them with a `Z`).
fn displayable(column: &ArrayRef) -> ArrayRef {
    match column.data_type() {
        DataType::Timestamp(unit, Some(tz)) if tz.as_ref() == "UTC" => {
            arrow_cast::cast(column, &DataType::Timestamp(*unit, Some("+00:00".into())))
                .unwrap_or_else(|_| column.clone())
        }
        _ => column.clone(),
    }
}

/// The completion tag of a statement (see [`QueryResult::tag`]).
pub fn completion_tag(statement: &BoundStatement) -> String {
    match statement {
        BoundStatement::Query(_) | BoundStatement::Explain { .. } => String::new(),
        BoundStatement::Insert { upsert: false, .. } => "INSERT".into(),
        BoundStatement::Insert { upsert: true, .. } => "UPSERT".into(),
        BoundStatement::Update { .. } => "UPDATE".into(),
        BoundStatement::Delete { .. } => "DELETE".into(),
        BoundStatement::ExecuteAs { .. } => "EXECUTE AS".into(),
        BoundStatement::Nothing => "OK".into(),
        BoundStatement::Command(c) => {
            // The variant's name, `CreateTable` -> `CREATE TABLE`.
            let debug = format!("{c:?}");
            let name = debug.split([' ', '{', '(']).next().unwrap_or_default();
            let mut tag = String::new();
            for (i, ch) in name.chars().enumerate() {
                if ch.is_uppercase() && i > 0 {
                    tag.push(' ');
                }
                tag.push(ch.to_ascii_uppercase());
            }
            tag
        }
    }
}

impl QueryResult {
    /// Whether the statement writes rows (its tag is followed by a row count).
    pub fn is_write(&self) -> bool {
        matches!(
            self.tag.as_str(),
            "INSERT" | "UPSERT" | "UPDATE" | "DELETE" | "EXECUTE AS"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kql_compiler::identity::{Caller, Role};

    use crate::client::compile::ParsedScript;

    #[test]
    fn tags_name_the_statement() {
        let script = ParsedScript::parse(
            "create namespace n; begin; from [{a: 1}] | take 1; flush table system.tables",
        )
        .unwrap();
        let caller = Caller::new("root", Role::Root);
        let catalog = kql_compiler::catalog::Catalog::empty();
        let tag = |i| completion_tag(&script.compile(i, &catalog, &caller).unwrap().optimized);
        assert_eq!(tag(0), "CREATE NAMESPACE");
        assert_eq!(tag(1), "BEGIN");
        assert_eq!(tag(2), "");
    }
}
