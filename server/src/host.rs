//! The server as the VM's [`Host`]: user and certificate statements run exactly as
//! the typed admin requests do (`session::admin`: the catalog directory, the CA, the
//! CRL, closing the sessions a change concerns), and `system.sessions` comes from the
//! session registry.

use kalavar_protocol::{AdminRequest, AdminResponse, IpNet, Role as WireRole, codes};
use kql_compiler::identity::Role;

use crate::session::admin;
use crate::state::Shared;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::{AdminDone, AdminOp, Host, SessionRow, Who};

fn wire_role(r: Role) -> WireRole {
    match r {
        Role::User => WireRole::User,
        Role::Service => WireRole::Service,
        Role::Dba => WireRole::Dba,
        Role::Root => WireRole::Root,
    }
}

fn nets(ips: &[String]) -> Result<Vec<IpNet>> {
    ips.iter()
        .map(|t| {
            t.parse::<IpNet>().map_err(|e| {
                ExecError::new(
                    XCode::AdminFailed,
                    format!("`{t}` is not an address or range: {e}"),
                )
            })
        })
        .collect()
}

fn failed((code, message): admin::AdminError) -> ExecError {
    if code == codes::PERMISSION_DENIED {
        ExecError::with_code(codes::PERMISSION_DENIED, message)
    } else {
        ExecError::new(XCode::AdminFailed, message)
    }
}

const DAY_US: i64 = 86_400_000_000;

impl Host for Shared {
    fn admin(&self, who: &Who, op: AdminOp<'_>) -> Result<AdminDone> {
        let run = |req: AdminRequest| admin::handle(self, &who.user, req).map_err(failed);
        match op {
            AdminOp::CreateUser {
                name,
                role,
                ips,
                enabled,
            } => {
                admin::check_user_name(name).map_err(|m| ExecError::new(XCode::AdminFailed, m))?;
                run(AdminRequest::CreateUser {
                    name: name.to_owned(),
                    role: wire_role(role),
                    allow: nets(ips)?,
                })?;
                if !enabled {
                    run(AdminRequest::AlterUser {
                        name: name.to_owned(),
                        role: None,
                        enabled: Some(false),
                        allow: None,
                    })?;
                }
            }
            AdminOp::AlterUser {
                name,
                role,
                ips,
                enabled,
            } => {
                run(AdminRequest::AlterUser {
                    name: name.to_owned(),
                    role: role.map(wire_role),
                    enabled,
                    allow: ips.map(nets).transpose()?,
                })?;
            }
            AdminOp::DropUser { name, if_exists } => {
                let exists = self
                    .directory
                    .user(name)
                    .map_err(|e| ExecError::new(XCode::AdminFailed, e.to_string()))?
                    .is_some();
                if exists || !if_exists {
                    run(AdminRequest::DropUser {
                        name: name.to_owned(),
                    })?;
                }
            }
            AdminOp::IssueCertificate {
                user,
                csr_pem,
                ips,
                valid_us,
            } => {
                let csr = crate::pki::csr_pem_to_der(csr_pem).map_err(|e| {
                    ExecError::new(XCode::AdminFailed, format!("the certificate request: {e}"))
                })?;
                let valid_days = match valid_us {
                    None => 0,
                    Some(us) if us <= 0 => {
                        return Err(ExecError::new(
                            XCode::AdminFailed,
                            "a certificate must be valid for a positive time",
                        ));
                    }
                    Some(us) => u32::try_from((us - 1) / DAY_US + 1).unwrap_or(u32::MAX),
                };
                let addresses = nets(ips)?;
                // The admin path applies the role rules (any user for itself; a
                // dba for itself and the roles below its own; root for anyone).
                let answer = run(AdminRequest::IssueCertificate {
                    user: user.to_owned(),
                    csr,
                    addresses,
                    valid_days,
                })?;
                let AdminResponse::Certificate { info, cert_pem, .. } = answer else {
                    return Err(ExecError::internal(
                        "issuing answered without a certificate",
                    ));
                };
                return Ok(AdminDone::Issued {
                    serial: info.serial,
                    user: info.user,
                    not_after_us: info.not_after.saturating_mul(1_000_000),
                    pem: cert_pem,
                });
            }
            AdminOp::RevokeCertificate { serial } => {
                run(AdminRequest::RevokeCertificate {
                    serial: serial.to_owned(),
                })?;
            }
            AdminOp::RevokeCertificates { user } => {
                run(AdminRequest::RevokeCertificatesFor {
                    user: user.to_owned(),
                })?;
            }
        }
        Ok(AdminDone::Done)
    }

    fn sessions(&self) -> Vec<SessionRow> {
        self.sessions.rows()
    }
}
