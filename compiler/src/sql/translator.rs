//! The entry points: a [`Translator`] keeps the [`Schema`] it has learned between
//! calls (a REPL session, a script read in pieces); [`translate`] is the one-shot
//! form. Statements are translated independently, so one input reports every
//! statement that does not translate.

use super::depth::{MAX_KQL_DEPTH, statement_depth};
use super::error::{SqlError, codes};
use super::schema::Schema;
use super::source::{self, LineIndex, TokenBuffer};
use super::statement::Tx;
use kql::ast::{Script, Span, Statement};
use kql::{Diagnostic, Diagnostics};
use sqlparser::tokenizer::Span as SqlSpan;

/// One SQL statement and the KQL statements it became (`let`s for its CTEs first).
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The statement's bytes in the SQL text.
    pub span: Span,
    pub statements: Vec<Statement>,
}

/// A SQL→KQL translator that remembers the tables it has seen defined.
#[derive(Debug, Clone, Default)]
pub struct Translator {
    schema: Schema,
    /// The room sqlparser's tokens take, kept from one input to the next.
    tokens: TokenBuffer,
}

impl Translator {
    pub fn new() -> Self {
        Translator::default()
    }

    /// A translator that knows these tables from the start.
    pub fn with_schema(schema: Schema) -> Self {
        Translator {
            schema,
            tokens: TokenBuffer::default(),
        }
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn schema_mut(&mut self) -> &mut Schema {
        &mut self.schema
    }

    /// Translates every statement of `sql`, in order. A statement that does not
    /// translate gives its diagnostic and the others still translate; only an
    /// input that cannot be cut into statements (too large, an unterminated
    /// string) gives a single error. `CREATE`, `ALTER` and `DROP TABLE` update the
    /// schema as they translate.
    pub fn translate_statements(&mut self, sql: &str) -> Vec<Result<Translation, Diagnostic>> {
        let mut out = Vec::new();
        self.each_statement(sql, |r| out.push(r));
        out
    }

    /// [`Translator::translate_statements`], handing each result to `f` as it
    /// comes instead of collecting them.
    fn each_statement(&mut self, sql: &str, mut f: impl FnMut(Result<Translation, Diagnostic>)) {
        if sql.len() > kql::limits::MAX_INPUT_BYTES {
            f(Err(Diagnostic::new(
                codes::INPUT_TOO_LARGE,
                Span::new(0, 0),
                format!(
                    "the SQL is {} bytes; the limit is {}",
                    sql.len(),
                    kql::limits::MAX_INPUT_BYTES
                ),
            )
            .with_hint("split the input into several requests")));
            return;
        }
        let lines = LineIndex::new(sql);
        let raws = match source::split(sql, &mut self.tokens) {
            Ok(r) => r,
            Err(e) => {
                f(Err(diagnostic(e, &lines)));
                return;
            }
        };
        let mut used_lets = Vec::new();
        for raw in raws {
            let span = lines.span(raw.span);
            let raw_span = raw.span;
            let text = &sql[span.range()];
            let result = source::parse_with(raw, &mut self.tokens, |stmt| {
                let mut tx = Tx::new(&self.schema, &mut used_lets, text);
                let statements = tx.statement(stmt)?;
                if statements
                    .iter()
                    .any(|s| statement_depth(s) > MAX_KQL_DEPTH)
                {
                    return Err(SqlError::new(
                        codes::TOO_DEEP,
                        raw_span,
                        format!("the KQL for this statement would nest more than {MAX_KQL_DEPTH} levels deep"),
                    )
                    .hint("simplify the expression or split the query"));
                }
                let changes = std::mem::take(&mut tx.changes);
                Ok((statements, changes))
            });
            match result {
                Ok((statements, changes)) => {
                    for c in changes {
                        self.schema.apply(c);
                    }
                    f(Ok(Translation { span, statements }))
                }
                Err(e) => f(Err(diagnostic(fallback(e, raw_span), &lines))),
            }
        }
    }

    /// Translates a whole script: the KQL statements of every SQL statement, or
    /// every diagnostic if any statement does not translate (at most
    /// `kql::limits::MAX_DIAGNOSTICS`, then `Q005`).
    pub fn translate(&mut self, sql: &str) -> Result<Script, Diagnostics> {
        let mut statements = Vec::new();
        let mut errors = Vec::new();
        let mut full = false;
        // Each statement as it translates: no list of translations in between.
        // Every statement still translates (its schema changes apply) after
        // the errors are full.
        self.each_statement(sql, |r| match r {
            Ok(_) if full => {}
            Ok(t) if statements.is_empty() => statements = t.statements,
            Ok(t) => statements.extend(t.statements),
            Err(_) if full => {}
            Err(d) => {
                if errors.len() == kql::limits::MAX_DIAGNOSTICS {
                    errors.push(Diagnostic::new(
                        codes::TOO_MANY_ERRORS,
                        d.span,
                        format!(
                            "more than {} errors; the rest are not reported",
                            kql::limits::MAX_DIAGNOSTICS
                        ),
                    ));
                    full = true;
                } else {
                    errors.push(d);
                }
            }
        });
        if errors.is_empty() {
            Ok(Script { statements })
        } else {
            Err(Diagnostics(errors))
        }
    }
}

/// Translates PostgreSQL SQL to a KQL script with a fresh [`Translator`].
pub fn translate(sql: &str) -> Result<Script, Diagnostics> {
    Translator::new().translate(sql)
}

/// Checks that SQL from a file or stdin is UTF-8 (`Q002` when it is not).
pub fn source_from_bytes(bytes: &[u8]) -> Result<&str, Diagnostics> {
    kql::source_from_bytes(bytes).map_err(|d| {
        Diagnostics(
            d.into_iter()
                .map(|mut x| {
                    x.code = codes::INVALID_UTF8;
                    x.hint = Some("SQL text must be UTF-8".into());
                    x
                })
                .collect(),
        )
    })
}

/// An error without a position points at its whole statement.
fn fallback(mut e: SqlError, statement: SqlSpan) -> SqlError {
    if e.span.start.line == 0 {
        e.span = statement;
    }
    e
}

fn diagnostic(e: SqlError, lines: &LineIndex<'_>) -> Diagnostic {
    let mut d = Diagnostic::new(e.code, lines.span(e.span), e.message);
    d.hint = e.hint;
    d
}
