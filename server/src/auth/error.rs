//! Why a verified TLS peer is still refused, or a request is not allowed. Each variant
//! has a stable `A` code from [`kalavar_protocol::codes`]; the client receives it in an
//! `Error` message before the connection closes.

use std::net::IpAddr;

use kalavar_protocol::codes;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("certificate {serial} has no record in the catalog")]
    CertificateUnknown { serial: String },
    #[error("certificate {serial} names `{subject}` but was issued to `{user}`")]
    SubjectMismatch {
        serial: String,
        subject: String,
        user: String,
    },
    #[error("user `{user}` does not exist")]
    UserUnknown { user: String },
    #[error("user `{user}` is disabled")]
    UserDisabled { user: String },
    #[error("address {peer} is not allowed by certificate {serial} (allowed: {allowed})")]
    AddressNotInCertificate {
        peer: IpAddr,
        serial: String,
        allowed: String,
    },
    #[error("address {peer} is not in the allow-list of user `{user}`")]
    AddressNotInAllowList { peer: IpAddr, user: String },
    #[error("certificate {serial} binds no address, and this server refuses unbound certificates")]
    CertificateUnbound { serial: String },
    #[error("certificate {serial} was revoked")]
    CertificateRevoked { serial: String },
    #[error("role `{role}` may not {action}; only dba and root may")]
    PermissionDenied { role: String, action: String },
    #[error("user `{user}` was {what}")]
    UserRemoved { user: String, what: &'static str },
    #[error("the peer certificate cannot be read: {0}")]
    BadCertificate(String),
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::CertificateUnknown { .. } | Self::BadCertificate(_) => codes::CERTIFICATE_UNKNOWN,
            Self::SubjectMismatch { .. } => codes::SUBJECT_MISMATCH,
            Self::UserUnknown { .. } => codes::USER_UNKNOWN,
            Self::UserDisabled { .. } => codes::USER_DISABLED,
            Self::AddressNotInCertificate { .. } => codes::ADDRESS_NOT_IN_CERTIFICATE,
            Self::AddressNotInAllowList { .. } => codes::ADDRESS_NOT_IN_ALLOW_LIST,
            Self::CertificateUnbound { .. } => codes::CERTIFICATE_UNBOUND,
            Self::CertificateRevoked { .. } => codes::CERTIFICATE_REVOKED,
            Self::PermissionDenied { .. } => codes::PERMISSION_DENIED,
            Self::UserRemoved { .. } => codes::USER_REMOVED,
        }
    }
}
