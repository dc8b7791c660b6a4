//! Admin requests: users and certificates, for `dba` and `root` (the caller's role is
//! read from the catalog at each request, so a demotion applies at once), within the
//! role ladder: a dba manages only itself and the roles below its own. Any user may
//! have a certificate issued for itself.
//! They run on a blocking thread: they write the catalog, sign with the CA and fsync.
//! A refusal is `A009`; any other failure is `P010` with a message that says what was
//! wrong.

use kalavar_protocol::certinfo::normalise_serial;
use kalavar_protocol::codes;
use kalavar_protocol::limits::MAX_VALID_DAYS;
use kalavar_protocol::{AdminRequest, AdminResponse, IpNet, Role};

use super::registry::Closing;
use crate::auth::AuthError;
use crate::directory::{CertRecord, UserChange, issuer_id};
use crate::state::Shared;

/// A refused or failed admin request: code and message.
pub type AdminError = (&'static str, String);

fn failed(message: impl std::fmt::Display) -> AdminError {
    (codes::ADMIN_REQUEST_FAILED, message.to_string())
}

/// Longest user name.
pub const MAX_USER_NAME: usize = 64;

/// A user name is 1–64 characters: ASCII letters, digits, `_`, `.` and `-`, starting
/// with a letter or `_`.
pub fn check_user_name(name: &str) -> Result<(), String> {
    let ok_first = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let ok_rest = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if name.len() > MAX_USER_NAME || !ok_first || !ok_rest {
        return Err(format!(
            "`{name}` is not a valid user name: 1 to {MAX_USER_NAME} ASCII letters, digits, `_`, `.` or `-`, starting with a letter or `_`"
        ));
    }
    Ok(())
}

fn action(req: &AdminRequest) -> &'static str {
    match req {
        AdminRequest::CreateUser { .. } => "create users",
        AdminRequest::AlterUser { .. } => "alter users",
        AdminRequest::DropUser { .. } => "drop users",
        AdminRequest::IssueCertificate { .. } => "issue certificates",
        AdminRequest::RevokeCertificate { .. } | AdminRequest::RevokeCertificatesFor { .. } => {
            "revoke certificates"
        }
        AdminRequest::ListUsers => "list users",
        AdminRequest::ListCertificates { .. } => "list certificates",
    }
}

fn refused(role: Option<Role>, action: String) -> AdminError {
    let e = AuthError::PermissionDenied {
        role: role.map_or_else(|| "none".to_owned(), |r| r.to_string()),
        action,
    };
    (e.code(), e.to_string())
}

/// A refusal by the role ladder: `A009` with what was refused and why.
fn beyond(role: Role, what: String) -> AdminError {
    (
        codes::PERMISSION_DENIED,
        format!("role `{role}` may not {what}"),
    )
}

/// The role ladder of user management: `root` manages everyone; a `dba` manages
/// itself and the users whose role is below its own (`user`, `service`), and grants
/// only those roles — so no dba can make, promote, disable, drop, revoke or issue a
/// certificate for a root or another dba (which would let it act as them). The same
/// ladder decides who may `execute as` whom.
fn check_ladder(
    shared: &Shared,
    who: &str,
    role: Role,
    req: &AdminRequest,
) -> Result<(), AdminError> {
    if role == Role::Root {
        return Ok(());
    }
    let dir = shared.directory.as_ref();
    let target_role = |name: &str| -> Result<Option<Role>, AdminError> {
        Ok(dir.user(name).map_err(failed)?.map(|u| u.role))
    };
    // `name` may be managed: itself, a user below the caller, or one that does not
    // exist (the request then fails with its own "does not exist").
    let may_manage = |name: &str, verb: &str| -> Result<(), AdminError> {
        if name == who {
            return Ok(());
        }
        match target_role(name)? {
            Some(r) if r >= role => Err(refused(
                Some(role),
                format!(
                    "{verb} `{name}` (role {r}): only root manages users of role {role} or root"
                ),
            )),
            _ => Ok(()),
        }
    };
    let may_grant = |granted: Role, name: &str| -> Result<(), AdminError> {
        let unchanged = name == who && granted == role;
        if granted >= role && !unchanged {
            return Err(beyond(
                role,
                format!("give `{name}` role {granted}: only root grants role {granted}"),
            ));
        }
        Ok(())
    };
    match req {
        AdminRequest::CreateUser { name, role: r, .. } => may_grant(*r, name),
        AdminRequest::AlterUser { name, role: r, .. } => {
            may_manage(name, "alter")?;
            r.map_or(Ok(()), |r| may_grant(r, name))
        }
        AdminRequest::DropUser { name } => may_manage(name, "drop"),
        AdminRequest::IssueCertificate { user, .. } => may_manage(user, "issue a certificate for"),
        AdminRequest::RevokeCertificatesFor { user } => {
            may_manage(user, "revoke the certificates of")
        }
        AdminRequest::RevokeCertificate { serial } => {
            let Ok(serial) = normalise_serial(serial) else {
                return Ok(());
            };
            let record = dir
                .certificate(&issuer_id(shared.authority.subject_der()), &serial)
                .map_err(failed)?;
            match record {
                Some(r) => may_manage(&r.user, "revoke a certificate of"),
                None => Ok(()),
            }
        }
        AdminRequest::ListUsers | AdminRequest::ListCertificates { .. } => Ok(()),
    }
}

