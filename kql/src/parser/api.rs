//! The entry points: whole scripts, single statements, single expressions.

use super::builder::Builder;
use super::expected::syntax_error;
use super::grammar::{ScriptParser, StandaloneExprParser};
use super::input::{Spanned, lex_all};
use crate::ast::{Expr, Script, Span, Statement};
use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::lexer::Token;
use crate::limits::{MAX_DIAGNOSTICS, MAX_INPUT_BYTES};
use lalrpop_util::{ErrorRecovery, ParseError};
use std::convert::Infallible;

type Recovered<'s> = Vec<ErrorRecovery<usize, Token<'s>, Infallible>>;
type TokenIter<'a, 's> = std::iter::Copied<std::slice::Iter<'a, Spanned<'s>>>;
type Outcome<'s, T> = Result<T, ParseError<usize, Token<'s>, Infallible>>;

/// Parses a script: statements separated by `;` (empty statements are allowed).
/// On failure, returns every error found: the parser resumes after a bad
/// statement at the next `;` and after a bad pipeline stage at the next `|`.
pub fn parse(source: &str) -> Result<Script, Diagnostics> {
    run(source, |b, rec, tokens| {
        ScriptParser::new().parse(b, rec, tokens)
    })
}

/// Parses exactly one statement (a trailing `;` is allowed).
pub fn parse_statement(source: &str) -> Result<Statement, Diagnostics> {
    let script = parse(source)?;
    let mut statements = script.statements.into_iter();
    match (statements.next(), statements.next()) {
        (Some(s), None) => Ok(s),
        (None, _) => Err(Diagnostic::new(
            codes::NOT_ONE_ITEM,
            Span::new(source.len() as u32, source.len() as u32),
            "expected a statement, found end of input",
        )
        .into()),
        (Some(_), Some(second)) => Err(Diagnostic::new(
            codes::NOT_ONE_ITEM,
            second.span,
            "expected one statement, found more",
        )
        .with_hint("only one statement is allowed here")
        .into()),
    }
}

/// Parses one expression, e.g. a column default stored as KQL text.
pub fn parse_expr(source: &str) -> Result<Expr, Diagnostics> {
    run(source, |b, rec, tokens| {
        StandaloneExprParser::new().parse(b, rec, tokens)
    })
}

fn run<'s, T>(
    source: &'s str,
    parse: impl FnOnce(&mut Builder<'s>, &mut Recovered<'s>, TokenIter<'_, 's>) -> Outcome<'s, T>,
) -> Result<T, Diagnostics> {
    if source.len() > MAX_INPUT_BYTES {
        return Err(Diagnostic::new(
            codes::INPUT_TOO_LARGE,
            Span::new(0, 0),
            format!(
                "input is {} bytes; the limit is {MAX_INPUT_BYTES}",
                source.len()
            ),
        )
        .with_hint("split the input into several requests")
        .into());
    }
    let mut lex_diags = Vec::new();
    let lexed = lex_all(source, &mut lex_diags);
    let tokens = lexed.tokens;
    let mut builder = Builder::new(source);
    let mut recovered = Vec::new();
    let result = parse(&mut builder, &mut recovered, tokens.iter().copied());
    let mut errors: Vec<ParseError<usize, Token<'s>, Infallible>> =
        recovered.into_iter().map(|r| r.error).collect();
    let value = match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut diags = lex_diags;
    diags.append(&mut builder.diags);
    for e in errors {
        let at_eof = matches!(e, ParseError::UnrecognizedEof { .. });
        if lexed.truncated && at_eof {
            continue;
        }
        diags.push(syntax_error(&e, &tokens, source));
    }
    match value {
        Some(v) if diags.is_empty() => Ok(v),
        _ => Err(finish(diags)),
    }
}

/// Source order, no duplicates, at most the documented number.
fn finish(mut diags: Vec<Diagnostic>) -> Diagnostics {
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    if diags.len() > MAX_DIAGNOSTICS {
        let span = diags[MAX_DIAGNOSTICS].span;
        diags.truncate(MAX_DIAGNOSTICS);
        diags.push(Diagnostic::new(
            codes::TOO_MANY_ERRORS,
            span,
            format!("too many errors: stopped after {MAX_DIAGNOSTICS}"),
        ));
    }
    if diags.is_empty() {
        // A parse that failed without saying why would be a bug in this crate;
        // still, never return an empty error list.
        diags.push(Diagnostic::new(
            codes::UNEXPECTED_TOKEN,
            Span::new(0, 0),
            "syntax error",
        ));
    }
    Diagnostics(diags)
}
