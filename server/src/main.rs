//! `kalavard`: the Kalavar server.
//!
//! ```text
//! kalavard init   [--data DIR] [--listen ADDR:PORT]… [--config FILE]
//! kalavard serve  [--data DIR] [--listen ADDR:PORT]… [--config FILE]
//! kalavard config --print-default
//! kalavard config --check [--config FILE]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kalavar_server::config::{REFERENCE, load};
use kalavar_server::init::init;
use kalavar_server::{Config, Server, ServerError, StartOptions};

#[derive(Parser)]
#[command(name = "kalavard", version, about = "The Kalavar database server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make the CA, the server certificate and the root user in a new data directory.
    Init(Common),
    /// Run the server (initialising an empty data directory first).
    Serve(Common),
    /// Print or check the configuration.
    Config(ConfigArgs),
}

#[derive(Args)]
struct Common {
    /// Data directory (overrides server.data_dir).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Listen address; repeat for several (overrides server.listen).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Vec<std::net::SocketAddr>,
    /// Configuration file (TOML; see `kalavard config --print-default`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct ConfigArgs {
    /// Print the reference configuration: every key, its default and what it does.
    #[arg(long)]
    print_default: bool,
    /// Load the configuration (file and environment) and report the first error.
    #[arg(long)]
    check: bool,
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn load_config(common: &Common) -> Result<Config, ServerError> {
    let mut config = load(common.config.as_deref(), std::env::vars())?;
    if let Some(dir) = &common.data {
        config.server.data_dir = dir.clone();
    }
    if !common.listen.is_empty() {
        config.server.listen = common.listen.clone();
    }
    config.validate()?;
    Ok(config)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(config.log.ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

fn print_init(report: &kalavar_server::init::InitReport) {
    println!("initialised {}", report.data_dir.display());
    println!("root profile: {}", report.root_profile.display());
    if let Some(p) = &report.default_profile {
        println!("default profile written: {} (kalavar uses it)", p.display());
    }
    if let Some(p) = &report.default_profile_kept {
        println!(
            "a profile already exists at {}; left alone (use `kalavar --profile {}`)",
            p.display(),
            report.root_profile.display()
        );
    }
}

fn run(cli: Cli) -> Result<(), ServerError> {
    match cli.command {
        Command::Config(args) => {
            if args.print_default {
                print!("{REFERENCE}");
            } else if args.check {
                load(args.config.as_deref(), std::env::vars())?;
                println!("configuration OK");
            } else {
                return Err(ServerError::Config("say --print-default or --check".into()));
            }
            Ok(())
        }
        Command::Init(common) => {
            let config = load_config(&common)?;
            let report = init(
                &config,
                kalavar_protocol::profile::default_dir_from_env().as_deref(),
            )?;
            print_init(&report);
            Ok(())
        }
        Command::Serve(common) => {
            let config = load_config(&common)?;
            init_logging(&config);
            let options = StartOptions {
                default_profile: kalavar_protocol::profile::default_dir_from_env(),
                worker_threads: 0,
            };
            let server = Server::start(config, options)?;
            if let Some(report) = server.init_report() {
                print_init(report);
            }
            for addr in server.local_addrs() {
                println!("kalavard listening on {addr}");
            }
            let stop = server.stopper();
            wait_for_signal();
            stop();
            server.shutdown();
            Ok(())
        }
    }
}

/// Blocks until SIGINT or SIGTERM.
fn wait_for_signal() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("signal runtime");
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kalavard: {e}");
            ExitCode::FAILURE
        }
    }
}
