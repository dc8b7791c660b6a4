//! The corpus files: the data set (`schema.sql`, `data.sql`) and the cases
//! (`cases.sql`). A case is a `-- case: NAME` line, a `-- tags: a, b` line, an
//! optional `-- params: 1, 'x'` line (SQL literals bound to `$1`, `$2`, …), and
//! statements, each ending with `;` at the end of a line; the last statement is a
//! query, and its rows are the case's answer. They are compared in order when
//! that query ends in `ORDER BY`, as a multiset otherwise.

use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The constructs issue 7 lists, each of which needs at least
/// [`MIN_CASES_PER_CONSTRUCT`] passing cases (the tags cases carry).
pub const CONSTRUCTS: &[&str] = &[
    "select",
    "where",
    "group_by",
    "having",
    "order_by_name",
    "order_by_alias",
    "order_by_position",
    "limit_offset",
    "distinct",
    "inner_join",
    "left_join",
    "right_join",
    "full_join",
    "join_on",
    "join_using",
    "subquery_from",
    "cte",
    "in_list",
    "between",
    "like",
    "ilike",
    "cast",
    "is_null",
    "coalesce",
    "case",
    "scalar_functions",
    "aggregate_functions",
    "insert_values",
    "insert_select",
    "upsert",
    "update",
    "delete",
    "create_table",
    "create_schema",
    "drop",
    "transactions",
    "parameters",
    // The semantics the translation must keep.
    "null_semantics",
    "integer_division",
    "string_comparison",
    "nulls_order",
];

pub const MIN_CASES_PER_CONSTRUCT: usize = 3;

/// One case: statements run in order, the last one's rows compared.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub tags: Vec<String>,
    /// SQL literals for `$1`, `$2`, …
    pub params: Vec<String>,
    pub statements: Vec<String>,
    /// Whether the last statement orders its rows.
    pub ordered: bool,
    /// The line of `cases.sql` the case starts on.
    pub line: usize,
}

impl Case {
    /// The highest `$n` a statement uses (0 for none).
    pub fn max_param(statement: &str) -> usize {
        let dialect = PostgreSqlDialect {};
        Tokenizer::new(&dialect, statement)
            .tokenize()
            .unwrap_or_default()
            .iter()
            .filter_map(|t| match t {
                Token::Placeholder(p) => p.strip_prefix('$')?.parse::<usize>().ok(),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }
}

/// The data set and the cases.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub dir: PathBuf,
    /// `schema.sql` then `data.sql`, statement by statement.
    pub setup: Vec<String>,
    pub cases: Vec<Case>,
}

impl Corpus {
    /// The directory of the corpus in this repository.
    pub fn dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/differential")
    }

    pub fn load() -> Result<Corpus, String> {
        let dir = Self::dir();
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))
        };
        let mut setup = statements(&read("schema.sql")?);
        setup.extend(statements(&read("data.sql")?));
        let cases = parse_cases(&read("cases.sql")?)?;
        Ok(Corpus { dir, setup, cases })
    }

    /// How many cases carry each tag.
    pub fn coverage(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for c in &self.cases {
            for t in &c.tags {
                *out.entry(t.clone()).or_insert(0) += 1;
            }
        }
        out
    }
}

/// Statements of a file: text up to a line ending in `;`, comments dropped.
pub fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("--") || (t.is_empty() && current.is_empty()) {
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        if t.ends_with(';') {
            let s = current.trim().trim_end_matches(';').trim().to_string();
            out.push(s);
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    let mut cases: Vec<Case> = Vec::new();
    let mut body = String::new();
    let close = |cases: &mut Vec<Case>, body: &mut String| -> Result<(), String> {
        if let Some(c) = cases.last_mut() {
            c.statements = statements(body);
            body.clear();
            let last = c
                .statements
                .last()
                .ok_or_else(|| format!("case {} has no statements", c.name))?;
            c.ordered = ordered(last).map_err(|e| format!("case {}: {e}", c.name))?;
        }
        Ok(())
    };
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("-- case:") {
            close(&mut cases, &mut body)?;
            let name = name.trim().to_string();
            if cases.iter().any(|c| c.name == name) {
                return Err(format!("line {}: case {name} appears twice", i + 1));
            }
            cases.push(Case {
                name,
                tags: Vec::new(),
                params: Vec::new(),
                statements: Vec::new(),
                ordered: false,
                line: i + 1,
            });
        } else if let Some(tags) = t.strip_prefix("-- tags:") {
            let c = cases.last_mut().ok_or("tags before the first case")?;
            c.tags = tags.split(',').map(|s| s.trim().to_string()).collect();
        } else if let Some(params) = t.strip_prefix("-- params:") {
            let c = cases.last_mut().ok_or("params before the first case")?;
            c.params = split_params(params);
        } else if !cases.is_empty() {
            body.push_str(line);
            body.push('\n');
        }
    }
    close(&mut cases, &mut body)?;
    Ok(cases)
}

/// `1, 'a, b', NULL` → `["1", "'a, b'", "NULL"]`.
fn split_params(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Whether a query orders its rows at the top level.
fn ordered(sql: &str) -> Result<bool, String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| e.to_string())?;
    match statements.as_slice() {
        [Statement::Query(q)] => Ok(q.order_by.is_some()),
        _ => Err(format!("the last statement must be a query: {sql}")),
    }
}
