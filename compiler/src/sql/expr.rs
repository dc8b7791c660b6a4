//! SQL expressions to KQL expressions, operator by operator. Where PostgreSQL and
//! KQL agree (three-valued logic, comparisons, integer division truncating toward
//! zero, `%` with the sign of the dividend, `IN`, `BETWEEN`), the operator maps
//! one to one; where KQL has no operator, an exact rewrite is used (`IS DISTINCT
//! FROM`, `IS TRUE`, `||`); anything else is refused, naming the construct.

use super::build::{binary, boolean, call, cast, column_owned, expr, lit, not, string};
use super::error::{R, SqlError, codes, fail};
use super::from::{From, Relation};
use super::like::Like;
use super::literal;
use super::names::fold;
use super::types::kql_type;
use kql::ast::{BinaryOp, Expr, ExprKind, Literal, Name, TypeKind, UnaryOp};
use sqlparser::ast::{self as sql, Spanned};

/// Where an expression is translated: the columns `USING` merged, and whether
/// aggregates may appear.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'a> {
    /// Unqualified names of columns merged by `JOIN … USING`, with the expression
    /// each stands for (`a.k`, `b.k` or `coalesce(a.k, b.k)`).
    pub using: &'a [(Name, Expr)],
    /// The relations in scope, for the types of their columns.
    pub relations: &'a [Relation<'a>],
    /// `None` where aggregates are allowed; else the clause that forbids them.
    pub no_aggregates: Option<&'static str>,
    /// Inside an aggregate's argument (aggregates nest in neither language).
    pub in_aggregate: bool,
}

impl<'a> Cx<'a> {
    pub fn new(using: &'a [(Name, Expr)], relations: &'a [Relation<'a>]) -> Self {
        Cx {
            using,
            relations,
            no_aggregates: None,
            in_aggregate: false,
        }
    }

    /// No columns in scope (`VALUES`, `LIMIT`, defaults).
    pub fn empty() -> Cx<'static> {
        Cx::new(&[], &[])
    }

    /// The scope of a `FROM` clause.
    pub fn over(from: &'a From<'_>) -> Self {
        Cx::new(&from.using, &from.relations)
    }

    /// The type of a column reference, when a relation in scope knows it.
    pub fn column_type(&self, e: &Expr) -> Option<TypeKind> {
        let ExprKind::Column(c) = &e.kind else {
            return None;
        };
        let name = &c.name.name;
        let mut found = self.relations.iter().filter(|r| match &c.qualifier {
            Some(q) => r.qualifier.as_deref() == Some(q.name.as_str()),
            None => r
                .columns
                .as_ref()
                .is_some_and(|cs| cs.iter().any(|c| c == name)),
        });
        let r = found.next()?;
        if found.next().is_some() {
            return None;
        }
        r.types.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
    }

    /// The type of a translated expression where it follows from the types of
    /// the columns it reads: a column, arithmetic on one (with integer literals),
    /// a cast.
    pub fn infer(&self, e: &Expr) -> Option<TypeKind> {
        match &e.kind {
            ExprKind::Column(_) => self.column_type(e),
            ExprKind::Cast { ty, .. } => Some(ty.kind),
            ExprKind::Unary {
                op: kql::ast::UnaryOp::Neg,
                operand,
            } => self.infer(operand),
            ExprKind::Binary {
                op: BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem,
                lhs,
                rhs,
            } => {
                let int_literal = |x: &Expr| matches!(x.kind, ExprKind::Literal(Literal::Int(_)));
                match (self.infer(lhs), self.infer(rhs)) {
                    (Some(a), Some(b)) if a == b && is_number(a) => Some(a),
                    (Some(a), None) if is_number(a) && int_literal(rhs) => Some(a),
                    (None, Some(b)) if is_number(b) && int_literal(lhs) => Some(b),
                    _ => None,
                }
            }
            ExprKind::Call { name, args } if name.name == "abs" && args.len() == 1 => {
                self.infer(&args[0])
            }
            _ => None,
        }
    }

    /// `e` read as a value for `other`'s type (see [`coerce_literal`]): a column's,
    /// a typed literal's (`DATE '…'`), a cast's, `now()`'s.
    fn coerce_for(&self, e: Expr, other: &Expr, span: sqlparser::tokenizer::Span) -> R<Expr> {
        coerce_literal(e, self.value_type(other), span)
    }

