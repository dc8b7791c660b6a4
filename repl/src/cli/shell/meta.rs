//! Backslash commands: `\q`, `\help`, `\dt`, `\d TABLE`, `\timing`, `\explain
//! STATEMENT`, `\format FORMAT`, `\sql`, `\kql`. Tables and columns come from the
//! catalog the server sends the session (refetched first), so they show exactly what
//! the user may see.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use kalavar::client::{ClientError, ParsedScript, QueryResult};
use kql_compiler::bytecode::disasm;
use kql_compiler::catalog::{Catalog, Table, TableKind};

use super::args::OutputFormat;
use super::place::Piece;
use super::session::Shell;

/// What the loop does after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Quit,
    /// The command failed; scripts stop here.
    Failed,
    /// The connection is gone (the server closed it, or the socket failed): the
    /// shell ends with exit code 1, the REPL too.
    Lost,
}

pub const HELP: &str = "\
Statements end with `;` and may span lines. Backslash commands:
  \\q                quit (also Ctrl-D)
  \\help, \\?         this help
  \\dt               list the tables you can see
  \\d TABLE          describe a table's columns
  \\timing           show how long each statement takes, on stderr (toggle)
  \\explain STMT     show the plan of a statement without running it
  \\format F         print results as table, csv or json
  \\sql              input is PostgreSQL SQL, translated to KQL (shown) on the client
  \\kql              input is KQL again
Ctrl-C cancels a running statement, or clears the input.
The language: docs/kql.md (`show tables;`, `from t | where … | take 10;`).
";

impl Shell {
    /// Runs one backslash command (`line` starts with `\`).
    pub fn meta(&mut self, line: &str) -> Next {
        let line = line.trim();
        let (command, rest) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(c, r)| (c, r.trim()));
        match command {
            "\\q" | "\\quit" => Next::Quit,
            "\\help" | "\\?" | "\\h" => {
                out!("{HELP}");
                Next::Continue
            }
            "\\sql" => {
                self.sql = true;
                outln!(
                    "Input is SQL (PostgreSQL), shown as KQL before it runs; \\kql switches back."
                );
                Next::Continue
            }
            "\\kql" => {
                self.sql = false;
                outln!("Input is KQL.");
                Next::Continue
            }
            "\\timing" => {
                self.timing = !self.timing;
                outln!("Timing is {}.", if self.timing { "on" } else { "off" });
                Next::Continue
            }
            "\\format" => match rest {
                "table" => self.set_format(OutputFormat::Table),
                "csv" => self.set_format(OutputFormat::Csv),
                "json" => self.set_format(OutputFormat::Json),
                other => self.fail(&format!("\\format takes table, csv or json, not `{other}`")),
            },
            "\\dt" => match self.fresh_catalog() {
                Ok(catalog) => {
                    self.print(&tables(&catalog));
                    Next::Continue
                }
                Err(e) => self.failed(&e, None),
            },
            "\\d" if rest.is_empty() => self.fail("\\d needs a table name: \\d chat.messages"),
            "\\d" => match self.fresh_catalog() {
                Ok(catalog) => match find_table(&catalog, rest) {
                    Ok(table) => {
                        self.print(&columns(table));
                        Next::Continue
                    }
                    Err(e) => self.fail(&e),
                },
                Err(e) => self.failed(&e, None),
            },
            "\\explain" if rest.is_empty() => {
                self.fail("\\explain needs a statement: \\explain from t | take 1")
            }
            "\\explain" => self.explain(rest),
            other => self.fail(&format!("unknown command {other}; \\help lists them")),
        }
    }

    fn set_format(&mut self, format: OutputFormat) -> Next {
        self.format = format;
        Next::Continue
    }

    fn fail(&self, message: &str) -> Next {
        eprintln!("error: {message}");
        Next::Failed
    }

    fn fresh_catalog(&mut self) -> Result<Arc<Catalog>, ClientError> {
        self.client.refresh_catalog()?;
        self.client.catalog()
    }

    /// Shows the plans of `text`'s statements, compiled after the session's `let`s.
    fn explain(&mut self, text: &str) -> Next {
        let piece = Piece {
            text: text.trim_end().trim_end_matches(';').to_owned(),
            line: 1,
            lead: String::new(),
        };
        let composed = self.lets.compose(&piece);
        let script = match ParsedScript::parse(&composed.text) {
            Ok(s) => s,
            Err(e) => {
                eprint!("{}", composed.render(&e, "query", self.color));
                return Next::Failed;
            }
        };
        let catalog = match self.fresh_catalog() {
            Ok(c) => c,
            Err(e) => return self.failed(&e, None),
        };
        let caller = self.client.caller();
        let indexes: Vec<usize> = script.runnable().collect();
        for index in indexes {
            match script.compile(index, &catalog, &caller) {
                Ok(c) => {
                    outln!("-- plan");
                    out!("{}", c.optimized.tree());
                    outln!("-- bytecode");
                    out!("{}", disasm::to_text(&c.program));
                }
                Err(e) => {
                    eprint!("{}", composed.render(&e, "query", self.color));
                    return Next::Failed;
                }
            }
        }
        Next::Continue
    }
}

