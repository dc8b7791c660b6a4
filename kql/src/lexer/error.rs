//! What can go wrong while cutting text into tokens. Each variant maps to a stable
//! diagnostic code (see [`crate::diagnostic::codes`]).

use crate::diagnostic::codes;

/// A lexing error; the span of the offending text travels beside it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    UnexpectedChar,
    /// A string literal with no closing quote.
    UnterminatedString,
    /// A bad `\` escape inside a string; `offset` is relative to the token start.
    BadEscape { offset: usize, len: usize },
    /// `/#` with no matching `#/`.
    UnterminatedComment,
    /// `` ` `` with no closing backtick.
    UnterminatedIdent,
    /// ``` `` ```: a quoted identifier with nothing inside.
    EmptyIdent,
    /// An integer that does not fit in 64 bits.
    IntTooLarge,
    /// Letters right after a number that are not a duration unit (`5min`, `3x`).
    BadNumberSuffix,
    /// A unit after a number with a fraction (`1.5h`).
    FractionalDuration,
    /// A duration too large for 64-bit microseconds.
    DurationOverflow,
    /// A malformed or impossible date or timestamp literal.
    BadDate(&'static str),
    /// `$` not followed by a name or a number from 1.
    BadParam,
    /// A malformed IPv4 address or CIDR range.
    BadIp(&'static str),
}

impl LexError {
    pub fn code(&self) -> &'static str {
        match self {
            LexError::UnexpectedChar => codes::UNEXPECTED_CHAR,
            LexError::UnterminatedString => codes::UNTERMINATED_STRING,
            LexError::BadEscape { .. } => codes::BAD_ESCAPE,
            LexError::UnterminatedComment => codes::UNTERMINATED_COMMENT,
            LexError::UnterminatedIdent | LexError::EmptyIdent => codes::BAD_QUOTED_IDENT,
            LexError::IntTooLarge
            | LexError::BadNumberSuffix
            | LexError::FractionalDuration
            | LexError::DurationOverflow => codes::BAD_NUMBER,
            LexError::BadDate(_) => codes::BAD_DATE,
            LexError::BadParam => codes::BAD_PARAM,
            LexError::BadIp(_) => codes::BAD_IP,
        }
    }

    /// A sentence saying what is wrong; `text` is the offending source text.
    pub fn message(&self, text: &str) -> String {
        match self {
            LexError::UnexpectedChar => {
                format!("unexpected character `{}`", text.escape_debug())
            }
            LexError::UnterminatedString => "unterminated string: no closing quote".into(),
            LexError::BadEscape { .. } => "invalid escape sequence in string".into(),
            LexError::UnterminatedComment => "unterminated block comment: no closing `#/`".into(),
            LexError::UnterminatedIdent => "unterminated quoted name: no closing backtick".into(),
            LexError::EmptyIdent => "a quoted name cannot be empty".into(),
            LexError::IntTooLarge => format!("integer `{text}` is too large"),
            LexError::BadNumberSuffix => format!("invalid number `{text}`"),
            LexError::FractionalDuration => format!("invalid duration `{text}`"),
            LexError::DurationOverflow => format!("duration `{text}` is too large"),
            LexError::BadDate(why) => format!("invalid date or timestamp `{text}`: {why}"),
            LexError::BadParam => format!("invalid parameter `{text}`"),
            LexError::BadIp(why) => format!("invalid IP address `{text}`: {why}"),
        }
    }

    /// Advice on how to write what was probably meant.
    pub fn hint(&self, text: &str) -> Option<String> {
        Some(match self {
            LexError::UnexpectedChar if !text.is_ascii() => {
                "names are ASCII letters, digits and `_`; quote other names with backticks: `naïve name`"
                    .into()
            }
            LexError::UnexpectedChar => return None,
            LexError::BadEscape { .. } => {
                "escapes are \\\\ \\\" \\' \\n \\r \\t \\0 and \\u{hex}".into()
            }
            LexError::UnterminatedString => "close the string with the quote it started with".into(),
            LexError::EmptyIdent => "write at least one character between the backticks".into(),
            LexError::IntTooLarge => "integers are 64-bit: at most 9223372036854775807".into(),
            LexError::BadNumberSuffix | LexError::FractionalDuration => {
                "durations are a whole number and a unit: us, ms, s, m, h or d (e.g. `1500ms`)"
                    .into()
            }
            LexError::DurationOverflow => "durations are 64-bit microseconds (about 292,000 years)".into(),
            LexError::BadDate(_) => {
                "write dates as @YYYY-MM-DD and timestamps as @YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|±hh:mm]"
                    .into()
            }
            LexError::BadParam => "parameters are `$name` or `$1`, `$2`, …".into(),
            LexError::BadIp(_) => {
                "write IPv4 as 10.0.0.5 or 10.0.0.0/24; write IPv6 as a string: \"fe80::/64\"".into()
            }
            LexError::UnterminatedComment | LexError::UnterminatedIdent => return None,
        })
    }
}
