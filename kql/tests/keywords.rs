//! Contextual keywords work as names wherever a name is allowed; reserved words do
//! not, unless quoted — and then they round-trip through the printer.

use kql::lexer::Keyword;

/// Places a name can stand, `{}` marking it.
const PLACES: &[&str] = &[
    "from {}",
    "from {}.{} as {}",
    "from t | where {} == 1",
    "from t | select {} = {}({})",
    "from t | extend {} = t.{}",
    "from t | sort {} desc",
    "from t | aggregate {} = count() by {}",
    "from t | join {} on a == b",
    "from t | extend r = {{{}: 1}}",
    "from t | where x::{} == 1",
    "let {} = from t",
    "create namespace {}",
    "create table {} ({} int64 key default {}, key2 text)",
    "alter table {} rename column {} to {}",
    "insert into {} ({}) values (1)",
    "issue certificate for {} csr $c",
    "revoke certificates for {}",
    "describe {}",
    "subscribe from t with ({} = 1)",
];

/// Places where a user is named: everything but `table`.
const USER_PLACES: &[&str] = &[
    "create user {}",
    "alter user {} enable",
    "drop user {}",
    "execute as {} { from t }",
];

fn fill(place: &str, name: &str) -> String {
    place
        .replace("{}", name)
        .replace("{{", "{")
        .replace("}}", "}")
}

fn round_trips(src: &str) {
    let script = kql::parse(src).unwrap_or_else(|d| panic!("{}", d.render("keyword", src)));
    let printed = kql::format_script(&script);
    let again = kql::parse(&printed).unwrap_or_else(|d| panic!("{src} printed as {printed}: {d}"));
    assert_eq!(
        again.without_spans(),
        script.without_spans(),
        "{src} printed as {printed}"
    );
}

#[test]
fn contextual_keywords_are_names_everywhere() {
    let mut checked = 0;
    for k in Keyword::ALL.iter().filter(|k| !k.is_reserved()) {
        for spelling in [k.as_str().to_owned(), k.as_str().to_uppercase()] {
            for place in PLACES {
                // `x::int` takes a type name, which is checked: skip that place.
                if place.contains("::") {
                    continue;
                }
                round_trips(&fill(place, &spelling));
                checked += 1;
            }
            if *k != Keyword::Table {
                for place in USER_PLACES {
                    round_trips(&fill(place, &spelling));
                }
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn reserved_words_need_backticks() {
    for k in Keyword::ALL.iter().filter(|k| k.is_reserved()) {
        let bare = format!("from {k} | where {k}x == 1");
        assert!(kql::parse(&bare).is_err(), "{bare} should not parse");
        for place in PLACES
            .iter()
            .chain(USER_PLACES)
            .filter(|p| !p.contains("::"))
        {
            let quoted = fill(place, &format!("`{k}`"));
            round_trips(&quoted);
            let printed = kql::format_script(&kql::parse(&quoted).unwrap());
            assert!(
                printed.contains(&format!("`{k}`")),
                "{printed} must quote {k}"
            );
        }
    }
}

#[test]
fn a_user_named_table_is_quoted() {
    for place in USER_PLACES {
        round_trips(&fill(place, "`table`"));
        assert!(kql::parse(&fill(place, "table")).is_err() || place.starts_with("create"));
    }
    // Unquoted, `create user table …` is a table.
    let s = kql::parse_statement("create user table t (a int)").unwrap();
    assert!(matches!(s.kind, kql::ast::StatementKind::CreateTable(_)));
}

#[test]
fn keywords_are_case_insensitive_and_names_keep_their_case() {
    let a = kql::parse_statement("FROM Messages | WHERE Id == 1 | Sort At DESC").unwrap();
    let b = kql::parse_statement("from Messages | where Id == 1 | sort At desc").unwrap();
    assert_eq!(a.without_spans(), b.without_spans());
    assert_eq!(
        kql::format_statement(&a),
        "from Messages | where Id == 1 | sort At desc"
    );
}
