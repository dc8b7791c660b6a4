//! Function calls: the PostgreSQL functions with a faithful KQL equivalent, and the
//! aggregates. Every name emitted here is one the KQL binder's function library
//! defines (`compiler/src/bytecode/expr.rs`) or one of its aggregates.
//!
//! | PostgreSQL | KQL |
//! |---|---|
//! | `count(*)`, `count(x)`, `count(DISTINCT x)` | `count()`, `count(x)`, `count_distinct(x)` |
//! | `sum`, `avg`, `min`, `max` | the same (`avg` of a decimal column averages it as `decimal(38, 16)`) |
//! | `lower`, `upper`, `abs`, `coalesce`, `starts_with` | the same |
//! | `length`, `char_length`, `character_length` | `len` |
//! | `round(x)`, `floor`, `ceil`, `ceiling` | `round`, `floor`, `ceil` |
//! | `mod(a, b)` | `a % b` |
//! | `nullif(a, b)` | `if(a == b, null, a)` |
//! | `substr`, `substring` (constant positions) | `substring` (0-based) |
//! | `concat(a, …)` (NULL counts as '') | `concat(coalesce(a, ""), …)` |
//! | `now()`, `current_timestamp`, `transaction_timestamp()`, `statement_timestamp()`, `localtimestamp` | `now()` |
//! | `current_date` | `now()::date` |
//! | `current_user`, `session_user`, `user` | `current_user()` |
//! | `gen_random_uuid()` | `uuid()` |

use super::build::{binary, call, cast, string};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::names::fold;
use kql::ast::{BinaryOp, Expr, ExprKind, Literal, Name, TypeKind};
use sqlparser::ast::{self as sql, Spanned};

/// The aggregates PostgreSQL and KQL share (by their SQL names).
pub(crate) const AGGREGATES: [&str; 5] = ["count", "sum", "avg", "min", "max"];

/// The KQL names of aggregates, as they appear in translated trees.
pub(crate) const KQL_AGGREGATES: [&str; 6] =
    ["count", "count_distinct", "sum", "avg", "min", "max"];

/// Functions with no KQL equivalent that people reach for, with why or what to do.
const REFUSED: &[(&str, &str)] = &[
    ("replace", "KQL has no replace()"),
    (
        "position",
        "KQL has no position(); contains() tests for a substring",
    ),
    (
        "strpos",
        "KQL has no position(); contains() tests for a substring",
    ),
    ("greatest", "KQL has no greatest()"),
    ("least", "KQL has no least()"),
    (
        "trim",
        "KQL's trim() removes all white space, PostgreSQL's only spaces",
    ),
    (
        "btrim",
        "KQL's trim() removes all white space, PostgreSQL's only spaces",
    ),
    ("ltrim", "KQL has no one-sided trim"),
    ("rtrim", "KQL has no one-sided trim"),
    (
        "clock_timestamp",
        "KQL's now() is fixed for the statement; clock_timestamp() changes within it",
    ),
    ("random", "KQL has no random()"),
    ("round", "KQL's round() takes one argument"),
    ("string_agg", "KQL has no string aggregate"),
    ("array_agg", "KQL has no arrays"),
    ("bool_and", "KQL has no boolean aggregates"),
    ("bool_or", "KQL has no boolean aggregates"),
    ("every", "KQL has no boolean aggregates"),
    ("date_trunc", "KQL has no date functions yet"),
    ("date_part", "KQL has no date functions yet"),
    ("to_char", "KQL has no formatting functions"),
    ("octet_length", "KQL's len() counts characters of text"),
];

