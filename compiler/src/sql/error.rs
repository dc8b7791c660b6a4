//! Errors of the SQL translator: stable codes in the `Q` range, each with a message
//! that names the SQL construct and says why it does not translate, the span of that
//! construct in the SQL text, and often a hint. They are [`kql::Diagnostic`]s, so
//! they render like KQL diagnostics (source line and caret).

use sqlparser::tokenizer::Span as SqlSpan;

/// Stable codes of the SQL translator. Clients match on these strings; a code's
/// meaning never changes once released. `docs/sql.md` lists them all (a test
/// checks that it does).
pub mod codes {
    /// The SQL text is larger than the input limit (8 MiB, as for KQL).
    pub const INPUT_TOO_LARGE: &str = "Q001";
    /// The SQL bytes are not valid UTF-8.
    pub const INVALID_UTF8: &str = "Q002";
    /// A syntax error reported by the PostgreSQL-dialect SQL parser.
    pub const SYNTAX: &str = "Q003";
    /// The SQL, or the KQL it would become, is nested too deeply.
    pub const TOO_DEEP: &str = "Q004";
    /// Too many errors in one input; the rest are not reported.
    pub const TOO_MANY_ERRORS: &str = "Q005";

    /// A kind of statement with no KQL translation (`CREATE INDEX`, `SET`, …).
    pub const STATEMENT: &str = "Q010";
    /// A window function (`… OVER (…)`).
    pub const WINDOW: &str = "Q011";
    /// `LATERAL`.
    pub const LATERAL: &str = "Q012";
    /// `WITH RECURSIVE`.
    pub const RECURSIVE: &str = "Q013";
    /// A subquery used as an expression (`IN (SELECT …)`, `EXISTS`, scalar).
    pub const SUBQUERY_EXPR: &str = "Q014";
    /// A set operation other than `UNION [ALL]` (`INTERSECT`, `EXCEPT`).
    pub const SET_OPERATION: &str = "Q015";
    /// A join KQL cannot express: `CROSS JOIN`, `NATURAL`, a comma join without an
    /// equality, a nested join on the right.
    pub const JOIN: &str = "Q016";
    /// A query clause with no KQL form (`DISTINCT ON`, `GROUPING SETS`, `FOR
    /// UPDATE`, `FETCH … WITH TIES`, a table function, …).
    pub const CLAUSE: &str = "Q017";

    /// A function with no faithful KQL equivalent, or a call form KQL lacks
    /// (`FILTER`, `DISTINCT` in `sum`, …).
    pub const FUNCTION: &str = "Q020";
    /// An operator with no faithful KQL equivalent (`~`, `^`, bitwise, JSON).
    pub const OPERATOR: &str = "Q021";
    /// A data type with no KQL equivalent (`varchar(n)`, `jsonb`, `serial`, …).
    pub const TYPE: &str = "Q022";
    /// A literal or value with no KQL equivalent (an integer past 64 bits, an
    /// interval in months, a non-ISO timestamp, …).
    pub const LITERAL: &str = "Q023";
    /// An expression form with no KQL equivalent (`CASE`, `COLLATE`, arrays,
    /// `AT TIME ZONE`, …).
    pub const EXPRESSION: &str = "Q024";

    /// A name that cannot be resolved the way PostgreSQL resolves it: an
    /// ambiguous or out-of-range `ORDER BY`/`GROUP BY` reference, a name with too
    /// many parts, a `*` whose columns the translator does not know.
    pub const NAME: &str = "Q030";
    /// An aggregate where PostgreSQL forbids one (`WHERE`, `GROUP BY`, `ON`) or
    /// nested aggregates.
    pub const AGGREGATE: &str = "Q031";
    /// `ORDER BY` of a `SELECT DISTINCT` or `UNION` on something not in the output.
    pub const ORDER_BY: &str = "Q032";

    /// An `INSERT` the translator cannot map: no column list for a table it does not
    /// know, a column count that differs from the values, `DEFAULT` where KQL
    /// takes none.
    pub const INSERT: &str = "Q040";
    /// `ON CONFLICT` that is not exactly an upsert.
    pub const ON_CONFLICT: &str = "Q041";
    /// `UPDATE … FROM`, `DELETE … USING`, a join or several tables in a write.
    pub const WRITE_FROM: &str = "Q042";
    /// `RETURNING`.
    pub const RETURNING: &str = "Q043";

    /// A `CREATE TABLE` element or option with no KQL equivalent (`UNIQUE`,
    /// `CHECK`, `REFERENCES`, an unknown storage parameter, …).
    pub const TABLE_DEFINITION: &str = "Q050";
    /// `CASCADE` where it would drop more than KQL's statement does.
    pub const CASCADE: &str = "Q051";
    /// A transaction mode or savepoint KQL does not have.
    pub const TRANSACTION: &str = "Q060";

    /// Every code, in order, with a one-line summary (used by the docs test).
    pub const ALL: &[(&str, &str)] = &[
        (INPUT_TOO_LARGE, "input too large"),
        (INVALID_UTF8, "input is not valid UTF-8"),
        (SYNTAX, "SQL syntax error"),
        (TOO_DEEP, "nested too deeply"),
        (TOO_MANY_ERRORS, "too many errors"),
        (STATEMENT, "statement not supported"),
        (WINDOW, "window function"),
        (LATERAL, "LATERAL"),
        (RECURSIVE, "recursive CTE"),
        (SUBQUERY_EXPR, "subquery in an expression"),
        (SET_OPERATION, "INTERSECT or EXCEPT"),
        (JOIN, "join without a KQL form"),
        (CLAUSE, "query clause without a KQL form"),
        (FUNCTION, "function without a KQL equivalent"),
        (OPERATOR, "operator without a KQL equivalent"),
        (TYPE, "type without a KQL equivalent"),
        (LITERAL, "literal without a KQL equivalent"),
        (EXPRESSION, "expression without a KQL equivalent"),
        (NAME, "name not resolvable"),
        (AGGREGATE, "aggregate not allowed here"),
        (ORDER_BY, "ORDER BY not on the output"),
        (INSERT, "INSERT not mappable"),
        (ON_CONFLICT, "ON CONFLICT that is not an upsert"),
        (WRITE_FROM, "write with FROM or USING"),
        (RETURNING, "RETURNING"),
        (TABLE_DEFINITION, "table definition element"),
        (CASCADE, "CASCADE"),
        (TRANSACTION, "transaction mode or savepoint"),
    ];
}

/// A translation error before its span is turned into byte offsets.
#[derive(Debug, Clone)]
pub(crate) struct SqlError {
    pub code: &'static str,
    pub message: String,
    pub span: SqlSpan,
    pub hint: Option<String>,
}

impl SqlError {
    pub fn new(code: &'static str, span: SqlSpan, message: impl Into<String>) -> Self {
        SqlError {
            code,
            message: message.into(),
            span,
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub(crate) type R<T> = Result<T, SqlError>;

/// Shorthand for `Err(SqlError::new(…))`.
pub(crate) fn fail<T>(code: &'static str, span: SqlSpan, message: impl Into<String>) -> R<T> {
    Err(SqlError::new(code, span, message))
}
