//! The keyword table: every word the grammar gives a meaning, whether it is reserved
//! (never an identifier unless quoted) and its canonical spelling. This table is the
//! one source of truth for the lexer, the printer's quoting rule and the reference.

macro_rules! keywords {
    ($($variant:ident = $text:literal $reserved:literal,)*) => {
        /// A keyword. Keywords are case-insensitive; most are contextual and work as
        /// names wherever a name is expected (see [`Keyword::is_reserved`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Keyword {
            $($variant,)*
        }

        impl Keyword {
            /// Every keyword, in the order of the table.
            pub const ALL: &'static [Keyword] = &[$(Keyword::$variant,)*];

            /// The canonical (lower-case) spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Keyword::$variant => $text,)*
                }
            }

            /// Reserved words cannot be used as names without backticks.
            pub const fn is_reserved(self) -> bool {
                match self {
                    $(Keyword::$variant => $reserved,)*
                }
            }

            /// Whether `word`, in any case, is a reserved word: what
            /// `lookup(word).is_some_and(Keyword::is_reserved)` says, comparing `word`
            /// with the few reserved words only (the printer asks this of every name
            /// it writes). The contextual words' terms are constant `false` and
            /// compile away.
            pub fn is_reserved_word(word: &str) -> bool {
                $(($reserved && word.len() == $text.len() && word.eq_ignore_ascii_case($text)) ||)* false
            }

            /// The keyword spelled `word` in any case, if it is one.
            pub fn lookup(word: &str) -> Option<Keyword> {
                let bytes = word.as_bytes();
                if bytes.len() > MAX_KEYWORD_LEN {
                    return None;
                }
                let mut buf = [0u8; MAX_KEYWORD_LEN];
                for (dst, src) in buf.iter_mut().zip(bytes) {
                    *dst = src.to_ascii_lowercase();
                }
                match &buf[..bytes.len()] {
                    $(x if x == $text.as_bytes() => Some(Keyword::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// Longest keyword (`certificates`).
const MAX_KEYWORD_LEN: usize = 12;

keywords! {
    // Reserved: operators and literals inside expressions, and the words that
    // would make `join … on`, `as`, `aggregate … by` and `… with (…)` ambiguous.
    And = "and" true,
    Or = "or" true,
    Not = "not" true,
    In = "in" true,
    Between = "between" true,
    True = "true" true,
    False = "false" true,
    Null = "null" true,
    As = "as" true,
    On = "on" true,
    By = "by" true,
    With = "with" true,
    // Contextual: pipelines.
    From = "from" false,
    Where = "where" false,
    Select = "select" false,
    Extend = "extend" false,
    Aggregate = "aggregate" false,
    Sort = "sort" false,
    Asc = "asc" false,
    Desc = "desc" false,
    Nulls = "nulls" false,
    First = "first" false,
    Last = "last" false,
    Take = "take" false,
    Skip = "skip" false,
    Distinct = "distinct" false,
    Join = "join" false,
    Inner = "inner" false,
    Left = "left" false,
    Right = "right" false,
    Full = "full" false,
    Union = "union" false,
    Let = "let" false,
    // Contextual: writes and transactions.
    Update = "update" false,
    Delete = "delete" false,
    Insert = "insert" false,
    Upsert = "upsert" false,
    Into = "into" false,
    Values = "values" false,
    Begin = "begin" false,
    Commit = "commit" false,
    Rollback = "rollback" false,
    // Contextual: definitions.
    Create = "create" false,
    Alter = "alter" false,
    Drop = "drop" false,
    Namespace = "namespace" false,
    Table = "table" false,
    User = "user" false,
    Shared = "shared" false,
    Stream = "stream" false,
    If = "if" false,
    Exists = "exists" false,
    Key = "key" false,
    Default = "default" false,
    Add = "add" false,
    Column = "column" false,
    Rename = "rename" false,
    To = "to" false,
    Set = "set" false,
    // Contextual: identity and certificates.
    Role = "role" false,
    Ip = "ip" false,
    None = "none" false,
    Enable = "enable" false,
    Disable = "disable" false,
    Issue = "issue" false,
    Certificate = "certificate" false,
    Certificates = "certificates" false,
    For = "for" false,
    Csr = "csr" false,
    Valid = "valid" false,
    Revoke = "revoke" false,
    Execute = "execute" false,
    // Contextual: live data, maintenance and inspection.
    Subscribe = "subscribe" false,
    Flush = "flush" false,
    Compact = "compact" false,
    Show = "show" false,
    Describe = "describe" false,
    Explain = "explain" false,
    Analyze = "analyze" false,
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_total() {
        for &kw in Keyword::ALL {
            assert!(kw.as_str().len() <= MAX_KEYWORD_LEN);
            assert_eq!(Keyword::lookup(kw.as_str()), Some(kw));
            assert_eq!(Keyword::lookup(&kw.as_str().to_uppercase()), Some(kw));
        }
        assert_eq!(Keyword::lookup("fromage"), None);
        let others = [
            "fromage",
            "certificatess",
            "nul",
            "nulls",
            "an",
            "o",
            "",
            "_",
            "ändern",
        ];
        for word in Keyword::ALL
            .iter()
            .flat_map(|kw| [kw.as_str().to_string(), kw.as_str().to_uppercase()])
            .chain(others.iter().map(|w| w.to_string()))
        {
            assert_eq!(
                Keyword::is_reserved_word(&word),
                Keyword::lookup(&word).is_some_and(Keyword::is_reserved),
                "{word}"
            );
        }
        assert!(Keyword::is_reserved_word("NuLl") && !Keyword::is_reserved_word("where"));
        assert_eq!(Keyword::lookup("certificatess"), None);
    }
}
