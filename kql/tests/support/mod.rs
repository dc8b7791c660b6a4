//! Shared by the integration tests: a compact S-expression view of the tree (the
//! golden "ast" section), a token listing, and the golden-file check that
//! `UPDATE_GOLDEN=1` regenerates.

#![allow(dead_code)]

use kql::ast::*;
use std::fmt::Write;
use std::path::Path;

/// Compares `actual` with the file at `path`, or rewrites the file when the
/// environment has `UPDATE_GOLDEN=1`. Review the diff before committing.
pub fn check_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the output (rerun with UPDATE_GOLDEN=1 and review the diff):\n{}\n(expected {} lines, got {})",
            path.display(),
            diff.join("\n"),
            expected.lines().count(),
            actual.lines().count()
        );
    }
}

/// One line per token: span, then the token.
pub fn token_listing(src: &str) -> String {
    let mut out = String::new();
    for (tok, span) in kql::lexer::tokens(src) {
        let _ = match tok {
            Ok(t) => writeln!(out, "{:>4}..{:<4} {t:?}", span.start, span.end),
            Err(e) => writeln!(out, "{:>4}..{:<4} error {e:?}", span.start, span.end),
        };
    }
    out
}

pub fn statement_tree(s: &Statement) -> String {
    let mut out = String::new();
    stmt(&mut out, s);
    out
}

fn name(q: &QualifiedName) -> String {
    match &q.namespace {
        Some(ns) => format!("{}.{}", ns.name, q.name.name),
        None => q.name.name.to_string(),
    }
}

fn stmt(out: &mut String, s: &Statement) {
    match &s.kind {
        StatementKind::Pipeline(p) => pipeline(out, p),
        StatementKind::Let { name, pipeline: p } => {
            let _ = write!(out, "(let {} ", name.name);
            pipeline(out, p);
            out.push(')');
        }
        StatementKind::Explain { analyze, statement } => {
            out.push_str(if *analyze {
                "(explain-analyze "
            } else {
                "(explain "
            });
            stmt(out, statement);
            out.push(')');
        }
        StatementKind::ExecuteAs { user, body } => {
            let _ = write!(out, "(execute-as {}", user.name);
            for b in body {
                out.push(' ');
                stmt(out, b);
            }
            out.push(')');
        }
        StatementKind::Subscribe {
            pipeline: p,
            options,
        } => {
            out.push_str("(subscribe ");
            pipeline(out, p);
            opts(out, options);
            out.push(')');
        }
        StatementKind::Insert(v) | StatementKind::Upsert(v) => {
            let verb = if matches!(s.kind, StatementKind::Insert(_)) {
                "insert"
            } else {
                "upsert"
            };
            let _ = write!(out, "({verb} {}", name(&v.table));
            match &v.rows {
                InsertRows::Records(rows) => {
                    for r in rows {
                        out.push(' ');
                        fields(out, r);
                    }
                }
                InsertRows::Values { columns, rows } => {
                    let cols: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                    let _ = write!(out, " (columns {})", cols.join(" "));
                    for r in rows {
                        out.push_str(" (row");
                        for e in r {
                            out.push(' ');
                            expr(out, e);
                        }
                        out.push(')');
                    }
                }
            }
            out.push(')');
        }
        StatementKind::CreateTable(t) => {
            let _ = write!(
                out,
                "(create-table {:?} {}{}",
                t.kind,
                name(&t.name),
                if t.if_not_exists {
                    " if-not-exists"
                } else {
                    ""
                }
            );
            for c in &t.columns {
                let _ = write!(
                    out,
                    " (column {} {:?}{}{}",
                    c.name.name,
                    c.ty.kind,
                    if c.key { " key" } else { "" },
                    if c.not_null { " not-null" } else { "" }
                );
                if let Some(d) = &c.default {
                    out.push_str(" (default ");
                    expr(out, d);
                    out.push(')');
                }
                out.push(')');
            }
            if let Some(k) = &t.key {
                let cols: Vec<&str> = k.iter().map(|c| c.name.as_str()).collect();
                let _ = write!(out, " (key {})", cols.join(" "));
            }
            opts(out, &t.options);
            out.push(')');
        }
        StatementKind::IssueCertificate(c) => {
            let _ = write!(out, "(issue-certificate {} (csr ", c.user.name);
            expr(out, &c.csr);
            out.push(')');
            for ip in &c.ips {
                let _ = write!(out, " (ip {:?})", ip.text);
            }
            if let Some(v) = &c.valid {
                out.push_str(" (valid ");
                expr(out, v);
                out.push(')');
            }
            out.push(')');
        }
        StatementKind::RevokeCertificate { serial } => {
            out.push_str("(revoke-certificate ");
            expr(out, serial);
            out.push(')');
        }
        StatementKind::AlterTable { table, action } => {
            let _ = write!(out, "(alter-table {} ", name(table));
            match action {
                AlterTableAction::AddColumn(c) => {
                    let _ = write!(out, "(add-column {} {:?}", c.name.name, c.ty.kind);
                    if let Some(d) = &c.default {
                        out.push_str(" (default ");
                        expr(out, d);
                        out.push(')');
                    }
                    out.push(')');
                }
                AlterTableAction::DropColumn(c) => {
                    let _ = write!(out, "(drop-column {})", c.name);
                }
                AlterTableAction::RenameColumn { from, to } => {
                    let _ = write!(out, "(rename-column {} {})", from.name, to.name);
                }
                AlterTableAction::SetOptions(o) => {
                    out.push_str("(set");
                    opts(out, o);
                    out.push(')');
                }
            }
            out.push(')');
        }
        other => {
            // The remaining statements hold only names and flags.
            let mut s = Statement {
                kind: other.clone(),
                span: Span::default(),
            };
            s.clear_spans();
            let _ = write!(out, "{:?}", s.kind);
        }
    }
}

