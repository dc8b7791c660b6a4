//! `kalavar fmt`: reads KQL (statements separated by `;`) from an argument, a file
//! or stdin, and prints each statement in canonical form. On any error it prints
//! the rendered diagnostics to stderr and exits with status 1 (2 when the input
//! cannot be read).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// KQL text to format; without it (or with `-`), reads `--file` or stdin.
    query: Option<String>,
    /// Read the KQL from this file.
    #[arg(short, long, conflicts_with = "query")]
    file: Option<PathBuf>,
    /// Colour the diagnostics (default: when stderr is a terminal).
    #[arg(long)]
    color: Option<bool>,
}

pub fn run(args: Args) -> ExitCode {
    let (name, bytes) = match read_input(&args) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("kalavar fmt: {message}");
            return ExitCode::from(2);
        }
    };
    let color = args
        .color
        .unwrap_or_else(|| std::io::stderr().is_terminal());
    let source = match kql::source_from_bytes(&bytes) {
        Ok(s) => s,
        Err(diags) => {
            let lossy = String::from_utf8_lossy(&bytes);
            eprint!("{}", diags.render_with(&name, &lossy, color));
            return ExitCode::FAILURE;
        }
    };
    match kql::parse(source) {
        Ok(script) => {
            out!("{}", kql::format_script(&script));
            ExitCode::SUCCESS
        }
        Err(diags) => {
            eprint!("{}", diags.render_with(&name, source, color));
            ExitCode::FAILURE
        }
    }
}

fn read_input(args: &Args) -> Result<(String, Vec<u8>), String> {
    if let Some(q) = args.query.as_deref().filter(|q| *q != "-") {
        return Ok(("<argument>".into(), q.as_bytes().to_vec()));
    }
    // One byte past the limit is enough for the parser to say the input is too big.
    let limit = kql::limits::MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if let Some(path) = &args.file {
        let file = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        file.take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok((path.display().to_string(), bytes));
    }
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(("<stdin>".into(), bytes))
}
