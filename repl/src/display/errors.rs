//! Errors as the shell shows them: compile errors through the front end's renderer
//! (source line, caret, hint), server errors with a caret under the span the server
//! gave (an offset into the statement's text), everything else on one line.

use crate::client::ClientError;

/// The error, ready to print; `statement` is the text the server's span (if any)
/// points into.
pub fn render(error: &ClientError, statement: Option<&str>, color: bool) -> String {
    match error {
        ClientError::Compile { text, error } => error.render("query", text, color),
        ClientError::Server {
            code,
            message,
            span: Some(span),
        } => match statement {
            Some(text) => caret(code, message, text, span.start as usize, span.end as usize),
            None => format!("error[{code}]: {message}\n"),
        },
        ClientError::Server { code, message, .. } => format!("error[{code}]: {message}\n"),
        other => format!("error: {other}\n"),
    }
}

/// A server error whose span points into a statement that sits at byte `shift` of
/// `source` (a source padded so that its lines are the input's lines), shown with
/// `position` (`file:line:column`) and the input's line numbers. Other errors as
/// [`render`] shows them.
pub fn render_at(error: &ClientError, source: &str, shift: usize, position: &str) -> String {
    match error {
        ClientError::Server {
            code,
            message,
            span: Some(span),
        } => {
            let shown = caret(
                code,
                message,
                source,
                shift + span.start as usize,
                shift + span.end as usize,
            );
            match shown.split_once('\n') {
                Some((first, rest)) => format!("{first}\n --> {position}\n{rest}"),
                None => shown,
            }
        }
        other => render(other, None, false),
    }
}

/// `error[CODE]: message`, then the line of `text` holding `start` with carets
/// under `start..end` (clamped to the line and to the text).
fn caret(code: &str, message: &str, text: &str, start: usize, end: usize) -> String {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let line_no = text[..line_start].matches('\n').count() + 1;
    let col = text[line_start..start].chars().count();
    let width = text
        .get(start..end.clamp(start, line_end))
        .map_or(1, |s| s.chars().count().max(1));
    let gutter = " ".repeat(line_no.to_string().len());
    format!(
        "error[{code}]: {message}\n{gutter} |\n{line_no} | {line}\n{gutter} | {}{}\n",
        " ".repeat(col),
        "^".repeat(width)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_sits_under_the_span() {
        let got = caret("X004", "division by zero", "from t\n| select a / 0", 16, 21);
        assert_eq!(
            got,
            "error[X004]: division by zero\n  |\n2 | | select a / 0\n  |          ^^^^^\n"
        );
        // Spans past the end do not panic.
        let got = caret("X001", "m", "abc", 10, 20);
        assert!(got.ends_with("1 | abc\n  |    ^\n"), "{got}");
    }

    #[test]
    fn scripts_show_the_files_line() {
        let error = ClientError::Server {
            code: "X004".into(),
            message: "division by zero".into(),
            span: Some(kalavar_protocol::ErrorSpan { start: 16, end: 21 }),
        };
        let got = render_at(&error, "\n\nfrom t | select a / 0", 2, "q.kql:3:17");
        let expected = format!(
            "error[X004]: division by zero\n --> q.kql:3:17\n  |\n3 | from t | select a / 0\n  | {}^^^^^\n",
            " ".repeat(16)
        );
        assert_eq!(got, expected);
    }
}