/// `ns.name`, or a bare name that only one namespace has.
fn find_table<'c>(catalog: &'c Catalog, name: &'c str) -> Result<&'c Table, String> {
    let name = name.trim_end_matches(';').trim();
    if let Some((ns, table)) = name.split_once('.') {
        return catalog
            .get_table(ns, table)
            .ok_or_else(|| format!("no table {name}"));
    }
    let found: Vec<&Table> = catalog.tables_named(name).collect();
    match found[..] {
        [one] => Ok(one),
        [] => Err(format!("no table {name}")),
        _ => Err(format!(
            "{name} is in several namespaces: {}",
            found
                .iter()
                .map(|t| t.qualified_name())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A result of text columns, printed like any other.
fn text_result(names: &[&str], rows: Vec<Vec<String>>) -> QueryResult {
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let columns: Vec<ArrayRef> = (0..names.len())
        .map(|i| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r[i]))) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("columns match the schema");
    QueryResult::new(Some(schema), vec![batch])
}

fn tables(catalog: &Catalog) -> QueryResult {
    let mut rows: Vec<Vec<String>> = catalog
        .user_defined_tables()
        .map(|t| {
            vec![
                t.namespace.clone(),
                t.name.clone(),
                t.kind.to_string(),
                if t.kind == TableKind::User {
                    "-".to_owned()
                } else {
                    t.access.to_string()
                },
                t.columns.len().to_string(),
            ]
        })
        .collect();
    rows.sort();
    text_result(&["namespace", "table", "kind", "access", "columns"], rows)
}

fn columns(table: &Table) -> QueryResult {
    let rows = table
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.ty.to_string(),
                if table.key.contains(&c.name) {
                    "key"
                } else {
                    ""
                }
                .into(),
                if c.nullable { "" } else { "not null" }.into(),
                c.default.clone().unwrap_or_default(),
            ]
        })
        .collect();
    text_result(&["column", "type", "key", "null", "default"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_lists_columns_and_the_key() {
        let catalog = Catalog::from_json(
            r#"{"generation": 1, "namespaces": ["chat"], "tables": [{
                "id": 1, "namespace": "chat", "name": "messages", "kind": "user",
                "schema_version": 1, "key": ["id"],
                "columns": [
                  {"id": 1, "name": "id", "type": "int64", "nullable": false, "default": "snowflake()"},
                  {"id": 2, "name": "content", "type": "text"}]}]}"#,
        )
        .unwrap();
        let t = find_table(&catalog, "messages;").unwrap();
        assert_eq!(
            columns(t).rows(),
            vec![
                vec!["id", "int64", "key", "not null", "snowflake()"],
                vec!["content", "text", "", "", ""],
            ]
        );
        assert_eq!(
            tables(&catalog).rows(),
            vec![vec!["chat", "messages", "user", "-", "2"]]
        );
        assert!(find_table(&catalog, "nope").is_err());
    }
}
