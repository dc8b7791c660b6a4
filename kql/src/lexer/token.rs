//! The tokens the parser sees, and the iterator that produces them with spans.

use super::raw::Raw;
use super::{Keyword, LexError, literal::NumberWord};
use crate::ast::Span;
use logos::Logos;

/// A token. Slices borrow from the source; literal values are already converted
/// and validated, so the parser only assembles them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token<'s> {
    Keyword(Keyword),
    /// A plain name: `messages`, `created_at`.
    Ident(&'s str),
    /// A backtick-quoted name, backticks included: `` `odd name` ``.
    QuotedIdent(&'s str),
    /// A string literal, quotes included, escapes not yet resolved.
    String(&'s str),
    /// An integer literal without sign; the parser checks it fits in `i64`
    /// (after folding a leading `-`).
    Int(u64),
    Float(f64),
    /// A duration in microseconds, without sign.
    Duration(u64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
    /// `$name` (the slice is the name without `$`).
    ParamName(&'s str),
    /// `$1`, `$2`, …
    ParamPos(u32),
    /// An IPv4 address or CIDR range: `10.0.0.0/24`.
    Ip(&'s str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Colon,
    ColonColon,
    Dot,
    Pipe,
    OrOr,
    AndAnd,
    Bang,
    NotEq,
    NotEqCi,
    Assign,
    EqEq,
    EqCi,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
}

impl Token<'_> {
    /// How a token is named in messages: `` `from` ``, `a name`, `a string`.
    pub fn describe(&self) -> String {
        match self {
            Token::Keyword(k) => format!("`{k}`"),
            Token::Ident(s) | Token::QuotedIdent(s) => format!("name `{s}`"),
            Token::String(_) => "a string".into(),
            Token::Int(_) | Token::Float(_) => "a number".into(),
            Token::Duration(_) => "a duration".into(),
            Token::Date(_) => "a date".into(),
            Token::Timestamp(_) => "a timestamp".into(),
            Token::ParamName(_) | Token::ParamPos(_) => "a parameter".into(),
            Token::Ip(s) => format!("address `{s}`"),
            other => format!("`{}`", other.punct().unwrap_or("?")),
        }
    }

    /// The text of a punctuation or operator token.
    pub fn punct(&self) -> Option<&'static str> {
        Some(match self {
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::Comma => ",",
            Token::Semi => ";",
            Token::Colon => ":",
            Token::ColonColon => "::",
            Token::Dot => ".",
            Token::Pipe => "|",
            Token::OrOr => "||",
            Token::AndAnd => "&&",
            Token::Bang => "!",
            Token::NotEq => "!=",
            Token::NotEqCi => "!~",
            Token::Assign => "=",
            Token::EqEq => "==",
            Token::EqCi => "=~",
            Token::Lt => "<",
            Token::LtEq => "<=",
            Token::Gt => ">",
            Token::GtEq => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            _ => return None,
        })
    }

    /// Whether this token opens or closes a bracket: `(`, `[`, `{` → 1, closers → -1.
    pub fn nesting(&self) -> i32 {
        match self {
            Token::LParen | Token::LBracket | Token::LBrace => 1,
            Token::RParen | Token::RBracket | Token::RBrace => -1,
            _ => 0,
        }
    }
}

/// The tokens of `source` with their byte spans, comments and whitespace skipped.
/// Errors are yielded in place (the lexer resumes after the bad text), so a caller
/// sees every problem, not just the first.
pub fn tokens(source: &str) -> Tokens<'_> {
    Tokens {
        inner: Raw::lexer(source),
    }
}

/// Iterator returned by [`tokens`].
pub struct Tokens<'s> {
    inner: logos::Lexer<'s, Raw>,
}

impl<'s> Iterator for Tokens<'s> {
    type Item = (Result<Token<'s>, LexError>, Span);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.inner.next()?;
        let range = self.inner.span();
        let span = Span::new(range.start as u32, range.end as u32);
        let slice = self.inner.slice();
        let token = raw.map(|raw| match raw {
            Raw::Word => match Keyword::lookup(slice) {
                Some(k) => Token::Keyword(k),
                None => Token::Ident(slice),
            },
            Raw::QuotedIdent => Token::QuotedIdent(slice),
            Raw::String => Token::String(slice),
            Raw::Int(v) => Token::Int(v),
            Raw::Float(v) => Token::Float(v),
            Raw::NumberWord(NumberWord::Duration(v)) => Token::Duration(v),
            Raw::NumberWord(NumberWord::Float(v)) => Token::Float(v),
            Raw::Ip => Token::Ip(slice),
            Raw::Date(v) => Token::Date(v),
            Raw::Timestamp(v) => Token::Timestamp(v),
            Raw::ParamName => Token::ParamName(&slice[1..]),
            Raw::ParamPos(v) => Token::ParamPos(v),
            Raw::LParen => Token::LParen,
            Raw::RParen => Token::RParen,
            Raw::LBracket => Token::LBracket,
            Raw::RBracket => Token::RBracket,
            Raw::LBrace => Token::LBrace,
            Raw::RBrace => Token::RBrace,
            Raw::Comma => Token::Comma,
            Raw::Semi => Token::Semi,
            Raw::Colon => Token::Colon,
            Raw::ColonColon => Token::ColonColon,
            Raw::Dot => Token::Dot,
            Raw::Pipe => Token::Pipe,
            Raw::OrOr => Token::OrOr,
            Raw::AndAnd => Token::AndAnd,
            Raw::Bang => Token::Bang,
            Raw::NotEq => Token::NotEq,
            Raw::NotEqCi => Token::NotEqCi,
            Raw::Assign => Token::Assign,
            Raw::EqEq => Token::EqEq,
            Raw::EqCi => Token::EqCi,
            Raw::Lt => Token::Lt,
            Raw::LtEq => Token::LtEq,
            Raw::Gt => Token::Gt,
            Raw::GtEq => Token::GtEq,
            Raw::Plus => Token::Plus,
            Raw::Minus => Token::Minus,
            Raw::Star => Token::Star,
            Raw::Slash => Token::Slash,
            Raw::Percent => Token::Percent,
            // These patterns only ever produce errors.
            Raw::BlockComment | Raw::FractionalDuration | Raw::BadDate | Raw::BadParam => {
                unreachable!("error-only token pattern produced a token")
            }
        });
        Some((token, span))
    }
}
