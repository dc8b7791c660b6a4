//! Rendering diagnostics with the source line and a caret, through ariadne. Plain
//! text unless colour is asked for, so the output is stable in tests and logs.

use super::{Diagnostic, Diagnostics};
use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};

impl Diagnostic {
    /// The diagnostic with the source lines it points at, without colour.
    pub fn render(&self, source_name: &str, source: &str) -> String {
        self.render_with(source_name, source, false)
    }

    /// As [`Diagnostic::render`], with ANSI colour when `color` is true.
    pub fn render_with(&self, source_name: &str, source: &str, color: bool) -> String {
        // Spans from elsewhere (a stale source, bytes vs lossy text) must not
        // make rendering panic: clamp them to the text and to char boundaries.
        let boundary = |mut i: usize| {
            i = i.min(source.len());
            while !source.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let clamp = |s: crate::ast::Span| {
            let end = boundary(s.end as usize);
            let start = boundary((s.start as usize).min(end));
            (source_name, start..end)
        };
        let config = Config::default()
            .with_color(color)
            .with_index_type(IndexType::Byte);
        let mut report = Report::build(ReportKind::Error, clamp(self.span))
            .with_config(config)
            .with_code(self.code)
            .with_message(&self.message)
            .with_label(Label::new(clamp(self.span)).with_message(short_label(self)));
        for label in &self.labels {
            report = report.with_label(Label::new(clamp(label.span)).with_message(&label.message));
        }
        if let Some(hint) = &self.hint {
            report = report.with_help(hint);
        }
        let mut out = Vec::new();
        let written = report
            .finish()
            .write((source_name, Source::from(source)), &mut out);
        match written {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            // Writing to a Vec cannot fail; keep a plain fallback all the same.
            Err(_) => format!("error[{}]: {}\n", self.code, self.message),
        }
    }
}

/// The text under the caret: the part of the message after "found", or "here".
fn short_label(d: &Diagnostic) -> String {
    match d.message.rfind(", found ") {
        Some(i) => format!("found {}", &d.message[i + 8..]),
        None => "here".into(),
    }
}

impl Diagnostics {
    /// Every diagnostic rendered with its source lines, one after another.
    pub fn render(&self, source_name: &str, source: &str) -> String {
        self.render_with(source_name, source, false)
    }

    pub fn render_with(&self, source_name: &str, source: &str, color: bool) -> String {
        self.0
            .iter()
            .map(|d| d.render_with(source_name, source, color))
            .collect()
    }
}