impl Cx<'_> {
    pub(super) fn function(&self, f: &sql::Function, whole: &sql::Expr) -> R<Expr> {
        let name = function_name(f)?;
        if let Some(over) = &f.over {
            return Err(SqlError::new(
                codes::WINDOW,
                whole.span(),
                format!("window function `{name}(…) OVER {over}` has no KQL equivalent"),
            )
            .hint(
                "aggregate with GROUP BY and join the result back, or compute it in the client",
            ));
        }
        if f.filter.is_some() {
            return fail(
                codes::FUNCTION,
                whole.span(),
                format!("`{name}(…) FILTER (WHERE …)` has no KQL form"),
            )
            .map_err(|e: SqlError| {
                e.hint("filter the rows with WHERE, or aggregate in a subquery")
            });
        }
        if !f.within_group.is_empty() || f.null_treatment.is_some() || f.uses_odbc_syntax {
            return fail(
                codes::FUNCTION,
                whole.span(),
                format!("`{whole}` has no KQL form"),
            );
        }
        if !matches!(f.parameters, sql::FunctionArguments::None) {
            return fail(
                codes::FUNCTION,
                whole.span(),
                format!("`{whole}` is not PostgreSQL"),
            );
        }
        let (distinct, args) = match &f.args {
            sql::FunctionArguments::None => (false, Vec::new()),
            sql::FunctionArguments::Subquery(_) => {
                return fail(
                    codes::SUBQUERY_EXPR,
                    whole.span(),
                    format!("`{name}(SELECT …)` has no KQL form"),
                );
            }
            sql::FunctionArguments::List(list) => {
                if let Some(clause) = list.clauses.first() {
                    return fail(
                        codes::FUNCTION,
                        whole.span(),
                        format!("`{clause}` inside `{name}(…)` has no KQL form"),
                    );
                }
                let distinct = matches!(
                    list.duplicate_treatment,
                    Some(sql::DuplicateTreatment::Distinct)
                );
                let mut args = Vec::with_capacity(list.args.len());
                for a in &list.args {
                    match a {
                        sql::FunctionArg::Unnamed(arg) => args.push(arg),
                        _ => {
                            return fail(
                                codes::FUNCTION,
                                whole.span(),
                                format!("named arguments in `{name}(…)` have no KQL form"),
                            );
                        }
                    }
                }
                (distinct, args)
            }
        };
        if AGGREGATES.contains(&name.as_str()) {
            return self.aggregate(&name, distinct, &args, whole);
        }
        if distinct {
            return fail(
                codes::FUNCTION,
                whole.span(),
                format!("DISTINCT in `{name}(…)`: only aggregates take DISTINCT"),
            );
        }
        let args: Vec<&sql::Expr> = args
            .into_iter()
            .map(|a| match a {
                sql::FunctionArgExpr::Expr(e) => Ok(e),
                _ => fail(
                    codes::FUNCTION,
                    whole.span(),
                    format!("`*` is an argument only of count(*), not of {name}()"),
                ),
            })
            .collect::<R<_>>()?;
        self.scalar(&name, &args, whole)
    }

    fn scalar(&self, name: &str, args: &[&sql::Expr], whole: &sql::Expr) -> R<Expr> {
        let arity = |n: usize| -> R<()> {
            if args.len() == n {
                Ok(())
            } else {
                fail(
                    codes::FUNCTION,
                    whole.span(),
                    format!(
                        "{name}() takes {n} argument{} here, not {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
            }
        };
        let translate =
            |args: &[&sql::Expr]| -> R<Vec<Expr>> { args.iter().map(|a| self.expr(a)).collect() };
        Ok(match name {
            "lower" | "upper" | "abs" | "floor" => {
                arity(1)?;
                call(name, translate(args)?)
            }
            "ceil" | "ceiling" => {
                arity(1)?;
                call("ceil", translate(args)?)
            }
            "round" if args.len() == 1 => call("round", translate(args)?),
            "length" | "char_length" | "character_length" => {
                arity(1)?;
                call("len", translate(args)?)
            }
            "starts_with" => {
                arity(2)?;
                call("starts_with", translate(args)?)
            }
            "coalesce" => {
                if args.is_empty() {
                    return fail(
                        codes::FUNCTION,
                        whole.span(),
                        "coalesce() needs an argument",
                    );
                }
                call("coalesce", translate(args)?)
            }
            "mod" => {
                arity(2)?;
                let mut v = translate(args)?;
                let b = v.pop().expect("two");
                let a = v.pop().expect("two");
                binary(BinaryOp::Rem, a, b)
            }
            "concat" => self.concat_function(args, whole)?,
            // NULL when the two are equal, else the first: a null first argument
            // stays null (the comparison is null, so `if` takes its else branch).
            "nullif" => {
                arity(2)?;
                let mut v = translate(args)?;
                let b = v.pop().expect("two");
                let a = v.pop().expect("two");
                call(
                    "if",
                    vec![
                        binary(BinaryOp::Eq, a.clone(), b),
                        super::build::lit(Literal::Null),
                        a,
                    ],
                )
            }
            "substr" | "substring" => {
                if !(2..=3).contains(&args.len()) {
                    return fail(
                        codes::FUNCTION,
                        whole.span(),
                        format!("{name}() takes 2 or 3 arguments"),
                    );
                }
                self.substring(whole, args[0], Some(args[1]), args.get(2).copied())?
            }
            "now"
            | "current_timestamp"
            | "transaction_timestamp"
            | "statement_timestamp"
            | "localtimestamp" => {
                arity(0)?;
                call("now", Vec::new())
            }
            "current_date" => {
                arity(0)?;
                cast(call("now", Vec::new()), TypeKind::Date)
            }
            "current_user" | "session_user" | "user" => {
                arity(0)?;
                call("current_user", Vec::new())
            }
            "gen_random_uuid" | "uuid_generate_v4" => {
                arity(0)?;
                call("uuid", Vec::new())
            }
            _ => {
                let why = REFUSED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, why)| *why);
                let message = match why {
                    Some(why) => format!("function `{name}` has no KQL equivalent: {why}"),
                    None => format!("function `{name}` has no KQL equivalent"),
                };
                return Err(SqlError::new(codes::FUNCTION, whole.span(), message)
                    .hint("see docs/sql.md for the functions that translate"));
            }
        })
    }

    /// `concat(a, b)` skips NULL arguments, so each becomes `coalesce(a, "")`; KQL's
    /// `concat` would be null. Non-text arguments become text as PostgreSQL writes
    /// them (see `Cx::text_operand`).
    fn concat_function(&self, args: &[&sql::Expr], whole: &sql::Expr) -> R<Expr> {
        let mut parts = Vec::with_capacity(args.len());
        for a in args {
            let e = self.text_operand(a, true)?;
            match &e.kind {
                ExprKind::Literal(Literal::Null) => {}
                ExprKind::Literal(Literal::String(_)) => parts.push(e),
                _ => parts.push(call("coalesce", vec![e, string("")])),
            }
        }
        if parts.is_empty() {
            if args.is_empty() {
                return fail(codes::FUNCTION, whole.span(), "concat() needs an argument");
            }
            return Ok(string(""));
        }
        Ok(call("concat", parts))
    }

    fn aggregate(
        &self,
        name: &str,
        distinct: bool,
        args: &[&sql::FunctionArgExpr],
        whole: &sql::Expr,
    ) -> R<Expr> {
        if let Some(clause) = self.no_aggregates {
            return fail(
                codes::AGGREGATE,
                whole.span(),
                format!("aggregate `{name}()` is not allowed in {clause}"),
            );
        }
        if self.in_aggregate {
            return fail(
                codes::AGGREGATE,
                whole.span(),
                format!("aggregate `{name}()` inside another aggregate"),
            );
        }
        let inner = Cx {
            in_aggregate: true,
            ..*self
        };
        let arg = match args {
            [sql::FunctionArgExpr::Wildcard] if name == "count" && !distinct => {
                return Ok(call("count", Vec::new()));
            }
            [sql::FunctionArgExpr::Expr(e)] => inner.expr(e)?,
            _ => {
                return fail(
                    codes::FUNCTION,
                    whole.span(),
                    format!("{name}() takes one argument here"),
                );
            }
        };
        let arg = if name == "avg" {
            self.avg_argument(arg)
        } else {
            arg
        };
        Ok(match (name, distinct) {
            ("count", true) => call("count_distinct", vec![arg]),
            // DISTINCT changes nothing for min and max.
            (_, false) | ("min" | "max", true) => call(name, vec![arg]),
            (_, true) => {
                return Err(SqlError::new(
                    codes::FUNCTION,
                    whole.span(),
                    format!("`{name}(DISTINCT …)` has no KQL equivalent"),
                )
                .hint(format!("take {name} over SELECT DISTINCT in a subquery")));
            }
        })
    }
}

