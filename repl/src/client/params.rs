//! Parameters: matching the values a caller gives to a plan's parameter slots and
//! converting each to the slot's type, so the server receives exactly one value per
//! slot, in slot order, of the declared type.
//!
//! A caller names values (`named("id", …)` for `$id`) or lists them by position
//! (`positional(…)`: the first fills `$1`, the second `$2`, …). Values a statement
//! does not use are ignored, so one list can serve every statement of a script. The
//! conversions are the lossless ones: an integer fits a narrower integer slot or
//! becomes a float, a float fits a `float32`; text fills a `text` or `json` slot and
//! otherwise is parsed as the slot's type (`42` for an `int64`, `2024-05-01` for a
//! `date`: the rules `kalavar load` reads CSV fields by), as PostgreSQL's text-format
//! parameters are; anything else is an error naming the slot.

use kalavar_protocol::{Param, Value};
use kql_compiler::bytecode::ParamDecl;
use kql_compiler::types::DataType;

use super::error::ClientError;

/// A value for `$name`.
pub fn named(name: &str, value: Value) -> Param {
    Param {
        name: name.to_owned(),
        value,
    }
}

/// A value for the next positional parameter (`$1`, `$2`, … in the order given).
pub fn positional(value: Value) -> Param {
    Param {
        name: String::new(),
        value,
    }
}

/// The values for `decls`, in slot order, each converted to its slot's type.
pub fn bind_params(decls: &[ParamDecl], given: &[Param]) -> Result<Vec<Param>, ClientError> {
    let mut out = Vec::with_capacity(decls.len());
    bind_params_into(decls, given, &mut out)?;
    Ok(out)
}

/// [`bind_params`] into `out`, reusing its slots: a prepared statement run again
/// keeps the slot names it bound last time and allocates nothing for them. On an
/// error `out` holds some slots, not all.
pub fn bind_params_into(
    decls: &[ParamDecl],
    given: &[Param],
    out: &mut Vec<Param>,
) -> Result<(), ClientError> {
    out.truncate(decls.len());
    for (i, decl) in decls.iter().enumerate() {
        let value = match decl.name.parse::<usize>() {
            Ok(n) if n >= 1 => given.iter().filter(|p| p.name.is_empty()).nth(n - 1),
            _ => given.iter().find(|p| p.name == decl.name),
        };
        let value = value.map(|p| &p.value).ok_or_else(|| {
            ClientError::Params(format!(
                "no value for ${} ({}); {} given",
                decl.name,
                decl.ty,
                describe(given)
            ))
        })?;
        let value = convert(value, decl.ty)
            .map_err(|why| ClientError::Params(format!("${}: {why}", decl.name)))?;
        match out.get_mut(i) {
            Some(slot) => {
                if slot.name != decl.name {
                    decl.name.clone_into(&mut slot.name);
                }
                slot.value = value;
            }
            None => out.push(Param {
                name: decl.name.clone(),
                value,
            }),
        }
    }
    Ok(())
}

fn describe(given: &[Param]) -> String {
    if given.is_empty() {
        return "none".into();
    }
    let mut n = 0;
    let names: Vec<String> = given
        .iter()
        .map(|p| {
            if p.name.is_empty() {
                n += 1;
                format!("${n}")
            } else {
                format!("${}", p.name)
            }
        })
        .collect();
    names.join(", ")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Text(_) => "text",
        Value::Bytes(_) => "bytes",
        Value::Timestamp(_) => "a timestamp",
        Value::Uuid(_) => "a uuid",
        Value::Decimal { .. } => "a decimal",
        Value::Date(_) => "a date",
        Value::Time(_) => "a time",
        Value::Duration(_) => "a duration",
        Value::Json(_) => "json",
    }
}

