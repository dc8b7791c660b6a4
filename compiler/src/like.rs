//! SQL `LIKE` patterns, shared by the SQL translator (`LIKE`, `ILIKE`) and KQL's
//! `like()` / `ilike()`. A pattern is read into pieces (`%` any run, `_` one
//! character, an escape character taking the next one literally) and classified into
//! the cheapest equivalent: equality, `starts_with`, `ends_with`, `contains`, or an
//! anchored regular expression for `matches`, with `%` as `.*` and `_` as `.` (dot
//! matching newlines too, as `_` does).

#[derive(Debug, PartialEq)]
enum Piece {
    Char(char),
    One,
    Many,
}

/// What a pattern amounts to.
#[derive(Debug, PartialEq)]
pub(crate) enum Shape {
    /// No wildcard: the text equals this.
    Equals(String),
    /// No wildcard, case-insensitive: `=~`.
    EqualsCi(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    /// Anything else: an anchored regular expression for `matches`.
    Regex(String),
}

/// The pattern ends with its escape character (PostgreSQL rejects it too).
#[derive(Debug, PartialEq)]
pub(crate) struct DanglingEscape;

/// Classifies `pattern`; `escape` is the escape character (`\` unless SQL's `ESCAPE`
/// says otherwise, `None` for `ESCAPE ''`).
pub(crate) fn shape(
    pattern: &str,
    escape: Option<char>,
    case_insensitive: bool,
) -> Result<Shape, DanglingEscape> {
    let pieces = pieces(pattern, escape)?;
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
        if case_insensitive {
            if !many_at_start && !many_at_end {
                return Ok(Shape::EqualsCi(text));
            }
        } else {
            return Ok(match (many_at_start, many_at_end) {
                (false, false) => Shape::Equals(text),
                // `%` alone: any non-null string.
                (true, false) if inner.is_empty() => Shape::StartsWith(text),
                (false, true) => Shape::StartsWith(text),
                (true, false) => Shape::EndsWith(text),
                (true, true) => Shape::Contains(text),
            });
        }
    }
    Ok(Shape::Regex(regex(&pieces, case_insensitive)))
}

fn pieces(pattern: &str, escape: Option<char>) -> Result<Vec<Piece>, DanglingEscape> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            out.push(Piece::Char(chars.next().ok_or(DanglingEscape)?));
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

fn regex(pieces: &[Piece], case_insensitive: bool) -> String {
    let mut re = String::from(if case_insensitive { "(?si)^" } else { "(?s)^" });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(p: &str, ci: bool) -> Shape {
        shape(p, Some('\\'), ci).unwrap()
    }

    #[test]
    fn shapes() {
        assert_eq!(s("abc", false), Shape::Equals("abc".into()));
        assert_eq!(s("abc%", false), Shape::StartsWith("abc".into()));
        assert_eq!(s("%", false), Shape::StartsWith(String::new()));
        assert_eq!(s("%%a%%", false), Shape::Contains("a".into()));
        assert_eq!(s("a_c", false), Shape::Regex("(?s)^a.c$".into()));
        assert_eq!(s("100\\%", false), Shape::Equals("100%".into()));
        assert_eq!(s("ABC", true), Shape::EqualsCi("ABC".into()));
        assert_eq!(s("a%", true), Shape::Regex("(?si)^a.*$".into()));
        assert_eq!(shape("a\\", Some('\\'), false), Err(DanglingEscape));
        assert_eq!(shape("a\\", None, false), Ok(Shape::Equals("a\\".into())));
    }
}
