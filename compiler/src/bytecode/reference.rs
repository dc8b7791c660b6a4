//! The generated parts of `docs/bytecode.md`: the opcode table, the functions, the
//! verifier's rules, the error codes and the system tables, all taken from the one
//! place each is defined. A test keeps the document in sync
//! (`KALAVAR_UPDATE_DOCS=1 cargo test -p kql-compiler --test docs` rewrites it).

use super::{AggFunc, Func, OPCODE_SET_VERSION, Opcode, VerifyCode};
use crate::binder::BindCode;
use crate::codec::DecodeErrorCode;

fn paragraph(doc: &str) -> String {
    doc.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// Every opcode: byte, name, class, operands and what it does.
pub fn opcodes_markdown() -> String {
    let mut out = format!("Opcode set version {OPCODE_SET_VERSION}.\n\n");
    out.push_str("| byte | opcode | class | operands | semantics |\n|---|---|---|---|---|\n");
    for op in Opcode::ALL {
        let operands = op
            .operands()
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "| `0x{:02x}` | `{}` | {:?} | {} | {} |\n",
            op.byte(),
            op.name(),
            op.class(),
            if operands.is_empty() {
                "—".into()
            } else {
                operands
            },
            paragraph(op.doc()).replace('|', "\\|")
        ));
    }
    out
}

/// Scalar and aggregate functions.
pub fn functions_markdown() -> String {
    let mut out = String::from("| code | function | |\n|---|---|---|\n");
    for f in Func::ALL {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            *f as u8,
            f.name(),
            paragraph(f.doc()).replace('|', "\\|")
        ));
    }
    out.push_str("\nAggregates (`OpenAggregate`): ");
    let aggs = [
        AggFunc::CountRows,
        AggFunc::Count,
        AggFunc::CountDistinct,
        AggFunc::Sum,
        AggFunc::Avg,
        AggFunc::Min,
        AggFunc::Max,
    ];
    let names: Vec<String> = aggs.iter().map(|a| format!("`{}`", a.name())).collect();
    out.push_str(&names.join(", "));
    out.push('\n');
    out
}

/// The verifier's rules.
pub fn rules_markdown() -> String {
    let mut out = String::from("| code | rule |\n|---|---|\n");
    for c in VerifyCode::ALL {
        out.push_str(&format!("| `{}` | {} |\n", c.code(), paragraph(c.rule())));
    }
    out
}

/// The binder's and the codec's error codes.
pub fn errors_markdown() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    for c in BindCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} |\n",
            c.code(),
            paragraph(c.meaning())
        ));
    }
    for c in [
        DecodeErrorCode::Truncated,
        DecodeErrorCode::BadMagic,
        DecodeErrorCode::UnsupportedFormat,
        DecodeErrorCode::UnsupportedOpcodeSet,
        DecodeErrorCode::UnknownFlags,
        DecodeErrorCode::UnknownOpcode,
        DecodeErrorCode::BadTag,
        DecodeErrorCode::TooLarge,
        DecodeErrorCode::BadVarint,
        DecodeErrorCode::BadUtf8,
        DecodeErrorCode::TrailingBytes,
        DecodeErrorCode::BadValue,
    ] {
        out.push_str(&format!("| `{}` | {} |\n", c.code(), c.meaning()));
    }
    out
}

/// The system tables' schemas (`?` marks a nullable column).
pub fn system_tables_markdown() -> String {
    crate::catalog::system_tables_markdown()
}

/// `(section name, generated text)` for every generated section of the doc.
pub fn sections() -> Vec<(&'static str, String)> {
    vec![
        ("opcodes", opcodes_markdown()),
        ("functions", functions_markdown()),
        ("rules", rules_markdown()),
        ("errors", errors_markdown()),
        ("system-tables", system_tables_markdown()),
    ]
}

/// `doc` with each `<!-- generated:NAME -->` … `<!-- end:NAME -->` section replaced
/// by its current text.
pub fn regenerate(doc: &str) -> Result<String, String> {
    let mut out = doc.to_owned();
    for (name, text) in sections() {
        let start = format!("<!-- generated:{name} -->");
        let end = format!("<!-- end:{name} -->");
        let (Some(a), Some(b)) = (out.find(&start), out.find(&end)) else {
            return Err(format!("the doc has no `{start}` … `{end}` section"));
        };
        let head = &out[..a + start.len()];
        let tail = &out[b..];
        out = format!("{head}\n{text}{tail}");
    }
    Ok(out)
}
