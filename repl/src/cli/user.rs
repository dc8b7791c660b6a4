//! `kalavar user …`: create, alter, drop and list users through admin requests
//! (until `create user …` statements run). Needs a `dba` or `root` profile.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use kalavar::client::Client;
use kalavar_protocol::net::parse_list;
use kalavar_protocol::{AdminRequest, AdminResponse, IpNet, Role, UserInfo};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        name: String,
        /// user, service, dba or root.
        #[arg(long, default_value = "user")]
        role: Role,
        /// Allow-list on top of the certificate's addresses (comma-separated).
        #[arg(long, value_name = "ADDRS")]
        ip: Option<String>,
    },
    /// Change a user's role, state or allow-list.
    Alter {
        name: String,
        #[arg(long)]
        role: Option<Role>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        /// New allow-list (comma-separated); an empty string removes it.
        #[arg(long, value_name = "ADDRS")]
        ip: Option<String>,
    },
    /// Drop a user: revokes its certificates and closes its sessions.
    Drop { name: String },
    /// List users.
    List,
}

fn nets(text: Option<&str>) -> Result<Option<Vec<IpNet>>, String> {
    text.map(parse_list).transpose()
}

/// Users as aligned columns under a header: id, name, role, state, allow-list.
fn print_users(users: &[UserInfo]) {
    let rows: Vec<[String; 5]> = users
        .iter()
        .map(|u| {
            let allow = if u.allow.is_empty() {
                "-".to_owned()
            } else {
                u.allow
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            [
                u.id.to_string(),
                u.name.clone(),
                u.role.to_string(),
                if u.enabled { "enabled" } else { "disabled" }.to_owned(),
                allow,
            ]
        })
        .collect();
    out!("{}", user_table(&rows));
}

fn user_table(rows: &[[String; 5]]) -> String {
    let header = ["id", "name", "role", "state", "allow"].map(str::to_owned);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
    super::profile::finish("user", user(args.command, profile))
}

fn user(cmd: UserCommand, profile: Option<&Path>) -> Result<(), String> {
    let profile = super::profile::load(profile)?;
    let request = match cmd {
        UserCommand::Create { name, role, ip } => AdminRequest::CreateUser {
            name,
            role,
            allow: nets(ip.as_deref())?.unwrap_or_default(),
        },
        UserCommand::Alter {
            name,
            role,
            enable,
            disable,
            ip,
        } => AdminRequest::AlterUser {
            name,
            role,
            enabled: if enable {
                Some(true)
            } else if disable {
                Some(false)
            } else {
                None
            },
            allow: nets(ip.as_deref())?,
        },
        UserCommand::Drop { name } => AdminRequest::DropUser { name },
        UserCommand::List => AdminRequest::ListUsers,
    };
    let mut client = Client::connect(&profile).map_err(|e| e.to_string())?;
    match client.admin(request).map_err(|e| e.to_string())? {
        AdminResponse::User(u) => print_users(&[u]),
        AdminResponse::Users(users) => print_users(&users),
        AdminResponse::Done { message } => outln!("{message}"),
        other => return Err(format!("unexpected answer: {other:?}")),
    }
    client.close().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_line_up_under_a_header() {
        let row = |cells: [&str; 5]| cells.map(str::to_owned);
        let got = user_table(&[
            row(["1", "root", "root", "enabled", "-"]),
            row([
                "12",
                "a_long_user_name",
                "service",
                "disabled",
                "10.0.0.0/8",
            ]),
        ]);
        assert_eq!(
            got,
            "id  name              role     state     allow\n\
             1   root              root     enabled   -\n\
             12  a_long_user_name  service  disabled  10.0.0.0/8\n"
        );
    }
}
