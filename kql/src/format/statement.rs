//! Statements and scripts. A statement prints on one line when that fits in
//! [`WIDTH`] columns; otherwise pipelines put each stage on its own line starting
//! `| `, `create table` puts each column on its own line, inserts put each row on
//! its own line, and an `execute as` block indents its statements.

use super::expr::{write_expr, write_fields, write_unary_level};
use super::ident::{write_ident, write_qualified, write_user};
use super::literal::{type_name, write_string};
use super::pipeline::{pipeline_lines, write_pipeline_joined};
use crate::ast::*;

/// The line width the printer aims for.
pub const WIDTH: usize = 80;

/// The statement as lines, within `width` columns where a layout allows it.
pub fn statement_lines(s: &Statement, width: usize) -> Vec<String> {
    let one = flat(s);
    if fits(&one, width) {
        return vec![one];
    }
    broken(s, width).unwrap_or_else(|| vec![one])
}

/// Writes the statement into `out` as [`statement_lines`] joined with line
/// breaks: the one-line form is written in place and kept when it fits, so the
/// usual statement costs no string but `out`.
pub fn write_statement(out: &mut String, s: &Statement, width: usize) {
    let start = out.len();
    write_flat(out, s);
    if fits(&out[start..], width) {
        return;
    }
    // A statement around a pipeline breaks before each stage: written in place
    // (the lines `broken` gives, joined by line breaks).
    if matches!(
        s.kind,
        StatementKind::Pipeline(_) | StatementKind::Let { .. } | StatementKind::Subscribe { .. }
    ) {
        out.truncate(start);
        write_pipeline_statement(out, s, "\n| ");
        return;
    }
    if let Some(lines) = broken(s, width) {
        out.truncate(start);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(line);
        }
    }
}

/// Whether `line` is at most `width` characters.
fn fits(line: &str, width: usize) -> bool {
    line.len() <= width || line.chars().count() <= width
}

fn flat(s: &Statement) -> String {
    let mut out = String::new();
    write_flat(&mut out, s);
    out
}

fn write_flat(out: &mut String, s: &Statement) {
    match &s.kind {
        StatementKind::ExecuteAs { user, body } => {
            out.push_str("execute as ");
            write_user(out, user);
            if body.is_empty() {
                out.push_str(" {}");
                return;
            }
            out.push_str(" { ");
            for (i, stmt) in body.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                write_flat(out, stmt);
            }
            out.push_str(" }");
        }
        StatementKind::Explain { analyze, statement } => {
            out.push_str(if *analyze {
                "explain analyze "
            } else {
                "explain "
            });
            write_flat(out, statement);
        }
        StatementKind::CreateTable(t) => {
            out.push_str(&create_table_head(t));
            out.push('(');
            out.push_str(&table_elements(t).join(", "));
            out.push(')');
            out.push_str(&with_options(&t.options));
        }
        StatementKind::Insert(v) | StatementKind::Upsert(v) => {
            let (head, rows) = insert_parts(s, v);
            out.push_str(&head);
            out.push(' ');
            out.push_str(&rows.join(", "));
        }
        StatementKind::Pipeline(_)
        | StatementKind::Let { .. }
        | StatementKind::Subscribe { .. } => {
            write_pipeline_statement(out, s, " | ");
        }
        kind => out.push_str(&simple(kind)),
    }
}

/// A statement around a pipeline (`from …`, `let x = from …`, `subscribe from …`)
/// with its stages joined by `sep`; false (nothing written) for any other.
fn write_pipeline_statement(out: &mut String, s: &Statement, sep: &str) -> bool {
    match &s.kind {
        StatementKind::Pipeline(p) => write_pipeline_joined(out, p, sep),
        StatementKind::Let { name, pipeline } => {
            out.push_str("let ");
            write_ident(out, name);
            out.push_str(" = ");
            write_pipeline_joined(out, pipeline, sep);
        }
        StatementKind::Subscribe { pipeline, options } => {
            out.push_str("subscribe ");
            write_pipeline_joined(out, pipeline, sep);
            out.push_str(&with_options(options));
        }
        _ => return false,
    }
    true
}

