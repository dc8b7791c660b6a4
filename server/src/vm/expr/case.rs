//! Case mapping for `upper`, `lower` and `=~`: per character, by Unicode's *simple*
//! mappings (one character to one), as PostgreSQL does under a UTF-8 libc locale
//! (`towupper`/`towlower`), rather than Rust's full mappings, where a character may
//! become several (`ß` → `SS`, `İ` → `i̇`) and a final `Σ` lowers to `ς`. A character
//! whose only mapping is several characters stays as it is: `upper("straße")` is
//! `STRAßE`.

/// The simple uppercase of `c`.
pub fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        // Full mappings of several characters whose simple mapping is one: Greek
        // vowels with ypogegrammeni go to their prosgegrammeni capitals.
        _ => match c {
            '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
                char::from_u32(c as u32 + 8).unwrap_or(c)
            }
            '\u{1FB3}' => '\u{1FBC}',
            '\u{1FC3}' => '\u{1FCC}',
            '\u{1FF3}' => '\u{1FFC}',
            _ => c,
        },
    }
}

/// The simple lowercase of `c`.
pub fn lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // `İ`: the full mapping is `i` + a combining dot, the simple one `i`.
        _ if c == '\u{0130}' => 'i',
        _ => c,
    }
}

/// `s` in upper case, character by character.
pub fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

/// `s` in lower case, character by character.
pub fn lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_maps_to_one() {
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(lower("STRAẞE"), "straße");
        assert_eq!(lower("İstanbul"), "istanbul");
        assert_eq!(lower("ΣΑΣ"), "σασ");
        assert_eq!(upper("ᾳ ᾀ ŉ ﬀ ǆ"), "ᾼ ᾈ ŉ ﬀ Ǆ");
        assert_eq!(lower("ᾈ Ǆ"), "ᾀ ǆ");
        assert_eq!(upper("Émile zoë"), "ÉMILE ZOË");
    }
}
