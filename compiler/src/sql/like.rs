//! `LIKE` and `ILIKE` with a constant pattern. The common shapes become the KQL
//! string functions (`'abc%'` → `starts_with`, `'%abc'` → `ends_with`, `'%abc%'` →
//! `contains`, no wildcard → `==` or `=~`); any other pattern becomes an anchored
//! regular expression for `matches`, with `%` as `.*` and `_` as `.` (dot matching
//! newlines too, as `_` does). `\` escapes unless `ESCAPE` says otherwise.

use super::build::{binary, call, not, string};
use super::error::{R, SqlError, codes};
use kql::ast::{BinaryOp, Expr};
use sqlparser::tokenizer::Span as SqlSpan;

#[derive(Debug, PartialEq)]
enum Piece {
    Char(char),
    One,
    Many,
}

pub(crate) struct Like<'a> {
    pub pattern: &'a str,
    pub escape: Option<char>,
    pub case_insensitive: bool,
    pub negated: bool,
    pub span: SqlSpan,
}

impl Like<'_> {
    pub fn translate(&self, subject: Expr) -> R<Expr> {
        let pieces = self.pieces()?;
        let e = self.positive(subject, &pieces);
        Ok(if self.negated { not(e) } else { e })
    }

    fn pieces(&self) -> R<Vec<Piece>> {
        let mut out = Vec::with_capacity(self.pattern.len());
        let mut chars = self.pattern.chars();
        while let Some(c) = chars.next() {
            if Some(c) == self.escape {
                match chars.next() {
                    Some(next) => out.push(Piece::Char(next)),
                    None => {
                        return Err(SqlError::new(
                            codes::LITERAL,
                            self.span,
                            "the LIKE pattern ends with its escape character",
                        )
                        .hint("PostgreSQL rejects this pattern too; escape the escape: '\\\\'"));
                    }
                }
            } else if c == '%' {
                if out.last() != Some(&Piece::Many) {
                    out.push(Piece::Many);
                }
            } else if c == '_' {
                out.push(Piece::One);
            } else {
                out.push(Piece::Char(c));
            }
        }
        Ok(out)
    }

    fn positive(&self, subject: Expr, pieces: &[Piece]) -> Expr {
        let literal = |ps: &[Piece]| -> Option<String> {
            ps.iter()
                .map(|p| match p {
                    Piece::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let many_at_start = pieces.first() == Some(&Piece::Many);
        let many_at_end = pieces.len() > 1 && pieces.last() == Some(&Piece::Many);
        let inner = &pieces[usize::from(many_at_start)..pieces.len() - usize::from(many_at_end)];
        if let Some(text) = literal(inner) {
            if self.case_insensitive {
                if !many_at_start && !many_at_end {
                    return binary(BinaryOp::EqCi, subject, string(text));
                }
            } else {
                let f = match (many_at_start, many_at_end) {
                    (false, false) => return binary(BinaryOp::Eq, subject, string(text)),
                    // `%` alone: any non-null string.
                    (true, false) if inner.is_empty() => "starts_with",
                    (false, true) => "starts_with",
                    (true, false) => "ends_with",
                    (true, true) => "contains",
                };
                return call(f, vec![subject, string(text)]);
            }
        }
        call("matches", vec![subject, string(self.regex(pieces))])
    }

    fn regex(&self, pieces: &[Piece]) -> String {
        let mut re = String::from(if self.case_insensitive {
            "(?si)^"
        } else {
            "(?s)^"
        });
        for p in pieces {
            match p {
                Piece::Many => re.push_str(".*"),
                Piece::One => re.push('.'),
                Piece::Char(c) => {
                    if "\\.+*?()|[]{}^$#&-~".contains(*c) {
                        re.push('\\');
                    }
                    re.push(*c);
                }
            }
        }
        re.push('$');
        re
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::build::column;

    fn like(p: &str, ci: bool) -> String {
        let l = Like {
            pattern: p,
            escape: Some('\\'),
            case_insensitive: ci,
            negated: false,
            span: SqlSpan::empty(),
        };
        kql::format_expr(&l.translate(column(None, "s")).unwrap())
    }

    #[test]
    fn shapes() {
        assert_eq!(like("abc", false), "s == \"abc\"");
        assert_eq!(like("", false), "s == \"\"");
        assert_eq!(like("abc%", false), "starts_with(s, \"abc\")");
        assert_eq!(like("%abc", false), "ends_with(s, \"abc\")");
        assert_eq!(like("%abc%", false), "contains(s, \"abc\")");
        assert_eq!(like("%%a%%", false), "contains(s, \"a\")");
        assert_eq!(like("%", false), "starts_with(s, \"\")");
        assert_eq!(like("a_c", false), "matches(s, \"(?s)^a.c$\")");
        assert_eq!(like("a.c%d", false), "matches(s, \"(?s)^a\\\\.c.*d$\")");
        assert_eq!(like("100\\%", false), "s == \"100%\"");
        assert_eq!(like("ABC", true), "s =~ \"ABC\"");
        assert_eq!(like("a%", true), "matches(s, \"(?si)^a.*$\")");
    }
}
