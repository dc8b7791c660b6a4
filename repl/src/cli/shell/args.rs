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
}
