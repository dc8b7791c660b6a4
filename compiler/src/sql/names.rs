//! Names as PostgreSQL reads them: unquoted identifiers fold to lower case (ASCII
//! letters only, as PostgreSQL does with UTF-8), quoted ones stay as written; the
//! names PostgreSQL gives unnamed output columns; and fresh names for the helper
//! columns a translation needs.

use super::error::{R, SqlError, codes, fail};
use kql::ast::Name;
use sqlparser::ast::{self as sql, Spanned};
use std::collections::HashSet;

/// The name an identifier denotes.
pub(crate) fn fold(id: &sql::Ident) -> R<Name> {
    match id.quote_style {
        None => Ok(Name::ascii_lowercase(&id.value)),
        Some('"') if id.value.is_empty() => fail(
            codes::NAME,
            id.span,
            "a quoted name cannot be empty (PostgreSQL rejects `\"\"` too)",
        ),
        Some('"') => Ok(Name::new(&id.value)),
        Some(q) => fail(
            codes::NAME,
            id.span,
            format!("names quoted with {q} are not PostgreSQL; use double quotes"),
        ),
    }
}

/// One part of a dotted name, folded.
fn part(part: &sql::ObjectNamePart) -> R<Name> {
    match part {
        sql::ObjectNamePart::Identifier(id) => fold(id),
        other => fail(
            codes::NAME,
            other.span(),
            format!("`{other}` is not a plain name"),
        ),
    }
}

/// The parts of a dotted name, folded.
pub(crate) fn object_parts(name: &sql::ObjectName) -> R<Vec<Name>> {
    name.0.iter().map(part).collect()
}

/// `[namespace.]name` from a table name (a schema-qualified name's schema is the
/// KQL namespace; a database part is refused).
pub(crate) fn table_name(name: &sql::ObjectName) -> R<(Option<Name>, Name)> {
    // One or two parts (almost every name) are folded without a list of parts.
    match name.0.as_slice() {
        [n] => Ok((None, part(n)?)),
        [ns, n] => Ok((Some(part(ns)?), part(n)?)),
        _ => {
            // A bad part is named before the count is.
            object_parts(name)?;
            Err(SqlError::new(
                codes::NAME,
                name.span(),
                format!("`{name}` has a database part; KQL names are [namespace.]table"),
            )
            .hint("drop the database name: the server has one database"))
        }
    }
}

/// A name with exactly one part (a column in a list, a schema name).
pub(crate) fn single(name: &sql::ObjectName, what: &str) -> R<Name> {
    if let [n] = name.0.as_slice() {
        return part(n);
    }
    // A bad part is named before the count is.
    object_parts(name)?;
    fail(
        codes::NAME,
        name.span(),
        format!("{what} `{name}` must be a single name"),
    )
}

/// The name PostgreSQL gives an output column that has no alias, when it gives
/// one (`count(*)` → `count`, `x::text` → `x`); `None` where PostgreSQL says
/// `?column?`.
pub(crate) fn derived_name(e: &sql::Expr) -> Option<Name> {
    name_with_strength(e).map(|(n, _)| n)
}

/// PostgreSQL's FigureColname: a name and how strongly the expression suggests
/// it (2 for a column or function, 1 for a type name or CASE).
fn name_with_strength(e: &sql::Expr) -> Option<(Name, u8)> {
    use sql::Expr as E;
    let strong = |s: Name| Some((s, 2));
    match e {
        E::Identifier(id) => fold(id).ok().and_then(strong),
        E::CompoundIdentifier(parts) => parts.last().and_then(|p| fold(p).ok()).and_then(strong),
        E::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .and_then(|id| fold(id).ok())
            .and_then(strong),
        E::Nested(inner) => name_with_strength(inner),
        E::Cast {
            expr, data_type, ..
        } => match name_with_strength(expr) {
            Some((n, 2)) => Some((n, 2)),
            _ => pg_type_name(data_type).map(|t| (Name::new(t), 1)),
        },
        E::TypedString(t) => pg_type_name(&t.data_type).map(|n| (Name::new(n), 1)),
        E::Interval(_) => Some(("interval".into(), 1)),
        E::Case { .. } => Some(("case".into(), 1)),
        E::Substring { .. } => strong("substring".into()),
        E::Trim { .. } => strong("btrim".into()),
        E::Ceil { .. } => strong("ceil".into()),
        E::Floor { .. } => strong("floor".into()),
        E::Position { .. } => strong("position".into()),
        E::Extract { .. } => strong("extract".into()),
        E::Collate { expr, .. } => name_with_strength(expr),
        _ => None,
    }
}

