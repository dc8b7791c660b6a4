//! Binding the parameters of an execute or query message to a plan's parameter
//! slots. A slot `$name` takes the parameter of that name; a slot `$3` the third
//! positional (unnamed) parameter. Each value converts to the slot's type as a cast
//! would — an `int` to any integer type it fits, to a float, decimal, timestamp or
//! duration; text to any type that parses from text (`uuid`, `date`, `decimal`,
//! `json`, …) — except that a float never silently becomes an integer. A missing
//! parameter, one no slot names, or one that does not convert is `X009`.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DurationMicrosecondArray,
    FixedSizeBinaryArray, Float64Array, Int64Array, StringArray, Time64MicrosecondArray,
    TimestampMicrosecondArray,
};
use kalavar_protocol::{Param, Value};
use kql_compiler::bytecode::ParamDecl;
use kql_compiler::types::DataType;

use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::expr::cast::cast_array;
use crate::vm::types::null_array;

fn bad(message: impl Into<String>) -> ExecError {
    ExecError::new(XCode::BadParameter, message)
}

/// The value as a one-row array of its own type (`None` for null).
fn natural(v: &Value) -> Result<Option<ArrayRef>> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::Bool(b) => Arc::new(BooleanArray::from(vec![*b])),
        Value::Int(i) => Arc::new(Int64Array::from(vec![*i])),
        Value::Float(f) => Arc::new(Float64Array::from(vec![*f])),
        Value::Text(s) | Value::Json(s) => Arc::new(StringArray::from(vec![s.as_str()])),
        Value::Bytes(b) => Arc::new(BinaryArray::from_vec(vec![b.as_slice()])),
        Value::Timestamp(t) => {
            Arc::new(TimestampMicrosecondArray::from(vec![*t]).with_timezone("UTC"))
        }
        Value::Uuid(u) => Arc::new(
            FixedSizeBinaryArray::try_from_iter(std::iter::once(u))
                .map_err(|e| ExecError::internal(e.to_string()))?,
        ),
        Value::Decimal {
            unscaled,
            precision,
            scale,
        } => Arc::new(
            Decimal128Array::from(vec![*unscaled])
                .with_precision_and_scale(*precision, *scale as i8)
                .map_err(|e| bad(e.to_string()))?,
        ),
        Value::Date(d) => Arc::new(Date32Array::from(vec![*d])),
        Value::Time(t) => Arc::new(Time64MicrosecondArray::from(vec![*t])),
        Value::Duration(d) => Arc::new(DurationMicrosecondArray::from(vec![*d])),
    }))
}

/// Converts one value to a slot's type.
pub fn convert(name: &str, v: &Value, ty: DataType) -> Result<ArrayRef> {
    let Some(a) = natural(v)? else {
        return Ok(null_array(ty, 1));
    };
    if matches!(v, Value::Float(_)) && ty.is_integer() {
        return Err(bad(format!(
            "parameter ${name} is a float; the plan needs {ty} (send an integer)"
        )));
    }
    if matches!(v, Value::Json(_)) && ty == DataType::Text {
        return Ok(a);
    }
    cast_array(&a, ty).map_err(|e| {
        bad(format!(
            "parameter ${name} does not convert to {ty}: {}",
            e.message
        ))
    })
}

/// Which of `n` parameters a slot used: bits in a word for the usual handful (no
/// allocation per request), a vector beyond 64.
enum Marks {
    Word(u64),
    Many(Vec<bool>),
}

impl Marks {
    fn new(n: usize) -> Marks {
        if n <= 64 {
            Marks::Word(0)
        } else {
            Marks::Many(vec![false; n])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Marks::Word(w) => *w |= 1 << i,
            Marks::Many(v) => v[i] = true,
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Marks::Word(w) => *w & (1 << i) != 0,
            Marks::Many(v) => v[i],
        }
    }
}

