//! Binding expressions: names to input positions, functions to their definitions,
//! parameters to typed slots, and every implicit conversion made explicit.

use super::Binder;
use super::error::{BindCode, BindError};
use super::like::LIKE_FUNCTIONS;
use super::literal::{bad_json_literal, convert, literal_value};
use super::suggest::did_you_mean;
use crate::bytecode::{AggFunc, BinaryOp as BOp, Func, MAX_NODES, UnaryOp as UOp, Value};
use crate::plan::{PlanField, Scalar, ScalarKind};
use crate::types::DataType;
use kql::ast::{BinaryOp, ColumnRef, Expr, ExprKind, Param, Span, UnaryOp};

type R<T> = Result<T, BindError>;

const AGGREGATES: [&str; 6] = ["count", "count_distinct", "sum", "avg", "min", "max"];

/// While binding the aggregates of an `aggregate` stage: the rows being aggregated
/// and the aggregates found so far.
pub(crate) struct AggCollector {
    pub input: Vec<PlanField>,
    pub key_count: usize,
    pub aggs: Vec<(AggFunc, Option<Scalar>, DataType)>,
    /// True while binding an aggregate's argument (an aggregate there is nested).
    pub in_argument: bool,
}

fn agg_func(name: &str, argc: usize) -> Option<AggFunc> {
    Some(match (name, argc) {
        ("count", 0) => AggFunc::CountRows,
        ("count", _) => AggFunc::Count,
        ("count_distinct", _) => AggFunc::CountDistinct,
        ("sum", _) => AggFunc::Sum,
        ("avg", _) => AggFunc::Avg,
        ("min", _) => AggFunc::Min,
        ("max", _) => AggFunc::Max,
        _ => return None,
    })
}

pub(crate) fn param_name(p: &Param) -> String {
    match p {
        Param::Named(n) => n.clone(),
        Param::Positional(i) => i.to_string(),
    }
}

/// `s` as type `ty`: a converted literal when exact, else a cast node.
pub(crate) fn coerce_to(s: Scalar, ty: DataType) -> Scalar {
    if s.ty == ty {
        return s;
    }
    if let ScalarKind::Literal(v) = &s.kind
        && let Some(v) = convert(v, ty, false)
    {
        return Scalar::literal(v);
    }
    s.cast(ty)
}

/// Whether `s` can go where `ty` is expected without an explicit cast.
pub(crate) fn assignable(s: &Scalar, ty: DataType) -> bool {
    if s.ty.widens_to(ty) {
        return true;
    }
    matches!(&s.kind, ScalarKind::Literal(v) if convert(v, ty, false).is_some())
}

