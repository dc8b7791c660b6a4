//! The SQL text: cut into statements at top-level `;` (by sqlparser's tokenizer, so
//! `;` inside strings, quoted names and comments does not count), each statement
//! parsed on its own so that one bad statement does not hide the others, and
//! sqlparser's line/column positions turned into the byte spans diagnostics use.

use super::error::{R, SqlError, codes};
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span as SqlSpan, Token, TokenWithSpan, Tokenizer};

/// How deep sqlparser may recurse (its own default): deeper SQL is a `Q004` error
/// before any tree is built, which keeps translation, printing and dropping within
/// a normal thread stack.
pub const MAX_SQL_DEPTH: usize = 50;

/// Byte offsets for sqlparser's 1-based line and column (columns count
/// characters; spans end one past the last character).
pub(crate) struct LineIndex<'s> {
    src: &'s str,
    /// Byte offset where each line starts, and whether the line is ASCII.
    lines: Vec<(usize, bool)>,
}

impl<'s> LineIndex<'s> {
    pub fn new(src: &'s str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for line in src.split('\n') {
            lines.push((start, line.is_ascii()));
            start += line.len() + 1;
        }
        LineIndex { src, lines }
    }

    /// The byte offset of `loc`, clamped to the text.
    pub fn offset(&self, loc: Location) -> u32 {
        let Some(&(start, ascii)) = (loc.line as usize)
            .checked_sub(1)
            .and_then(|i| self.lines.get(i))
        else {
            return self.src.len() as u32;
        };
        let col = (loc.column as usize).saturating_sub(1);
        let rest = &self.src[start..];
        let line_len = rest.find('\n').unwrap_or(rest.len());
        let within = if ascii {
            col.min(line_len)
        } else {
            rest[..line_len]
                .char_indices()
                .nth(col)
                .map(|(i, _)| i)
                .unwrap_or(line_len)
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

/// Cuts `sql` into statements. A tokenizer error (an unterminated string, say)
/// makes the rest of the text meaningless, so it is the only error returned.
pub(crate) fn split(sql: &str) -> R<Vec<RawStatement>> {
    let dialect = PostgreSqlDialect {};
    // About one token (whitespace included) per two bytes of typical SQL: sized
    // up front, the buffer is not grown (and its tokens moved) several times.
    // Large inputs start no larger than 4,096 tokens and grow as usual.
    let mut tokens = Vec::with_capacity((sql.len() / 2 + 16).min(4096));
    Tokenizer::new(&dialect, sql)
        .tokenize_with_location_into_buf(&mut tokens)
        .map_err(|e| {
            let at = SqlSpan::new(e.location, e.location);
            SqlError::new(codes::SYNTAX, at, lower_first(&e.message))
        })?;
    // Cut from the end, so each token moves once: `split_off` copies only the
    // statement after the last `;` left, and the `;` itself is dropped.
    let mut pieces: Vec<Vec<TokenWithSpan>> = Vec::new();
    while let Some(i) = tokens.iter().rposition(|t| t.token == Token::SemiColon) {
        pieces.push(tokens.split_off(i + 1));
        tokens.truncate(i);
    }
    pieces.push(tokens);
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces.into_iter().rev() {
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
    Ok(out)
}

/// Parses one statement's tokens with the PostgreSQL dialect.
pub(crate) fn parse(raw: RawStatement) -> R<Statement> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(MAX_SQL_DEPTH)
        .with_tokens_with_locations(raw.tokens);
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
    Ok(statement)
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
