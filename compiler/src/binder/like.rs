//! KQL's `like(text, pattern)` and `ilike(text, pattern)`: SQL `LIKE` semantics (`%`
//! any run of characters, `_` one character, `\` takes the next character literally;
//! `ilike` ignores case) over a constant pattern, classified by [`crate::like`] into
//! `==`, `=~`, `starts_with`, `ends_with`, `contains` or an anchored `matches`
//! regular expression — the same translation SQL's `LIKE` gets, so no new
//! instruction is needed.

use super::Binder;
use super::error::{BindCode, BindError};
use super::expr::{assignable, coerce_to, typed_call};
use crate::bytecode::{BinaryOp as BOp, Func, Value};
use crate::like::{Shape, shape};
use crate::plan::{PlanField, Scalar};
use crate::types::DataType;
use kql::ast::{Expr, ExprKind, Literal, Span};

type R<T> = Result<T, BindError>;

/// The names this module binds.
pub(crate) const LIKE_FUNCTIONS: [&str; 2] = ["like", "ilike"];

impl Binder<'_> {
    /// `like(…)` / `ilike(…)` (`name` is one of [`LIKE_FUNCTIONS`]).
    pub(super) fn like_call(
        &mut self,
        name: &str,
        args: &[Expr],
        span: Span,
        scope: &[PlanField],
    ) -> R<Scalar> {
        let [subject, pattern] = args else {
            return Err(BindError::new(
                BindCode::BadArguments,
                span,
                format!("{name}() takes 2 arguments, not {}", args.len()),
            )
            .hint(format!("{name}(text, \"pattern\")")));
        };
        let text = match &pattern.kind {
            ExprKind::Literal(Literal::String(s)) => s,
            _ => {
                return Err(BindError::new(
                    BindCode::BadArguments,
                    pattern.span,
                    format!("the pattern of {name}() must be a string literal"),
                )
                .hint("for a pattern computed per row, use matches(text, regex)"));
            }
        };
        let ci = name == "ilike";
        let shape = shape(text, Some('\\'), ci).map_err(|_| {
            BindError::new(
                BindCode::BadArguments,
                pattern.span,
                format!("the pattern of {name}() ends with a lone escape character `\\`"),
            )
            .hint("a literal backslash is `\\\\` in the pattern, written \"\\\\\\\\\" in a KQL string")
        })?;
        let s = self.expr(subject, scope, Some(DataType::Text))?;
        let s = if assignable(&s, DataType::Text) {
            coerce_to(s, DataType::Text)
        } else {
            s
        };
        if s.ty != DataType::Text {
            return Err(BindError::new(
                BindCode::BadArguments,
                subject.span,
                format!("argument 1 of {name}() must be text, not {}", s.ty),
            ));
        }
        let text = |t: String| Scalar::literal(Value::Text(t));
        match shape {
            Shape::Equals(t) => self.compare(BOp::Eq, s, text(t), span),
            Shape::EqualsCi(t) => self.compare(BOp::EqCi, s, text(t), span),
            Shape::StartsWith(t) => typed_call(Func::StartsWith, vec![s, text(t)], span),
            Shape::EndsWith(t) => typed_call(Func::EndsWith, vec![s, text(t)], span),
            Shape::Contains(t) => typed_call(Func::Contains, vec![s, text(t)], span),
            Shape::Regex(re) => typed_call(Func::Matches, vec![s, text(re)], span),
        }
    }
}
