//! `kalavar load TABLE FILE`: bulk-load a CSV file (or standard input, `-`) into a
//! table. Rows travel as Arrow record batches in `Load` requests; each batch is one
//! transaction on the server, and the next batch is read and encoded while the server
//! writes the previous ones. On an error the command stops, says which input lines
//! the failed batch held and how many rows were written before it, and exits 1.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use kalavar::client::{Client, LoadMode, LoadOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The table: `namespace.name`, or a name only one namespace has.
    table: String,
    /// A CSV file with a header line naming the columns; `-` reads standard input.
    file: PathBuf,
    /// Replace rows whose primary key exists instead of failing the batch.
    #[arg(long)]
    upsert: bool,
    /// The input has no header line: fields are the table's columns, in order.
    #[arg(long)]
    no_header: bool,
    /// Field delimiter (one ASCII character; `\t` for tabs).
    #[arg(long, default_value = ",", value_name = "CHAR")]
    delimiter: String,
    /// Rows per batch; each batch is one transaction (at most 100,000).
    #[arg(long, default_value_t = 50_000, value_name = "N")]
    batch_rows: usize,
    /// Batches sent ahead of their answers (1–8).
    #[arg(long, default_value_t = 3, value_name = "N")]
    in_flight: usize,
    /// Print nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
    super::profile::finish("load", load(args, profile))
}

fn load(args: Args, profile: Option<&Path>) -> Result<(), String> {
    let delimiter = match args.delimiter.as_str() {
        "\\t" | "\t" => b'\t',
        d if d.len() == 1 && d.is_ascii() && d != "\"" && d != "\n" => d.as_bytes()[0],
        d => return Err(format!("--delimiter takes one ASCII character, not `{d}`")),
    };
    if args.batch_rows == 0 || args.batch_rows > kalavar_protocol::limits::MAX_LOAD_ROWS {
        return Err(format!(
            "--batch-rows takes 1 to {}",
            kalavar_protocol::limits::MAX_LOAD_ROWS
        ));
    }
    let options = LoadOptions {
        mode: if args.upsert {
            LoadMode::Upsert
        } else {
            LoadMode::Insert
        },
        batch_rows: args.batch_rows,
        in_flight: args.in_flight,
        delimiter,
        header: !args.no_header,
    };
    let profile = super::profile::load(profile)?;
    let mut client = Client::connect(&profile).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let report = if args.file.as_os_str() == "-" {
        let stdin = std::io::stdin();
        client.load_csv(&args.table, stdin.lock(), &options)
    } else {
        let f =
            std::fs::File::open(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
        client.load_csv(&args.table, BufReader::with_capacity(1 << 20, f), &options)
    }
    .map_err(|e| e.to_string())?;
    if !args.quiet {
        let secs = start.elapsed().as_secs_f64();
        outln!(
            "LOAD {} ({} batch{}, {:.2} s, {:.0} rows/s)",
            report.rows,
            report.batches,
            if report.batches == 1 { "" } else { "es" },
            secs,
            report.rows as f64 / secs.max(1e-9)
        );
    }
    client.close().map_err(|e| e.to_string())
}
