//! Constant folding: expressions of constants computed at compile time, boolean
//! identities simplified, `where true` removed.
//!
//! Folding never changes what the VM would compute: an operation that would fail at
//! run time (integer overflow, division by zero, an inexact conversion) is left in
//! place for the VM to report, and volatile functions (`now()`, `snowflake()`) are
//! never folded.

use crate::binder::convert;
use crate::bytecode::{BinaryOp, Func, UnaryOp, Value};
use crate::plan::{Plan, Scalar, ScalarKind};
use crate::types::DataType;
use std::cmp::Ordering;

/// Folds every expression in the plan and drops filters that are always true.
pub fn fold_constants(mut plan: Plan) -> Plan {
    in_place(&mut plan);
    plan
}

/// Folds where the plan lies, inputs first.
fn in_place(plan: &mut Plan) {
    plan.for_each_input_mut(&mut in_place);
    plan.for_each_scalar_mut(&mut |s| {
        let taken = std::mem::replace(s, Scalar::bool(true));
        *s = fold(taken);
    });
    let always = |s: &Scalar| s.kind == ScalarKind::Literal(Value::Bool(true));
    match plan {
        Plan::Filter { predicate, .. } if always(predicate) => {
            let Plan::Filter { input, .. } = plan.take() else {
                unreachable!("matched above");
            };
            *plan = *input;
        }
        Plan::Scan { filter, .. } if filter.as_ref().is_some_and(always) => *filter = None,
        _ => {}
    }
}

fn lit(s: &Scalar) -> Option<&Value> {
    match &s.kind {
        ScalarKind::Literal(v) => Some(v),
        _ => None,
    }
}

fn truth(s: &Scalar) -> Option<Option<bool>> {
    match lit(s)? {
        Value::Bool(b) => Some(Some(*b)),
        Value::Null(_) => Some(None),
        _ => None,
    }
}

fn bool_lit(b: Option<bool>) -> Scalar {
    Scalar::literal(match b {
        Some(b) => Value::Bool(b),
        None => Value::Null(DataType::Bool),
    })
}

/// Orders two values of the same type (`None` when incomparable here).
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Int16(x), Int16(y)) => Some(x.cmp(y)),
        (Int32(x), Int32(y)) => Some(x.cmp(y)),
        (Int64(x), Int64(y)) => Some(x.cmp(y)),
        (Float32(x), Float32(y)) => x.partial_cmp(y),
        (Float64(x), Float64(y)) => x.partial_cmp(y),
        (Decimal(x, p, s), Decimal(y, q, t)) if p == q && s == t => Some(x.cmp(y)),
        (Text(x), Text(y)) => Some(x.cmp(y)),
        (Bytes(x), Bytes(y)) => Some(x.cmp(y)),
        (Timestamp(x), Timestamp(y)) | (Time(x), Time(y)) | (Duration(x), Duration(y)) => {
            Some(x.cmp(y))
        }
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Uuid(x), Uuid(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn arith(op: BinaryOp, a: &Value, b: &Value) -> Option<Value> {
    use Value::*;
    let int = |x: i64, y: i64| -> Option<i64> {
        match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            BinaryOp::Div => x.checked_div(y),
            BinaryOp::Rem => x.checked_rem(y),
            _ => None,
        }
    };
    match (a, b) {
        (Int64(x), Int64(y)) => int(*x, *y).map(Int64),
        (Int32(x), Int32(y)) => int(*x as i64, *y as i64)
            .and_then(|v| i32::try_from(v).ok())
            .map(Int32),
        (Int16(x), Int16(y)) => int(*x as i64, *y as i64)
            .and_then(|v| i16::try_from(v).ok())
            .map(Int16),
        (Float64(x), Float64(y)) => {
            let v = match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::Div if *y != 0.0 => x / y,
                _ => return None,
            };
            // An overflow (infinite) or underflow (a zero product or quotient of
            // non-zero operands) is the VM's error to report.
            let underflow = v == 0.0
                && *x != 0.0
                && (op == BinaryOp::Div || (op == BinaryOp::Mul && *y != 0.0));
            (v.is_finite() && !underflow).then_some(Float64(v))
        }
        (Duration(x), Duration(y)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            int(*x, *y).map(Duration)
        }
        (Timestamp(x), Duration(y)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            int(*x, *y).map(Timestamp)
        }
        (Timestamp(x), Timestamp(y)) if op == BinaryOp::Sub => x.checked_sub(*y).map(Duration),
        _ => None,
    }
}

