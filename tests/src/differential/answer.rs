//! Answers: the columns (name and PostgreSQL type) and rows a query gave, as text,
//! in a form both engines can produce; their recorded text form; and comparing
//! two answers by value.
//!
//! The recorded form (`postgres.expected`) is, per case:
//!
//! ```text
//! == select_columns (unordered)
//! id integer | name text | age integer
//! 1 | 'Ann' | 34
//! 3 | 'Bob' | NULL
//! ```
//!
//! Text values are quoted (`''` for a quote inside); other values are written as
//! PostgreSQL prints them; unordered rows are sorted so the file is stable.

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The PostgreSQL type name (`integer`, `numeric(10,2)`, `text`, …).
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub columns: Vec<Column>,
    /// Each value as text, `None` for NULL.
    pub rows: Vec<Vec<Option<String>>>,
    pub ordered: bool,
}

/// What a column's values are compared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Number,
    Bool,
    Timestamp,
    Text,
    Other,
}

fn class(ty: &str) -> Class {
    let t = ty.to_ascii_lowercase();
    if t.starts_with("numeric")
        || matches!(
            t.as_str(),
            "integer" | "bigint" | "smallint" | "real" | "double precision"
        )
    {
        Class::Number
    } else if t == "boolean" {
        Class::Bool
    } else if t.starts_with("timestamp") {
        Class::Timestamp
    } else if t == "text" || t.starts_with("character") {
        Class::Text
    } else {
        Class::Other
    }
}

impl Answer {
    /// The recorded text of one case.
    pub fn render(&self, case: &str) -> String {
        let mut out = format!(
            "== {case} ({})\n",
            if self.ordered { "ordered" } else { "unordered" }
        );
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{} {}", quote_name(&c.name), c.ty))
            .collect();
        out.push_str(&header.join(" | "));
        out.push('\n');
        let mut lines: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&self.columns)
                    .map(|(v, c)| value_text(v.as_deref(), &c.ty))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if !self.ordered {
            lines.sort();
        }
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        out
    }

    /// Reads recorded answers back: `(case name, answer)` in file order.
    pub fn parse_all(text: &str) -> Result<Vec<(String, Answer)>, String> {
        let mut out: Vec<(String, Answer)> = Vec::new();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((i, line)) = lines.next() {
            if line.trim().is_empty() {
                continue;
            }
            let head = line
                .strip_prefix("== ")
                .ok_or_else(|| format!("line {}: expected `== case (ordered)`", i + 1))?;
            let (name, mode) = head
                .rsplit_once(" (")
                .ok_or_else(|| format!("line {}: no (ordered)/(unordered)", i + 1))?;
            let ordered = match mode.trim_end_matches(')') {
                "ordered" => true,
                "unordered" => false,
                m => return Err(format!("line {}: unknown mode {m}", i + 1)),
            };
            let (_, header) = lines
                .next()
                .ok_or_else(|| format!("case {name}: no header"))?;
            let columns = split_cells(header)
                .into_iter()
                .map(|cell| {
                    let (n, ty) = split_name(&cell);
                    Column { name: n, ty }
                })
                .collect::<Vec<_>>();
            let mut rows = Vec::new();
            while let Some((_, l)) = lines.peek() {
                if l.starts_with("== ") || l.trim().is_empty() {
                    break;
                }
                let (_, l) = lines.next().expect("peeked");
                let cells = split_cells(l);
                if cells.len() != columns.len() {
                    return Err(format!(
                        "case {name}: a row of {} values for {} columns",
                        cells.len(),
                        columns.len()
                    ));
                }
                rows.push(cells.iter().map(|c| parse_value(c)).collect());
            }
            out.push((
                name.to_string(),
                Answer {
                    columns,
                    rows,
                    ordered,
                },
            ));
        }
        Ok(out)
    }

    /// Checks `actual` against this (expected) answer: the same number of
    /// columns, the same names (where PostgreSQL derives one), and the same rows
    /// by value, in order when the case orders them.
    pub fn compare(&self, actual: &Answer) -> Result<(), String> {
        if self.columns.len() != actual.columns.len() {
            return Err(format!(
                "{} columns, expected {}",
                actual.columns.len(),
                self.columns.len()
            ));
        }
        for (e, a) in self.columns.iter().zip(&actual.columns) {
            let repeated = self.columns.iter().filter(|c| c.name == e.name).count() > 1;
            if e.name != "?column?" && !repeated && e.name != a.name {
                return Err(format!("column `{}`, expected `{}`", a.name, e.name));
            }
        }
        if self.rows.len() != actual.rows.len() {
            return Err(format!(
                "{} rows, expected {}:\n{}",
                actual.rows.len(),
                self.rows.len(),
                actual.render("actual")
            ));
        }
        let classes: Vec<Class> = self.columns.iter().map(|c| class(&c.ty)).collect();
        let key = |r: &Vec<Option<String>>| -> Vec<Option<String>> {
            r.iter()
                .zip(&classes)
                .map(|(v, c)| v.as_deref().map(|v| canonical(v, *c)))
                .collect()
        };
        let mut expected: Vec<_> = self.rows.iter().map(key).collect();
        let mut got: Vec<_> = actual.rows.iter().map(key).collect();
        if !self.ordered {
            expected.sort();
            got.sort();
        }
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            if e != g {
                return Err(format!("row {} is {:?}, expected {:?}", i + 1, g, e));
            }
        }
        Ok(())
    }
}

