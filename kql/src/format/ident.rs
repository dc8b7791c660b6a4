//! When a name needs backticks: exactly when it is not a plain name shape
//! (`[A-Za-z_][A-Za-z0-9_]*`) or is a reserved word. A user name also quotes
//! `table`, which would otherwise read as `create user table …`.

use crate::ast::{Ident, QualifiedName};
use crate::lexer::Keyword;

pub fn needs_quotes(name: &str) -> bool {
    let mut bytes = name.bytes();
    let plain = match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
            bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        _ => false,
    };
    !plain || Keyword::is_reserved_word(name)
}

pub fn write_name(out: &mut String, name: &str) {
    if needs_quotes(name) {
        out.push('`');
        out.push_str(&name.replace('`', "``"));
        out.push('`');
    } else {
        out.push_str(name);
    }
}

pub fn write_ident(out: &mut String, ident: &Ident) {
    write_name(out, &ident.name);
}

/// A user name (`create user`, `alter user`, `drop user`, `execute as`).
pub fn write_user(out: &mut String, ident: &Ident) {
    if ident.name.eq_ignore_ascii_case("table") {
        out.push('`');
        out.push_str(&ident.name);
        out.push('`');
    } else {
        write_ident(out, ident);
    }
}

pub fn write_qualified(out: &mut String, q: &QualifiedName) {
    if let Some(ns) = &q.namespace {
        write_ident(out, ns);
        out.push('.');
    }
    write_ident(out, &q.name);
}
