//! Golden scenario scripts (`tests/scenarios/*.kqlt`): statements, each followed by
//! `---` and the output `kalavar` prints for it (tables, completion tags, errors),
//! run against a real server. `> NAME [ROLE]` switches the session to user NAME
//! (made on first use, role `user` unless given; `root` is there already). Lines
//! starting with `#` and blank lines between blocks are kept as they are.
//!
//! `UPDATE_GOLDEN=1 cargo test -p kalavar-tests --test scenarios golden` rewrites the files with what the server printed; review the diff.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kalavar::client::Client;
use kalavar::display::{Format, render, render_error};
use kalavar_protocol::Role;

use super::common::World;

/// One line of a script, or one statement with its expected output.
enum Item {
    Verbatim(String),
    Session {
        name: String,
        role: Role,
        line: String,
    },
    Block {
        statement: String,
        expected: String,
    },
}

fn parse(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.starts_with('#') {
            items.push(Item::Verbatim(line.to_owned()));
            continue;
        }
        if let Some(rest) = line.strip_prefix("> ") {
            let mut words = rest.split_whitespace();
            let name = words.next().expect("a session name").to_owned();
            let role = match words.next() {
                None => Role::User,
                Some(r) => r
                    .parse()
                    .unwrap_or_else(|_| panic!("unknown role in `{line}`")),
            };
            items.push(Item::Session {
                name,
                role,
                line: line.to_owned(),
            });
            continue;
        }
        let mut statement = format!("{line}\n");
        for more in lines.by_ref() {
            if more == "---" {
                break;
            }
            statement.push_str(more);
            statement.push('\n');
        }
        let mut expected = String::new();
        while let Some(out) = lines.peek() {
            if out.trim().is_empty() {
                break;
            }
            expected.push_str(out);
            expected.push('\n');
            lines.next();
        }
        items.push(Item::Block {
            statement,
            expected,
        });
    }
    items
}

/// Runs `text` and returns what the shell would print, errors included.
fn output(client: &mut Client, text: &str) -> String {
    let mut out = String::new();
    let mut done = Vec::new();
    let result = client.query_each(text, &[], |r| {
        out.push_str(&render(Format::Table, &r));
        done.push(r.statement);
        Ok(())
    });
    if let Err(e) = result {
        let failing = kalavar::client::ParsedScript::parse(text)
            .ok()
            .and_then(|p| {
                p.runnable()
                    .nth(done.len())
                    .map(|i| p.statement_text(i).to_owned())
            });
        out.push_str(&render_error(&e, failing.as_deref(), false));
    }
    out
}

fn run_script(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut w = World::new();
    let mut sessions: HashMap<String, Client> = HashMap::new();
    let mut current = "root".to_owned();
    let mut actual = String::new();
    let mut mismatches = Vec::new();
    for item in parse(&text) {
        match item {
            Item::Verbatim(line) => {
                actual.push_str(&line);
                actual.push('\n');
            }
            Item::Session { name, role, line } => {
                if name != "root" && !sessions.contains_key(&name) {
                    sessions.insert(name.clone(), w.connect(&name, role));
                }
                current = name;
                actual.push_str(&line);
                actual.push('\n');
            }
            Item::Block {
                statement,
                expected,
            } => {
                let client = if current == "root" {
                    &mut w.root
                } else {
                    sessions.get_mut(&current).expect("made above")
                };
                let got = output(client, &statement);
                if got != expected {
                    mismatches.push(format!(
                        "{current}> {statement}--- expected\n{expected}--- got\n{got}"
                    ));
                }
                actual.push_str(&statement);
                actual.push_str("---\n");
                actual.push_str(&got);
            }
        }
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    assert!(
        mismatches.is_empty(),
        "{}: {} block(s) differ (UPDATE_GOLDEN=1 rewrites the file):\n\n{}",
        path.display(),
        mismatches.len(),
        mismatches.join("\n")
    );
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kqlt"))
        .collect();
    out.sort();
    out
}

#[test]
fn the_script_format_parses() {
    let items =
        parse("# c\n> alice\nfrom t;\n---\n a\n---\n 1\n(1 row)\n\n> svc service\nx;\n---\n");
    assert_eq!(items.len(), 6);
    assert!(matches!(&items[1], Item::Session { name, role: Role::User, .. } if name == "alice"));
    assert!(
        matches!(&items[2], Item::Block { statement, expected } if statement == "from t;\n" && expected == " a\n---\n 1\n(1 row)\n")
    );
    assert!(matches!(
        &items[4],
        Item::Session {
            role: Role::Service,
            ..
        }
    ));
    assert!(!scripts().is_empty(), "the golden scripts are found");
}

#[test]
fn golden_scripts() {
    for path in scripts() {
        run_script(&path);
    }
}
