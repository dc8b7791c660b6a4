//! `kalavar cert …`: the certificate commands.
//!
//! - `request --user U --ip ADDRS --out DIR` makes a key pair and a CSR in DIR (the
//!   key never leaves this machine);
//! - `show FILE` prints a certificate's user, addresses, validity and serial;
//! - `issue --user U --csr FILE --ip ADDRS --valid 90d --out DIR` (dba/root) has the
//!   server sign a CSR and writes cert.pem, ca.pem and profile.toml into DIR;
//! - `revoke SERIAL` / `revoke --user U` (dba/root), `list [--user U]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use kalavar::certs::{self, describe, make_request, read_certificate, read_csr, write_new};
use kalavar::client::{Client, Profile};
use kalavar_protocol::net::parse_list;
use kalavar_protocol::profile::{
    CA_FILE, CERT_FILE, CSR_FILE, KEY_FILE, SETTINGS_FILE, settings_text,
};
use kalavar_protocol::{AdminRequest, AdminResponse, CertSummary};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: CertCommand,
}

#[derive(Subcommand)]
pub enum CertCommand {
    /// Make a key pair and a certificate signing request.
    Request {
        #[arg(long)]
        user: String,
        /// Addresses the certificate should allow (comma-separated; the admin decides).
        #[arg(long, value_name = "ADDRS", default_value = "")]
        ip: String,
        /// Directory for key.pem (0600) and request.csr; created 0700.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print a certificate's user, addresses, validity and serial.
    Show { file: PathBuf },
    /// Have the server issue a certificate for a CSR (dba/root).
    Issue {
        #[arg(long)]
        user: String,
        #[arg(long, value_name = "FILE")]
        csr: PathBuf,
        /// Addresses and ranges the certificate binds (comma-separated).
        #[arg(long, value_name = "ADDRS", default_value = "")]
        ip: String,
        /// Validity, in days (`90d` or `90`); the server's default when absent.
        #[arg(long)]
        valid: Option<String>,
        /// Directory to write cert.pem, ca.pem and profile.toml into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Revoke one certificate by serial, or every certificate of a user (dba/root).
    Revoke {
        serial: Option<String>,
        #[arg(long, conflicts_with = "serial")]
        user: Option<String>,
    },
    /// List certificates (dba/root).
    List {
        #[arg(long)]
        user: Option<String>,
    },
}

impl CertCommand {
    /// `request` and `show` work offline; the rest talk to a server.
    pub fn needs_profile(&self) -> bool {
        !matches!(self, CertCommand::Request { .. } | CertCommand::Show { .. })
    }
}

fn parse_days(text: &str) -> Result<u32, String> {
    let digits = text.strip_suffix('d').unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(d) if d > 0 => Ok(d),
        _ => Err(format!(
            "--valid `{text}`: expected a number of days such as `90d`"
        )),
    }
}

fn request(user: &str, ip: &str, out: &Path) -> Result<(), String> {
    let addresses = parse_list(ip)?;
    let req = make_request(user, &addresses)?;
    certs::private_dir(out)?;
    write_new(&out.join(KEY_FILE), req.key_pem.as_bytes(), 0o600)?;
    write_new(&out.join(CSR_FILE), req.csr_pem.as_bytes(), 0o644)?;
    outln!(
        "wrote {} (private, keep it here)",
        out.join(KEY_FILE).display()
    );
    outln!(
        "wrote {} (send this to your administrator)",
        out.join(CSR_FILE).display()
    );
    Ok(())
}

fn connect(profile: Option<&Profile>) -> Result<Client, String> {
    let profile = profile.ok_or("this command needs a profile (--profile DIR)")?;
    Client::connect(profile).map_err(|e| e.to_string())
}

pub fn run(args: Args, profile_dir: Option<&Path>) -> ExitCode {
    let result = if args.command.needs_profile() {
        super::profile::load(profile_dir).and_then(|p| cert(Some(&p), args.command))
    } else {
        cert(None, args.command)
    };
    super::profile::finish("cert", result)
}

fn cert(profile: Option<&Profile>, cmd: CertCommand) -> Result<(), String> {
    match cmd {
        CertCommand::Request { user, ip, out } => request(&user, &ip, &out),
        CertCommand::Show { file } => {
            let der = read_certificate(&file)?;
            let summary =
                CertSummary::parse(&der).map_err(|e| format!("{}: {e}", file.display()))?;
            out!("{}", describe(&summary));
            Ok(())
        }
        CertCommand::Issue {
            user,
            csr,
            ip,
            valid,
            out,
        } => {
            let admin = AdminRequest::IssueCertificate {
                user,
                csr: read_csr(&csr)?,
                addresses: parse_list(&ip)?,
                valid_days: valid.as_deref().map(parse_days).transpose()?.unwrap_or(0),
            };
            let mut client = connect(profile)?;
            let AdminResponse::Certificate {
                info,
                cert_pem,
                ca_pem,
            } = client.admin(admin).map_err(|e| e.to_string())?
            else {
                return Err("unexpected answer from the server".into());
            };
            certs::private_dir(&out)?;
            write_new(&out.join(CERT_FILE), cert_pem.as_bytes(), 0o644)?;
            write_new(&out.join(CA_FILE), ca_pem.as_bytes(), 0o644)?;
            let settings = out.join(SETTINGS_FILE);
            if !settings.exists() {
                let server = profile.map(|p| p.server.clone()).unwrap_or_default();
                write_new(&settings, settings_text(&server, None).as_bytes(), 0o644)?;
            }
            outln!(
                "issued certificate {} for {} into {}",
                info.serial,
                info.user,
                out.display()
            );
            client.close().map_err(|e| e.to_string())
        }
        CertCommand::Revoke { serial, user } => {
            let admin = match (serial, user) {
                (Some(serial), None) => AdminRequest::RevokeCertificate { serial },
                (None, Some(user)) => AdminRequest::RevokeCertificatesFor { user },
                _ => return Err("say a SERIAL or --user NAME".into()),
            };
            let mut client = connect(profile)?;
            match client.admin(admin).map_err(|e| e.to_string())? {
                AdminResponse::Revoked { serials } if serials.is_empty() => {
                    outln!("nothing to revoke")
                }
                AdminResponse::Revoked { serials } => {
                    serials.iter().for_each(|s| outln!("revoked {s}"))
                }
                other => return Err(format!("unexpected answer: {other:?}")),
            }
            client.close().map_err(|e| e.to_string())
        }
        CertCommand::List { user } => {
            let mut client = connect(profile)?;
            let AdminResponse::Certificates(list) = client
                .admin(AdminRequest::ListCertificates { user })
                .map_err(|e| e.to_string())?
            else {
                return Err("unexpected answer from the server".into());
            };
            for c in list {
                let state = match c.revoked_at {
                    Some(t) => format!("revoked {}", certs::utc(t)),
                    None => format!("valid to {}", certs::utc(c.not_after)),
                };
                let addrs: Vec<String> = c.addresses.iter().map(ToString::to_string).collect();
                outln!(
                    "{}  {:<16} {}  [{}]",
                    c.serial,
                    c.user,
                    state,
                    addrs.join(", ")
                );
            }
            client.close().map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_with_or_without_suffix() {
        assert_eq!(parse_days("90d").unwrap(), 90);
        assert_eq!(parse_days("7").unwrap(), 7);
        assert!(parse_days("0d").is_err());
        assert!(parse_days("1y").unwrap_err().contains("1y"));
    }
}