    /// [`Cx::infer`], and the types of literals (an integer literal is `int64`) and
    /// of `now()`.
    pub fn value_type(&self, e: &Expr) -> Option<TypeKind> {
        match &e.kind {
            ExprKind::Literal(Literal::Int(_)) => Some(TypeKind::Int64),
            ExprKind::Literal(Literal::Float(_)) => Some(TypeKind::Float64),
            ExprKind::Literal(Literal::Bool(_)) => Some(TypeKind::Bool),
            ExprKind::Literal(Literal::Date(_)) => Some(TypeKind::Date),
            ExprKind::Literal(Literal::Timestamp(_)) => Some(TypeKind::Timestamp),
            ExprKind::Call { name, .. } if matches!(name.name.as_str(), "now" | "ago") => {
                Some(TypeKind::Timestamp)
            }
            _ => self.infer(e),
        }
    }

    /// PostgreSQL's `date ± integer` (a date, days later or earlier) and `date -
    /// date` (the days between, an integer), which KQL writes with timestamps and
    /// durations: `(d::timestamp + 1d * n::int64)::date`, `(a::timestamp - b::timestamp)::int64
    /// / 86400000000`. `None` when the operands are not those types.
    fn date_arithmetic(&self, op: BinaryOp, l: &Expr, r: &Expr) -> Option<Expr> {
        use TypeKind as T;
        const DAY: i64 = 86_400_000_000;
        let int = |t: Option<TypeKind>| matches!(t, Some(T::Int16 | T::Int32 | T::Int64));
        let (lt, rt) = (self.value_type(l), self.value_type(r));
        let days = |n: &Expr| {
            binary(
                BinaryOp::Mul,
                lit(Literal::Duration(DAY)),
                match n.kind {
                    ExprKind::Literal(Literal::Int(_)) => n.clone(),
                    _ => cast(n.clone(), T::Int64),
                },
            )
        };
        let shifted = |d: &Expr, n: &Expr, op| {
            cast(binary(op, cast(d.clone(), T::Timestamp), days(n)), T::Date)
        };
        match (lt, rt, op) {
            (Some(T::Date), _, BinaryOp::Add | BinaryOp::Sub) if int(rt) => Some(shifted(l, r, op)),
            (_, Some(T::Date), BinaryOp::Add) if int(lt) => Some(shifted(r, l, op)),
            (Some(T::Date), Some(T::Date), BinaryOp::Sub) => Some(binary(
                BinaryOp::Div,
                cast(
                    binary(
                        BinaryOp::Sub,
                        cast(l.clone(), T::Timestamp),
                        cast(r.clone(), T::Timestamp),
                    ),
                    T::Int64,
                ),
                lit(Literal::Int(DAY)),
            )),
            _ => None,
        }
    }

    /// The same scope where aggregates are an error, naming the clause.
    pub fn without_aggregates(self, clause: &'static str) -> Self {
        Cx {
            no_aggregates: Some(clause),
            ..self
        }
    }

