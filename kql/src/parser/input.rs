//! Lexing a whole input for the parser, enforcing the input limits on the way: the
//! size limit, the bracket nesting limit and the limit on runs of prefix operators
//! (`- - - x`, `not not x`, `explain explain …`), which would otherwise grow the
//! parser's stack without bound before any rule could count depth. Lexical errors
//! become diagnostics; a placeholder token stands in where that avoids a cascade
//! of follow-on errors.

use crate::ast::Span;
use crate::diagnostic::{Diagnostic, codes};
use crate::lexer::{Keyword, LexError, Token, tokens};
use crate::limits::{MAX_DIAGNOSTICS, MAX_EXPR_DEPTH, MAX_NESTING};

pub type Spanned<'s> = (usize, Token<'s>, usize);

/// The tokens of an input, and whether lexing stopped early at a limit (the parse
/// errors that the missing tail then causes are not worth reporting).
pub struct Lexed<'s> {
    pub tokens: Vec<Spanned<'s>>,
    pub truncated: bool,
}

pub fn lex_all<'s>(src: &'s str, diags: &mut Vec<Diagnostic>) -> Lexed<'s> {
    let mut out = Vec::with_capacity(src.len() / 4 + 1);
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut truncated = false;
    for (result, span) in tokens(src) {
        let (l, r) = (span.start as usize, span.end as usize);
        let token = match result {
            Ok(t) => t,
            Err(err) => {
                if diags.len() >= MAX_DIAGNOSTICS {
                    diags.push(Diagnostic::new(
                        codes::TOO_MANY_ERRORS,
                        span,
                        format!("too many errors: stopped after {MAX_DIAGNOSTICS}"),
                    ));
                    truncated = true;
                    break;
                }
                let text = &src[l..r];
                let mut d = Diagnostic::new(err.code(), error_span(&err, span), err.message(text));
                if let Some(hint) = err.hint(text) {
                    d = d.with_hint(hint);
                }
                diags.push(d);
                // These run to the end of the input: the parse errors the missing
                // tail causes are not worth reporting.
                if matches!(
                    err,
                    LexError::UnterminatedString
                        | LexError::UnterminatedComment
                        | LexError::UnterminatedIdent
                ) {
                    truncated = true;
                }
                match placeholder(&err, text) {
                    Some(t) => t,
                    None => continue,
                }
            }
        };
        match token.nesting() {
            1 => {
                depth += 1;
                if depth > MAX_NESTING {
                    diags.push(
                        Diagnostic::new(
                            codes::NESTING_TOO_DEEP,
                            span,
                            format!("brackets nested more than {MAX_NESTING} deep"),
                        )
                        .with_hint("this limit keeps every stage of compilation within its stack"),
                    );
                    truncated = true;
                    break;
                }
            }
            -1 => depth = depth.saturating_sub(1),
            _ => {}
        }
        let prefix = matches!(
            token,
            Token::Minus
                | Token::Bang
                | Token::Keyword(Keyword::Not | Keyword::Explain | Keyword::Analyze)
        );
        prefix_run = if prefix { prefix_run + 1 } else { 0 };
        if prefix_run > MAX_EXPR_DEPTH {
            diags.push(Diagnostic::new(
                codes::EXPR_TOO_DEEP,
                span,
                format!("more than {MAX_EXPR_DEPTH} prefix operators in a row"),
            ));
            truncated = true;
            break;
        }
        out.push((l, token, r));
    }
    Lexed {
        tokens: out,
        truncated,
    }
}

/// The bad escape itself rather than the whole string.
fn error_span(err: &LexError, span: Span) -> Span {
    match *err {
        LexError::BadEscape { offset, len } => {
            let start = span.start + offset as u32 - 1;
            Span::new(start, (start + len as u32).min(span.end))
        }
        _ => span,
    }
}

/// A token to stand in for bad text, so the statement around it still parses.
fn placeholder<'s>(err: &LexError, text: &'s str) -> Option<Token<'s>> {
    Some(match err {
        LexError::BadEscape { .. } => Token::String(text),
        LexError::IntTooLarge
        | LexError::BadNumberSuffix
        | LexError::FractionalDuration
        | LexError::DurationOverflow => Token::Int(0),
        LexError::BadDate(_) => Token::Date(0),
        LexError::BadParam => Token::ParamPos(1),
        LexError::BadIp(_) => Token::Ip(text),
        LexError::EmptyIdent => Token::QuotedIdent(text),
        LexError::UnexpectedChar
        | LexError::UnterminatedString
        | LexError::UnterminatedComment
        | LexError::UnterminatedIdent => return None,
    })
}