/// The parameter arrays for `decls`, from the message's `params`. `strict`: a
/// parameter no slot takes is an error (not for the statements of a script, which
/// each take some).
pub fn bind(decls: &[ParamDecl], params: &[Param], strict: bool) -> Result<Vec<ArrayRef>> {
    let positional: Vec<&Param> = params.iter().filter(|p| p.name.is_empty()).collect();
    let mut used_names = Marks::new(params.len());
    let mut used_positions = vec![false; positional.len()];
    let mut out = Vec::with_capacity(decls.len());
    for d in decls {
        let named = params
            .iter()
            .position(|p| !p.name.is_empty() && p.name == d.name);
        let value = match named {
            Some(i) => {
                used_names.set(i);
                &params[i].value
            }
            None => {
                let k = d
                    .name
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| k.checked_sub(1))
                    .filter(|k| *k < positional.len())
                    .ok_or_else(|| bad(format!("parameter ${} is not given", d.name)))?;
                used_positions[k] = true;
                &positional[k].value
            }
        };
        out.push(convert(&d.name, value, d.ty)?);
    }
    if !strict {
        return Ok(out);
    }
    for (i, p) in params.iter().enumerate() {
        if !p.name.is_empty() && !used_names.get(i) {
            return Err(bad(format!(
                "parameter ${} is not used by the statement",
                p.name
            )));
        }
    }
    if let Some(k) = used_positions.iter().position(|u| !u) {
        return Err(bad(format!(
            "positional parameter ${} is not used by the statement",
            k + 1
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str, ty: DataType) -> ParamDecl {
        ParamDecl {
            name: name.into(),
            ty,
        }
    }

    fn p(name: &str, value: Value) -> Param {
        Param {
            name: name.into(),
            value,
        }
    }

    #[test]
    fn named_and_positional_parameters_bind_and_convert() {
        let decls = [
            decl("id", DataType::Int32),
            decl("1", DataType::Text),
            decl("u", DataType::Uuid),
        ];
        let got = bind(
            &decls,
            &[
                p("id", Value::Int(7)),
                p("", Value::Text("x".into())),
                p(
                    "u",
                    Value::Text("00112233-4455-6677-8899-aabbccddeeff".into()),
                ),
            ],
            true,
        )
        .unwrap();
        assert_eq!(got[0].data_type(), &arrow_schema::DataType::Int32);
        assert_eq!(
            got[2].data_type(),
            &arrow_schema::DataType::FixedSizeBinary(16)
        );
    }

    #[test]
    fn an_unused_name_is_found_past_the_first_64() {
        for n in [3usize, 64, 65, 100] {
            let decls: Vec<ParamDecl> = (0..n - 1)
                .map(|i| decl(&format!("p{i}"), DataType::Int64))
                .collect();
            let mut params: Vec<Param> = (0..n - 1)
                .map(|i| p(&format!("p{i}"), Value::Int(i as i64)))
                .collect();
            assert_eq!(bind(&decls, &params, true).unwrap().len(), n - 1);
            params.push(p("extra", Value::Int(0)));
            let e = bind(&decls, &params, true).unwrap_err();
            assert!(e.message.contains("$extra is not used"), "{n}: {e}");
            // Every slot used, the last one the unused one's neighbour.
            params.swap(n - 1, n - 2);
            let e = bind(&decls, &params, true).unwrap_err();
            assert!(e.message.contains("$extra is not used"), "{n}: {e}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let decls = [decl("n", DataType::Int16)];
        for (params, want) in [
            (vec![], "$n is not given"),
            (vec![p("n", Value::Int(1 << 20))], "$n does not convert"),
            (vec![p("n", Value::Float(1.5))], "is a float"),
            (
                vec![p("n", Value::Int(1)), p("m", Value::Int(2))],
                "$m is not used",
            ),
            (
                vec![p("n", Value::Int(1)), p("", Value::Int(2))],
                "$1 is not used",
            ),
        ] {
            let e = bind(&decls, &params, true).unwrap_err();
            assert_eq!(e.code, "X009");
            assert!(e.message.contains(want), "{want}: {}", e.message);
        }
        assert!(bind(&decls, &[p("n", Value::Null)], true).unwrap()[0].is_null(0));
        assert!(
            bind(
                &decls,
                &[p("n", Value::Int(1)), p("m", Value::Int(2))],
                false
            )
            .is_ok()
        );
    }
}