/// PostgreSQL's internal name of a type, as it names an unnamed cast column.
fn pg_type_name(t: &sql::DataType) -> Option<&'static str> {
    use sql::DataType as T;
    Some(match t {
        T::SmallInt(_) | T::Int2(_) => "int2",
        T::Int(_) | T::Integer(_) | T::Int4(_) => "int4",
        T::BigInt(_) | T::Int8(_) => "int8",
        T::Real | T::Float4 => "float4",
        T::DoublePrecision | T::Float8 | T::Double(_) => "float8",
        T::Float(info) => match info {
            sql::ExactNumberInfo::Precision(p) if *p <= 24 => "float4",
            _ => "float8",
        },
        T::Numeric(_) | T::Decimal(_) | T::Dec(_) => "numeric",
        T::Text | T::String(_) => "text",
        T::Varchar(_) | T::CharacterVarying(_) | T::CharVarying(_) => "varchar",
        T::Bool | T::Boolean => "bool",
        T::Bytea => "bytea",
        T::JSON => "json",
        T::JSONB => "jsonb",
        T::Date => "date",
        T::Time(_, sql::TimezoneInfo::WithTimeZone | sql::TimezoneInfo::Tz) => "timetz",
        T::Time(..) => "time",
        T::Timestamp(_, sql::TimezoneInfo::WithTimeZone | sql::TimezoneInfo::Tz) => "timestamptz",
        T::Timestamp(..) => "timestamp",
        T::Uuid => "uuid",
        T::Interval { .. } => "interval",
        _ => return None,
    })
}

/// Fresh names for helper columns (`_g1`, `_s1`, …) that appear nowhere in the
/// statement's text (compared in lower case, so no word of it, quoted or not, can
/// clash) and were not handed out before. Most statements need none, so the
/// lower-cased text is made on the first request.
pub(crate) struct FreshNames<'s> {
    text: &'s str,
    lower: Option<String>,
    taken: HashSet<String>,
}

impl<'s> FreshNames<'s> {
    pub fn new(text: &'s str) -> Self {
        FreshNames {
            text,
            lower: None,
            taken: HashSet::new(),
        }
    }

    /// `_{stem}{n}` for the smallest n ≥ 1 not taken.
    pub fn fresh(&mut self, stem: &str) -> Name {
        let lower = self
            .lower
            .get_or_insert_with(|| self.text.to_ascii_lowercase());
        let mut n = 1;
        loop {
            let name = format!("_{stem}{n}");
            if !lower.contains(&name.to_ascii_lowercase()) && self.taken.insert(name.clone()) {
                return name.into();
            }
            n += 1;
        }
    }
}

/// Makes output names unique the way a user would: the second `id` becomes `id_2`
/// (KQL needs distinct output names; PostgreSQL allows repeats).
pub(crate) fn dedupe(names: &mut [Name]) {
    // Select lists are short and rarely repeat a name: a pairwise scan finds
    // that without building any set.
    let repeated = names.len() > 64
        || names
            .iter()
            .enumerate()
            .any(|(i, n)| names[..i].contains(n));
    if !repeated {
        return;
    }
    let mut seen: HashSet<Name> = HashSet::new();
    let all: HashSet<Name> = names.iter().cloned().collect();
    for name in names.iter_mut() {
        if seen.insert(name.clone()) {
            continue;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{name}_{n}");
            if !all.contains(candidate.as_str()) && seen.insert(Name::new(&candidate)) {
                *name = candidate.into();
                break;
            }
            n += 1;
        }
    }
}
