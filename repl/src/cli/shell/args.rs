//! The shell's flags, shared by `kalavar` (flattened into the top level) and
//! `kalavar repl`.

use std::path::PathBuf;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns with a header and a row count.
    #[default]
    Table,
    /// RFC 4180 CSV with a header line (null empty, the empty string `""`, bytes
    /// `\x` and hex: what `kalavar load` reads back).
    Csv,
    /// One JSON array of row objects per statement (one document per line-ended
    /// statement), keys in column order, numbers exact.
    Json,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// Run these statements and exit (non-zero on the first error).
    #[arg(
        short = 'c',
        long = "command",
        value_name = "STATEMENTS",
        conflicts_with = "file"
    )]
    pub command: Option<String>,
    /// Run the statements in FILE (`-` for standard input) and exit (non-zero on
    /// the first error).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format for results.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Print how long each statement took (on stderr).
    #[arg(long)]
    pub timing: bool,
    /// Input is PostgreSQL SQL, translated to KQL on the client (`\sql` in the
    /// shell).
    #[arg(long)]
    pub sql: bool,
    /// A value for a statement parameter: `--param id=42` for `$id`, `--param
    /// 1=42` for `$1` (positional ones numbered from 1 without gaps). The text is
    /// read as the parameter's type (`42`, `12.50`, `2024-05-01`, `true`, …).
    /// Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// The statement parameters `--param` gave: named ones, then `$1`, `$2`, … in order.
pub fn parse_params(given: &[String]) -> Result<Vec<kalavar::client::Param>, String> {
    use kalavar::client::{Value, named, positional};
    let mut out = Vec::new();
    let mut numbered: Vec<(usize, &str)> = Vec::new();
    for item in given {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| format!("--param {item}: say NAME=VALUE"))?;
        let name = name.trim().trim_start_matches('$');
        if name.is_empty() {
            return Err(format!("--param {item}: the name is empty"));
        }
        match name.parse::<usize>() {
            Ok(0) => return Err(format!("--param {item}: positional parameters start at 1")),
            Ok(n) => numbered.push((n, value)),
            Err(_) => out.push(named(name, Value::Text(value.to_owned()))),
        }
    }
    numbered.sort_by_key(|(n, _)| *n);
    for (i, (n, value)) in numbered.iter().enumerate() {
        if *n != i + 1 {
            return Err(format!(
                "--param {n}=… is given, but not --param {}=…",
                i + 1
            ));
        }
        out.push(positional(Value::Text((*value).to_owned())));
    }
    Ok(out)
}
