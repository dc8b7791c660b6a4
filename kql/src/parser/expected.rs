//! Syntax errors in user words. LALRPOP reports the set of terminals it could
//! have accepted; this module folds that set into a few phrases ("an expression",
//! "a name", "an operator", "a pipeline stage"), names the token it came after and
//! the one it found, and adds a hint for the usual slips (`=` for `==`, a reserved
//! word as a name, a string where a name belongs).

use super::input::Spanned;
use crate::ast::Span;
use crate::diagnostic::{Diagnostic, codes};
use crate::lexer::{Keyword, Token};
use lalrpop_util::ParseError;
use std::convert::Infallible;

const LITERAL_STARTS: &[&str] = &[
    "INT",
    "FLOAT",
    "DURATION",
    "STRING",
    "DATE",
    "TIMESTAMP",
    "PARAM",
    "PARAMPOS",
    "(",
    "[",
    "{",
    "-",
    "!",
    "not",
    "true",
    "false",
    "null",
];
const NAME_STARTS: &[&str] = &["IDENT", "QIDENT"];
const OPERATORS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "=~", "!~", "+", "-", "*", "/", "%", "and", "&&", "or", "||",
    "in", "not", "between", "::", ".", "(",
];
const BINARY: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "=~", "!~", "+", "*", "/", "%", "and", "&&", "or", "||",
];
const STATEMENT_STARTS: &[&str] = &[
    "from",
    "let",
    "insert",
    "upsert",
    "begin",
    "commit",
    "rollback",
    "create",
    "alter",
    "drop",
    "issue",
    "revoke",
    "execute",
    "subscribe",
    "flush",
    "compact",
    "show",
    "describe",
    "explain",
];
const STAGES: &[&str] = &[
    "where",
    "select",
    "extend",
    "aggregate",
    "sort",
    "take",
    "skip",
    "distinct",
    "join",
    "union",
];
const SINKS: &[&str] = &["update", "delete", "insert", "upsert"];

