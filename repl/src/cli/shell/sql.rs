//! The shell's SQL mode (`\sql`, back with `\kql`; `--sql` for scripts): input is
//! PostgreSQL SQL, translated on the client to KQL (`kql_compiler::sql`), shown, and
//! run: the translated tree is compiled as it is (`Client::query_translated`), not
//! parsed again from the text shown. The translator is given the tables of the server's catalog, so
//! `SELECT *` next to other columns, `INSERT` without a column list and `ON
//! CONFLICT` upserts know their columns.

use kql::ast::{Name, Script, StatementKind, TypeKind};
use kql_compiler::catalog::Catalog;
use kql_compiler::sql::{Schema, TableSchema};
use kql_compiler::types::DataType;

use super::meta::Next;
use super::session::{Shell, Shown};

/// Whether `buffer` holds complete SQL statements: the last character outside
/// strings, quoted names and comments is `;`.
pub fn is_complete_sql(buffer: &str) -> bool {
    let mut last = None;
    let mut chars = buffer.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return false;
                }
                // A doubled quote reopens the literal: the loop sees it next.
                last = Some(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut closed = false;
                let mut star = false;
                for d in chars.by_ref() {
                    if star && d == '/' {
                        closed = true;
                        break;
                    }
                    star = d == '*';
                }
                if !closed {
                    return false;
                }
            }
            c if c.is_whitespace() => {}
            c => last = Some(c),
        }
    }
    last == Some(';')
}

fn type_kind(ty: DataType) -> Option<TypeKind> {
    Some(match ty {
        DataType::Null => return None,
        DataType::Bool => TypeKind::Bool,
        DataType::Int16 => TypeKind::Int16,
        DataType::Int32 => TypeKind::Int32,
        DataType::Int64 => TypeKind::Int64,
        DataType::Float32 => TypeKind::Float32,
        DataType::Float64 => TypeKind::Float64,
        DataType::Decimal { precision, scale } => TypeKind::Decimal { precision, scale },
        DataType::Text => TypeKind::Text,
        DataType::Bytes => TypeKind::Bytes,
        DataType::Json => TypeKind::Json,
        DataType::Timestamp => TypeKind::Timestamp,
        DataType::Date => TypeKind::Date,
        DataType::Time => TypeKind::Time,
        DataType::Uuid => TypeKind::Uuid,
        DataType::Duration => return None,
    })
}

/// The translator's view of a catalog's tables.
pub fn schema_of(catalog: &Catalog) -> Schema {
    let mut schema = Schema::new();
    for t in catalog.user_defined_tables() {
        schema.add_table(TableSchema {
            namespace: Some(Name::new(&t.namespace)),
            name: Name::new(&t.name),
            columns: t.columns.iter().map(|c| Name::new(&c.name)).collect(),
            key: t.key.iter().map(Name::from).collect(),
            types: t
                .columns
                .iter()
                .filter_map(|c| type_kind(c.ty).map(|k| (Name::new(&c.name), k)))
                .collect(),
        });
    }
    schema
}

impl Shell {
    /// Translates and runs SQL statements one by one, showing each one's KQL
    /// (on stderr, so results on stdout stay machine-readable) before it runs.
    /// The translated tree is compiled as it is (`Client::query_translated`): the
    /// KQL is printed to be shown, not parsed again.
    pub fn execute_sql(&mut self, sql: &str) -> Next {
        let catalog = match self.client.catalog() {
            Ok(c) => c,
            Err(e) => return self.failed(&e, None),
        };
        *self.translator.schema_mut() = schema_of(&catalog);
        for translation in self.translator.translate_statements(sql) {
            let translation = match translation {
                Ok(t) => t,
                Err(d) => {
                    eprint!("{}", d.render_with("sql", sql, self.color));
                    return Next::Failed;
                }
            };
            let script = Script {
                statements: translation.statements,
            };
            let kql = kql::format_script(&script);
            for line in kql.lines() {
                eprintln!("KQL: {line}");
            }
            match self.execute_translated(&script, &kql) {
                Next::Continue => {}
                other => return other,
            }
        }
        Next::Continue
    }

    /// Runs one SQL statement's translation, printing each result as
    /// [`Shell::execute`] does.
    fn execute_translated(&mut self, script: &Script, kql: &str) -> Next {
        let mut shown = Shown::new(self);
        let outcome = self
            .client
            .query_translated(script, kql, &self.params, |result| shown.result(&result));
        self.note_transaction(&shown);
        match outcome {
            Ok(()) => Next::Continue,
            Err(e) => {
                // The failing statement is the one after those that completed; a
                // compile error carries its own text.
                let statement = script
                    .statements
                    .iter()
                    .filter(|s| !matches!(s.kind, StatementKind::Let { .. }))
                    .nth(shown.done)
                    .map(kql::format_statement);
                self.failed(&e, statement.as_deref())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kql_compiler::sql::Translator;

    #[test]
    fn sql_statements_end_at_a_semicolon_outside_quotes_and_comments() {
        assert!(is_complete_sql("select 1;\n"));
        assert!(is_complete_sql("select 1; -- done\n"));
        assert!(!is_complete_sql("select ';\n"));
        assert!(is_complete_sql("select 'it''s';\n"));
        assert!(!is_complete_sql("select 1 /* ; */\n"));
        assert!(!is_complete_sql("select \"a;\n"));
        assert!(!is_complete_sql("select 1\n"));
    }

    #[test]
    fn the_catalog_becomes_the_translators_schema() {
        let catalog = Catalog::from_json(
            r#"{"generation": 1, "namespaces": ["chat"], "tables": [{
                "id": 1, "namespace": "chat", "name": "messages", "kind": "user",
                "schema_version": 1, "key": ["id"],
                "columns": [{"id": 1, "name": "id", "type": "int64", "nullable": false},
                            {"id": 2, "name": "at", "type": "timestamp"}]}]}"#,
        )
        .unwrap();
        let schema = schema_of(&catalog);
        let t = schema.table(Some("chat"), "messages").unwrap();
        assert_eq!(t.columns, vec!["id", "at"]);
        assert_eq!(t.column_type("at"), Some(TypeKind::Timestamp));
        let mut translator = Translator::with_schema(schema);
        let script = translator
            .translate("insert into chat.messages values (1, '2026-11-21 10:00:00')")
            .unwrap();
        let kql = kql::format_script(&script);
        assert!(kql.contains("insert into chat.messages"), "{kql}");
    }
}
