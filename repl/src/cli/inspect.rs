//! `kalavar inspect plan.kqlp`: decode, verify and list a binary plan.

use super::plan_output::{Format, load_catalog};
use kql_compiler::bytecode::{Program, VerifyContext, disasm, verify};
use kql_compiler::identity::{Caller, Role};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The plan file (`kalavar explain … --emit FILE` writes one).
    pub plan: PathBuf,
    /// Check tables and columns against this catalog (JSON); without it only the
    /// plan's structure is checked.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Check permissions as this user (needs --role and --catalog).
    #[arg(long, requires = "role")]
    pub user: Option<String>,
    /// The role of --user: user, service, dba or root.
    #[arg(long, value_parser = parse_role, requires = "user")]
    pub role: Option<Role>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_role(s: &str) -> Result<Role, String> {
    match s {
        "user" => Ok(Role::User),
        "service" => Ok(Role::Service),
        "dba" => Ok(Role::Dba),
        "root" => Ok(Role::Root),
        _ => Err(format!("`{s}` is not a role (user, service, dba, root)")),
    }
}

pub fn run(args: Args) -> ExitCode {
    let bytes = match std::fs::read(&args.plan) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.plan.display());
            return ExitCode::FAILURE;
        }
    };
    let program = match Program::decode(&bytes) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", args.plan.display());
            return ExitCode::FAILURE;
        }
    };
    let catalog = match load_catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let caller = args
        .user
        .clone()
        .zip(args.role)
        .map(|(u, r)| Caller::new(u, r));
    let mut ctx = match &args.catalog {
        Some(_) => VerifyContext::offline(&catalog),
        None => VerifyContext::structural(),
    };
    ctx.caller = caller.as_ref();
    let verdict = verify(program.clone(), &ctx);
    match args.format {
        Format::Text => {
            let hash: String = Program::hash(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            outln!(
                "-- {} ({} bytes, sha256 {hash})",
                args.plan.display(),
                bytes.len()
            );
            if let Some(src) = &program.source {
                outln!("-- source: {}", src.lines().next().unwrap_or_default());
            }
            match &verdict {
                Ok(_) if args.catalog.is_none() => {
                    outln!("-- verified: structure only (no --catalog)")
                }
                Ok(_) => outln!("-- verified"),
                Err(e) => outln!("-- REJECTED: {e}"),
            }
            out!("{}", disasm::to_text(&program));
        }
        Format::Json => {
            let plan: serde_json::Value =
                serde_json::from_str(&disasm::to_json(&program)).unwrap_or_default();
            let out = serde_json::json!({
                "file": args.plan.display().to_string(),
                "bytes": bytes.len(),
                "verified": verdict.is_ok(),
                "error": verdict.as_ref().err().map(|e| serde_json::json!({"code": e.code.code(), "at": e.at, "message": e.message})),
                "plan": plan,
            });
            outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Dot => out!("{}", disasm::to_dot(&program)),
    }
    match verdict {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
