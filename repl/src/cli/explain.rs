//! `kalavar explain 'KQL'`: compile statements and show their plans (`--sql`:
//! the text is PostgreSQL SQL, translated first). The catalog is `--catalog
//! FILE`, or else the server's, fetched with the profile (`--profile` or the
//! default one) when a server answers; `--offline` (or no profile) compiles
//! against the system tables alone.

use super::plan_output::{Format, load_catalog, show};
use kql_compiler::{CompileOptions, compile};
use std::io::Read;
use std::path::{Path, PathBuf};

use kalavar::client::Client;
use kql_compiler::catalog::Catalog;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// KQL text (`-` reads standard input).
    pub kql: String,
    /// The catalog to compile against (JSON, see docs/bytecode.md); without it the
    /// server's is fetched with the profile, or only the system tables exist.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Do not connect: without `--catalog`, only the system tables exist.
    #[arg(long)]
    pub offline: bool,
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

/// The server's catalog, when a profile is there and the server answers; `None`
/// without a profile (offline use), an error when the server cannot be reached.
fn server_catalog(profile: Option<&Path>) -> Result<Option<Catalog>, String> {
    let Ok(profile) = super::profile::load(profile) else {
        return Ok(None);
    };
    let mut client = Client::connect(&profile).map_err(|e| e.to_string())?;
    let catalog = client.catalog().map_err(|e| e.to_string())?;
    let _ = client.close();
    Ok(Some(Catalog::clone(&catalog)))
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
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
    let loaded = if args.catalog.is_none() && !args.offline {
        match server_catalog(profile) {
            Ok(Some(catalog)) => Ok(catalog),
            Ok(None) => load_catalog(None),
            Err(e) => {
                eprintln!("note: compiling against the system tables only: {e}");
                load_catalog(None)
            }
        }
    } else {
        load_catalog(args.catalog.as_deref())
    };
    let catalog = match loaded {
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
