//! Admin requests: users and certificates. They stand in for the KQL statements
//! (`create user`, `issue certificate`, `revoke …`) until the statement path exists,
//! and stay as the typed form those statements compile to. Only `dba` and `root` may
//! send them.

use crate::error::ProtocolError;
use crate::limits::{
    MAX_ADDRESSES, MAX_CERT_BYTES, MAX_LIST_ENTRIES, MAX_MESSAGE_BYTES, MAX_NAME_BYTES,
};
use crate::net::IpNet;
use crate::role::Role;
use crate::wire::{Reader, Writer};

/// A request to change users or certificates.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminRequest {
    /// `create user NAME role ROLE [ip …]`
    CreateUser {
        name: String,
        role: Role,
        allow: Vec<IpNet>,
    },
    /// `alter user NAME …`: each `Some` changes that property; an empty allow-list
    /// removes it.
    AlterUser {
        name: String,
        role: Option<Role>,
        enabled: Option<bool>,
        allow: Option<Vec<IpNet>>,
    },
    /// `drop user NAME`: revokes every certificate of the user and closes its sessions.
    DropUser { name: String },
    /// `issue certificate for USER csr $csr ip … valid Nd`: `csr` is the DER of a
    /// PKCS#10 request; only its public key is used.
    IssueCertificate {
        user: String,
        csr: Vec<u8>,
        addresses: Vec<IpNet>,
        valid_days: u32,
    },
    /// `revoke certificate SERIAL` (hex, as `kalavar cert show` prints it).
    RevokeCertificate { serial: String },
    /// `revoke certificates for USER`.
    RevokeCertificatesFor { user: String },
    /// `show users`.
    ListUsers,
    /// Certificates of one user, or all.
    ListCertificates { user: Option<String> },
}

/// A user as the catalog holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    pub id: u64,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    /// The user's own allow-list; empty means none beyond the certificate's.
    pub allow: Vec<IpNet>,
}

/// A certificate record, without its DER.
#[derive(Debug, Clone, PartialEq)]
pub struct CertInfo {
    /// Hex, lowercase, no separators.
    pub serial: String,
    pub user: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    pub addresses: Vec<IpNet>,
    pub revoked_at: Option<i64>,
}

/// The answer to an admin request.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminResponse {
    /// Done; the message says what changed.
    Done {
        message: String,
    },
    /// A user after create or alter.
    User(UserInfo),
    /// A newly issued certificate, with the CA certificate the client trusts.
    Certificate {
        info: CertInfo,
        cert_pem: String,
        ca_pem: String,
    },
    /// Serials revoked by this request.
    Revoked {
        serials: Vec<String>,
    },
    Users(Vec<UserInfo>),
    Certificates(Vec<CertInfo>),
}

fn encode_nets(w: &mut Writer, nets: &[IpNet]) {
    w.list(nets, |w, n| match n.addr() {
        std::net::IpAddr::V4(a) => {
            w.u8(4);
            w.raw(&a.octets());
            w.u8(n.prefix());
        }
        std::net::IpAddr::V6(a) => {
            w.u8(6);
            w.raw(&a.octets());
            w.u8(n.prefix());
        }
    });
}

fn decode_nets(r: &mut Reader<'_>) -> Result<Vec<IpNet>, ProtocolError> {
    r.list(MAX_ADDRESSES, 6, "addresses", |r| {
        let addr: std::net::IpAddr = match r.u8("address family")? {
            4 => <[u8; 4]>::try_from(r.raw(4, "IPv4 address")?)
                .expect("4 bytes")
                .into(),
            6 => <[u8; 16]>::try_from(r.raw(16, "IPv6 address")?)
                .expect("16 bytes")
                .into(),
            other => return Err(r.invalid("address family", format!("{other}, expected 4 or 6"))),
        };
        let prefix = r.u8("prefix length")?;
        IpNet::new(addr, prefix).map_err(|e| r.invalid("prefix length", e))
    })
}

fn encode_role(w: &mut Writer, role: Role) {
    w.u8(role.tag());
}

fn decode_role(r: &mut Reader<'_>) -> Result<Role, ProtocolError> {
    let tag = r.u8("role")?;
    Role::from_tag(tag).ok_or_else(|| r.invalid("role", format!("unknown role tag {tag}")))
}

fn name(r: &mut Reader<'_>, field: &'static str) -> Result<String, ProtocolError> {
    r.str(MAX_NAME_BYTES, field)
}