/// A value in a form that is equal for equal values: numbers to 12 significant
/// digits (both engines compute in binary floating point or exact decimals),
/// booleans as `true`/`false`, timestamps without the `T`, `Z` or `+00` variants.
fn canonical(v: &str, c: Class) -> String {
    match c {
        Class::Number => match v.trim().parse::<f64>() {
            Ok(0.0) => "0".into(),
            Ok(f) if f.is_finite() => format!("{:.11e}", f),
            _ => v.to_string(),
        },
        Class::Bool => match v {
            "t" | "true" => "true".into(),
            "f" | "false" => "false".into(),
            other => other.to_string(),
        },
        Class::Timestamp => {
            let mut s = v.replace('T', " ");
            for suffix in ["Z", "+00:00", "+00"] {
                if let Some(stripped) = s.strip_suffix(suffix) {
                    s = stripped.to_string();
                    break;
                }
            }
            if s.contains('.') {
                s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            }
            s
        }
        Class::Text | Class::Other => v.to_string(),
    }
}

fn value_text(v: Option<&str>, ty: &str) -> String {
    match v {
        None => "NULL".into(),
        Some(s) if class(ty) == Class::Text => format!(
            "'{}'",
            s.replace('\\', "\\\\")
                .replace('\'', "''")
                .replace('\n', "\\n")
        ),
        Some(s) => s.to_string(),
    }
}

fn parse_value(cell: &str) -> Option<String> {
    if cell == "NULL" {
        return None;
    }
    match cell.strip_prefix('\'').and_then(|c| c.strip_suffix('\'')) {
        Some(inner) => Some(
            inner
                .replace("''", "'")
                .replace("\\n", "\n")
                .replace("\\\\", "\\"),
        ),
        None => Some(cell.to_string()),
    }
}

fn quote_name(n: &str) -> String {
    if n.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '?')
        && !n.is_empty()
    {
        n.to_string()
    } else {
        format!("\"{}\"", n.replace('"', "\"\""))
    }
}

/// `name type` or `"odd name" type`.
fn split_name(cell: &str) -> (String, String) {
    if let Some(rest) = cell.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if matches!(chars.peek(), Some((_, '"'))) {
                    chars.next();
                    name.push('"');
                    continue;
                }
                return (name, rest[i + 1..].trim().to_string());
            }
            name.push(c);
        }
        (name, String::new())
    } else {
        match cell.split_once(' ') {
            Some((n, t)) => (n.to_string(), t.trim().to_string()),
            None => (cell.to_string(), String::new()),
        }
    }
}

