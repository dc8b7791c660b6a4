//! The `kalavar` binary as a user runs it: `-c` and `-f` against a real server,
//! tables on stdout, errors with a caret on stderr, and the exit code.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::common::World;

/// The `kalavar` binary: under `$CARGO_TARGET_DIR/debug` when that is set (a build
/// directory apart from the target directory keeps test executables elsewhere), else
/// next to this test's (`cargo test --workspace` builds it).
pub(crate) fn kalavar() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let bin = PathBuf::from(dir).join("debug").join("kalavar");
        if bin.exists() {
            return bin;
        }
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("kalavar");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p kalavar` first",
        bin.display()
    );
    bin
}

fn shell(w: &World, args: &[&str]) -> Output {
    Command::new(kalavar())
        .arg("--profile")
        .arg(&w.ts.root.dir)
        .args(args)
        .env("HOME", w.ts.dir.path())
        .output()
        .expect("kalavar runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn scripts_print_tables_and_fail_with_a_caret() {
    let w = World::new();
    let setup = "create namespace chat;\n\
                 create user table chat.messages (id int64 key, content text);\n\
                 insert into chat.messages {id: 1, content: \"hello\"}, {id: 22, content: null};\n";
    let out = shell(&w, &["-c", setup]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = shell(&w, &["-c", "from chat.messages | sort id;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        " id | content\n----+---------\n  1 | hello\n 22 | null\n(2 rows)\n"
    );

    // A lookup that finds nothing is an empty table with its columns, not a
    // statement that returned no rows.
    let out = shell(&w, &["-c", "from chat.messages | where id == 5;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        " id | content\n----+---------\n(0 rows)\n"
    );

    let file = w.ts.dir.path().join("q.kql");
    std::fs::write(
        &file,
        "from chat.messages | sort id | select id;\n\\dt\nfrom chat.messages\n| where nope == 1;\nfrom chat.messages;\n",
    )
    .unwrap();
    let out = shell(&w, &["-f", file.to_str().unwrap(), "--format", "csv"]);
    assert!(
        !out.status.success(),
        "an error makes the exit code non-zero"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("id\n1\n22\n"), "{stdout}");
    assert!(stdout.contains("chat,messages,user"), "\\dt ran: {stdout}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("nope"), "{stderr}");
    // Compile errors point with an underline (`┬`), server errors with carets.
    assert!(
        stderr.contains('^') || stderr.contains('┬'),
        "a mark under the error: {stderr}"
    );
    assert_eq!(
        stdout.matches("id,content").count(),
        0,
        "nothing after the error runs"
    );

    let out = shell(
        &w,
        &[
            "-c",
            "from chat.messages | where id == 1 | select content;",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::json!([{"content": "hello"}]));
}

#[test]
fn sql_input_is_shown_as_kql_and_runs() {
    let w = World::new();
    let sql = "create schema shop;\n\
               create table shop.items (id bigint primary key, name text not null);\n\
               insert into shop.items values (1, 'pen'), (2, 'ink');\n\
               select name from shop.items where id = 2;\n";
    let out = shell(&w, &["--sql", "-c", sql]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("KQL: from shop.items"),
        "each statement is shown as KQL: {stderr}"
    );
    assert!(
        text(&out.stdout).ends_with(" name\n------\n ink\n(1 row)\n"),
        "{}",
        text(&out.stdout)
    );
    // A construct without a faithful KQL form is refused, pointing into the SQL.
    let out = shell(
        &w,
        &[
            "--sql",
            "-c",
            "select name, row_number() over () from shop.items;",
        ],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains('^') || stderr.contains('┬'), "{stderr}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let w = World::new();
    // The reader is gone before kalavar writes a byte, as with `kalavar … | head -0`.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(kalavar())
        .arg("--profile")
        .arg(&w.ts.root.dir)
        .args(["ping", "--count", "1"])
        .env("HOME", w.ts.dir.path())
        .stdout(writer)
        .output()
        .expect("kalavar runs");
    assert_eq!(out.status.signal(), Some(libc_sigpipe()), "{out:?}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// SIGPIPE's number on Linux and the BSDs.
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn piped_statements_run_as_they_arrive() {
    use std::io::{BufRead, BufReader, Write};
    use std::time::Duration;
    let w = World::new();
    let mut child = spawn(&w, &[]);
    let mut input = child.stdin.take().unwrap();
    // Lines of standard output, read on a thread so that a shell waiting for EOF
    // fails the test instead of hanging it.
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.expect("stdout"));
        }
    });
    // The first statements' answers come back while standard input is still open,
    // as with `psql` reading a pipe; the second spans two lines.
    input
        .write_all(b"create namespace piped;\ncreate shared table piped.t\n  (id int64 key);\n")
        .unwrap();
    input.flush().unwrap();
    let tags: Vec<String> = (0..2)
        .map(|_| {
            lines
                .recv_timeout(Duration::from_secs(30))
                .expect("an answer while standard input is open")
        })
        .collect();
    assert_eq!(tags, ["CREATE NAMESPACE", "CREATE TABLE"]);
    // An error stops the script with exit code 1; what follows does not run.
    input
        .write_all(b"from piped.nope;\ninsert into piped.t {id: 1};\n")
        .unwrap();
    drop(input);
    let out = child.wait_with_output().expect("kalavar ends");
    reader.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
    assert_eq!(
        lines.try_iter().count(),
        0,
        "nothing printed after the error"
    );
    let count = shell(
        &w,
        &[
            "-c",
            "from piped.t | aggregate n = count();",
            "--format",
            "csv",
        ],
    );
    assert_eq!(text(&count.stdout), "n\n0\n", "{}", text(&count.stderr));
}

/// `kalavar ARGS` running, its standard streams piped.
fn spawn(w: &World, args: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    Command::new(kalavar())
        .arg("--profile")
        .arg(&w.ts.root.dir)
        .args(args)
        .env("HOME", w.ts.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kalavar runs")
}

/// `kalavar ARGS` with `input` on standard input.
fn shell_with_input(w: &World, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = spawn(w, args);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().expect("kalavar ends")
}

#[test]
fn lets_carry_over_to_later_statements_and_errors_name_the_files_line() {
    let w = World::new();
    let setup = "create namespace bank;\n\
                 create shared table bank.w (id int64 key, role text);\n\
                 insert into bank.w {id: 1, role: \"a\"}, {id: 2, role: \"b\"}, {id: 3, role: \"a\"};\n";
    let out = shell(&w, &["-c", setup]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A `let` on one line is seen by the statements on the lines after it, piped
    // or in a file, and in `-c`.
    let script = "let x = from bank.w | where role == \"a\";\nfrom x | aggregate n = count();\n";
    for out in [
        shell_with_input(&w, &["-f", "-", "--format", "csv"], script),
        shell_with_input(&w, &["--format", "csv"], script),
        shell(&w, &["-c", script, "--format", "csv"]),
    ] {
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "n\n2\n");
    }

    // Errors point into the file at the file's line and column, also when they are
    // in a `let` made lines before, and after a statement on the same line.
    let file = w.ts.dir.path().join("lets.kql");
    std::fs::write(
        &file,
        "let x = from bank.w;\n\
         let y = from x | select id;\n\
         \n\
         from y | take 1; from x | where nope == 1;\n",
    )
    .unwrap();
    let out = shell(&w, &["-f", file.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "id\n1\n", "the first statement ran");
    let stderr = text(&out.stderr);
    let name = file.display().to_string();
    assert!(stderr.contains(&format!("{name}:4:33")), "{stderr}");
    assert!(
        stderr.contains("4 │ from y | take 1; from x | where nope"),
        "{stderr}"
    );
    assert!(!stderr.contains("query:"), "{stderr}");

    // A `let` that does not bind fails at once: nothing after it runs.
    let out = shell(
        &w,
        &[
            "-c",
            "from bank.w | take 1;\nlet z = from bank.nope;\nfrom bank.w;",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).matches("(1 row)").count(),
        1,
        "{}",
        text(&out.stdout)
    );
    assert!(!text(&out.stdout).contains("(3 rows)"));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("<command>:2:14"), "{stderr}");

    // A server error names the line of the statement that failed.
    let out = shell_with_input(
        &w,
        &[],
        "let x = from bank.w;\n\n  from x | select q = id / (id - id);\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("division by zero"), "{stderr}");
    assert!(stderr.contains(" --> <stdin>:3:3"), "{stderr}");
}

#[test]
fn a_closed_connection_is_an_error_not_a_signal() {
    use std::io::{BufRead, BufReader, Write};
    let mut w = World::new();
    let mut child = spawn(&w, &[]);
    let mut input = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    input.write_all(b"create namespace gone;\n").unwrap();
    input.flush().unwrap();
    let mut tag = String::new();
    stdout.read_line(&mut tag).unwrap();
    assert_eq!(tag, "CREATE NAMESPACE\n");
    // The server goes away under the open session (it says goodbye, `P008`); the
    // next statements are written to a closed socket.
    w.ts.restart(|_| {});
    for _ in 0..3 {
        let _ = input.write_all(b"from system.tables | take 1;\n");
        let _ = input.flush();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(input);
    let out = child.wait_with_output().expect("kalavar ends");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{:?} {stderr}", out.status);
    assert!(stderr.contains("connection closed"), "{stderr}");
}

#[test]
fn a_failing_standard_output_is_one_line_and_exit_code_1() {
    let w = World::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(kalavar())
        .arg("--profile")
        .arg(&w.ts.root.dir)
        .args(["-c", "from system.tables;"])
        .env("HOME", w.ts.dir.path())
        .stdout(full)
        .output()
        .expect("kalavar runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "kalavar: cannot write the output: No space left on device (os error 28)\n"
    );
}

#[test]
fn json_keeps_column_order_and_exact_numbers_and_csv_round_trips_through_load() {
    let w = World::new();
    let setup = "create namespace out;\n\
                 create shared table out.t (z int64 key, s text, d decimal(38, 18), b bytes, f float64);\n";
    let out = shell(&w, &["-c", setup]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Loaded from CSV: an empty quoted cell is the empty string, an empty unquoted
    // one null; bytes are `\x` and hex; the decimal keeps all its digits.
    let csv = "z,s,d,b,f\n\
               9007199254740993,\"\",12345678901234567890.123456789012345678,\\x6869,1.5\n\
               2,,,,\n\
               3,\"a,b\",-0.000000000000000001,\\x,-2.0\n";
    let file = w.ts.dir.path().join("t.csv");
    std::fs::write(&file, csv).unwrap();
    let out = shell(&w, &["load", "out.t", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // CSV out is the CSV that went in: it loads back the same.
    let out = shell(&w, &["-c", "from out.t | sort z;", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "z,s,d,b,f\n2,,,,\n\
         3,\"a,b\",-0.000000000000000001,\\x,-2.0\n\
         9007199254740993,\"\",12345678901234567890.123456789012345678,\\x6869,1.5\n"
    );

    // JSON: keys in column order, exact numbers, a repeated name with a suffix;
    // `--timing` goes to stderr and each statement is one document.
    let out = shell(
        &w,
        &[
            "-c",
            "from out.t | where z > 100;\n\
             from out.t as a | join out.t as b on a.z == b.z | where a.z == 2 | select a.z, a.s, q = b.z;\n\
             from out.t as a | join out.t as b on a.z == b.z | where a.z == 2;",
            "--format",
            "json",
            "--timing",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "[\n  {\"z\": 9007199254740993, \"s\": \"\", \"d\": 12345678901234567890.123456789012345678, \"b\": \"6869\", \"f\": 1.5}\n]\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("Time:"), "{stdout}");
    assert_eq!(
        text(&out.stderr).matches("Time: ").count(),
        3,
        "{}",
        text(&out.stderr)
    );
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("a stream of JSON documents");
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[1], serde_json::json!([{"z": 2, "s": null, "q": 2}]));
    let joined = docs[2][0].as_object().unwrap();
    let keys: Vec<&str> = joined.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 10, "no column dropped: {keys:?}");
    assert!(stdout.contains("{\"z\": 2, \"s\": null, \"d\": null, \"b\": null, \"f\": null, \"z_2\": 2, \"s_2\": null"), "{stdout}");
}

#[test]
fn usage_mistakes_and_connection_failures_say_so_once() {
    let w = World::new();
    // `-c` and `-f` together: a usage error, not `-f` silently ignored.
    let out = shell(&w, &["-c", "from system.tables;", "-f", "x.kql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    // A server that is not there: the address and the reason, said once.
    let profile = w.ts.dir.path().join("nowhere");
    std::fs::create_dir(&profile).unwrap();
    for entry in std::fs::read_dir(&w.ts.root.dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), profile.join(entry.file_name())).unwrap();
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        profile.join("profile.toml"),
        format!("server = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let out = Command::new(kalavar())
        .arg("--profile")
        .arg(&profile)
        .args(["-c", "from system.tables;"])
        .env("HOME", w.ts.dir.path())
        .output()
        .expect("kalavar runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("cannot connect to").count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");

    // `user list` has a header and its columns line up.
    let out = shell(&w, &["user", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("id  "), "{stdout}");
    let role_at = lines[0].find("role").unwrap();
    for line in &lines[1..] {
        assert!(
            line[role_at..].starts_with("root") || line[role_at..].starts_with("user"),
            "{stdout}"
        );
    }
}

#[test]
fn params_fill_statement_parameters_by_name_and_position() {
    let w = World::new();
    let setup = "create namespace p; create shared table p.t (id int64 key, day date, price decimal(6, 2));\n\
                 insert into p.t {id: 1, day: \"2024-05-01\"::date, price: 1.50}, {id: 2, day: \"2024-05-02\"::date, price: 12.50};";
    let out = shell(&w, &["-c", setup]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Text is read as each parameter's type: an int64, a date, a decimal.
    let out = shell(
        &w,
        &[
            "-c",
            "from p.t | where id == $id || day == $day || price == $price | select id;",
            "--param",
            "id=1",
            "--param",
            "day=2024-05-02",
            "--param",
            "price=99.99",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "id\n1\n2\n");
    // SQL's $1, $2 by position.
    let out = shell(
        &w,
        &[
            "--sql",
            "-c",
            "select id from p.t where price > $1 and id < $2;",
            "--param",
            "2=10",
            "--param",
            "1=2",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("id\n2\n"),
        "{}",
        text(&out.stdout)
    );
    // A value that is not of the parameter's type names the parameter; a gap in
    // the positions is a usage error before connecting.
    let out = shell(
        &w,
        &["-c", "from p.t | where id == $id;", "--param", "id=one"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("$id: not an int64"),
        "{}",
        text(&out.stderr)
    );
    let out = shell(&w, &["-c", "from p.t;", "--param", "2=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not --param 1="),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_script_that_ends_inside_a_transaction_says_so_and_fails() {
    let w = World::new();
    let setup = "create namespace tx; create shared table tx.t (id int64 key);";
    assert!(shell(&w, &["-c", setup]).status.success());
    // `begin` without `commit`: the writes are rolled back, and the script fails.
    let out = shell(&w, &["-c", "begin; insert into tx.t {id: 1};"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ended inside a transaction"),
        "{}",
        text(&out.stderr)
    );
    // Committed or rolled back, the script succeeds.
    for (id, done) in [(2, "commit"), (3, "rollback")] {
        let out = shell(
            &w,
            &[
                "-c",
                &format!("begin; insert into tx.t {{id: {id}}}; {done};"),
            ],
        );
        assert!(out.status.success(), "{done}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{done}: {}", text(&out.stderr));
    }
    let out = shell(&w, &["-c", "from tx.t | select id;", "--format", "csv"]);
    assert_eq!(
        text(&out.stdout),
        "id\n2\n",
        "only the committed row is there"
    );
}
