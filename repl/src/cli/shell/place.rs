//! Where a statement came from, and the `let` bindings a session carries.
//!
//! The shell sends statements one at a time, so a `let` typed earlier in a script or
//! a REPL session is kept as text ([`Lets`]) and put before each later statement
//! ([`Lets::compose`]): the library compiles the composed text the way it compiles
//! one multi-statement input, binding the `let`s first. Every piece of that text
//! remembers where it was typed ([`Piece`]: source line and the text before it on
//! that line), so an error's caret is shown in what the user typed, with the file
//! name and the line in the file (`q.kql:12:9`), whichever piece it falls in.

use kql::ast::Span;
use kql_compiler::CompileError;

/// A statement's text and where it was typed.
#[derive(Debug, Clone)]
pub struct Piece {
    pub text: String,
    /// The 1-based line of the input its first character is on.
    pub line: usize,
    /// What precedes it on that line (an earlier statement on the same line).
    pub lead: String,
}

impl Piece {
    /// A source in which the piece sits at its own line and column (earlier lines
    /// empty), and the offset of the piece's first byte in it.
    pub fn padded(&self) -> (String, usize) {
        let mut source = "\n".repeat(self.line.saturating_sub(1));
        source.push_str(&self.lead);
        let shift = source.len();
        source.push_str(&self.text);
        (source, shift)
    }

    /// `name:line:column` of byte `offset` within the piece (columns count
    /// characters, from 1).
    pub fn position(&self, name: &str, offset: usize) -> String {
        let (source, shift) = self.padded();
        let mut at = (shift + offset).min(source.len());
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = source[..line_start].matches('\n').count() + 1;
        let column = source[line_start..at].chars().count() + 1;
        format!("{name}:{line}:{column}")
    }

    /// The statement at byte range `start..` of `buffer`, a buffer whose first
    /// line is input line `first_line`.
    pub fn within(buffer: &str, first_line: usize, start: usize, text: &str) -> Piece {
        let line_start = buffer[..start].rfind('\n').map_or(0, |i| i + 1);
        Piece {
            text: text.to_owned(),
            line: first_line + buffer[..line_start].matches('\n').count(),
            lead: buffer[line_start..start].to_owned(),
        }
    }
}

/// A text made of pieces, and where each piece starts in it.
#[derive(Debug, Clone)]
pub struct Composed {
    pub text: String,
    starts: Vec<usize>,
    pieces: Vec<Piece>,
}

impl Composed {
    /// The piece holding byte `offset` of the composed text, and its start there.
    fn locate(&self, offset: usize) -> (&Piece, usize) {
        let i = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        (&self.pieces[i], self.starts[i])
    }

    /// The last piece: the statement being run.
    pub fn last(&self) -> &Piece {
        self.pieces.last().expect("a composed text has a piece")
    }

    /// A compile error on the composed text, rendered in the piece it points at,
    /// labelled with `name` and that piece's lines.
    pub fn render(&self, error: &CompileError, name: &str, color: bool) -> String {
        let (piece, start) = self.locate(primary(error).start as usize);
        let (source, shift) = piece.padded();
        let delta = shift as i64 - start as i64;
        shifted(error, delta).render(name, &source, color)
    }
}

/// The `let` statements a script or REPL session has made, in order.
#[derive(Debug, Default)]
pub struct Lets {
    pieces: Vec<Piece>,
}

impl Lets {
    /// The `let`s, then `statement`, as one text (each ends with `;` and a newline).
    pub fn compose(&self, statement: &Piece) -> Composed {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(self.pieces.len() + 1);
        let mut pieces = Vec::with_capacity(self.pieces.len() + 1);
        for piece in self.pieces.iter().chain([statement]) {
            starts.push(text.len());
            text.push_str(&piece.text);
            text.push_str(";\n");
            pieces.push(piece.clone());
        }
        Composed {
            text,
            starts,
            pieces,
        }
    }

    pub fn push(&mut self, piece: Piece) {
        self.pieces.push(piece);
    }
}

/// The span an error's caret points at.
fn primary(error: &CompileError) -> Span {
    match error {
        CompileError::Parse(d) => d
            .iter()
            .next()
            .map_or(Span { start: 0, end: 0 }, |d| d.span),
        CompileError::Bind(b) => b.span,
    }
}

fn shift_span(span: Span, delta: i64) -> Span {
    let at = |x: u32| (x as i64 + delta).clamp(0, u32::MAX as i64) as u32;
    Span {
        start: at(span.start),
        end: at(span.end),
    }
}

/// The error with every span moved by `delta` bytes.
fn shifted(error: &CompileError, delta: i64) -> CompileError {
    match error {
        CompileError::Parse(ds) => {
            let mut ds = ds.clone();
            for d in &mut ds.0 {
                d.span = shift_span(d.span, delta);
                for l in &mut d.labels {
                    l.span = shift_span(l.span, delta);
                }
            }
            CompileError::Parse(ds)
        }
        CompileError::Bind(b) => {
            let mut b = b.clone();
            b.span = shift_span(b.span, delta);
            CompileError::Bind(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kalavar::client::ParsedScript;
    use kql_compiler::catalog::Catalog;
    use kql_compiler::identity::{Caller, Role};

    fn piece(text: &str, line: usize, lead: &str) -> Piece {
        Piece {
            text: text.into(),
            line,
            lead: lead.into(),
        }
    }

    #[test]
    fn lets_come_first_and_errors_point_into_the_piece_they_are_in() {
        let mut lets = Lets::default();
        lets.push(piece("let x = from [{a: 1}]", 1, ""));
        let composed = lets.compose(&piece("from x | where nope == 1", 7, "take; "));
        let script = ParsedScript::parse(&composed.text).unwrap();
        assert_eq!(script.runnable().collect::<Vec<_>>(), vec![1]);
        assert_eq!(script.statement_text(1), "from x | where nope == 1");
        let caller = Caller::new("alice", Role::User);
        let error = script.compile(1, &Catalog::empty(), &caller).unwrap_err();
        let shown = composed.render(&error, "q.kql", false);
        // Line 7, column 7 + 15: after `take; ` and `from x | where `.
        assert!(shown.contains("q.kql:7:22"), "{shown}");
        assert!(shown.contains("take; from x | where nope == 1"), "{shown}");

        // An error inside an earlier `let` is shown where that `let` was typed.
        let composed = lets.compose(&piece("from y", 9, ""));
        let mut broken = Lets::default();
        broken.push(piece("let x = from nowhere", 3, "  "));
        let composed_broken = broken.compose(composed.last());
        let script = ParsedScript::parse(&composed_broken.text).unwrap();
        let error = script.compile(1, &Catalog::empty(), &caller).unwrap_err();
        let shown = composed_broken.render(&error, "q.kql", false);
        assert!(shown.contains("q.kql:3:"), "{shown}");
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let p = Piece::within("from a;\n  é; from b\n", 4, 14, "from b");
        assert_eq!(p.line, 5);
        assert_eq!(p.lead, "  é; ");
        assert_eq!(p.position("f", 5), "f:5:11");
    }
}