impl Cx<'_> {
    /// `avg`'s argument. PostgreSQL's `avg(numeric)` keeps at least 16 digits
    /// after the point, KQL's `avg(decimal(p, s))` only `s`: a decimal column is
    /// cast to `decimal(38, 16)` (fewer fraction digits when its integer part
    /// needs more than 22) before averaging, so the mean is not rounded to the
    /// column's scale.
    fn avg_argument(&self, arg: Expr) -> Expr {
        match self.infer(&arg) {
            Some(TypeKind::Decimal { precision, scale }) if scale < AVG_SCALE => {
                let int_digits = precision.saturating_sub(scale);
                let wide = AVG_SCALE.min(38u8.saturating_sub(int_digits)).max(scale);
                if wide == scale {
                    return arg;
                }
                cast(
                    arg,
                    TypeKind::Decimal {
                        precision: 38,
                        scale: wide,
                    },
                )
            }
            _ => arg,
        }
    }
}

/// The fraction digits PostgreSQL's `avg(numeric)` keeps at least.
const AVG_SCALE: u8 = 16;

/// The function's name: one part, or `pg_catalog.name`.
fn function_name(f: &sql::Function) -> R<Name> {
    let parts: Vec<&sql::Ident> = f.name.0.iter().filter_map(|p| p.as_ident()).collect();
    if parts.len() != f.name.0.len() {
        return fail(
            codes::FUNCTION,
            f.name.span(),
            format!("`{}` is not a function name", f.name),
        );
    }
    match parts.as_slice() {
        [n] => fold(n),
        [schema, n] if fold(schema)? == "pg_catalog" => fold(n),
        _ => fail(
            codes::FUNCTION,
            f.name.span(),
            format!("function `{}` has no KQL equivalent", f.name),
        ),
    }
}

/// Whether a translated expression calls a KQL aggregate outside any nested
/// aggregate's argument.
pub(crate) fn has_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { name, args } => {
            KQL_AGGREGATES.contains(&name.name.as_str()) || args.iter().any(has_aggregate)
        }
        ExprKind::Unary { operand, .. } => has_aggregate(operand),
        ExprKind::Binary { lhs, rhs, .. } => has_aggregate(lhs) || has_aggregate(rhs),
        ExprKind::InList { expr, list, .. } => {
            has_aggregate(expr) || list.iter().any(has_aggregate)
        }
        ExprKind::Between {
            expr, low, high, ..
        } => has_aggregate(expr) || has_aggregate(low) || has_aggregate(high),
        ExprKind::Cast { expr, .. } => has_aggregate(expr),
        ExprKind::List(items) => items.iter().any(has_aggregate),
        ExprKind::Record(fields) => fields.iter().any(|f| has_aggregate(&f.value)),
        ExprKind::Literal(_) | ExprKind::Column(_) | ExprKind::Param(_) => false,
    }
}
