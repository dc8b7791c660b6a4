//! The logos state machine: raw token shapes and the callbacks that validate
//! literals. Words come out as [`Raw::Word`]; [`super::tokens`] looks keywords up.

use super::LexError;
use super::literal::{self, NumberWord};
use logos::{FilterResult, Lexer, Logos};

#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Raw {
    #[token("/#", block_comment)]
    BlockComment,

    #[regex("[A-Za-z_][A-Za-z0-9_]*")]
    Word,
    #[token("`", quoted_ident)]
    QuotedIdent,
    #[token("\"", |lex| string(lex, b'"'))]
    #[token("'", |lex| string(lex, b'\''))]
    String,

    #[regex("[0-9][0-9_]*", |lex| literal::parse_int(lex.slice()))]
    Int(u64),
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9]+)?", |lex| literal::parse_float(lex.slice()), priority = 10)]
    #[regex(r"[0-9][0-9_]*[eE][+-][0-9]+", |lex| literal::parse_float(lex.slice()), priority = 10)]
    Float(f64),
    #[regex(r"[0-9][0-9_]*[A-Za-z][A-Za-z0-9_]*", |lex| literal::parse_number_word(lex.slice()), priority = 5)]
    NumberWord(NumberWord),
    #[regex(
        r"[0-9][0-9_]*\.[0-9][0-9_]*[A-Za-z][A-Za-z0-9_]*",
        fractional_duration,
        priority = 5
    )]
    FractionalDuration,
    #[regex(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(/[0-9]+)?", |lex| literal::check_ipv4(lex.slice()))]
    Ip,

    #[regex(r"@[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]", |lex| literal::parse_date(lex.slice()))]
    Date(i32),
    #[regex(r"@[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt][0-9][0-9]:[0-9][0-9](:[0-9][0-9](\.[0-9]+)?)?([Zz]|[+-][0-9][0-9]:[0-9][0-9])?", |lex| literal::parse_timestamp(lex.slice()))]
    Timestamp(i64),
    #[regex(r"@[0-9A-Za-z_]*", bad_date)]
    BadDate,

    #[regex(r"\$[A-Za-z_][A-Za-z0-9_]*")]
    ParamName,
    #[regex(r"\$[0-9]+", param_pos)]
    ParamPos(u32),
    #[token("$", bad_param)]
    BadParam,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    #[token(".")]
    Dot,
    #[token("|")]
    Pipe,
    #[token("||")]
    OrOr,
    #[token("&&")]
    AndAnd,
    #[token("!")]
    Bang,
    #[token("!=")]
    NotEq,
    #[token("!~")]
    NotEqCi,
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("=~")]
    EqCi,
    #[token("<")]
    Lt,
    #[token("<=")]
    LtEq,
    #[token(">")]
    Gt,
    #[token(">=")]
    GtEq,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
}

fn block_comment(lex: &mut Lexer<Raw>) -> FilterResult<(), LexError> {
    match literal::scan_block_comment(lex.remainder()) {
        Ok(n) => {
            lex.bump(n);
            FilterResult::Skip
        }
        Err(n) => {
            lex.bump(n);
            FilterResult::Error(LexError::UnterminatedComment)
        }
    }
}

fn string(lex: &mut Lexer<Raw>, quote: u8) -> Result<(), LexError> {
    match literal::scan_string(lex.remainder(), quote) {
        Ok(n) => {
            lex.bump(n);
            Ok(())
        }
        Err((err, n)) => {
            lex.bump(n);
            Err(err)
        }
    }
}

fn quoted_ident(lex: &mut Lexer<Raw>) -> Result<(), LexError> {
    match literal::scan_quoted_ident(lex.remainder()) {
        Ok(n) => {
            lex.bump(n);
            Ok(())
        }
        Err((err, n)) => {
            lex.bump(n);
            Err(err)
        }
    }
}

fn param_pos(lex: &mut Lexer<Raw>) -> Result<u32, LexError> {
    match lex.slice()[1..].parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(LexError::BadParam),
    }
}

fn fractional_duration(_: &mut Lexer<Raw>) -> Result<(), LexError> {
    Err(LexError::FractionalDuration)
}

fn bad_date(_: &mut Lexer<Raw>) -> Result<(), LexError> {
    Err(LexError::BadDate(
        "expected @YYYY-MM-DD or @YYYY-MM-DDThh:mm:ssZ",
    ))
}

fn bad_param(_: &mut Lexer<Raw>) -> Result<(), LexError> {
    Err(LexError::BadParam)
}
