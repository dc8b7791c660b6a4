//! Pipelines, sources, stages and sinks. A pipeline prints on one line, or — when
//! the statement is too wide — with each stage on its own line starting `| `.

use super::expr::{write_expr, write_fields};
use super::ident::{write_ident, write_qualified};
use crate::ast::*;

pub fn write_source(out: &mut String, s: &Source) {
    match &s.kind {
        SourceKind::Table(t) => write_qualified(out, t),
        SourceKind::Pipeline(p) => {
            out.push('(');
            write_pipeline_flat(out, p);
            out.push(')');
        }
        SourceKind::Rows(rows) => {
            out.push('[');
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_fields(out, row);
            }
            out.push(']');
        }
    }
    if let Some(alias) = &s.alias {
        out.push_str(" as ");
        write_ident(out, alias);
    }
}

fn write_projections(out: &mut String, items: &[Projection]) {
    for (i, p) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(name) = &p.name {
            write_ident(out, name);
            out.push_str(" = ");
        }
        write_expr(out, &p.expr);
    }
}

pub fn write_assignments(out: &mut String, items: &[Assignment]) {
    for (i, a) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(out, &a.name);
        out.push_str(" = ");
        write_expr(out, &a.value);
    }
}

pub fn write_stage(out: &mut String, stage: &Stage) {
    match &stage.kind {
        StageKind::Where(e) => {
            out.push_str("where ");
            write_expr(out, e);
        }
        StageKind::Select(p) => {
            out.push_str("select ");
            write_projections(out, p);
        }
        StageKind::Extend(a) => {
            out.push_str("extend ");
            write_assignments(out, a);
        }
        StageKind::Aggregate { aggregates, by } => {
            out.push_str("aggregate");
            if !aggregates.is_empty() {
                out.push(' ');
                write_projections(out, aggregates);
            }
            if !by.is_empty() {
                out.push_str(" by ");
                write_projections(out, by);
            }
        }
        StageKind::Sort(keys) => {
            out.push_str("sort ");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, &k.expr);
                if k.descending {
                    out.push_str(" desc");
                }
                match k.nulls_first {
                    Some(true) => out.push_str(" nulls first"),
                    Some(false) => out.push_str(" nulls last"),
                    None => {}
                }
            }
        }
        StageKind::Take(e) => {
            out.push_str("take ");
            write_expr(out, e);
        }
        StageKind::Skip(e) => {
            out.push_str("skip ");
            write_expr(out, e);
        }
        StageKind::Distinct(p) => {
            out.push_str("distinct");
            if !p.is_empty() {
                out.push(' ');
                write_projections(out, p);
            }
        }
        StageKind::Join { kind, right, on } => {
            out.push_str(match kind {
                JoinKind::Inner => "join ",
                JoinKind::Left => "join left ",
                JoinKind::Right => "join right ",
                JoinKind::Full => "join full ",
            });
            write_source(out, right);
            out.push_str(" on ");
            write_expr(out, on);
        }
        StageKind::Union(s) => {
            out.push_str("union ");
            write_source(out, s);
        }
    }
}

pub fn write_sink(out: &mut String, sink: &Sink) {
    match &sink.kind {
        SinkKind::Update(a) => {
            out.push_str("update ");
            write_assignments(out, a);
        }
        SinkKind::Delete => out.push_str("delete"),
        SinkKind::Insert(t) => {
            out.push_str("insert into ");
            write_qualified(out, t);
        }
        SinkKind::Upsert(t) => {
            out.push_str("upsert into ");
            write_qualified(out, t);
        }
    }
}

/// The pipeline as lines: `from …` then one `| stage` per line. Joined with a
/// space they form the one-line layout.
pub fn pipeline_lines(p: &Pipeline) -> Vec<String> {
    let mut lines = Vec::with_capacity(p.stages.len() + 2);
    let mut first = String::from("from ");
    write_source(&mut first, &p.source);
    lines.push(first);
    for stage in &p.stages {
        let mut line = String::from("| ");
        write_stage(&mut line, stage);
        lines.push(line);
    }
    if let Some(sink) = &p.sink {
        let mut line = String::from("| ");
        write_sink(&mut line, sink);
        lines.push(line);
    }
    lines
}

/// The pipeline on one line: the lines of [`pipeline_lines`] joined with a space,
/// written straight into `out`.
pub fn write_pipeline_flat(out: &mut String, p: &Pipeline) {
    write_pipeline_joined(out, p, " | ");
}

/// The lines of [`pipeline_lines`] joined by `sep` (which ends in `| `), written
/// straight into `out`.
pub fn write_pipeline_joined(out: &mut String, p: &Pipeline, sep: &str) {
    out.push_str("from ");
    write_source(out, &p.source);
    for stage in &p.stages {
        out.push_str(sep);
        write_stage(out, stage);
    }
    if let Some(sink) = &p.sink {
        out.push_str(sep);
        write_sink(out, sink);
    }
}