/// The diagnostic for one parse error; `tokens` is the whole token list, to find
/// the token before the error.
pub fn syntax_error(
    error: &ParseError<usize, Token<'_>, Infallible>,
    tokens: &[Spanned<'_>],
    src: &str,
) -> Diagnostic {
    match error {
        ParseError::UnrecognizedToken {
            token: (l, found, r),
            expected,
        } => unexpected(
            expected,
            Some(found),
            Span::new(*l as u32, *r as u32),
            tokens,
            src,
        ),
        ParseError::UnrecognizedEof { location, expected } => {
            let at = (*location).min(src.len()) as u32;
            unexpected(expected, None, Span::new(at, at), tokens, src)
        }
        ParseError::ExtraToken {
            token: (l, found, r),
        } => Diagnostic::new(
            codes::UNEXPECTED_TOKEN,
            Span::new(*l as u32, *r as u32),
            format!(
                "expected `;` or the end of input, found {}",
                found.describe()
            ),
        ),
        ParseError::InvalidToken { location } => Diagnostic::new(
            codes::UNEXPECTED_TOKEN,
            Span::new(*location as u32, *location as u32),
            "invalid token",
        ),
        ParseError::User { error } => match *error {},
    }
}

fn unexpected(
    expected: &[String],
    found: Option<&Token<'_>>,
    span: Span,
    tokens: &[Spanned<'_>],
    src: &str,
) -> Diagnostic {
    let set: Vec<&str> = expected.iter().map(|s| s.trim_matches('"')).collect();
    let has = |name: &str| set.contains(&name);
    // Contextual keywords are names too: where a name may stand, `from` or
    // `where` in the set means a name, not a statement or a stage.
    let name_ok = has("IDENT");
    let statement = !name_ok && has("from") && has("create") && has("insert");
    let stage = !name_ok && has("where") && has("select");
    let expr = has("INT");
    let name = !expr && name_ok;
    let operator = set.iter().any(|t| BINARY.contains(t));

    let mut phrases: Vec<String> = Vec::new();
    if statement {
        phrases.push("a statement".into());
    }
    if stage {
        phrases.push(
            if has("update") {
                "a pipeline stage or a write"
            } else {
                "a pipeline stage"
            }
            .into(),
        );
    }
    if expr {
        phrases.push("an expression".into());
    }
    if name {
        phrases.push("a name".into());
    }
    if operator {
        phrases.push("an operator".into());
    }
    let subsumed = |t: &str| -> bool {
        let contextual = Keyword::lookup(t).is_some_and(|k| !k.is_reserved());
        (statement && STATEMENT_STARTS.contains(&t))
            || (stage && (STAGES.contains(&t) || SINKS.contains(&t)))
            || (expr && (LITERAL_STARTS.contains(&t) || NAME_STARTS.contains(&t) || contextual))
            || (name && (NAME_STARTS.contains(&t) || contextual))
            || (operator && OPERATORS.contains(&t))
    };
    let mut specific: Vec<&str> = set.iter().copied().filter(|t| !subsumed(t)).collect();
    // Punctuation that ends things reads best last.
    specific.sort_by_key(|t| match *t {
        "," => 1,
        ")" | "]" | "}" => 2,
        "|" => 3,
        ";" => 4,
        _ => 0,
    });
    let shown = specific.len().min(8);
    for t in &specific[..shown] {
        phrases.push(match *t {
            "IDENT" | "QIDENT" => "a name".into(),
            "INT" => "an integer".into(),
            "STRING" => "a string".into(),
            "IP" => "an IP address".into(),
            other => format!("`{other}`"),
        });
    }
    phrases.dedup();
    if specific.len() > shown {
        phrases.push("…".into());
    }
    let wanted = join_or(&phrases);

    let after = tokens
        .iter()
        .rev()
        .find(|(_, _, r)| *r as u32 <= span.start)
        .map(|(l, _, r)| {
            let text = &src[*l..*r];
            match text.char_indices().nth(24) {
                Some((cut, _)) => format!(" after `{}…`", &text[..cut]),
                None => format!(" after `{text}`"),
            }
        })
        .unwrap_or_default();
    let (code, found_text) = match found {
        Some(t) => (codes::UNEXPECTED_TOKEN, t.describe()),
        None => (codes::UNEXPECTED_END, "end of input".into()),
    };
    let message = if wanted.is_empty() {
        format!("unexpected {found_text}{after}")
    } else {
        format!("expected {wanted}{after}, found {found_text}")
    };
    let mut d = Diagnostic::new(code, span, message);
    if found.is_none()
        && let Some(open) = unclosed_bracket(tokens, span.start)
    {
        d = d.with_label(open, "this bracket is never closed");
    }
    if let Some(h) = hint(found, &set, statement, stage) {
        d = d.with_hint(h);
    }
    d
}

fn hint(found: Option<&Token<'_>>, set: &[&str], statement: bool, stage: bool) -> Option<String> {
    let has = |name: &str| set.contains(&name);
    match found {
        Some(Token::Assign) if has("==") => {
            return Some("compare with `==`; a single `=` names a column (`extend n = 1`)".into());
        }
        Some(Token::EqEq) if has("=") => {
            return Some("a single `=` gives the name: `extend n = 1`".into());
        }
        Some(Token::Keyword(k)) if k.is_reserved() && has("IDENT") => {
            return Some(format!(
                "`{k}` is a reserved word; write `{k}` in backticks (`` `{k}` ``) to use it as a name"
            ));
        }
        Some(Token::EqEq | Token::NotEq | Token::Lt | Token::LtEq | Token::Gt | Token::GtEq)
            if !has("==") && has("and") =>
        {
            return Some("comparisons do not chain: write `a < b and b < c`".into());
        }
        Some(Token::Keyword(Keyword::Select)) | Some(Token::Ident(_)) if statement => {
            return Some(
                "KQL queries start with `from`: `from t | where … | select …` (`kalavar transpile` translates SQL)"
                    .into(),
            );
        }
        Some(Token::String(_)) if has("IDENT") && !has("STRING") => {
            return Some(
                "names are written bare or in backticks (`my table`); quotes make a string".into(),
            );
        }
        _ => {}
    }
    if statement {
        return Some(format!(
            "a statement starts with one of: {}",
            STATEMENT_STARTS.join(", ")
        ));
    }
    if stage {
        return Some(format!(
            "stages are {}; a pipeline may end in a write: update, delete, insert into, upsert into",
            STAGES.join(", ")
        ));
    }
    None
}

/// The innermost bracket still open before `at`, if any.
fn unclosed_bracket(tokens: &[Spanned<'_>], at: u32) -> Option<Span> {
    let mut open = Vec::new();
    for (l, t, r) in tokens.iter().take_while(|(l, _, _)| (*l as u32) < at) {
        match t.nesting() {
            1 => open.push(Span::new(*l as u32, *r as u32)),
            -1 => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