fn broken(s: &Statement, width: usize) -> Option<Vec<String>> {
    Some(match &s.kind {
        StatementKind::ExecuteAs { user, body } => {
            let mut head = String::from("execute as ");
            write_user(&mut head, user);
            head.push_str(" {");
            let mut lines = vec![head];
            for (i, stmt) in body.iter().enumerate() {
                let mut inner = statement_lines(stmt, width.saturating_sub(2));
                if i + 1 < body.len()
                    && let Some(last) = inner.last_mut()
                {
                    last.push(';');
                }
                lines.extend(inner.into_iter().map(|l| format!("  {l}")));
            }
            lines.push("}".into());
            lines
        }
        StatementKind::Explain { analyze, statement } => {
            let mut lines = statement_lines(statement, width);
            let prefix = if *analyze {
                "explain analyze "
            } else {
                "explain "
            };
            lines[0].insert_str(0, prefix);
            lines
        }
        StatementKind::CreateTable(t) => {
            let mut lines = vec![format!("{}(", create_table_head(t))];
            let elements = table_elements(t);
            let n = elements.len();
            for (i, e) in elements.into_iter().enumerate() {
                lines.push(format!("  {e}{}", if i + 1 < n { "," } else { "" }));
            }
            lines.push(format!("){}", with_options(&t.options)));
            lines
        }
        StatementKind::Insert(v) | StatementKind::Upsert(v) => {
            let (head, rows) = insert_parts(s, v);
            let n = rows.len();
            let mut lines = vec![head];
            for (i, r) in rows.into_iter().enumerate() {
                lines.push(format!("  {r}{}", if i + 1 < n { "," } else { "" }));
            }
            lines
        }
        _ => {
            let (prefix, pipeline, suffix) = pipeline_parts(s)?;
            let mut lines = pipeline_lines(pipeline);
            lines[0].insert_str(0, &prefix);
            if let Some(last) = lines.last_mut() {
                last.push_str(&suffix);
            }
            lines
        }
    })
}

/// Statements built around a pipeline: the text before it, it, the text after.
fn pipeline_parts(s: &Statement) -> Option<(String, &Pipeline, String)> {
    match &s.kind {
        StatementKind::Pipeline(p) => Some((String::new(), p, String::new())),
        StatementKind::Let { name, pipeline } => {
            let mut prefix = String::from("let ");
            write_ident(&mut prefix, name);
            prefix.push_str(" = ");
            Some((prefix, pipeline, String::new()))
        }
        StatementKind::Subscribe { pipeline, options } => {
            Some(("subscribe ".into(), pipeline, with_options(options)))
        }
        _ => None,
    }
}

fn insert_parts(s: &Statement, v: &InsertValues) -> (String, Vec<String>) {
    let mut head = String::from(match s.kind {
        StatementKind::Upsert(_) => "upsert into ",
        _ => "insert into ",
    });
    write_qualified(&mut head, &v.table);
    let rows = match &v.rows {
        InsertRows::Records(records) => records
            .iter()
            .map(|r| {
                let mut out = String::new();
                write_fields(&mut out, r);
                out
            })
            .collect(),
        InsertRows::Values { columns, rows } => {
            head.push_str(" (");
            for (i, c) in columns.iter().enumerate() {
                if i > 0 {
                    head.push_str(", ");
                }
                write_ident(&mut head, c);
            }
            head.push_str(") values");
            rows.iter()
                .map(|row| {
                    let mut out = String::from("(");
                    for (i, e) in row.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        write_expr(&mut out, e);
                    }
                    out.push(')');
                    out
                })
                .collect()
        }
    };
    (head, rows)
}

fn create_table_head(t: &CreateTable) -> String {
    let mut out = String::from("create ");
    out.push_str(match t.kind {
        Some(TableKind::User) => "user ",
        Some(TableKind::Shared) => "shared ",
        Some(TableKind::Stream) => "stream ",
        None => "",
    });
    out.push_str("table ");
    if t.if_not_exists {
        out.push_str("if not exists ");
    }
    write_qualified(&mut out, &t.name);
    out.push(' ');
    out
}

fn table_elements(t: &CreateTable) -> Vec<String> {
    let mut out: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(key) = &t.key {
        let mut k = String::from("key (");
        write_idents(&mut k, key);
        k.push(')');
        out.push(k);
    }
    out
}

fn write_idents(out: &mut String, idents: &[Ident]) {
    for (i, id) in idents.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(out, id);
    }
}

pub fn column_def(c: &ColumnDef) -> String {
    let mut out = String::new();
    write_ident(&mut out, &c.name);
    out.push(' ');
    out.push_str(&type_name(c.ty.kind));
    if c.key {
        out.push_str(" key");
    }
    if c.not_null {
        out.push_str(" not null");
    }
    if let Some(d) = &c.default {
        out.push_str(" default ");
        write_unary_level(&mut out, d);
    }
    out
}

fn write_options(out: &mut String, options: &[OptionSetting]) {
    out.push('(');
    for (i, o) in options.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(out, &o.name);
        out.push_str(" = ");
        write_expr(out, &o.value);
    }
    out.push(')');
}

fn with_options(options: &[OptionSetting]) -> String {
    if options.is_empty() {
        return String::new();
    }
    let mut out = String::from(" with ");
    write_options(&mut out, options);
    out
}

