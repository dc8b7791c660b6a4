//! Hostile input never panics, hangs or overflows the stack. A seeded generator
//! feeds the parser well over 100,000 mutated and generated inputs per run, on a
//! thread with a normal 2 MiB stack; every input either parses — and then prints
//! and parses back to the same tree — or fails with diagnostics whose spans lie
//! inside the input. Pathological shapes (a megabyte of `(`, endless operator
//! chains, unterminated strings and comments, invalid UTF-8) are checked one by
//! one with the limit they hit.

use kql::codes;
use kql::limits::{MAX_EXPR_DEPTH, MAX_INPUT_BYTES, MAX_NESTING};
use std::path::Path;

const STACK: usize = 2 << 20;

fn on_small_stack<F: FnOnce() + Send + 'static>(f: F) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// xorshift64*: deterministic, so a failure names the input that caused it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    ":",
    "::",
    ".",
    "|",
    "||",
    "&&",
    "!",
    "!=",
    "!~",
    "=",
    "==",
    "=~",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    " ",
    "\n",
    "\"",
    "'",
    "`",
    "\\",
    "#",
    "/#",
    "#/",
    "@",
    "$",
    "$1",
    "$x",
    "0",
    "1",
    "9223372036854775808",
    "1.5",
    "1e3",
    "30s",
    "5min",
    "@2026-11-21",
    "@2026-02-30",
    "@2026-11-21T10:00:00Z",
    "10.0.0.0/24",
    "\"s\"",
    "'t'",
    "`q`",
    "é",
    "\u{0}",
    "\u{1F600}",
    "from",
    "where",
    "select",
    "extend",
    "aggregate",
    "by",
    "sort",
    "desc",
    "nulls",
    "first",
    "take",
    "skip",
    "distinct",
    "join",
    "left",
    "on",
    "as",
    "union",
    "update",
    "delete",
    "insert",
    "into",
    "upsert",
    "values",
    "let",
    "begin",
    "commit",
    "create",
    "table",
    "user",
    "shared",
    "stream",
    "namespace",
    "alter",
    "drop",
    "add",
    "column",
    "rename",
    "to",
    "set",
    "with",
    "key",
    "default",
    "not",
    "null",
    "and",
    "or",
    "in",
    "between",
    "true",
    "role",
    "ip",
    "none",
    "issue",
    "certificate",
    "for",
    "csr",
    "valid",
    "revoke",
    "execute",
    "subscribe",
    "flush",
    "compact",
    "show",
    "tables",
    "describe",
    "explain",
    "analyze",
    "t",
    "a",
    "b",
    "x",
    "count()",
    "int64",
    "decimal(10, 2)",
];

fn seeds() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut seeds = Vec::new();
    for sub in ["corpus", "errors"] {
        let sub_dir = dir.join(sub);
        let entries = std::fs::read_dir(&sub_dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", sub_dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("listing {}: {e}", sub_dir.display()))
                .path();
            if path.extension().is_some_and(|e| e == "kql") {
                let text = std::fs::read_to_string(&path).unwrap();
                seeds.extend(text.split(';').map(str::to_owned));
                seeds.push(text);
            }
        }
    }
    seeds
}

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut s = seed.to_owned();
    for _ in 0..=rng.below(4) {
        let at = char_boundary(&s, rng.below(s.len() + 1));
        match rng.below(6) {
            0 | 1 => {
                let piece = *rng.pick(PIECES);
                s.insert_str(at, piece);
            }
            2 => {
                let end = char_boundary(&s, at + rng.below(12));
                s.replace_range(at..end, "");
            }
            3 => {
                let end = char_boundary(&s, at + rng.below(24));
                let copy = s[at..end].to_owned();
                s.insert_str(end, &copy);
            }
            4 => s.truncate(at),
            _ => {
                let end = char_boundary(&s, at + rng.below(8));
                let piece = *rng.pick(PIECES);
                s.replace_range(at..end, piece);
            }
        }
    }
    s
}

fn soup(rng: &mut Rng) -> String {
    let n = 1 + rng.below(30);
    let mut s = String::new();
    for _ in 0..n {
        let piece = *rng.pick(PIECES);
        s.push_str(piece);
        if rng.below(3) > 0 {
            s.push(' ');
        }
    }
    s
}

/// Checks the properties for one input; true when it parsed.
fn check(input: &str, render: bool) -> bool {
    match kql::parse(input) {
        Ok(script) => {
            let printed = kql::format_script(&script);
            let again = kql::parse(&printed).unwrap_or_else(|d| {
                panic!("input {input:?} printed as {printed:?}, which fails: {d}")
            });
            assert_eq!(
                again.without_spans(),
                script.without_spans(),
                "input {input:?} printed as {printed:?}"
            );
            true
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            for d in &diags {
                assert!(d.code.starts_with('K') && d.code.len() == 4, "{d}");
                assert!(
                    d.span.start <= d.span.end && d.span.end as usize <= input.len(),
                    "input {input:?}: {d}"
                );
                assert!(!d.message.is_empty());
            }
            if render {
                let text = diags.render("fuzz", input);
                assert!(text.contains(diags.0[0].code));
            }
            false
        }
    }
}