    pub fn expr(&self, e: &sql::Expr) -> R<Expr> {
        use sql::Expr as E;
        match e {
            E::Identifier(id) => {
                let name = fold(id)?;
                if let Some((_, merged)) = self.using.iter().find(|(n, _)| *n == name) {
                    return Ok(merged.clone());
                }
                Ok(column_owned(None, name))
            }
            E::CompoundIdentifier(parts) => match parts.as_slice() {
                [q, c] => Ok(column_owned(Some(fold(q)?), fold(c)?)),
                [_namespace, t, c] => Ok(column_owned(Some(fold(t)?), fold(c)?)),
                _ => fail(
                    codes::NAME,
                    e.span(),
                    format!(
                        "`{e}` has too many parts for a column (at most namespace.table.column)"
                    ),
                ),
            },
            E::Value(v) => literal::value(v, false),
            E::Nested(inner) => self.expr(inner),
            E::UnaryOp { op, expr: operand } => self.unary(*op, operand, e),
            E::BinaryOp { left, op, right } => self.binary(left, op, right, e),
            E::IsNull(x) => Ok(call("is_null", vec![self.expr(x)?])),
            E::IsNotNull(x) => Ok(call("is_not_null", vec![self.expr(x)?])),
            E::IsUnknown(x) => Ok(call("is_null", vec![self.expr(x)?])),
            E::IsNotUnknown(x) => Ok(call("is_not_null", vec![self.expr(x)?])),
            // `x IS TRUE` is false (not null) when x is null.
            E::IsTrue(x) => Ok(call("coalesce", vec![self.expr(x)?, boolean(false)])),
            E::IsNotTrue(x) => Ok(not(call("coalesce", vec![self.expr(x)?, boolean(false)]))),
            E::IsFalse(x) => Ok(call("coalesce", vec![not(self.expr(x)?), boolean(false)])),
            E::IsNotFalse(x) => Ok(call("coalesce", vec![self.expr(x)?, boolean(true)])),
            E::IsDistinctFrom(a, b) => Ok(distinct(self.not_distinct(a, b)?)),
            E::IsNotDistinctFrom(a, b) => self.not_distinct(a, b),
            E::InList {
                expr: x,
                list,
                negated,
            } => {
                let x = self.expr(x)?;
                let list = list
                    .iter()
                    .map(|i| self.coerce_for(self.expr(i)?, &x, i.span()))
                    .collect::<R<Vec<_>>>()?;
                Ok(expr(ExprKind::InList {
                    expr: Box::new(x),
                    list,
                    negated: *negated,
                }))
            }
            E::Between {
                expr: x,
                negated,
                low,
                high,
            } => {
                let x = self.expr(x)?;
                let lo = self.coerce_for(self.expr(low)?, &x, low.span())?;
                let hi = self.coerce_for(self.expr(high)?, &x, high.span())?;
                Ok(expr(ExprKind::Between {
                    expr: Box::new(x),
                    low: Box::new(lo),
                    high: Box::new(hi),
                    negated: *negated,
                }))
            }
            E::Like {
                negated,
                any,
                expr: x,
                pattern,
                escape_char,
            } => self.like(e, *negated, *any, x, pattern, escape_char.as_deref(), false),
            E::ILike {
                negated,
                any,
                expr: x,
                pattern,
                escape_char,
            } => self.like(e, *negated, *any, x, pattern, escape_char.as_deref(), true),
            E::SimilarTo { .. } => fail(
                codes::EXPRESSION,
                e.span(),
                "SIMILAR TO has no KQL equivalent (its regular-expression dialect differs)",
            )
            .map_err(|err: SqlError| err.hint("use LIKE, or KQL's matches() directly")),
            E::Cast {
                kind,
                expr: x,
                data_type,
                format,
            } => {
                if format.is_some()
                    || !matches!(kind, sql::CastKind::Cast | sql::CastKind::DoubleColon)
                {
                    return fail(
                        codes::EXPRESSION,
                        e.span(),
                        format!("`{e}` is not a PostgreSQL cast"),
                    );
                }
                self.cast(x, data_type, e)
            }
            E::TypedString(t) => {
                let ty = kql_type(&t.data_type, e.span())?;
                match &t.value.value {
                    sql::Value::SingleQuotedString(s) => {
                        literal::typed_string(s, ty, has_tz(&t.data_type), e.span())
                    }
                    _ => fail(
                        codes::LITERAL,
                        e.span(),
                        format!("`{e}` is not a typed string literal"),
                    ),
                }
            }
            E::Interval(i) => literal::interval(i, e.span()),
            E::Function(f) => self.function(f, e),
            E::Substring {
                expr: x,
                substring_from,
                substring_for,
                ..
            } => self.substring(e, x, substring_from.as_deref(), substring_for.as_deref()),
            E::Ceil { expr: x, field } | E::Floor { expr: x, field } => {
                if !matches!(
                    field,
                    sql::CeilFloorKind::DateTimeField(sql::DateTimeField::NoDateTime)
                ) {
                    return fail(
                        codes::FUNCTION,
                        e.span(),
                        format!("`{e}`: KQL's ceil and floor take no second argument"),
                    );
                }
                let name = if matches!(e, E::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                Ok(call(name, vec![self.expr(x)?]))
            }
            E::Collate { expr: x, collation } => {
                let c = collation.to_string().trim_matches('"').to_ascii_lowercase();
                if super::ddl::code_point_collation(&c) {
                    // KQL compares text by code point, which is what these collations do.
                    self.expr(x)
                } else {
                    fail(
                        codes::EXPRESSION,
                        e.span(),
                        format!(
                            "COLLATE {collation}: KQL compares text by code point only, as COLLATE \"C\" does"
                        ),
                    )
                }
            }
            // `CASE WHEN c THEN v … ELSE e END` is `case(c, v, …, e)` (`if` for one
            // branch); `CASE x WHEN a THEN …` compares with `==`, so a null `x`
            // matches no branch, as in PostgreSQL; no ELSE is ELSE NULL.
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let operand = operand.as_deref().map(|o| self.expr(o)).transpose()?;
                let mut args = Vec::with_capacity(conditions.len() * 2 + 1);
                for when in conditions {
                    let condition = self.expr(&when.condition)?;
                    args.push(match &operand {
                        Some(x) => binary(BinaryOp::Eq, x.clone(), condition),
                        None => condition,
                    });
                    args.push(self.expr(&when.result)?);
                }
                args.push(match else_result {
                    Some(e) => self.expr(e)?,
                    None => lit(Literal::Null),
                });
                Ok(call(if args.len() == 3 { "if" } else { "case" }, args))
            }
            E::Exists { .. } | E::Subquery(_) | E::InSubquery { .. } => fail(
                codes::SUBQUERY_EXPR,
                e.span(),
                format!(
                    "{} has no KQL form: KQL has subqueries only as pipeline sources",
                    match e {
                        E::Exists { .. } => "EXISTS (subquery)",
                        E::InSubquery { .. } => "IN (subquery)",
                        _ => "a scalar subquery",
                    }
                ),
            )
            .map_err(|err: SqlError| err.hint("rewrite it as a JOIN on the subquery")),
            E::Trim { .. } => fail(
                codes::FUNCTION,
                e.span(),
                "TRIM has no faithful KQL equivalent: KQL's trim() removes all white space, PostgreSQL's only spaces (or the characters given)",
            ),
            E::Position { .. } => unsupported_function(e, "position"),
            E::Extract { .. } => unsupported_function(e, "extract"),
            E::Overlay { .. } => unsupported_function(e, "overlay"),
            E::AtTimeZone { .. } => fail(
                codes::EXPRESSION,
                e.span(),
                "AT TIME ZONE has no KQL equivalent: KQL timestamps are UTC instants",
            ),
            E::Array(_) | E::Tuple(_) => fail(
                codes::EXPRESSION,
                e.span(),
                format!("`{e}`: KQL has no arrays or row values in expressions"),
            ),
            E::AnyOp { .. } | E::AllOp { .. } => fail(
                codes::EXPRESSION,
                e.span(),
                format!("`{e}`: ANY/ALL over arrays has no KQL equivalent"),
            )
            .map_err(|err: SqlError| err.hint("list the values: x IN (1, 2, 3)")),
            E::Wildcard(_) | E::QualifiedWildcard(..) => fail(
                codes::NAME,
                e.span(),
                format!("`{e}` is allowed only as a whole select item or in count(*)"),
            ),
            _ => fail(
                codes::EXPRESSION,
                e.span(),
                format!("`{e}` has no KQL equivalent"),
            ),
        }
    }