fn write_ips(out: &mut String, ips: &[IpSpec]) {
    for (i, ip) in ips.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if ip.text.contains(':')
            || ip.text.is_empty()
            || !ip
                .text
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'/')
        {
            write_string(out, &ip.text);
        } else {
            out.push_str(&ip.text);
        }
    }
}

fn write_user_options(out: &mut String, options: &[UserOption]) {
    for o in options {
        match o {
            UserOption::Role(r) => out.push_str(match r {
                Role::User => " role user",
                Role::Service => " role service",
                Role::Dba => " role dba",
                Role::Root => " role root",
            }),
            UserOption::Ip(ips) if ips.is_empty() => out.push_str(" ip none"),
            UserOption::Ip(ips) => {
                out.push_str(" ip ");
                write_ips(out, ips);
            }
            UserOption::Enabled(true) => out.push_str(" enable"),
            UserOption::Enabled(false) => out.push_str(" disable"),
        }
    }
}

/// Statements that always fit on one line.
fn simple(kind: &StatementKind) -> String {
    let mut out = String::new();
    match kind {
        StatementKind::Begin => out.push_str("begin"),
        StatementKind::Commit => out.push_str("commit"),
        StatementKind::Rollback => out.push_str("rollback"),
        StatementKind::CreateNamespace {
            name,
            if_not_exists,
        } => {
            out.push_str("create namespace ");
            if *if_not_exists {
                out.push_str("if not exists ");
            }
            write_ident(&mut out, name);
        }
        StatementKind::AlterTable { table, action } => {
            out.push_str("alter table ");
            write_qualified(&mut out, table);
            match action {
                AlterTableAction::AddColumn(c) => {
                    out.push_str(" add column ");
                    out.push_str(&column_def(c));
                }
                AlterTableAction::DropColumn(c) => {
                    out.push_str(" drop column ");
                    write_ident(&mut out, c);
                }
                AlterTableAction::RenameColumn { from, to } => {
                    out.push_str(" rename column ");
                    write_ident(&mut out, from);
                    out.push_str(" to ");
                    write_ident(&mut out, to);
                }
                AlterTableAction::SetOptions(o) => {
                    out.push_str(" set ");
                    write_options(&mut out, o);
                }
            }
        }
        StatementKind::DropTable { table, if_exists } => {
            out.push_str(if *if_exists {
                "drop table if exists "
            } else {
                "drop table "
            });
            write_qualified(&mut out, table);
        }
        StatementKind::DropNamespace { name, if_exists } => {
            out.push_str(if *if_exists {
                "drop namespace if exists "
            } else {
                "drop namespace "
            });
            write_ident(&mut out, name);
        }
        StatementKind::CreateUser { name, options } => {
            out.push_str("create user ");
            write_user(&mut out, name);
            write_user_options(&mut out, options);
        }
        StatementKind::AlterUser { name, options } => {
            out.push_str("alter user ");
            write_user(&mut out, name);
            write_user_options(&mut out, options);
        }
        StatementKind::DropUser { name, if_exists } => {
            out.push_str(if *if_exists {
                "drop user if exists "
            } else {
                "drop user "
            });
            write_user(&mut out, name);
        }
        StatementKind::IssueCertificate(c) => {
            out.push_str("issue certificate for ");
            write_ident(&mut out, &c.user);
            out.push_str(" csr ");
            write_expr(&mut out, &c.csr);
            if !c.ips.is_empty() {
                out.push_str(" ip ");
                write_ips(&mut out, &c.ips);
            }
            if let Some(v) = &c.valid {
                out.push_str(" valid ");
                write_expr(&mut out, v);
            }
        }
        StatementKind::RevokeCertificate { serial } => {
            out.push_str("revoke certificate ");
            write_expr(&mut out, serial);
        }
        StatementKind::RevokeCertificates { user } => {
            out.push_str("revoke certificates for ");
            write_ident(&mut out, user);
        }
        StatementKind::Flush { table } => {
            out.push_str("flush table ");
            write_qualified(&mut out, table);
        }
        StatementKind::Compact { table } => {
            out.push_str("compact table ");
            write_qualified(&mut out, table);
        }
        StatementKind::Show { what } => {
            out.push_str("show ");
            write_ident(&mut out, what);
        }
        StatementKind::Describe { table } => {
            out.push_str("describe ");
            write_qualified(&mut out, table);
        }
        // Handled by the layouts above.
        StatementKind::Pipeline(_)
        | StatementKind::Let { .. }
        | StatementKind::Subscribe { .. }
        | StatementKind::Insert(_)
        | StatementKind::Upsert(_)
        | StatementKind::CreateTable(_)
        | StatementKind::ExecuteAs { .. }
        | StatementKind::Explain { .. } => {}
    }
    out
}