#[test]
fn hundred_thousand_mutated_and_generated_inputs() {
    on_small_stack(|| {
        let seeds = seeds();
        let mut rng = Rng(0x5EED_0000_0000_0001);
        let mut parsed = 0usize;
        const RUNS: usize = 100_000;
        for i in 0..RUNS {
            let input = if i % 4 == 3 {
                soup(&mut rng)
            } else {
                let seed = rng_pick(&mut rng, &seeds);
                mutate(&mut rng, seed)
            };
            if check(&input, i % 256 == 0) {
                parsed += 1;
            }
        }
        // The mutations must not be so violent that nothing parses any more.
        assert!(parsed > RUNS / 50, "only {parsed} of {RUNS} inputs parsed");
    });
}

fn rng_pick<'a>(rng: &mut Rng, seeds: &'a [String]) -> &'a str {
    let i = rng.below(seeds.len());
    &seeds[i]
}

fn codes_of(input: &str) -> Vec<&'static str> {
    kql::parse(input).expect_err("must fail").codes()
}

#[test]
fn a_megabyte_of_open_brackets() {
    on_small_stack(|| {
        for open in ["(", "[", "{", "from (", "f("] {
            let input = open.repeat((1 << 20) / open.len());
            let found = codes_of(&input);
            // `(((` is also not a statement: that error may come first.
            assert_eq!(found.last(), Some(&codes::NESTING_TOO_DEEP), "{open}");
            assert!(found.len() <= 2, "{open}: {found:?}");
        }
    });
}

#[test]
fn endless_operator_chains() {
    on_small_stack(|| {
        let n = 100_000;
        for (prefix, unit) in [
            ("from t | where ", "- "),
            ("from t | where ", "not "),
            ("from t | where ", "! "),
            ("", "explain "),
        ] {
            let input = format!("{prefix}{}x", unit.repeat(n));
            let found = codes_of(&input);
            // `explain explain …` is also a nested explain: one error for that.
            assert!(found.contains(&codes::EXPR_TOO_DEEP), "{unit}: {found:?}");
            assert!(found.len() <= 2, "{unit}: {found:?}");
        }
        for op in [" + ", " * ", " and ", " or ", "::int::text"] {
            let input = format!("from t | where a{}", format!("{op}a").repeat(n));
            let input = input.replace("::int::texta", "::int::text");
            assert!(codes_of(&input).contains(&codes::EXPR_TOO_DEEP), "{op}");
        }
    });
}

#[test]
fn deep_but_legal_trees_print_and_drop_on_a_small_stack() {
    on_small_stack(|| {
        // One below the limit: a left-deep chain, and brackets nested to the limit.
        let chain = format!("from t | where a{}", " + a".repeat(MAX_EXPR_DEPTH - 1));
        let brackets = format!(
            "from t | where {}a{}",
            "f(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        let subs = format!(
            "from {}t{}",
            "(from ".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        for input in [chain, brackets, subs] {
            let script =
                kql::parse(&input).unwrap_or_else(|d| panic!("{}", d.render("deep", &input)));
            let printed = kql::format_script(&script);
            let again = kql::parse(&printed).unwrap();
            assert_eq!(again.without_spans(), script.without_spans());
            drop((script, again));
        }
        let over = format!("from t | where a{}", " + a".repeat(MAX_EXPR_DEPTH));
        assert_eq!(codes_of(&over), vec![codes::EXPR_TOO_DEEP]);
    });
}

#[test]
fn unterminated_things() {
    for (input, code) in [
        ("from t | where s == \"abc", codes::UNTERMINATED_STRING),
        ("from t | where s == 'abc\\'", codes::UNTERMINATED_STRING),
        ("from t /# comment", codes::UNTERMINATED_COMMENT),
        ("from `t", codes::BAD_QUOTED_IDENT),
    ] {
        assert_eq!(codes_of(input)[0], code, "{input}");
    }
    let big = format!("from t | where s == \"{}", "x".repeat(1 << 20));
    assert_eq!(codes_of(&big), vec![codes::UNTERMINATED_STRING]);
}

#[test]
fn oversized_input_is_refused_before_lexing() {
    let input = " ".repeat(MAX_INPUT_BYTES + 1);
    assert_eq!(codes_of(&input), vec![codes::INPUT_TOO_LARGE]);
}

#[test]
fn random_bytes_and_invalid_utf8() {
    on_small_stack(|| {
        let mut rng = Rng(42);
        for _ in 0..2_000 {
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            match kql::source_from_bytes(&bytes) {
                Ok(text) => {
                    check(text, true);
                }
                Err(d) => {
                    assert_eq!(d.codes(), vec![codes::INVALID_UTF8]);
                    let lossy = String::from_utf8_lossy(&bytes);
                    let _ = d.render("bytes", &lossy);
                    check(&lossy, false);
                }
            }
        }
    });
}

#[test]
fn error_count_is_bounded() {
    let input = "§ ".repeat(10_000);
    let diags = kql::parse(&input).unwrap_err();
    assert!(diags.len() <= kql::limits::MAX_DIAGNOSTICS + 1);
    assert_eq!(diags.0.last().unwrap().code, codes::TOO_MANY_ERRORS);
}