/// Cells separated by ` | `, where quoted text may contain anything.
fn split_cells(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted: Option<char> = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quoted {
            Some(q) if c == q => {
                if chars.get(i + 1) == Some(&q) {
                    cur.push(c);
                    cur.push(c);
                    i += 2;
                    continue;
                }
                quoted = None;
                cur.push(c);
            }
            Some(_) => cur.push(c),
            None if c == '\'' || (c == '"' && cur.is_empty()) => {
                quoted = Some(c);
                cur.push(c);
            }
            None if c == ' '
                && chars.get(i + 1) == Some(&'|')
                && chars.get(i + 2) == Some(&' ') =>
            {
                out.push(std::mem::take(&mut cur));
                i += 3;
                continue;
            }
            None => cur.push(c),
        }
        i += 1;
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(ty: &[(&str, &str)], rows: &[&[Option<&str>]], ordered: bool) -> Answer {
        Answer {
            columns: ty
                .iter()
                .map(|(n, t)| Column {
                    name: n.to_string(),
                    ty: t.to_string(),
                })
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
            ordered,
        }
    }

    #[test]
    fn render_and_parse_round_trip() {
        let a = answer(
            &[
                ("id", "integer"),
                ("odd name", "text"),
                ("n", "numeric(10,2)"),
            ],
            &[
                &[Some("2"), Some("it's | here"), None],
                &[Some("1"), Some(""), Some("-1.50")],
                &[Some("3"), None, Some("0.00")],
            ],
            false,
        );
        let text = a.render("c1");
        let parsed = Answer::parse_all(&text).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].0, "c1");
        assert!(a.compare(&parsed[0].1).is_ok());
        assert_eq!(parsed[0].1.columns[1].name, "odd name");
        // Empty text and NULL stay different.
        assert!(text.contains("1 | '' | -1.50"), "{text}");
        assert!(text.contains("3 | NULL | 0.00"), "{text}");
    }

    #[test]
    fn values_compare_by_meaning() {
        let pg = answer(
            &[
                ("a", "numeric"),
                ("b", "boolean"),
                ("t", "timestamp with time zone"),
            ],
            &[&[
                Some("2.5000000000000000"),
                Some("t"),
                Some("2024-01-01 08:00:00+00"),
            ]],
            true,
        );
        let other = answer(
            &[
                ("a", "numeric"),
                ("b", "boolean"),
                ("t", "timestamp with time zone"),
            ],
            &[&[Some("2.5"), Some("true"), Some("2024-01-01T08:00:00Z")]],
            true,
        );
        assert!(pg.compare(&other).is_ok());
        let wrong = answer(
            &[
                ("a", "numeric"),
                ("b", "boolean"),
                ("t", "timestamp with time zone"),
            ],
            &[&[Some("2.5001"), Some("true"), Some("2024-01-01T08:00:00Z")]],
            true,
        );
        assert!(pg.compare(&wrong).is_err());
    }

    #[test]
    fn order_matters_only_when_ordered() {
        let rows_a: &[&[Option<&str>]] = &[&[Some("1")], &[Some("2")]];
        let rows_b: &[&[Option<&str>]] = &[&[Some("2")], &[Some("1")]];
        let unordered = answer(&[("x", "integer")], rows_a, false);
        assert!(
            unordered
                .compare(&answer(&[("x", "integer")], rows_b, false))
                .is_ok()
        );
        let ordered = answer(&[("x", "integer")], rows_a, true);
        assert!(
            ordered
                .compare(&answer(&[("x", "integer")], rows_b, true))
                .is_err()
        );
    }

    #[test]
    fn null_is_not_empty_text_and_names_are_checked() {
        let a = answer(&[("s", "text")], &[&[None]], false);
        let b = answer(&[("s", "text")], &[&[Some("")]], false);
        assert!(a.compare(&b).is_err());
        let renamed = answer(&[("t", "text")], &[&[None]], false);
        assert!(a.compare(&renamed).is_err());
        let anonymous = answer(&[("?column?", "integer")], &[&[Some("1")]], false);
        let named = answer(&[("column1", "integer")], &[&[Some("1")]], false);
        assert!(anonymous.compare(&named).is_ok());
    }
}