/// Converts `v` to a value of type `ty`, or says why it cannot.
pub fn convert(v: &Value, ty: DataType) -> Result<Value, String> {
    let mismatch = || format!("expects {ty}, got {}", kind(v));
    Ok(match (v, ty) {
        (Value::Null, _) => Value::Null,
        (Value::Bool(b), DataType::Bool) => Value::Bool(*b),
        (Value::Int(i), DataType::Int16) => {
            i16::try_from(*i).map_err(|_| format!("{i} does not fit int16"))?;
            Value::Int(*i)
        }
        (Value::Int(i), DataType::Int32) => {
            i32::try_from(*i).map_err(|_| format!("{i} does not fit int32"))?;
            Value::Int(*i)
        }
        (Value::Int(i), DataType::Int64 | DataType::Duration) => Value::Int(*i),
        (Value::Int(i), DataType::Float32 | DataType::Float64) => Value::Float(*i as f64),
        (Value::Int(i), DataType::Timestamp) => Value::Timestamp(*i),
        (Value::Float(f), DataType::Float32 | DataType::Float64) => Value::Float(*f),
        (Value::Text(s), DataType::Text | DataType::Json) => Value::Text(s.clone()),
        (Value::Text(s), DataType::Uuid) => Value::Uuid(parse_uuid(s)?),
        (Value::Bytes(b), DataType::Bytes) => Value::Bytes(b.clone()),
        (Value::Timestamp(t), DataType::Timestamp) => Value::Timestamp(*t),
        (Value::Uuid(u), DataType::Uuid) => Value::Uuid(*u),
        (Value::Decimal { .. }, DataType::Decimal { .. })
        | (Value::Date(_), DataType::Date)
        | (Value::Time(_), DataType::Time)
        | (Value::Duration(_), DataType::Duration)
        | (Value::Json(_), DataType::Json) => v.clone(),
        // Text spells a value of any type, as PostgreSQL's text parameters do.
        (Value::Text(s), ty) => super::load::parse_value(s, ty)?,
        _ => return Err(mismatch()),
    })
}

fn parse_uuid(s: &str) -> Result<[u8; 16], String> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let bytes = hex::decode(&hex).map_err(|_| format!("`{s}` is not a uuid"))?;
    bytes.try_into().map_err(|_| format!("`{s}` is not a uuid"))
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

    #[test]
    fn slots_are_filled_by_name_and_position_in_slot_order() {
        let decls = [
            decl("2", DataType::Text),
            decl("id", DataType::Int32),
            decl("1", DataType::Float64),
        ];
        let got = bind_params(
            &decls,
            &[
                positional(Value::Int(3)),
                named("id", Value::Int(7)),
                positional(Value::Text("x".into())),
                named("unused", Value::Bool(true)),
            ],
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                named("2", Value::Text("x".into())),
                named("id", Value::Int(7)),
                named("1", Value::Float(3.0)),
            ]
        );
    }

    #[test]
    fn binding_into_reused_slots_is_binding_afresh() {
        let given = [
            named("id", Value::Int(7)),
            positional(Value::Text("x".into())),
            named("f", Value::Int(2)),
        ];
        let a = [decl("id", DataType::Int64), decl("1", DataType::Text)];
        let b = [
            decl("f", DataType::Float64),
            decl("id", DataType::Int32),
            decl("1", DataType::Json),
        ];
        let mut slots = Vec::new();
        for decls in [&a[..], &b[..], &a[..], &[][..], &b[..]] {
            bind_params_into(decls, &given, &mut slots).unwrap();
            assert_eq!(slots, bind_params(decls, &given).unwrap());
        }
        assert!(bind_params_into(&[decl("nope", DataType::Int64)], &given, &mut slots).is_err());
    }

    #[test]
    fn missing_and_mistyped_values_name_the_slot() {
        let e = bind_params(&[decl("id", DataType::Int64)], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameters: no value for $id (int64); none given"
        );
        let e = bind_params(
            &[decl("n", DataType::Int16)],
            &[named("n", Value::Int(70_000))],
        )
        .unwrap_err();
        assert!(e.to_string().contains("70000 does not fit int16"), "{e}");
        // Text is parsed as the slot's type; text that is not one names the slot.
        let bound = bind_params(
            &[
                decl("n", DataType::Int64),
                decl("d", DataType::Date),
                decl(
                    "x",
                    DataType::Decimal {
                        precision: 6,
                        scale: 2,
                    },
                ),
            ],
            &[
                named("n", Value::Text(" 42".into())),
                named("d", Value::Text("2024-05-01".into())),
                named("x", Value::Text("12.5".into())),
            ],
        )
        .unwrap();
        let values: Vec<&Value> = bound.iter().map(|p| &p.value).collect();
        assert_eq!(
            values,
            [
                &Value::Int(42),
                &Value::Date(19844),
                &Value::Decimal {
                    unscaled: 1250,
                    precision: 6,
                    scale: 2
                }
            ]
        );
        let e = bind_params(
            &[decl("n", DataType::Int64)],
            &[named("n", Value::Text("forty".into()))],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "parameters: $n: not an int64");
        let e = bind_params(
            &[decl("n", DataType::Int64)],
            &[named("n", Value::Bool(true))],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "parameters: $n: expects int64, got bool");
        let u = convert(
            &Value::Text("00112233-4455-6677-8899-aabbccddeeff".into()),
            DataType::Uuid,
        )
        .unwrap();
        assert!(matches!(u, Value::Uuid(b) if b[15] == 0xff));
    }
}
