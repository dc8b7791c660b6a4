//! `kalavar transpile`: reads PostgreSQL SQL (statements separated by `;`) from an
//! argument, a file or stdin, and prints the KQL each statement becomes, in
//! canonical form. Statements that do not translate are reported on stderr with
//! the SQL line and a caret, and the exit status is 1 (2 when the input cannot be
//! read); the statements that do translate are still printed. `--schema FILE` reads `CREATE TABLE`
//! statements first, so the translator knows those tables' columns and keys (for
//! `INSERT` without a column list, `*` next to other columns, upserts).
//!
//! `--explain` compiles each statement's KQL (against `--catalog FILE`, plus the
//! tables the SQL itself and `--schema` files create) and shows its plan, as
//! `kalavar explain` does for KQL; `kalavar explain --sql` is the same.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::plan_output::{Format, load_catalog, show};
use kql_compiler::catalog::Catalog;
use kql_compiler::sql::{SqlCompileError, SqlSession, Translator};

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
    /// Compile the KQL and show each statement's plan.
    #[arg(long)]
    explain: bool,
    /// With --explain: the catalog to compile against (JSON, see docs/bytecode.md).
    #[arg(long, requires = "explain")]
    catalog: Option<PathBuf>,
    /// With --explain: how to print the plans.
    #[arg(long, value_enum, default_value_t = Format::Text, requires = "explain")]
    format: Format,
}

pub fn run(args: Args) -> ExitCode {
    let color = args
        .color
        .unwrap_or_else(|| std::io::stderr().is_terminal());
    if args.explain {
        return explain_command(&args, color);
    }
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
    out!("{}", kql::format_script(&script));
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

fn explain_command(args: &Args, color: bool) -> ExitCode {
    let mut catalog = match load_catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kalavar transpile: {e}");
            return ExitCode::from(2);
        }
    };
    for path in &args.schema {
        let bytes = match read_file(path) {
            Ok(b) => b,
            Err(message) => {
                eprintln!("kalavar transpile: {message}");
                return ExitCode::from(2);
            }
        };
        let name = path.display().to_string();
        let Ok(source) = kql_compiler::sql::source_from_bytes(&bytes) else {
            eprintln!("kalavar transpile: {name} is not UTF-8");
            return ExitCode::FAILURE;
        };
        let mut session = SqlSession::new(catalog);
        let mut ok = true;
        for r in session.compile(source, true) {
            if let Err(e) = r {
                ok = false;
                report(&e, &name, source, color);
            }
        }
        if !ok {
            return ExitCode::FAILURE;
        }
        catalog = session.catalog().clone();
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
    explain_sql(&name, source, catalog, args.format, true, None, color)
}

/// Translates and compiles SQL statement by statement and prints, for each, its
/// KQL and plan (`--format text`) or its plan alone (`json`, `dot`). The catalog
/// follows the SQL's own DDL. Errors go to stderr and make the status 1.
pub fn explain_sql(
    name: &str,
    source: &str,
    catalog: Catalog,
    format: Format,
    optimize: bool,
    emit: Option<&Path>,
    color: bool,
) -> ExitCode {
    let mut session = SqlSession::new(catalog);
    let mut failed = false;
    let mut last = None;
    let mut first = true;
    for r in session.compile(source, optimize) {
        match r {
            Ok(c) => {
                if format == Format::Text {
                    if !first {
                        outln!();
                    }
                    first = false;
                    let sql = &source[c.translation.span.range()];
                    outln!("-- sql: {}", sql.lines().next().unwrap_or_default());
                    outln!("-- kql");
                    out!("{}", c.kql);
                }
                if c.compiled.is_empty() {
                    continue;
                }
                if let Err(e) = show(&c.compiled, format, &c.catalog) {
                    eprintln!("{e}");
                    failed = true;
                }
                last = c.compiled.last().map(|p| p.program.encode());
            }
            Err(e) => {
                failed = true;
                report(&e, name, source, color);
            }
        }
    }
    if let (Some(path), Some(bytes)) = (emit, last) {
        if let Err(e) = std::fs::write(path, &bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn report(e: &SqlCompileError, name: &str, source: &str, color: bool) {
    match e {
        SqlCompileError::Translate(d) => eprint!("{}", d.render_with(name, source, color)),
        SqlCompileError::Compile { kql, error } => {
            eprintln!("the KQL this SQL becomes does not compile:\n{kql}");
            eprint!("{}", error.render("kql", kql, color));
        }
    }
}