/// Folds one expression, bottom-up.
pub fn fold(mut s: Scalar) -> Scalar {
    s.for_each_child_mut(&mut |c| {
        let taken = std::mem::replace(c, Scalar::bool(true));
        *c = fold(taken);
    });
    let ty = s.ty;
    match &s.kind {
        ScalarKind::Binary(BinaryOp::And, a, b) => match (truth(a), truth(b)) {
            (Some(Some(false)), _) | (_, Some(Some(false))) => return Scalar::bool(false),
            (Some(Some(true)), _) => return (**b).clone(),
            (_, Some(Some(true))) => return (**a).clone(),
            (Some(None), Some(None)) => return bool_lit(None),
            _ => {}
        },
        ScalarKind::Binary(BinaryOp::Or, a, b) => match (truth(a), truth(b)) {
            (Some(Some(true)), _) | (_, Some(Some(true))) => return Scalar::bool(true),
            (Some(Some(false)), _) => return (**b).clone(),
            (_, Some(Some(false))) => return (**a).clone(),
            (Some(None), Some(None)) => return bool_lit(None),
            _ => {}
        },
        ScalarKind::Binary(op, a, b) => {
            if let (Some(x), Some(y)) = (lit(a), lit(b)) {
                if x.is_null() || y.is_null() {
                    return Scalar::literal(Value::Null(ty));
                }
                if op.is_comparison() {
                    if let Some(ord) = compare(x, y) {
                        let r = match op {
                            BinaryOp::Eq => ord == Ordering::Equal,
                            BinaryOp::NotEq => ord != Ordering::Equal,
                            BinaryOp::Lt => ord == Ordering::Less,
                            BinaryOp::LtEq => ord != Ordering::Greater,
                            BinaryOp::Gt => ord == Ordering::Greater,
                            _ => ord != Ordering::Less,
                        };
                        return Scalar::bool(r);
                    }
                } else if let Some(v) = arith(*op, x, y)
                    && v.ty() == ty
                {
                    return Scalar::literal(v);
                }
            }
        }
        ScalarKind::Unary(UnaryOp::Not, a) => {
            if let Some(t) = truth(a) {
                return bool_lit(t.map(|b| !b));
            }
        }
        ScalarKind::Unary(UnaryOp::Neg, a) => match lit(a) {
            Some(Value::Int64(x)) if *x != i64::MIN => return Scalar::literal(Value::Int64(-x)),
            Some(Value::Float64(x)) => return Scalar::literal(Value::Float64(-x)),
            Some(Value::Duration(x)) if *x != i64::MIN => {
                return Scalar::literal(Value::Duration(-x));
            }
            _ => {}
        },
        ScalarKind::Unary(op @ (UnaryOp::IsNull | UnaryOp::IsNotNull), a) => {
            if let Some(v) = lit(a) {
                return Scalar::bool(v.is_null() == (*op == UnaryOp::IsNull));
            }
        }
        ScalarKind::Cast(a) => {
            if let Some(v) = lit(a).and_then(|v| convert(v, ty, false)) {
                return Scalar::literal(v);
            }
        }
        ScalarKind::InList(a, list, negated) => {
            if let Some(x) = lit(a) {
                let items: Option<Vec<&Value>> = list.iter().map(lit).collect();
                if let (false, Some(items)) = (x.is_null(), items) {
                    let hit = items.iter().any(|v| compare(x, v) == Some(Ordering::Equal));
                    let any_null = items.iter().any(|v| v.is_null());
                    let r = if hit {
                        Some(true)
                    } else if any_null {
                        None
                    } else {
                        Some(false)
                    };
                    return bool_lit(r.map(|b| b != *negated));
                }
            }
        }
        ScalarKind::Call(f, args) if !f.is_volatile() => {
            let vals: Option<Vec<&Value>> = args.iter().map(lit).collect();
            if let Some(vals) = vals
                && let Some(v) = call(*f, &vals)
                && v.ty() == ty
            {
                return Scalar::literal(v);
            }
        }
        _ => {}
    }
    s
}

fn call(f: Func, args: &[&Value]) -> Option<Value> {
    use Value::*;
    // A conditional picks among its arguments: a null one is not its answer.
    if matches!(f, Func::If | Func::Case) {
        return None;
    }
    if f != Func::Coalesce && args.iter().any(|v| v.is_null()) {
        return Some(Null(match f {
            Func::Len => DataType::Int64,
            Func::Contains | Func::StartsWith | Func::EndsWith => DataType::Bool,
            _ => DataType::Text,
        }));
    }
    match (f, args) {
        // `lower` and `upper` are left to the VM, whose per-character simple case
        // mapping differs from `str::to_lowercase` (`ß`, `İ`, a final `Σ`).
        (Func::Trim, [Text(s)]) => Some(Text(s.trim().to_owned())),
        (Func::Len, [Text(s)]) => Some(Int64(s.chars().count() as i64)),
        (Func::Len, [Bytes(b)]) => Some(Int64(b.len() as i64)),
        (Func::Contains, [Text(a), Text(b)]) => Some(Bool(a.contains(b.as_str()))),
        (Func::StartsWith, [Text(a), Text(b)]) => Some(Bool(a.starts_with(b.as_str()))),
        (Func::EndsWith, [Text(a), Text(b)]) => Some(Bool(a.ends_with(b.as_str()))),
        (Func::Concat, parts) => {
            let mut out = String::new();
            for p in parts {
                let Text(t) = p else { return None };
                out.push_str(t);
            }
            Some(Text(out))
        }
        (Func::Coalesce, vals) => vals
            .iter()
            .find(|v| !v.is_null())
            .map(|v| (*v).clone())
            .or_else(|| vals.first().map(|v| (*v).clone())),
        _ => None,
    }
}