impl AdminRequest {
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            AdminRequest::CreateUser { name, role, allow } => {
                w.u8(1);
                w.str(name);
                encode_role(w, *role);
                encode_nets(w, allow);
            }
            AdminRequest::AlterUser {
                name,
                role,
                enabled,
                allow,
            } => {
                w.u8(2);
                w.str(name);
                w.option(role.as_ref(), |w, r| encode_role(w, *r));
                w.option(enabled.as_ref(), |w, e| w.bool(*e));
                w.option(allow.as_ref(), |w, a| encode_nets(w, a));
            }
            AdminRequest::DropUser { name } => {
                w.u8(3);
                w.str(name);
            }
            AdminRequest::IssueCertificate {
                user,
                csr,
                addresses,
                valid_days,
            } => {
                w.u8(4);
                w.str(user);
                w.bytes(csr);
                encode_nets(w, addresses);
                w.u32(*valid_days);
            }
            AdminRequest::RevokeCertificate { serial } => {
                w.u8(5);
                w.str(serial);
            }
            AdminRequest::RevokeCertificatesFor { user } => {
                w.u8(6);
                w.str(user);
            }
            AdminRequest::ListUsers => w.u8(7),
            AdminRequest::ListCertificates { user } => {
                w.u8(8);
                w.option(user.as_ref(), |w, u| w.str(u));
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(match r.u8("admin request tag")? {
            1 => AdminRequest::CreateUser {
                name: name(r, "user name")?,
                role: decode_role(r)?,
                allow: decode_nets(r)?,
            },
            2 => AdminRequest::AlterUser {
                name: name(r, "user name")?,
                role: r.option("role present", decode_role)?,
                enabled: r.option("enabled present", |r| r.bool("enabled"))?,
                allow: r.option("allow-list present", decode_nets)?,
            },
            3 => AdminRequest::DropUser {
                name: name(r, "user name")?,
            },
            4 => AdminRequest::IssueCertificate {
                user: name(r, "user name")?,
                csr: r.bytes(MAX_CERT_BYTES, "CSR")?.to_vec(),
                addresses: decode_nets(r)?,
                valid_days: r.u32("valid days")?,
            },
            5 => AdminRequest::RevokeCertificate {
                serial: name(r, "serial")?,
            },
            6 => AdminRequest::RevokeCertificatesFor {
                user: name(r, "user name")?,
            },
            7 => AdminRequest::ListUsers,
            8 => AdminRequest::ListCertificates {
                user: r.option("user present", |r| name(r, "user name"))?,
            },
            other => {
                return Err(r.invalid(
                    "admin request tag",
                    format!("unknown admin request {other}"),
                ));
            }
        })
    }
}

fn encode_user(w: &mut Writer, u: &UserInfo) {
    w.u64(u.id);
    w.str(&u.name);
    encode_role(w, u.role);
    w.bool(u.enabled);
    encode_nets(w, &u.allow);
}

fn decode_user(r: &mut Reader<'_>) -> Result<UserInfo, ProtocolError> {
    Ok(UserInfo {
        id: r.u64("user id")?,
        name: name(r, "user name")?,
        role: decode_role(r)?,
        enabled: r.bool("enabled")?,
        allow: decode_nets(r)?,
    })
}

fn encode_cert(w: &mut Writer, c: &CertInfo) {
    w.str(&c.serial);
    w.str(&c.user);
    w.i64(c.not_before);
    w.i64(c.not_after);
    encode_nets(w, &c.addresses);
    w.option(c.revoked_at.as_ref(), |w, t| w.i64(*t));
}

fn decode_cert(r: &mut Reader<'_>) -> Result<CertInfo, ProtocolError> {
    Ok(CertInfo {
        serial: name(r, "serial")?,
        user: name(r, "user name")?,
        not_before: r.i64("not before")?,
        not_after: r.i64("not after")?,
        addresses: decode_nets(r)?,
        revoked_at: r.option("revoked present", |r| r.i64("revoked at"))?,
    })
}

impl AdminResponse {
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            AdminResponse::Done { message } => {
                w.u8(1);
                w.str(message);
            }
            AdminResponse::User(u) => {
                w.u8(2);
                encode_user(w, u);
            }
            AdminResponse::Certificate {
                info,
                cert_pem,
                ca_pem,
            } => {
                w.u8(3);
                encode_cert(w, info);
                w.str(cert_pem);
                w.str(ca_pem);
            }
            AdminResponse::Revoked { serials } => {
                w.u8(4);
                w.list(serials, |w, s| w.str(s));
            }
            AdminResponse::Users(users) => {
                w.u8(5);
                w.list(users, encode_user);
            }
            AdminResponse::Certificates(certs) => {
                w.u8(6);
                w.list(certs, encode_cert);
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(match r.u8("admin response tag")? {
            1 => AdminResponse::Done {
                message: r.str(MAX_MESSAGE_BYTES, "message")?,
            },
            2 => AdminResponse::User(decode_user(r)?),
            3 => AdminResponse::Certificate {
                info: decode_cert(r)?,
                cert_pem: r.str(MAX_CERT_BYTES, "certificate")?,
                ca_pem: r.str(MAX_CERT_BYTES, "CA certificate")?,
            },
            4 => AdminResponse::Revoked {
                serials: r.list(MAX_LIST_ENTRIES, 4, "serials", |r| name(r, "serial"))?,
            },
            // A user takes at least 8 + 4 + 1 + 1 + 4 bytes, a certificate 4 + 4 + 8 + 8 + 4 + 1.
            5 => AdminResponse::Users(r.list(MAX_LIST_ENTRIES, 18, "users", decode_user)?),
            6 => AdminResponse::Certificates(r.list(
                MAX_LIST_ENTRIES,
                29,
                "certificates",
                decode_cert,
            )?),
            other => {
                return Err(r.invalid(
                    "admin response tag",
                    format!("unknown admin response {other}"),
                ));
            }
        })
    }
}
