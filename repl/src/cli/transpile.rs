//! `kalavar transpile`: reads PostgreSQL SQL (statements separated by `;`) from an
//! argument, a file or stdin, and prints the KQL each statement becomes, in
//! canonical form. Statements that do not translate are reported on stderr with
//! the SQL line and a caret, and the exit status is 1 (2 when the input cannot be
//! read); the statements that do translate are still printed. `--schema FILE` reads `CREATE TABLE`
//! statements first, so the translator knows those tables' columns and keys (for
//! `INSERT` without a column list, `*` next to other columns, upserts).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kql_compiler::sql::Translator;

#[derive(clap::Args)]
pub struct Args {
    /// SQL to translate; without it (or with `-`), reads `--file` or stdin.
    query: Option<String>,
    /// Read the SQL from this file.
    #[arg(short, long, conflicts_with = "query")]
    file: Option<PathBuf>,
    /// Learn the tables defined (CREATE TABLE …) in this SQL file first.
    #[arg(long, value_name = "FILE")]
    schema: Vec<PathBuf>,
    /// Colour the diagnostics (default: when stderr is a terminal).
    #[arg(long)]
    color: Option<bool>,
}

pub fn run(args: Args) -> ExitCode {
    let color = args
        .color
        .unwrap_or_else(|| std::io::stderr().is_terminal());
    let mut translator = Translator::new();
    for path in &args.schema {
        match learn(&mut translator, path, color) {
            Ok(true) => {}
            Ok(false) => return ExitCode::FAILURE,
            Err(message) => {
                eprintln!("kalavar transpile: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let (name, bytes) = match read_input(args.query.as_deref(), args.file.as_deref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("kalavar transpile: {message}");
            return ExitCode::from(2);
        }
    };
    let source = match kql_compiler::sql::source_from_bytes(&bytes) {
        Ok(s) => s,
        Err(diags) => {
            let lossy = String::from_utf8_lossy(&bytes);
            eprint!("{}", diags.render_with(&name, &lossy, color));
            return ExitCode::FAILURE;
        }
    };
    let mut statements = Vec::new();
    let mut failed = false;
    for result in translator.translate_statements(source) {
        match result {
            Ok(t) => statements.extend(t.statements),
            Err(d) => {
                failed = true;
                eprint!("{}", d.render_with(&name, source, color));
            }
        }
    }
    let script = kql::ast::Script { statements };
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::stdout()
        .lock()
        .write_all(kql::format_script(&script).as_bytes());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Translates a schema file only to learn its tables; its diagnostics are shown.
fn learn(translator: &mut Translator, path: &Path, color: bool) -> Result<bool, String> {
    let bytes = read_file(path)?;
    let name = path.display().to_string();
    let source = match kql_compiler::sql::source_from_bytes(&bytes) {
        Ok(s) => s,
        Err(diags) => {
            eprint!(
                "{}",
                diags.render_with(&name, &String::from_utf8_lossy(&bytes), color)
            );
            return Ok(false);
        }
    };
    let mut ok = true;
    for r in translator.translate_statements(source) {
        if let Err(d) = r {
            ok = false;
            eprint!("{}", d.render_with(&name, source, color));
        }
    }
    Ok(ok)
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    // One byte past the limit is enough for the translator to say it is too big.
    let limit = kql::limits::MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(bytes)
}

fn read_input(query: Option<&str>, file: Option<&Path>) -> Result<(String, Vec<u8>), String> {
    if let Some(q) = query.filter(|q| *q != "-") {
        return Ok(("<argument>".into(), q.as_bytes().to_vec()));
    }
    if let Some(path) = file {
        return Ok((path.display().to_string(), read_file(path)?));
    }
    let limit = kql::limits::MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(("<stdin>".into(), bytes))
}
