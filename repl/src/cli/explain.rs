//! `kalavar explain 'KQL'`: compile statements offline and show their plans
//! (`--sql`: the text is PostgreSQL SQL, translated first).

use super::plan_output::{Format, load_catalog, show};
use kql_compiler::{CompileOptions, compile};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// KQL text (`-` reads standard input).
    pub kql: String,
    /// The catalog to compile against (JSON, see docs/bytecode.md); without it only
    /// the system tables exist.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Write the binary plan of the last statement to this file.
    #[arg(long)]
    pub emit: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show the plan as bound, without the optimizer's rewrites.
    #[arg(long)]
    pub no_optimize: bool,
    /// The text is PostgreSQL SQL: translate it to KQL first (as `kalavar
    /// transpile --explain` does).
    #[arg(long)]
    pub sql: bool,
}

pub fn run(args: Args) -> ExitCode {
    let source = if args.kql == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("error: cannot read standard input: {e}");
            return ExitCode::FAILURE;
        }
        s
    } else {
        args.kql.clone()
    };
    let catalog = match load_catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.sql {
        return super::transpile::explain_sql(
            "<argument>",
            &source,
            catalog,
            args.format,
            !args.no_optimize,
            args.emit.as_deref(),
            false,
        );
    }
    let opts = CompileOptions {
        optimize: !args.no_optimize,
        ..CompileOptions::new(&catalog)
    };
    let compiled = match compile(&source, opts) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", e.render("query", &source, false));
            return ExitCode::FAILURE;
        }
    };
    if compiled.is_empty() {
        eprintln!("error: nothing to explain (only `let` statements)");
        return ExitCode::FAILURE;
    }
    if let Err(e) = show(&compiled, args.format, &catalog) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    if let Some(path) = args.emit {
        let bytes = compiled.last().expect("not empty").program.encode();
        if let Err(e) = std::fs::write(&path, &bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    ExitCode::SUCCESS
}
