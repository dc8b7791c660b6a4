//! The SQL text: cut into statements at top-level `;` (by sqlparser's tokenizer, so
//! `;` inside strings, quoted names and comments does not count), each statement
//! parsed on its own so that one bad statement does not hide the others, and
//! sqlparser's line/column positions turned into the byte spans diagnostics use.

use super::error::{R, SqlError, codes};
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span as SqlSpan, Token, TokenWithSpan, Tokenizer};
use std::cell::Cell;

/// How deep sqlparser may recurse (its own default): deeper SQL is a `Q004` error
/// before any tree is built, which keeps translation, printing and dropping within
/// a normal thread stack.
pub const MAX_SQL_DEPTH: usize = 50;

/// Byte offsets for sqlparser's 1-based line and column (columns count
/// characters; spans end one past the last character).
pub(crate) struct LineIndex<'s> {
    src: &'s str,
    /// The line last looked up (1-based) and the byte offset where it starts.
    /// Positions are mostly asked for in text order, so a lookup scans on from
    /// there (and from the top only when it goes back): no table of lines is
    /// built, and a script's lookups together scan it about once.
    cursor: Cell<(u64, usize)>,
}

impl<'s> LineIndex<'s> {
    pub fn new(src: &'s str) -> Self {
        LineIndex {
            src,
            cursor: Cell::new((1, 0)),
        }
    }

    /// Where line `line` (1-based) starts, if the text has it.
    fn line_start(&self, line: u64) -> Option<usize> {
        let (mut at, mut start) = self.cursor.get();
        if line < at {
            (at, start) = (1, 0);
        }
        while at < line {
            start += self.src[start..].find('\n')? + 1;
            at += 1;
        }
        self.cursor.set((at, start));
        Some(start)
    }

    /// The byte offset of `loc`, clamped to the text.
    pub fn offset(&self, loc: Location) -> u32 {
        let Some(start) = (loc.line >= 1).then(|| self.line_start(loc.line)).flatten() else {
            return self.src.len() as u32;
        };
        let col = (loc.column as usize).saturating_sub(1);
        let rest = &self.src[start..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let within = if line.is_ascii() {
            col.min(line.len())
        } else {
            line.char_indices()
                .nth(col)
                .map(|(i, _)| i)
                .unwrap_or(line.len())
        };
        (start + within) as u32
    }

    pub fn span(&self, s: SqlSpan) -> kql::ast::Span {
        let start = self.offset(s.start);
        let end = self.offset(s.end).max(start);
        kql::ast::Span::new(start, end)
    }
}

/// One statement's tokens (whitespace and comments included) and the span from its
/// first to its last significant token.
pub(crate) struct RawStatement {
    pub tokens: Vec<TokenWithSpan>,
    pub span: SqlSpan,
}

/// The most tokens a [`TokenBuffer`] keeps room for between inputs (≈ 300 kB).
const KEPT_TOKENS: usize = 4096;

/// A token buffer kept between inputs (by a [`super::Translator`]): tokenizing
/// into it and parsing from it allocate no new buffer for a typical statement
/// (a buffer of a few kilobytes is one of the costlier allocations of a
/// statement's whole path).
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenBuffer(Vec<TokenWithSpan>);

impl TokenBuffer {
    /// The buffer, empty, for the next input.
    fn take(&mut self) -> Vec<TokenWithSpan> {
        std::mem::take(&mut self.0)
    }

    /// Keeps `tokens`'s room (its tokens are dropped) if it is more than the
    /// buffer has and not past [`KEPT_TOKENS`].
    pub fn give_back(&mut self, mut tokens: Vec<TokenWithSpan>) {
        if tokens.capacity() > self.0.capacity() && tokens.capacity() <= KEPT_TOKENS {
            tokens.clear();
            self.0 = tokens;
        }
    }
}

/// Cuts `sql` into statements, tokenizing into `buffer`'s room. A tokenizer error
/// (an unterminated string, say) makes the rest of the text meaningless, so it is
/// the only error returned.
pub(crate) fn split(sql: &str, buffer: &mut TokenBuffer) -> R<Vec<RawStatement>> {
    let dialect = PostgreSqlDialect {};
    // About one token (whitespace included) per two bytes of typical SQL: sized
    // up front, the buffer is not grown (and its tokens moved) several times.
    // Large inputs start no larger than 4,096 tokens and grow as usual.
    let mut tokens = buffer.take();
    tokens.reserve((sql.len() / 2 + 16).min(KEPT_TOKENS));
    Tokenizer::new(&dialect, sql)
        .tokenize_with_location_into_buf(&mut tokens)
        .map_err(|e| {
            let at = SqlSpan::new(e.location, e.location);
            SqlError::new(codes::SYNTAX, at, lower_first(&e.message))
        })?;
    // Cut from the end, so each token moves once: `split_off` copies only the
    // statement after the last `;` left, and the `;` itself is dropped. The
    // statements are collected last first, then put in order.
    let mut out = Vec::new();
    while let Some(i) = tokens.iter().rposition(|t| t.token == Token::SemiColon) {
        push_statement(&mut out, tokens.split_off(i + 1));
        tokens.truncate(i);
    }
    push_statement(&mut out, tokens);
    out.reverse();
    Ok(out)
}

/// Adds `piece` to `out` as a statement, unless it holds only whitespace and
/// comments.
fn push_statement(out: &mut Vec<RawStatement>, piece: Vec<TokenWithSpan>) {
    let mut significant = piece
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)));
    if let Some(first) = significant.next() {
        let last = significant.next_back().unwrap_or(first);
        out.push(RawStatement {
            span: SqlSpan::new(first.span.start, last.span.end),
            tokens: piece,
        });
    }
}