/// Runs one admin request for user `who`. Admin requests are for `dba` and `root`
/// (within [`check_ladder`]); any user may have a certificate issued for itself.
pub fn handle(shared: &Shared, who: &str, req: AdminRequest) -> Result<AdminResponse, AdminError> {
    let current = shared.directory.user(who).map_err(failed)?;
    let role = current.map(|u| u.role);
    let for_itself = matches!(&req, AdminRequest::IssueCertificate { user, .. } if user == who);
    let Some(role) = role.filter(|r| r.is_admin() || for_itself) else {
        if let (Some(r), AdminRequest::IssueCertificate { user, .. }) = (role, &req) {
            return Err(beyond(
                r,
                format!(
                    "issue a certificate for `{user}`: a {r} may have one issued only for itself"
                ),
            ));
        }
        return Err(refused(role, action(&req).to_owned()));
    };
    check_ladder(shared, who, role, &req)?;
    let dir = shared.directory.as_ref();
    match req {
        AdminRequest::CreateUser { name, role, allow } => {
            check_user_name(&name).map_err(failed)?;
            Ok(AdminResponse::User(
                dir.create_user(&name, role, &allow).map_err(failed)?.info(),
            ))
        }
        AdminRequest::AlterUser {
            name,
            role,
            enabled,
            allow,
        } => {
            if role.is_none() && enabled.is_none() && allow.is_none() {
                return Err(failed(format!(
                    "altering user `{name}` changes nothing: give a role, enable or disable, or an address list"
                )));
            }
            let change = UserChange {
                role,
                enabled,
                allow: allow.clone(),
            };
            let user = dir.alter_user(&name, &change).map_err(failed)?;
            if enabled == Some(false) {
                let closing = Closing {
                    code: codes::USER_REMOVED,
                    message: format!("user `{name}` was disabled"),
                };
                shared.sessions.close_user(&name, &closing);
            }
            if let Some(allow) = allow.filter(|a| !a.is_empty()) {
                let closing = Closing {
                    code: codes::ADDRESS_NOT_IN_ALLOW_LIST,
                    message: format!(
                        "the allow-list of user `{name}` no longer includes this address"
                    ),
                };
                shared.sessions.close_user_where(&name, &closing, |peer| {
                    allow.iter().any(|n| n.contains(peer))
                });
            }
            Ok(AdminResponse::User(user.info()))
        }
        AdminRequest::DropUser { name } => {
            if name == who {
                return Err(failed("you cannot drop the user you are connected as"));
            }
            dir.user(&name)
                .map_err(failed)?
                .ok_or_else(|| failed(format!("user `{name}` does not exist")))?;
            let closing = Closing {
                code: codes::USER_REMOVED,
                message: format!("user `{name}` was dropped"),
            };
            let live = live_certificates(shared, &name)?;
            let serials = shared.revoke(&live, &closing).map_err(failed)?;
            dir.drop_user(&name).map_err(failed)?;
            shared.sessions.close_user(&name, &closing);
            Ok(AdminResponse::Done {
                message: format!(
                    "dropped user `{name}` and revoked {} certificate(s)",
                    serials.len()
                ),
            })
        }
        AdminRequest::IssueCertificate {
            user,
            csr,
            addresses,
            valid_days,
        } => issue(shared, &user, &csr, &addresses, valid_days),
        AdminRequest::RevokeCertificate { serial } => {
            let serial = normalise_serial(&serial).map_err(failed)?;
            let record = dir
                .certificate(&issuer_id(shared.authority.subject_der()), &serial)
                .map_err(failed)?
                .ok_or_else(|| failed(format!("no certificate with serial {serial}")))?;
            let closing = Closing {
                code: codes::CERTIFICATE_REVOKED,
                message: format!("certificate {serial} was revoked"),
            };
            let serials = shared.revoke(&[record], &closing).map_err(failed)?;
            Ok(AdminResponse::Revoked { serials })
        }
        AdminRequest::RevokeCertificatesFor { user } => {
            let live = live_certificates(shared, &user)?;
            let closing = Closing {
                code: codes::CERTIFICATE_REVOKED,
                message: format!("the certificates of user `{user}` were revoked"),
            };
            let serials = shared.revoke(&live, &closing).map_err(failed)?;
            Ok(AdminResponse::Revoked { serials })
        }
        AdminRequest::ListUsers => Ok(AdminResponse::Users(
            dir.users()
                .map_err(failed)?
                .iter()
                .map(|u| u.info())
                .collect(),
        )),
        AdminRequest::ListCertificates { user } => Ok(AdminResponse::Certificates(
            dir.certificates(user.as_deref())
                .map_err(failed)?
                .iter()
                .map(|c| c.info())
                .collect(),
        )),
    }
}

