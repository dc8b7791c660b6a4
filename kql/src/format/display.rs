//! The public printing functions and `Display` for the AST nodes.

use super::expr::write_expr;
use super::ident::{write_ident, write_qualified};
use super::literal::{type_name, write_literal};
use super::pipeline::{pipeline_lines, write_sink, write_source, write_stage};
use super::statement::{WIDTH, column_def, write_statement};
use crate::ast::*;
use std::fmt;

/// One expression on one line.
pub fn format_expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// One statement: one line if it fits in 80 columns, else several.
pub fn format_statement(s: &Statement) -> String {
    let mut out = String::with_capacity(128);
    write_statement(&mut out, s, WIDTH);
    out
}

/// Every statement, separated by `;` and a line break, ending in a line break
/// (nothing at all for an empty script). Written into one string.
pub fn format_script(s: &Script) -> String {
    let mut out = String::with_capacity(128 * s.statements.len());
    for (i, stmt) in s.statements.iter().enumerate() {
        if i > 0 {
            out.push_str(";\n");
        }
        write_statement(&mut out, stmt, WIDTH);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

macro_rules! display_with {
    ($ty:ty, |$out:ident, $v:ident| $body:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut $out = String::new();
                let $v = self;
                $body;
                f.write_str(&$out)
            }
        }
    };
}

display_with!(Script, |out, v| out.push_str(format_script(v).trim_end()));
display_with!(Statement, |out, v| out.push_str(&format_statement(v)));
display_with!(Pipeline, |out, v| {
    let lines = pipeline_lines(v);
    let one = lines.join(" ");
    out.push_str(&if one.chars().count() <= WIDTH {
        one
    } else {
        lines.join("\n")
    })
});
display_with!(Source, |out, v| write_source(&mut out, v));
display_with!(Stage, |out, v| write_stage(&mut out, v));
display_with!(Sink, |out, v| write_sink(&mut out, v));
display_with!(Expr, |out, v| write_expr(&mut out, v));
display_with!(Literal, |out, v| write_literal(&mut out, v));
display_with!(Ident, |out, v| write_ident(&mut out, v));
display_with!(QualifiedName, |out, v| write_qualified(&mut out, v));
display_with!(TypeName, |out, v| out.push_str(&type_name(v.kind)));
display_with!(ColumnDef, |out, v| out.push_str(&column_def(v)));