    fn unary(&self, op: sql::UnaryOperator, operand: &sql::Expr, whole: &sql::Expr) -> R<Expr> {
        use sql::UnaryOperator as U;
        match op {
            U::Minus => {
                if let sql::Expr::Value(v) = operand
                    && matches!(v.value, sql::Value::Number(..))
                {
                    return literal::value(v, true);
                }
                let x = self.expr(operand)?;
                Ok(expr(ExprKind::Unary {
                    op: UnaryOp::Neg,
                    operand: Box::new(x),
                }))
            }
            U::Plus => self.expr(operand),
            U::Not => Ok(not(self.expr(operand)?)),
            U::PGAbs => Ok(call("abs", vec![self.expr(operand)?])),
            _ => fail(
                codes::OPERATOR,
                whole.span(),
                format!("operator `{op}` in `{whole}` has no KQL equivalent"),
            ),
        }
    }

    fn binary(
        &self,
        left: &sql::Expr,
        op: &sql::BinaryOperator,
        right: &sql::Expr,
        whole: &sql::Expr,
    ) -> R<Expr> {
        use sql::BinaryOperator as B;
        let kop = match op {
            B::Plus => BinaryOp::Add,
            B::Minus => BinaryOp::Sub,
            B::Multiply => BinaryOp::Mul,
            B::Divide => BinaryOp::Div,
            B::Modulo => BinaryOp::Rem,
            B::Eq => BinaryOp::Eq,
            B::NotEq => BinaryOp::NotEq,
            B::Lt => BinaryOp::Lt,
            B::LtEq => BinaryOp::LtEq,
            B::Gt => BinaryOp::Gt,
            B::GtEq => BinaryOp::GtEq,
            B::And => BinaryOp::And,
            B::Or => BinaryOp::Or,
            B::StringConcat => return self.concat_operator(whole),
            B::PGStartsWith => {
                return Ok(call(
                    "starts_with",
                    vec![self.expr(left)?, self.expr(right)?],
                ));
            }
            B::PGLikeMatch | B::PGNotLikeMatch | B::PGILikeMatch | B::PGNotILikeMatch => {
                let negated = matches!(op, B::PGNotLikeMatch | B::PGNotILikeMatch);
                let ci = matches!(op, B::PGILikeMatch | B::PGNotILikeMatch);
                return self.like(whole, negated, false, left, right, None, ci);
            }
            B::PGRegexMatch | B::PGRegexIMatch | B::PGRegexNotMatch | B::PGRegexNotIMatch => {
                return Err(SqlError::new(
                    codes::OPERATOR,
                    whole.span(),
                    format!("regular-expression operator `{op}` has no faithful KQL equivalent: PostgreSQL's regular expressions are not KQL's (Rust) ones"),
                )
                .hint("use LIKE, or KQL's matches() directly"));
            }
            _ => {
                return fail(
                    codes::OPERATOR,
                    whole.span(),
                    format!("operator `{op}` in `{whole}` has no KQL equivalent"),
                );
            }
        };
        let (mut l, mut r) = (self.expr(left)?, self.expr(right)?);
        let duration = |e: &Expr| matches!(e.kind, ExprKind::Literal(Literal::Duration(_)));
        if matches!(kop, BinaryOp::Mul | BinaryOp::Div) && (duration(&l) || duration(&r)) {
            return Err(SqlError::new(
                codes::OPERATOR,
                whole.span(),
                format!(
                    "`{whole}`: KQL durations are added and subtracted, not multiplied or divided"
                ),
            )
            .hint("write the interval out ('3 days'), or compute it in the client"));
        }
        if let Some(e) = self.date_arithmetic(kop, &l, &r) {
            return Ok(e);
        }
        if matches!(
            kop,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        ) {
            r = self.coerce_for(r, &l, right.span())?;
            l = self.coerce_for(l, &r, left.span())?;
        }
        Ok(binary(kop, l, r))
    }

