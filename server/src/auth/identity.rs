//! Who a peer is. TLS has already proven the certificate chains to our CA, is within
//! its validity, is not in the CRL and is meant for client authentication; this step
//! then requires, in order:
//!
//! 1. a catalog record for the certificate's issuer and serial (A001), not revoked
//!    (A008: covers the moment between a revocation and the CRL swap);
//! 2. the subject CN to be the user the record names (A002);
//! 3. that user to exist (A003) and be enabled (A004);
//! 4. the peer address, IPv4-mapped IPv6 canonicalised, to be one of the
//!    certificate's IP SANs or ranges (A005), or, when the certificate binds no address,
//!    the server to allow that (A007);
//! 5. the peer address to be in the user's own allow-list when it has one (A006).
//!
//! The resulting [`Identity`] is fixed for the session: nothing the client sends
//! later changes it.

use std::net::IpAddr;

use kalavar_protocol::net::canonical;
use kalavar_protocol::{CertSummary, Role};

use super::error::AuthError;
use crate::directory::Directory;

/// The authenticated user of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub user: String,
    pub user_id: u64,
    pub role: Role,
    /// Canonical hex serial of the certificate the session was opened with.
    pub serial: String,
    /// The peer address, canonical.
    pub peer: IpAddr,
}

/// Decides who the holder of `cert_der`, connecting from `peer`, is.
pub fn authorize(
    directory: &dyn Directory,
    cert_der: &[u8],
    peer: IpAddr,
    allow_unbound: bool,
) -> Result<Identity, AuthError> {
    let peer = canonical(peer);
    let cert = CertSummary::parse(cert_der).map_err(AuthError::BadCertificate)?;
    let serial = cert.serial.clone();
    let record = directory
        .certificate(&cert.issuer_der, &serial)
        .map_err(|e| AuthError::BadCertificate(e.to_string()))?
        .ok_or_else(|| AuthError::CertificateUnknown {
            serial: serial.clone(),
        })?;
    if record.revoked_at.is_some() {
        return Err(AuthError::CertificateRevoked { serial });
    }
    let subject = cert.user.clone().unwrap_or_default();
    if subject != record.user {
        return Err(AuthError::SubjectMismatch {
            serial,
            subject,
            user: record.user,
        });
    }
    let user = directory
        .user(&record.user)
        .map_err(|e| AuthError::BadCertificate(e.to_string()))?
        .ok_or_else(|| AuthError::UserUnknown {
            user: record.user.clone(),
        })?;
    if !user.enabled {
        return Err(AuthError::UserDisabled { user: user.name });
    }
    if cert.addresses.is_empty() {
        if !allow_unbound {
            return Err(AuthError::CertificateUnbound { serial });
        }
    } else if !cert.addresses.iter().any(|net| net.contains(peer)) {
        let allowed: Vec<String> = cert.addresses.iter().map(ToString::to_string).collect();
        return Err(AuthError::AddressNotInCertificate {
            peer,
            serial,
            allowed: allowed.join(", "),
        });
    }
    if !user.allow.is_empty() && !user.allow.iter().any(|net| net.contains(peer)) {
        return Err(AuthError::AddressNotInAllowList {
            peer,
            user: user.name,
        });
    }
    Ok(Identity {
        user: user.name,
        user_id: user.id,
        role: user.role,
        serial,
        peer,
    })
}
