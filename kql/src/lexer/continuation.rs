//! Whether text typed so far is an unfinished statement, for the REPL's line
//! continuation: an open bracket, string, quoted name or block comment, or a last
//! token that cannot end a statement (`|`, `,`, an operator, `=`).

use super::{Keyword, LexError, Token, tokens};

/// True when `source` cannot be a complete statement yet and more lines should be
/// read before parsing (a REPL prompts for a continuation line).
pub fn is_incomplete(source: &str) -> bool {
    let mut depth = 0i64;
    let mut last = None;
    for (tok, _) in tokens(source) {
        match tok {
            Err(
                LexError::UnterminatedString
                | LexError::UnterminatedComment
                | LexError::UnterminatedIdent,
            ) => {
                return true;
            }
            Err(_) => {}
            Ok(t) => {
                depth += i64::from(t.nesting());
                last = Some(t);
            }
        }
    }
    depth > 0
        || matches!(
            last,
            Some(
                Token::Pipe
                    | Token::Comma
                    | Token::Assign
                    | Token::EqEq
                    | Token::NotEq
                    | Token::EqCi
                    | Token::NotEqCi
                    | Token::Lt
                    | Token::LtEq
                    | Token::Gt
                    | Token::GtEq
                    | Token::Plus
                    | Token::Minus
                    | Token::Star
                    | Token::Slash
                    | Token::Percent
                    | Token::AndAnd
                    | Token::OrOr
                    | Token::Bang
                    | Token::ColonColon
                    | Token::Dot
                    | Token::Keyword(Keyword::And | Keyword::Or | Keyword::Not)
            )
        )
}

#[cfg(test)]
mod tests {
    use super::is_incomplete;

    #[test]
    fn unfinished_input_asks_for_more() {
        for text in [
            "from t |",
            "from t | where a ==",
            "create table t (a int,",
            "from t | where s == \"abc",
            "from t /# note",
            "execute as a {",
            "from t | where a and",
        ] {
            assert!(is_incomplete(text), "{text}");
        }
        for text in [
            "from t",
            "from t | take 1;",
            "show tables",
            "from t | where a == 1",
            "",
        ] {
            assert!(!is_incomplete(text), "{text}");
        }
    }
}