    /// `a || b || c` → `concat(a, b, c)`: null if any part is null, as in
    /// PostgreSQL.
    fn concat_operator(&self, whole: &sql::Expr) -> R<Expr> {
        let mut parts = Vec::new();
        let mut stack = vec![whole];
        while let Some(e) = stack.pop() {
            match e {
                sql::Expr::BinaryOp {
                    left,
                    op: sql::BinaryOperator::StringConcat,
                    right,
                } => {
                    stack.push(right);
                    stack.push(left);
                }
                other => parts.push(self.text_operand(other, false)?),
            }
        }
        Ok(call("concat", parts))
    }

    /// An operand of `||` or `concat()` as text, as PostgreSQL converts it: a
    /// number literal as written (`1.50` is "1.50"), integers, decimals, dates,
    /// and uuids cast to text (their KQL text is PostgreSQL's), a bool as
    /// "true"/"false" for `||` and "t"/"f" for `concat()` (`bool_text`). Types whose
    /// KQL text is not PostgreSQL's (floats, timestamps, times, json, bytes) are refused
    /// (Q022); an operand of a type the translator cannot see is left to KQL's
    /// `concat`, which wants text (B005 otherwise).
    pub(super) fn text_operand(&self, sql_e: &sql::Expr, concat_fn: bool) -> R<Expr> {
        if let sql::Expr::Value(v) = sql_e
            && let sql::Value::Number(n, _) = &v.value
            && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Ok(string(n.clone()));
        }
        let e = self.expr(sql_e)?;
        let ty = match &e.kind {
            ExprKind::Literal(Literal::String(_) | Literal::Null) => return Ok(e),
            _ => self.value_type(&e),
        };
        use TypeKind as T;
        match ty {
            None | Some(T::Text) => Ok(e),
            Some(T::Int16 | T::Int32 | T::Int64 | T::Decimal { .. } | T::Date | T::Uuid) => {
                Ok(cast(e, T::Text))
            }
            Some(T::Bool) if concat_fn => Ok(call(
                "case",
                vec![
                    e.clone(),
                    string("t"),
                    not(e),
                    string("f"),
                    expr(ExprKind::Literal(Literal::Null)),
                ],
            )),
            Some(T::Bool) => Ok(cast(e, T::Text)),
            Some(other) => fail(
                codes::TYPE,
                sql_e.span(),
                format!(
                    "`{sql_e}` is {} and its KQL text differs from PostgreSQL's; \
                     concatenating it is not supported",
                    type_words(other)
                ),
            )
            .map_err(|err: SqlError| {
                err.hint(format!(
                    "cast it, ({sql_e})::text, to concatenate KQL's text form \
                     (a timestamp is 2024-01-05T10:00:00Z, a float64 1.0)"
                ))
            }),
        }
    }

    /// `a IS NOT DISTINCT FROM b`: true when both are null, false when one is,
    /// else `a = b` — which is `coalesce(a == b, is_null(a) and is_null(b))`.
    fn not_distinct(&self, a: &sql::Expr, b: &sql::Expr) -> R<Expr> {
        let mut a = self.expr(a)?;
        let mut b = self.expr(b)?;
        if matches!(a.kind, ExprKind::Literal(_)) {
            std::mem::swap(&mut a, &mut b);
        }
        b = coerce_literal(b, self.column_type(&a), sqlparser::tokenizer::Span::empty())?;
        match &b.kind {
            // Against NULL: whether `a` is null.
            ExprKind::Literal(Literal::Null) => return Ok(call("is_null", vec![a])),
            // Against a value: equal, and false (not null) when `a` is null.
            ExprKind::Literal(_) => {
                return Ok(call(
                    "coalesce",
                    vec![binary(BinaryOp::Eq, a, b), boolean(false)],
                ));
            }
            _ => {}
        }
        let both_null = binary(
            BinaryOp::And,
            call("is_null", vec![a.clone()]),
            call("is_null", vec![b.clone()]),
        );
        Ok(call(
            "coalesce",
            vec![binary(BinaryOp::Eq, a, b), both_null],
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn like(
        &self,
        whole: &sql::Expr,
        negated: bool,
        any: bool,
        subject: &sql::Expr,
        pattern: &sql::Expr,
        escape: Option<&sql::Expr>,
        case_insensitive: bool,
    ) -> R<Expr> {
        let what = if case_insensitive { "ILIKE" } else { "LIKE" };
        if any {
            return fail(
                codes::EXPRESSION,
                whole.span(),
                format!("{what} ANY has no KQL equivalent"),
            );
        }
        let escape = match escape {
            None => Some('\\'),
            Some(sql::Expr::Value(v)) => match &v.value {
                sql::Value::SingleQuotedString(s) if s.is_empty() => None,
                sql::Value::SingleQuotedString(s) if s.chars().count() == 1 => s.chars().next(),
                _ => {
                    return fail(
                        codes::LITERAL,
                        v.span,
                        "the ESCAPE of a LIKE must be one character (or '' for none)",
                    );
                }
            },
            Some(other) => {
                return fail(
                    codes::LITERAL,
                    other.span(),
                    "the ESCAPE of a LIKE must be a string literal",
                );
            }
        };
        let text = match pattern {
            sql::Expr::Value(v) => match &v.value {
                sql::Value::SingleQuotedString(s)
                | sql::Value::EscapedStringLiteral(s)
                | sql::Value::UnicodeStringLiteral(s)
                | sql::Value::NationalStringLiteral(s) => s.clone(),
                sql::Value::DollarQuotedString(d) => d.value.clone(),
                // `x LIKE NULL` is null whatever x is.
                sql::Value::Null => {
                    let x = self.expr(subject)?;
                    return Ok(binary(BinaryOp::Eq, x, lit(Literal::Null)));
                }
                _ => return Err(like_pattern_error(pattern, what)),
            },
            _ => return Err(like_pattern_error(pattern, what)),
        };
        let subject = self.expr(subject)?;
        Like {
            pattern: &text,
            escape,
            case_insensitive,
            negated,
            span: pattern.span(),
        }
        .translate(subject)
    }

    fn cast(&self, x: &sql::Expr, ty: &sql::DataType, whole: &sql::Expr) -> R<Expr> {
        if let sql::DataType::Interval { .. } = ty
            && let sql::Expr::Value(v) = x
            && let sql::Value::SingleQuotedString(s) = &v.value
        {
            let micros = literal::parse_interval(s).map_err(|why| {
                SqlError::new(
                    codes::LITERAL,
                    whole.span(),
                    format!("interval `{s}` has no exact KQL duration: {why}"),
                )
            })?;
            let micros = i64::try_from(micros).map_err(|_| {
                SqlError::new(codes::LITERAL, whole.span(), "the interval is out of range")
            })?;
            return Ok(lit(Literal::Duration(micros)));
        }
        let kind = kql_type(ty, whole.span())?;
        if let sql::Expr::Value(v) = x
            && let sql::Value::SingleQuotedString(s) = &v.value
            && matches!(kind, TypeKind::Date | TypeKind::Timestamp)
        {
            return literal::typed_string(s, kind, has_tz(ty), whole.span());
        }
        let inner = self.expr(x)?;
        // `2.5` is an exact numeric in PostgreSQL, which rounds it half away from
        // zero to an integer (3); as a KQL float it would round half to even (2).
        let inner = match (&inner.kind, kind) {
            (
                ExprKind::Literal(Literal::Float(f)),
                TypeKind::Int16 | TypeKind::Int32 | TypeKind::Int64,
            ) => exact_decimal(*f).unwrap_or(inner),
            _ => inner,
        };
        Ok(cast(inner, kind))
    }

    /// `substring(s FROM a FOR b)` / `substr(s, a, b)`: 1-based in SQL, 0-based in
    /// KQL. Only constant positions translate, because PostgreSQL's rules for a
    /// start below 1 (the length still counts from it) and a negative length (an
    /// error) are not KQL's.
    pub(super) fn substring(
        &self,
        whole: &sql::Expr,
        s: &sql::Expr,
        from: Option<&sql::Expr>,
        len: Option<&sql::Expr>,
    ) -> R<Expr> {
        let constant = |e: Option<&sql::Expr>| -> R<Option<i64>> {
            let Some(e) = e else { return Ok(None) };
            match self.expr(e)?.kind {
                ExprKind::Literal(Literal::Int(n)) => Ok(Some(n)),
                _ => fail(
                    codes::FUNCTION,
                    e.span(),
                    "substring positions must be integer constants to translate: PostgreSQL's rules for out-of-range positions differ from KQL's",
                ),
            }
        };
        let start = constant(from)?.unwrap_or(1);
        let length = constant(len)?;
        if start < 1 || matches!(length, Some(l) if l < 0) {
            return fail(
                codes::FUNCTION,
                whole.span(),
                "substring with a start below 1 or a negative length has no faithful KQL form",
            );
        }
        let subject = self.expr(s)?;
        let length = match length {
            Some(l) => lit(Literal::Int(l)),
            None => call("len", vec![subject.clone()]),
        };
        Ok(call(
            "substring",
            vec![subject, lit(Literal::Int(start - 1)), length],
        ))
    }
}

/// The negation of a translated `IS NOT DISTINCT FROM`, in its simplest form.
fn distinct(e: Expr) -> Expr {
    match e.kind {
        ExprKind::Call { name, args } if name.name == "is_null" => call("is_not_null", args),
        kind => not(Expr { kind, span: e.span }),
    }
}

/// A type in words for messages about the SQL side.
fn type_words(t: TypeKind) -> &'static str {
    match t {
        TypeKind::Float32 | TypeKind::Float64 => "a float",
        TypeKind::Timestamp => "a timestamp",
        TypeKind::Time => "a time",
        TypeKind::Json => "json",
        TypeKind::Bytes => "bytea",
        _ => "of another type",
    }
}

/// A literal where a value of type `ty` is expected, read as PostgreSQL reads it
/// in that place: an untyped string becomes a date or timestamp literal for a date
/// or timestamp ('2026-11-21'), a cast for a time; a number with a
/// fraction becomes an exact decimal for a decimal column. Anything else is left
/// as it is. A timestamp with a non-zero offset is refused (Q023): PostgreSQL
/// applies the offset for `timestamptz` and ignores it for `timestamp`, and the
/// translator does not keep that difference.
pub(crate) fn coerce_literal(
    e: Expr,
    ty: Option<TypeKind>,
    span: sqlparser::tokenizer::Span,
) -> R<Expr> {
    if let (ExprKind::Literal(Literal::Float(f)), Some(TypeKind::Decimal { .. })) = (&e.kind, ty) {
        return Ok(exact_decimal(*f).unwrap_or(e));
    }
    let ExprKind::Literal(Literal::String(s)) = &e.kind else {
        return Ok(e);
    };
    match ty {
        Some(TypeKind::Date) => literal::typed_string(s, TypeKind::Date, false, span),
        Some(TypeKind::Timestamp) if !has_offset(s) || zero_offset(s) => {
            literal::typed_string(s, TypeKind::Timestamp, false, span)
        }
        Some(TypeKind::Timestamp) => Err(SqlError::new(
            codes::LITERAL,
            span,
            format!(
                "timestamp text '{s}' has a UTC offset: PostgreSQL applies it for a \
                 timestamptz and ignores it for a timestamp, and the translator does not \
                 know which this is"
            ),
        )
        .hint("write the instant in UTC ('… 10:30:00' or '…+00'), or mark it: TIMESTAMPTZ '…'")),
        Some(TypeKind::Time) => Ok(cast(e, TypeKind::Time)),
        _ => Ok(e),
    }
}

/// A value stored into a column of type `ty` (`INSERT`, `UPDATE … SET`).
/// PostgreSQL converts between number types on assignment (rounding to the
/// column's scale, failing on overflow); KQL converts implicitly only where no
/// value can change, so a number going into a number column of another type gets
/// an explicit cast to the column's type. Literals are converted as
/// [`coerce_literal`] does; parameters take the column's type in the binder.
pub(crate) fn assigned(
    e: Expr,
    ty: Option<TypeKind>,
    source: Option<TypeKind>,
    span: sqlparser::tokenizer::Span,
) -> R<Expr> {
    let e = coerce_literal(e, ty, span)?;
    let Some(ty) = ty.filter(|t| is_number(*t)) else {
        return Ok(e);
    };
    let keep = match &e.kind {
        ExprKind::Literal(Literal::Int(_) | Literal::Null) | ExprKind::Param(_) => true,
        ExprKind::Literal(Literal::Float(_)) => ty == TypeKind::Float64,
        ExprKind::Cast { ty: t, .. } => t.kind == ty || widens(t.kind, ty),
        _ => source.is_some_and(|s| s == ty || widens(s, ty)),
    };
    Ok(if keep { e } else { cast(e, ty) })
}

/// Whether KQL converts `from` to `to` implicitly (no value changes).
fn widens(from: TypeKind, to: TypeKind) -> bool {
    use TypeKind as T;
    match (from, to) {
        (T::Int16, T::Int32 | T::Int64 | T::Float32 | T::Float64) => true,
        (T::Int32, T::Int64 | T::Float64) => true,
        (T::Int64, T::Float64) => true,
        (T::Float32, T::Float64) => true,
        (
            T::Decimal {
                precision: p,
                scale: s,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s2 >= s && p2 - s2 >= p - s,
        (T::Decimal { .. }, T::Float64) => true,
        _ => false,
    }
}

pub(crate) fn is_number(t: TypeKind) -> bool {
    matches!(
        t,
        TypeKind::Int16
            | TypeKind::Int32
            | TypeKind::Int64
            | TypeKind::Float32
            | TypeKind::Float64
            | TypeKind::Decimal { .. }
    )
}

/// A float literal as the exact decimal it was written as (`19.99` →
/// `"19.99"::decimal(4, 2)`): PostgreSQL's `19.99` is an exact numeric, and a
/// decimal column must get exactly that value, not the nearest float64. `None`
/// when the shortest spelling of the float has an exponent or too many digits.
fn exact_decimal(f: f64) -> Option<Expr> {
    let text = format!("{f:?}");
    let digits = text.trim_start_matches('-');
    if digits.contains(['e', 'E']) {
        return None;
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let precision = (int.len() + frac.len()).max(1);
    if precision > 38 {
        return None;
    }
    Some(cast(
        super::build::string(text.clone()),
        TypeKind::Decimal {
            precision: precision as u8,
            scale: frac.len() as u8,
        },
    ))
}

/// Whether a timestamp text ends in an offset (`Z`, `+02`, `-05:00`).
/// An offset that reads the same either way: `Z`, `+00`, `+00:00`, `-0000`.
fn zero_offset(s: &str) -> bool {
    let t = s.trim();
    let Some(i) = t.get(10..).and_then(|r| r.find(['Z', 'z', '+', '-'])) else {
        return false;
    };
    t[10 + i..]
        .bytes()
        .all(|b| matches!(b, b'Z' | b'z' | b'+' | b'-' | b'0' | b':'))
}

fn has_offset(s: &str) -> bool {
    let t = s.trim();
    t.len() > 10 && t[10..].contains(['Z', 'z', '+', '-'])
}

fn has_tz(t: &sql::DataType) -> bool {
    matches!(
        t,
        sql::DataType::Timestamp(_, sql::TimezoneInfo::WithTimeZone | sql::TimezoneInfo::Tz)
    ) || matches!(t, sql::DataType::Custom(n, _) if n.to_string().eq_ignore_ascii_case("timestamptz"))
}

fn like_pattern_error(pattern: &sql::Expr, what: &str) -> SqlError {
    SqlError::new(
        codes::EXPRESSION,
        pattern.span(),
        format!("the pattern of {what} must be a string literal: KQL has no {what} function, so the pattern is translated when the SQL is"),
    )
    .hint("for a prefix parameter use starts_with(x, $1); contains() and ends_with() exist too")
}

pub(super) fn unsupported_function(e: &sql::Expr, name: &str) -> R<Expr> {
    fail(
        codes::FUNCTION,
        e.span(),
        format!("function `{name}` has no KQL equivalent"),
    )
    .map_err(|err: SqlError| err.hint("see docs/sql.md for the functions that translate"))
}
