//! Stable diagnostic codes of the KQL front end. Clients match on these strings;
//! a code's meaning never changes once released. `docs/kql.md` lists them all (a
//! test checks that it does).

/// The input is larger than [`crate::limits::MAX_INPUT_BYTES`].
pub const INPUT_TOO_LARGE: &str = "K001";
/// The input is not valid UTF-8 (files and stdin).
pub const INVALID_UTF8: &str = "K002";
/// Brackets nested deeper than [`crate::limits::MAX_NESTING`].
pub const NESTING_TOO_DEEP: &str = "K003";
/// An expression nested deeper than [`crate::limits::MAX_EXPR_DEPTH`].
pub const EXPR_TOO_DEEP: &str = "K004";
/// More than [`crate::limits::MAX_DIAGNOSTICS`] errors: the rest are not reported.
pub const TOO_MANY_ERRORS: &str = "K005";

/// A character that starts no token.
pub const UNEXPECTED_CHAR: &str = "K010";
/// A string with no closing quote.
pub const UNTERMINATED_STRING: &str = "K011";
/// A bad `\` escape in a string.
pub const BAD_ESCAPE: &str = "K012";
/// A `/#` comment with no closing `#/`.
pub const UNTERMINATED_COMMENT: &str = "K013";
/// An unterminated or empty backtick-quoted name.
pub const BAD_QUOTED_IDENT: &str = "K014";
/// A malformed number or duration, or one too large.
pub const BAD_NUMBER: &str = "K015";
/// A malformed or impossible date or timestamp.
pub const BAD_DATE: &str = "K016";
/// A malformed parameter (`$`, `$0`).
pub const BAD_PARAM: &str = "K017";
/// A malformed IP address or range.
pub const BAD_IP: &str = "K018";

/// A token the grammar does not allow here.
pub const UNEXPECTED_TOKEN: &str = "K020";
/// The input ends in the middle of a statement.
pub const UNEXPECTED_END: &str = "K021";

/// An integer literal outside the 64-bit signed range.
pub const INT_OUT_OF_RANGE: &str = "K030";
/// An unknown type name, or bad `decimal(p, s)` arguments.
pub const UNKNOWN_TYPE: &str = "K031";
/// An unknown role name.
pub const UNKNOWN_ROLE: &str = "K032";
/// An unknown `show` target.
pub const UNKNOWN_SHOW: &str = "K033";
/// A clause given twice (`key` twice on a column, `role` twice, two `key (…)`).
pub const DUPLICATE_CLAUSE: &str = "K034";
/// A construct not allowed where it stands: a nested `explain` or `execute as`,
/// a transaction statement inside `execute as`, a write ending a `let`, a
/// subscription or a sub-pipeline.
pub const NOT_ALLOWED_HERE: &str = "K035";
/// `parse_statement` or `parse_expr` got more (or less) than one item.
pub const NOT_ONE_ITEM: &str = "K036";

/// Every code, in order, with a one-line summary (used by the docs test).
pub const ALL: &[(&str, &str)] = &[
    (INPUT_TOO_LARGE, "input too large"),
    (INVALID_UTF8, "input is not valid UTF-8"),
    (NESTING_TOO_DEEP, "brackets nested too deeply"),
    (EXPR_TOO_DEEP, "expression nested too deeply"),
    (TOO_MANY_ERRORS, "too many errors"),
    (UNEXPECTED_CHAR, "unexpected character"),
    (UNTERMINATED_STRING, "unterminated string"),
    (BAD_ESCAPE, "invalid escape sequence"),
    (UNTERMINATED_COMMENT, "unterminated block comment"),
    (BAD_QUOTED_IDENT, "bad quoted name"),
    (BAD_NUMBER, "bad number or duration"),
    (BAD_DATE, "bad date or timestamp"),
    (BAD_PARAM, "bad parameter"),
    (BAD_IP, "bad IP address"),
    (UNEXPECTED_TOKEN, "unexpected token"),
    (UNEXPECTED_END, "unexpected end of input"),
    (INT_OUT_OF_RANGE, "integer out of range"),
    (UNKNOWN_TYPE, "unknown type"),
    (UNKNOWN_ROLE, "unknown role"),
    (UNKNOWN_SHOW, "unknown show target"),
    (DUPLICATE_CLAUSE, "clause given twice"),
    (NOT_ALLOWED_HERE, "not allowed here"),
    (NOT_ONE_ITEM, "expected exactly one statement or expression"),
];
