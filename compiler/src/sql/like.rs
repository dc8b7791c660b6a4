//! `LIKE` and `ILIKE` with a constant pattern, classified by [`crate::like`] (shared
//! with KQL's `like()`). The common shapes become the KQL string functions (`'abc%'`
//! → `starts_with`, `'%abc'` → `ends_with`, `'%abc%'` → `contains`, no wildcard → `==`
//! or `=~`); any other pattern becomes an anchored regular expression for `matches`.
//! `\` escapes unless `ESCAPE` says otherwise.

use super::build::{binary, call, not, string};
use super::error::{R, SqlError, codes};
use crate::like::{Shape, shape};
use kql::ast::{BinaryOp, Expr};
use sqlparser::tokenizer::Span as SqlSpan;

pub(crate) struct Like<'a> {
    pub pattern: &'a str,
    pub escape: Option<char>,
    pub case_insensitive: bool,
    pub negated: bool,
    pub span: SqlSpan,
}

impl Like<'_> {
    pub fn translate(&self, subject: Expr) -> R<Expr> {
        let shape = shape(self.pattern, self.escape, self.case_insensitive).map_err(|_| {
            SqlError::new(
                codes::LITERAL,
                self.span,
                "the LIKE pattern ends with its escape character",
            )
            .hint("PostgreSQL rejects this pattern too; escape the escape: '\\\\'")
        })?;
        let e = match shape {
            Shape::Equals(t) => binary(BinaryOp::Eq, subject, string(t)),
            Shape::EqualsCi(t) => binary(BinaryOp::EqCi, subject, string(t)),
            Shape::StartsWith(t) => call("starts_with", vec![subject, string(t)]),
            Shape::EndsWith(t) => call("ends_with", vec![subject, string(t)]),
            Shape::Contains(t) => call("contains", vec![subject, string(t)]),
            Shape::Regex(re) => call("matches", vec![subject, string(re)]),
        };
        Ok(if self.negated { not(e) } else { e })
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