fn live_certificates(shared: &Shared, user: &str) -> Result<Vec<CertRecord>, AdminError> {
    Ok(shared
        .directory
        .certificates(Some(user))
        .map_err(failed)?
        .into_iter()
        .filter(|c| c.revoked_at.is_none())
        .collect())
}

/// Signs a certificate request for `user` (the caller's right to was checked).
fn issue(
    shared: &Shared,
    user: &str,
    csr: &[u8],
    addresses: &[IpNet],
    valid_days: u32,
) -> Result<AdminResponse, AdminError> {
    let auth = &shared.config.auth;
    let days = if valid_days == 0 {
        auth.default_valid_days
    } else {
        valid_days
    };
    if days > auth.max_valid_days.min(MAX_VALID_DAYS) {
        return Err(failed(format!(
            "valid {days}d is longer than this server allows ({}d, auth.max_valid_days)",
            auth.max_valid_days
        )));
    }
    if addresses.is_empty() && !auth.allow_unbound_certificates {
        return Err(failed(
            "a certificate needs at least one address or range (ip …); this server refuses unbound certificates",
        ));
    }
    let record_user = shared
        .directory
        .user(user)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("user `{user}` does not exist")))?;
    let issued = shared
        .authority
        .issue_client(csr, &record_user.name, addresses, days)
        .map_err(failed)?;
    let s = &issued.summary;
    let record = CertRecord {
        issuer: issuer_id(&s.issuer_der),
        serial: s.serial.clone(),
        user: record_user.name.clone(),
        not_before: s.not_before,
        not_after: s.not_after,
        addresses: s.addresses.clone(),
        revoked_at: None,
        der: issued.der.clone(),
    };
    shared.directory.add_certificate(&record).map_err(failed)?;
    Ok(AdminResponse::Certificate {
        info: record.info(),
        cert_pem: issued.pem,
        ca_pem: shared.authority.cert_pem().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_checked() {
        for ok in ["alice", "_svc", "a.b-c_1"] {
            check_user_name(ok).unwrap();
        }
        for bad in ["", "1abc", "al ice", "ä", &"a".repeat(65)] {
            assert!(check_user_name(bad).is_err(), "{bad}");
        }
    }
}