fn opts(out: &mut String, options: &[OptionSetting]) {
    for o in options {
        let _ = write!(out, " (option {} ", o.name.name);
        expr(out, &o.value);
        out.push(')');
    }
}

fn fields(out: &mut String, fs: &[RecordField]) {
    out.push_str("(record");
    for f in fs {
        let _ = write!(out, " {}: ", f.name.name);
        expr(out, &f.value);
    }
    out.push(')');
}

fn source(out: &mut String, s: &Source) {
    match &s.kind {
        SourceKind::Table(t) => {
            let _ = write!(out, "(table {})", name(t));
        }
        SourceKind::Pipeline(p) => pipeline(out, p),
        SourceKind::Rows(rows) => {
            out.push_str("(rows");
            for r in rows {
                out.push(' ');
                fields(out, r);
            }
            out.push(')');
        }
    }
    if let Some(a) = &s.alias {
        let _ = write!(out, " as {}", a.name);
    }
}

fn projections(out: &mut String, ps: &[Projection]) {
    for p in ps {
        out.push(' ');
        if let Some(n) = &p.name {
            let _ = write!(out, "{}=", n.name);
        }
        expr(out, &p.expr);
    }
}

fn pipeline(out: &mut String, p: &Pipeline) {
    out.push_str("(from ");
    source(out, &p.source);
    for st in &p.stages {
        out.push_str("\n  ");
        match &st.kind {
            StageKind::Where(e) => {
                out.push_str("(where ");
                expr(out, e);
            }
            StageKind::Select(ps) => {
                out.push_str("(select");
                projections(out, ps);
            }
            StageKind::Extend(a) => {
                out.push_str("(extend");
                for a in a {
                    let _ = write!(out, " {}=", a.name.name);
                    expr(out, &a.value);
                }
            }
            StageKind::Aggregate { aggregates, by } => {
                out.push_str("(aggregate");
                projections(out, aggregates);
                out.push_str(" by");
                projections(out, by);
            }
            StageKind::Sort(keys) => {
                out.push_str("(sort");
                for k in keys {
                    out.push(' ');
                    expr(out, &k.expr);
                    let _ = write!(
                        out,
                        " {} nulls-first={:?}",
                        if k.descending { "desc" } else { "asc" },
                        k.nulls_first
                    );
                }
            }
            StageKind::Take(e) => {
                out.push_str("(take ");
                expr(out, e);
            }
            StageKind::Skip(e) => {
                out.push_str("(skip ");
                expr(out, e);
            }
            StageKind::Distinct(ps) => {
                out.push_str("(distinct");
                projections(out, ps);
            }
            StageKind::Join { kind, right, on } => {
                let _ = write!(out, "(join {kind:?} ");
                source(out, right);
                out.push_str(" on ");
                expr(out, on);
            }
            StageKind::Union(s) => {
                out.push_str("(union ");
                source(out, s);
            }
        }
        out.push(')');
    }
    if let Some(sink) = &p.sink {
        out.push_str("\n  ");
        match &sink.kind {
            SinkKind::Update(a) => {
                out.push_str("(update");
                for a in a {
                    let _ = write!(out, " {}=", a.name.name);
                    expr(out, &a.value);
                }
                out.push(')');
            }
            SinkKind::Delete => out.push_str("(delete)"),
            SinkKind::Insert(t) => {
                let _ = write!(out, "(insert-into {})", name(t));
            }
            SinkKind::Upsert(t) => {
                let _ = write!(out, "(upsert-into {})", name(t));
            }
        }
    }
    out.push(')');
}

pub fn expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Literal(l) => {
            let _ = write!(out, "{l:?}");
        }
        ExprKind::Column(c) => match &c.qualifier {
            Some(q) => {
                let _ = write!(out, "{}.{}", q.name, c.name.name);
            }
            None => out.push_str(&c.name.name),
        },
        ExprKind::Param(p) => {
            let _ = write!(out, "{p:?}");
        }
        ExprKind::Unary { op, operand } => {
            let _ = write!(out, "({op:?} ");
            expr(out, operand);
            out.push(')');
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let _ = write!(out, "({op:?} ");
            expr(out, lhs);
            out.push(' ');
            expr(out, rhs);
            out.push(')');
        }
        ExprKind::Call { name, args } => {
            let _ = write!(out, "(call {}", name.name);
            for a in args {
                out.push(' ');
                expr(out, a);
            }
            out.push(')');
        }
        ExprKind::InList {
            expr: x,
            list,
            negated,
        } => {
            out.push_str(if *negated { "(not-in " } else { "(in " });
            expr(out, x);
            for a in list {
                out.push(' ');
                expr(out, a);
            }
            out.push(')');
        }
        ExprKind::Between {
            expr: x,
            low,
            high,
            negated,
        } => {
            out.push_str(if *negated {
                "(not-between "
            } else {
                "(between "
            });
            expr(out, x);
            out.push(' ');
            expr(out, low);
            out.push(' ');
            expr(out, high);
            out.push(')');
        }
        ExprKind::Cast { expr: x, ty } => {
            out.push_str("(cast ");
            expr(out, x);
            let _ = write!(out, " {:?})", ty.kind);
        }
        ExprKind::List(items) => {
            out.push_str("(list");
            for a in items {
                out.push(' ');
                expr(out, a);
            }
            out.push(')');
        }
        ExprKind::Record(fs) => fields(out, fs),
    }
}