impl Binder<'_> {
    pub(crate) fn param_slot(
        &mut self,
        p: &Param,
        span: Span,
        expected: Option<DataType>,
    ) -> R<Scalar> {
        let name = param_name(p);
        let idx = match self.params.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                self.params.push(super::ParamSlot {
                    name: name.clone(),
                    ty: None,
                    span,
                });
                self.params.len() - 1
            }
        };
        let slot = &mut self.params[idx];
        if slot.ty.is_none() {
            slot.ty = expected;
        }
        match slot.ty {
            Some(ty) => Ok(Scalar::new(ScalarKind::Param(idx), ty)),
            None => Err(BindError::new(
                BindCode::ParameterType,
                span,
                format!("the type of ${name} cannot be inferred here"),
            )
            .hint(format!("give it a type: ${name} :: int64"))),
        }
    }

    fn column(&self, c: &ColumnRef, scope: &[PlanField]) -> R<Scalar> {
        let q = c.qualifier.as_ref().map(|q| q.name.as_str());
        let name = c.name.name.as_str();
        let is = |f: &PlanField| {
            !f.hidden && &*f.name == name && (q.is_none() || f.qualifier.as_deref() == q)
        };
        // The one match, found without building a list (one is only built for
        // the error when there are several).
        if let Some(i) = scope.iter().position(is)
            && !scope[i + 1..].iter().any(is)
        {
            return Ok(Scalar::column(i, scope[i].ty));
        }
        let matches: Vec<usize> = scope
            .iter()
            .enumerate()
            .filter(|(_, f)| is(f))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [i] => Ok(Scalar::column(*i, scope[*i].ty)),
            [] => {
                if let Some(agg) = &self.agg
                    && !agg.in_argument
                    && agg.input.iter().any(|f| &*f.name == name)
                {
                    return Err(BindError::new(
                        BindCode::MisplacedAggregate,
                        c.span,
                        format!("column `{name}` is neither in `by` nor inside an aggregate"),
                    )
                    .hint(format!("add it to `by`, or aggregate it: max({name})")));
                }
                let visible: Vec<&str> = scope
                    .iter()
                    .filter(|f| !f.hidden)
                    .map(|f| &*f.name)
                    .collect();
                let mut qualifiers = scope
                    .iter()
                    .filter(|f| !f.hidden)
                    .map(|f| f.qualifier.as_deref());
                let single = qualifiers
                    .next()
                    .flatten()
                    .filter(|first| qualifiers.all(|o| o == Some(*first)));
                let what = match (q, single) {
                    (Some(q), _) => format!("unknown column `{q}.{name}`"),
                    (None, Some(t)) => format!("unknown column `{name}` in {t}"),
                    (None, None) => format!("unknown column `{name}`"),
                };
                let hint = did_you_mean(name, visible.iter().copied()).or_else(|| {
                    (!visible.is_empty() && visible.len() <= 12)
                        .then(|| format!("the columns here are: {}", visible.join(", ")))
                });
                Err(BindError::new(BindCode::UnknownColumn, c.span, what).maybe_hint(hint))
            }
            many => {
                let options: Vec<String> = many
                    .iter()
                    .map(|i| format!("{}.{name}", scope[*i].qualifier.as_deref().unwrap_or("?")))
                    .collect();
                Err(BindError::new(
                    BindCode::AmbiguousName,
                    c.span,
                    format!("`{name}` is ambiguous"),
                )
                .hint(format!("qualify it: {}", options.join(" or "))))
            }
        }
    }

    /// Binds `e` over `scope`; `expected` types parameters that have no type yet.
    pub(crate) fn expr(
        &mut self,
        e: &Expr,
        scope: &[PlanField],
        expected: Option<DataType>,
    ) -> R<Scalar> {
        match &e.kind {
            ExprKind::Literal(l) => Ok(Scalar::literal(literal_value(l))),
            ExprKind::Column(c) => self.column(c, scope),
            ExprKind::Param(p) => self.param_slot(p, e.span, expected),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => {
                let a = self.expr(operand, scope, Some(DataType::Bool))?;
                let a = self.require(a, DataType::Bool, operand.span, "`not` needs a bool")?;
                Ok(Scalar::new(
                    ScalarKind::Unary(UOp::Not, Box::new(a)),
                    DataType::Bool,
                ))
            }
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => {
                let a = self.expr(operand, scope, expected)?;
                if let ScalarKind::Literal(Value::Int64(i)) = a.kind {
                    return Ok(Scalar::literal(Value::Int64(i.wrapping_neg())));
                }
                if let ScalarKind::Literal(Value::Float64(f)) = a.kind {
                    return Ok(Scalar::literal(Value::Float64(-f)));
                }
                let ty = UOp::Neg
                    .result_type(a.ty)
                    .map_err(|m| BindError::new(BindCode::TypeMismatch, e.span, m))?;
                Ok(Scalar::new(ScalarKind::Unary(UOp::Neg, Box::new(a)), ty))
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, scope),
            ExprKind::Call { name, args } => self.call(&name.name, name.span, args, e.span, scope),
            ExprKind::InList {
                expr,
                list,
                negated,
            } => {
                // The value, the items and the test are one node each.
                let most = MAX_NODES - 2;
                if list.len() > most {
                    return Err(BindError::new(
                        BindCode::TooComplex,
                        e.span,
                        format!(
                            "an `in` list of {} values; at most {most} fit in one expression",
                            list.len()
                        ),
                    )
                    .hint("put the values in a table and join it (`join T as v on x == v.k`), or split the list over several statements"));
                }
                let a = self.expr(expr, scope, None)?;
                let mut items = Vec::with_capacity(list.len());
                let mut ty = a.ty;
                for item in list {
                    let s = self.expr(item, scope, Some(a.ty))?;
                    if !assignable(&s, ty) {
                        ty = DataType::common(ty, s.ty).ok_or_else(|| {
                            BindError::new(
                                BindCode::TypeMismatch,
                                item.span,
                                format!(
                                    "`in` list item of type {} where {} is compared",
                                    s.ty, a.ty
                                ),
                            )
                        })?;
                    }
                    items.push(s);
                }
                let a = coerce_to(a, ty);
                let items: Vec<Scalar> = items.into_iter().map(|s| coerce_to(s, ty)).collect();
                if !ty.is_hashable() || ty == DataType::Null {
                    return Err(BindError::new(
                        BindCode::TypeMismatch,
                        e.span,
                        format!("`in` does not apply to {ty}"),
                    ));
                }
                Ok(Scalar::new(
                    ScalarKind::InList(Box::new(a), items, *negated),
                    DataType::Bool,
                ))
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let x = self.expr(expr, scope, None)?;
                let lo = self.expr(low, scope, Some(x.ty))?;
                let hi = self.expr(high, scope, Some(x.ty))?;
                let (ge, le) = if *negated {
                    (BOp::Lt, BOp::Gt)
                } else {
                    (BOp::GtEq, BOp::LtEq)
                };
                let a = self.compare(ge, x.clone(), lo, e.span)?;
                let b = self.compare(le, x, hi, e.span)?;
                let join = if *negated { BOp::Or } else { BOp::And };
                Ok(Scalar::binary(join, a, b, DataType::Bool))
            }
            ExprKind::Cast { expr, ty } => {
                let to = DataType::from(ty.kind);
                let a = match &expr.kind {
                    ExprKind::Param(p) => self.param_slot(p, expr.span, Some(to))?,
                    _ => self.expr(expr, scope, None)?,
                };
                if !a.ty.casts_to(to) {
                    return Err(BindError::new(
                        BindCode::TypeMismatch,
                        e.span,
                        format!("there is no cast from {} to {to}", a.ty),
                    ));
                }
                if let Some(why) = bad_json_literal(&a, to) {
                    return Err(BindError::new(
                        BindCode::BadValue,
                        expr.span,
                        format!("the text is not JSON: {why}"),
                    ));
                }
                Ok(a.cast(to))
            }
            ExprKind::List(_) => Err(BindError::new(
                BindCode::Unsupported,
                e.span,
                "a list is only allowed after `in`",
            )
            .hint("write x in [1, 2, 3]")),
            ExprKind::Record(_) => Err(BindError::new(
                BindCode::Unsupported,
                e.span,
                "a record is only allowed as a row of `insert` or an inline source",
            )),
        }
    }

    /// Binds a boolean condition (`where`, `on`).
    pub(crate) fn condition(&mut self, e: &Expr, scope: &[PlanField], what: &str) -> R<Scalar> {
        let s = self.expr(e, scope, Some(DataType::Bool))?;
        if assignable(&s, DataType::Bool) {
            // The usual case, without formatting the message an error would need.
            return Ok(coerce_to(s, DataType::Bool));
        }
        self.require(
            s,
            DataType::Bool,
            e.span,
            &format!("{what} needs a bool condition"),
        )
    }

    fn require(&self, s: Scalar, ty: DataType, span: Span, what: &str) -> R<Scalar> {
        if assignable(&s, ty) {
            Ok(coerce_to(s, ty))
        } else {
            Err(BindError::new(
                BindCode::TypeMismatch,
                span,
                format!("{what}, not {}", s.ty),
            ))
        }
    }

    /// Brings two operands to one type (a literal converts to the other side's type
    /// when it fits; otherwise both widen to their common type).
    fn unify(a: Scalar, b: Scalar) -> (Scalar, Scalar) {
        if a.ty == b.ty {
            return (a, b);
        }
        if let ScalarKind::Literal(v) = &a.kind
            && let Some(v) = convert(v, b.ty, false)
        {
            return (Scalar::literal(v), b);
        }
        if let ScalarKind::Literal(v) = &b.kind
            && let Some(v) = convert(v, a.ty, false)
        {
            return (a, Scalar::literal(v));
        }
        match DataType::common(a.ty, b.ty) {
            Some(t) => (coerce_to(a, t), coerce_to(b, t)),
            None => (a, b),
        }
    }

    /// An integer operand as a decimal of scale 0: a literal as just its digits
    /// (`3` is `decimal(1, 0)`), a column as its type's (`int32` is `decimal(10, 0)`).
    fn as_decimal(s: Scalar) -> Scalar {
        if !s.ty.is_integer() {
            return s;
        }
        if let ScalarKind::Literal(v) = &s.kind {
            let digits = match v {
                Value::Int16(n) => n.unsigned_abs().to_string().len(),
                Value::Int32(n) => n.unsigned_abs().to_string().len(),
                Value::Int64(n) => n.unsigned_abs().to_string().len(),
                _ => 19,
            };
            if let Some(ty) = DataType::decimal(digits as u8, 0)
                && let Some(v) = convert(v, ty, false)
            {
                return Scalar::literal(v);
            }
        }
        match s.ty.integer_as_decimal() {
            Some(ty) => coerce_to(s, ty),
            None => s,
        }
    }

    pub(crate) fn compare(&self, op: BOp, a: Scalar, b: Scalar, span: Span) -> R<Scalar> {
        let (a, b) = Self::unify(a, b);
        let (a, b) = if a.ty == DataType::Null && b.ty == DataType::Null {
            (coerce_to(a, DataType::Bool), coerce_to(b, DataType::Bool))
        } else {
            (a, b)
        };
        let ty = op.result_type(a.ty, b.ty).map_err(|m| {
            let mut err = BindError::new(BindCode::TypeMismatch, span, m);
            if a.ty == DataType::Text || b.ty == DataType::Text {
                err = err.hint("convert one side with `::`, e.g. x :: text");
            }
            err
        })?;
        Ok(Scalar::binary(op, a, b, ty))
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        scope: &[PlanField],
    ) -> R<Scalar> {
        let bop = match op {
            BinaryOp::Or => BOp::Or,
            BinaryOp::And => BOp::And,
            BinaryOp::Eq => BOp::Eq,
            BinaryOp::NotEq => BOp::NotEq,
            BinaryOp::Lt => BOp::Lt,
            BinaryOp::LtEq => BOp::LtEq,
            BinaryOp::Gt => BOp::Gt,
            BinaryOp::GtEq => BOp::GtEq,
            BinaryOp::EqCi => BOp::EqCi,
            BinaryOp::NotEqCi => BOp::NotEqCi,
            BinaryOp::Add => BOp::Add,
            BinaryOp::Sub => BOp::Sub,
            BinaryOp::Mul => BOp::Mul,
            BinaryOp::Div => BOp::Div,
            BinaryOp::Rem => BOp::Rem,
        };
        if matches!(bop, BOp::And | BOp::Or) {
            // `bop.symbol()` in backticks, without formatting it per operand.
            let what = if matches!(bop, BOp::And) {
                "`&&`"
            } else {
                "`||`"
            };
            let a = self.condition(lhs, scope, what)?;
            let b = self.condition(rhs, scope, what)?;
            return Ok(Scalar::binary(bop, a, b, DataType::Bool));
        }
        let fixed = match bop {
            BOp::EqCi | BOp::NotEqCi => Some(DataType::Text),
            _ => None,
        };
        // A parameter takes the type of the other side: bind that side first.
        let (a, b) = if matches!(lhs.kind, ExprKind::Param(_)) {
            let b = self.expr(rhs, scope, fixed)?;
            let hint = fixed.or(Some(b.ty)).filter(|t| *t != DataType::Null);
            let hint = match (bop, hint) {
                (BOp::Sub, Some(DataType::Timestamp)) => Some(DataType::Timestamp),
                (_, h) => h,
            };
            (self.expr(lhs, scope, hint)?, b)
        } else {
            let a = self.expr(lhs, scope, fixed)?;
            let hint = fixed.or(Some(a.ty)).filter(|t| *t != DataType::Null);
            let hint = match (bop, a.ty) {
                (BOp::Add | BOp::Sub, DataType::Timestamp)
                    if matches!(rhs.kind, ExprKind::Param(_)) =>
                {
                    Some(DataType::Duration)
                }
                _ => hint,
            };
            (a, self.expr(rhs, scope, hint)?)
        };
        if bop.is_comparison() || matches!(bop, BOp::EqCi | BOp::NotEqCi) {
            return self.compare(bop, a, b, span);
        }
        // Arithmetic: timestamps and durations mix as they are; numbers unify.
        let (a, b) = match (a.ty, b.ty) {
            (DataType::Timestamp | DataType::Duration, _)
            | (_, DataType::Timestamp | DataType::Duration) => {
                let a = if a.ty == DataType::Date {
                    coerce_to(a, DataType::Timestamp)
                } else {
                    a
                };
                (a, b)
            }
            // Decimals keep their own types (the result type follows from both); an
            // integer beside one becomes the decimal that holds it.
            (DataType::Decimal { .. }, t) | (t, DataType::Decimal { .. })
                if t.is_integer() || matches!(t, DataType::Decimal { .. }) =>
            {
                (Self::as_decimal(a), Self::as_decimal(b))
            }
            _ => Self::unify(a, b),
        };
        let ty = bop
            .result_type(a.ty, b.ty)
            .map_err(|m| BindError::new(BindCode::TypeMismatch, span, m))?;
        Ok(Scalar::binary(bop, a, b, ty))
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Expr],
        span: Span,
        scope: &[PlanField],
    ) -> R<Scalar> {
        if AGGREGATES.contains(&name) {
            return self.aggregate_call(name, args, span, scope);
        }
        if name == "is_null" || name == "is_not_null" {
            if args.len() != 1 {
                return Err(BindError::new(
                    BindCode::BadArguments,
                    span,
                    format!("{name}() takes 1 argument, not {}", args.len()),
                ));
            }
            let a = self.expr(&args[0], scope, None)?;
            let op = if name == "is_null" {
                UOp::IsNull
            } else {
                UOp::IsNotNull
            };
            return Ok(Scalar::new(
                ScalarKind::Unary(op, Box::new(a)),
                DataType::Bool,
            ));
        }
        if LIKE_FUNCTIONS.contains(&name) {
            return self.like_call(name, args, span, scope);
        }
        let Some(func) = Func::by_name(name) else {
            let mut names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
            names.extend(AGGREGATES);
            names.extend(["is_null", "is_not_null"]);
            names.extend(LIKE_FUNCTIONS);
            let hint = did_you_mean(name, names.iter().copied());
            return Err(BindError::new(
                BindCode::UnknownFunction,
                name_span,
                format!("unknown function `{name}`"),
            )
            .maybe_hint(hint));
        };
        let fixed: &[DataType] = match func {
            Func::Lower | Func::Upper | Func::Trim | Func::Len => &[DataType::Text],
            Func::Contains | Func::StartsWith | Func::EndsWith | Func::Matches => {
                &[DataType::Text, DataType::Text]
            }
            Func::Substring => &[DataType::Text, DataType::Int64, DataType::Int64],
            Func::Ago => &[DataType::Duration],
            _ => &[],
        };
        if matches!(func, Func::If | Func::Case) {
            return self.conditional(func, args, span, scope);
        }
        let mut bound = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let want = fixed
                .get(i)
                .copied()
                .or((func == Func::Concat).then_some(DataType::Text));
            let want = want.or_else(|| bound.first().map(|s: &Scalar| s.ty));
            let s = self.expr(a, scope, want)?;
            let s = match fixed
                .get(i)
                .copied()
                .or((func == Func::Concat).then_some(DataType::Text))
            {
                Some(t) if func != Func::Len || s.ty != DataType::Bytes => {
                    if assignable(&s, t) {
                        coerce_to(s, t)
                    } else {
                        s
                    }
                }
                _ => s,
            };
            bound.push(s);
        }
        if func == Func::Coalesce {
            let mut ty = DataType::Null;
            for s in &bound {
                ty = DataType::common(ty, s.ty).unwrap_or(ty);
            }
            bound = bound
                .into_iter()
                .map(|s| {
                    if assignable(&s, ty) {
                        coerce_to(s, ty)
                    } else {
                        s
                    }
                })
                .collect();
        }
        if matches!(func, Func::Round | Func::Floor | Func::Ceil) {
            bound = bound
                .into_iter()
                .map(|s| {
                    if s.ty.is_integer() {
                        coerce_to(s, DataType::Float64)
                    } else {
                        s
                    }
                })
                .collect();
        }
        typed_call(func, bound, span)
    }

    /// `if(c, a, b)` and `case(c1, v1, …, else)`: conditions are bool, and the values
    /// share one type (the common type of all of them, so `if(c, 1, 2.5)` is float64
    /// and a `null` takes the others' type).
    fn conditional(
        &mut self,
        func: Func,
        args: &[Expr],
        span: Span,
        scope: &[PlanField],
    ) -> R<Scalar> {
        let is_value = |i: usize| i % 2 == 1 || i + 1 == args.len();
        let mut bound: Vec<Scalar> = Vec::with_capacity(args.len());
        let mut ty = DataType::Null;
        for (i, a) in args.iter().enumerate() {
            let s = if is_value(i) {
                let want = (ty != DataType::Null).then_some(ty);
                let s = self.expr(a, scope, want)?;
                ty = DataType::common(ty, s.ty).unwrap_or(ty);
                s
            } else {
                // A `null` condition is a bool null (it picks the else branch).
                let c = self.expr(a, scope, Some(DataType::Bool))?;
                if c.ty == DataType::Null && assignable(&c, DataType::Bool) {
                    coerce_to(c, DataType::Bool)
                } else {
                    c
                }
            };
            bound.push(s);
        }
        let bound: Vec<Scalar> = bound
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                if is_value(i) && assignable(&s, ty) {
                    coerce_to(s, ty)
                } else {
                    s
                }
            })
            .collect();
        typed_call(func, bound, span)
    }

    fn aggregate_call(
        &mut self,
        name: &str,
        args: &[Expr],
        span: Span,
        _scope: &[PlanField],
    ) -> R<Scalar> {
        let Some(agg) = self.agg.as_ref() else {
            return Err(BindError::new(
                BindCode::MisplacedAggregate,
                span,
                format!("aggregate `{name}()` outside `aggregate`"),
            )
            .hint(format!("aggregate with `| aggregate n = {name}(…) by …`")));
        };
        if agg.in_argument {
            return Err(BindError::new(
                BindCode::MisplacedAggregate,
                span,
                format!("aggregate `{name}()` inside another aggregate"),
            ));
        }
        let func = agg_func(name, args.len()).expect("listed in AGGREGATES");
        if args.len() > 1 || (func != AggFunc::CountRows && args.is_empty()) {
            return Err(BindError::new(
                BindCode::BadArguments,
                span,
                format!(
                    "{name}() takes {} argument, not {}",
                    if name == "count" { "0 or 1" } else { "1" },
                    args.len()
                ),
            ));
        }
        let input = agg.input.clone();
        let arg = match args.first() {
            Some(a) => {
                self.agg.as_mut().expect("set").in_argument = true;
                let r = self.expr(a, &input, None);
                self.agg.as_mut().expect("set").in_argument = false;
                Some(r?)
            }
            None => None,
        };
        // A bare `null` counts as a null int64: `count(null)` is 0, as in SQL (a
        // value of type null carries no validity to count).
        let arg = match arg {
            Some(a)
                if a.ty == DataType::Null
                    && matches!(func, AggFunc::Count | AggFunc::CountDistinct) =>
            {
                Some(coerce_to(a, DataType::Int64))
            }
            other => other,
        };
        let ty = func
            .result_type(arg.as_ref().map(|a| a.ty))
            .map_err(|m| BindError::new(BindCode::BadArguments, span, m))?;
        let agg = self.agg.as_mut().expect("set");
        let pos = match agg
            .aggs
            .iter()
            .position(|(f, a, _)| *f == func && *a == arg)
        {
            Some(p) => p,
            None => {
                agg.aggs.push((func, arg, ty));
                agg.aggs.len() - 1
            }
        };
        Ok(Scalar::column(agg.key_count + pos, ty))
    }
}

/// A call of `func` on bound arguments, typed by the function's result rule.
pub(super) fn typed_call(func: Func, bound: Vec<Scalar>, span: Span) -> R<Scalar> {
    let types: Vec<DataType> = bound.iter().map(|s| s.ty).collect();
    let ty = func
        .result_type(&types)
        .map_err(|m| BindError::new(BindCode::BadArguments, span, m))?;
    Ok(Scalar::new(ScalarKind::Call(func, bound), ty))
}