/// Parses one statement's tokens with the PostgreSQL dialect (the tokens go back
/// to `buffer`) and hands the statement to `f`. The statement is not returned:
/// sqlparser's statements are large, and each move of one is a copy of it.
pub(crate) fn parse_with<T>(
    raw: RawStatement,
    buffer: &mut TokenBuffer,
    f: impl FnOnce(&Statement) -> R<T>,
) -> R<T> {
    let dialect = PostgreSqlDialect {};
    // `Parser::new` already limits recursion to sqlparser's default, which is
    // `MAX_SQL_DEPTH` (a test holds them equal): setting the limit again would
    // allocate a second counter for every statement.
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(raw.tokens);
    let end = SqlSpan::new(raw.span.end, raw.span.end);
    let statement = parser.parse_statement().map_err(|e| parse_error(e, end))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(SqlError::new(
            codes::SYNTAX,
            next.span,
            format!("expected the end of the statement, found {}", next.token),
        )
        .hint("statements are separated by `;`"));
    }
    buffer.give_back(parser.into_tokens());
    f(&statement)
}

fn parse_error(e: ParserError, end: SqlSpan) -> SqlError {
    let text = match e {
        ParserError::RecursionLimitExceeded => {
            return SqlError::new(
                codes::TOO_DEEP,
                end,
                format!("the statement is nested more than {MAX_SQL_DEPTH} levels deep"),
            )
            .hint("simplify the expression; a long OR chain is better written with IN (…)");
        }
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m,
    };
    // sqlparser appends " at Line: L, Column: C" when it knows where.
    let (message, span) = match text.rfind(" at Line: ") {
        Some(i) => {
            let loc = &text[i + " at Line: ".len()..];
            let mut parts = loc.split(", Column: ");
            let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
            let col = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
            match (line, col) {
                (Some(line), Some(column)) => {
                    let start = Location { line, column };
                    let end = Location {
                        line,
                        column: column + 1,
                    };
                    (text[..i].to_string(), SqlSpan::new(start, end))
                }
                _ => (text.clone(), end),
            }
        }
        None => (text.clone(), end),
    };
    let message = message
        .replace("Expected: ", "expected ")
        .replace(", found: EOF", ", found the end of the statement")
        .replace(", found: ", ", found ");
    SqlError::new(codes::SYNTAX, span, lower_first(&message))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parsing without setting a limit refuses exactly what a parser limited
    /// to `MAX_SQL_DEPTH` refuses, nesting parentheses or subqueries around it.
    #[test]
    fn the_default_recursion_limit_is_max_sql_depth() {
        let dialect = PostgreSqlDialect {};
        let mut buffer = TokenBuffer::default();
        let mut outcomes = Vec::new();
        for n in MAX_SQL_DEPTH - 5..MAX_SQL_DEPTH + 5 {
            for sql in [
                format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
                format!(
                    "SELECT * FROM {}t{}",
                    "(SELECT * FROM ".repeat(n),
                    ")".repeat(n)
                ),
            ] {
                let limited = Parser::new(&dialect)
                    .with_recursion_limit(MAX_SQL_DEPTH)
                    .try_with_sql(&sql)
                    .and_then(|mut p| p.parse_statement());
                let raw = split(&sql, &mut buffer).unwrap().remove(0);
                let ours = parse_with(raw, &mut buffer, |_| Ok(()));
                assert_eq!(ours.is_ok(), limited.is_ok(), "{sql}");
                if let Err(e) = ours {
                    assert_eq!(e.code, codes::TOO_DEEP, "{sql}");
                }
                outcomes.push(limited.is_ok());
            }
        }
        // Both sides of the limit were tried.
        assert!(outcomes.contains(&true) && outcomes.contains(&false));
    }

    /// The offset by the definition: line `line`'s start plus `column - 1`
    /// characters, clamped to the line; past the text, its end.
    fn naive(src: &str, line: u64, column: u64) -> u32 {
        let mut start = 0;
        for (i, l) in src.split('\n').enumerate() {
            if i as u64 + 1 == line {
                let col = (column as usize).saturating_sub(1);
                let within = l.char_indices().nth(col).map(|(i, _)| i).unwrap_or(l.len());
                return (start + within) as u32;
            }
            start += l.len() + 1;
        }
        src.len() as u32
    }

    #[test]
    fn offsets_match_the_definition_in_any_order() {
        let src = "select a,\n  'é' as b\n\nfrom t;\nselect 1\n";
        let index = LineIndex::new(src);
        // Forward, backward, repeated, past the end and line 0.
        let locs = [
            (1, 1),
            (1, 8),
            (2, 3),
            (2, 4),
            (2, 5),
            (2, 40),
            (4, 6),
            (2, 1),
            (1, 3),
            (5, 9),
            (6, 1),
            (7, 1),
            (0, 4),
            (3, 1),
            (5, 2),
        ];
        for (line, column) in locs {
            assert_eq!(
                index.offset(Location { line, column }),
                naive(src, line, column),
                "line {line}, column {column}"
            );
        }
    }
}
