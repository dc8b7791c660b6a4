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
use crate::directory::{Directory, issuer_id};

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

/// Decides who the holder of `cert` (already verified by TLS), connecting from
/// `peer`, is.
pub fn authorize(
    directory: &dyn Directory,
    cert: &CertSummary,
    peer: IpAddr,
    allow_unbound: bool,
) -> Result<Identity, AuthError> {
    let peer = canonical(peer);
    let serial = cert.serial.clone();
    let record = directory
        .certificate(&issuer_id(&cert.issuer_der), &serial)
        .map_err(|e| AuthError::BadCertificate(e.to_string()))?
        .ok_or_else(|| AuthError::CertificateUnknown {
            serial: serial.clone(),
        })?;
    if record.revoked_at.is_some() {
        return Err(AuthError::CertificateRevoked { serial });
    }
    let subject = cert.user.clone().unwrap_or_default();
    if record.user.is_empty() {
        // The record outlived its user: a dropped user's certificate.
        return Err(AuthError::UserUnknown { user: subject });
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{CertRecord, StorageDirectory, UserChange};
    use crate::init::key_and_csr;
    use crate::pki::Authority;
    use kalavar_protocol::net::parse_list;

    struct World {
        _dir: tempfile::TempDir,
        directory: StorageDirectory,
        ca: Authority,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let engine =
            kalavar_storage::Engine::open(dir.path().join("storage"), Default::default()).unwrap();
        let directory = StorageDirectory::new(engine);
        let (ca, _) = Authority::create().unwrap();
        World {
            _dir: dir,
            directory,
            ca,
        }
    }

    /// Issues a certificate naming `subject`, recorded as belonging to `owner`.
    fn issue(w: &World, subject: &str, owner: &str, addrs: &str) -> CertSummary {
        let (_, csr) = key_and_csr(subject).unwrap();
        let issued =
            w.ca.issue_client(&csr, subject, &parse_list(addrs).unwrap(), 1)
                .unwrap();
        let s = issued.summary;
        w.directory
            .add_certificate(&CertRecord {
                issuer: issuer_id(&s.issuer_der),
                serial: s.serial.clone(),
                user: owner.into(),
                not_before: s.not_before,
                not_after: s.not_after,
                addresses: s.addresses.clone(),
                revoked_at: None,
                der: issued.der,
            })
            .unwrap();
        s
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn each_check_has_its_own_refusal() {
        let w = world();
        w.directory.create_user("alice", Role::User, &[]).unwrap();
        let ok = issue(&w, "alice", "alice", "127.0.0.1, 10.0.0.0/8");
        let who = authorize(&w.directory, &ok, ip("::ffff:10.1.2.3"), false).unwrap();
        assert_eq!((who.user.as_str(), who.peer), ("alice", ip("10.1.2.3")));
        let err = |r: Result<Identity, AuthError>| r.unwrap_err().code();

        w.directory.create_user("bob", Role::User, &[]).unwrap();
        let mismatch = issue(&w, "alice", "bob", "127.0.0.1");
        assert_eq!(
            err(authorize(&w.directory, &mismatch, ip("127.0.0.1"), false)),
            "A002"
        );
        // The catalog keeps a dropped user's certificate records (revoked); a
        // certificate that somehow got past the CRL still finds no user.
        w.directory.create_user("zed", Role::User, &[]).unwrap();
        let orphan = issue(&w, "zed", "zed", "127.0.0.1");
        w.directory.drop_user("zed").unwrap();
        assert_eq!(
            err(authorize(&w.directory, &orphan, ip("127.0.0.1"), false)),
            "A003"
        );
        assert_eq!(
            err(authorize(&w.directory, &ok, ip("127.0.0.2"), false)),
            "A005"
        );
        let unbound = issue(&w, "alice", "alice", "");
        assert_eq!(
            err(authorize(&w.directory, &unbound, ip("127.0.0.1"), false)),
            "A007"
        );
        assert!(authorize(&w.directory, &unbound, ip("127.0.0.1"), true).is_ok());

        let allow = UserChange {
            allow: Some(parse_list("10.9.0.0/16").unwrap()),
            ..UserChange::default()
        };
        w.directory.alter_user("alice", &allow).unwrap();
        assert_eq!(
            err(authorize(&w.directory, &ok, ip("10.1.2.3"), false)),
            "A006"
        );
        assert!(authorize(&w.directory, &ok, ip("10.9.1.1"), false).is_ok());

        w.directory
            .alter_user(
                "alice",
                &UserChange {
                    enabled: Some(false),
                    ..UserChange::default()
                },
            )
            .unwrap();
        assert_eq!(
            err(authorize(&w.directory, &ok, ip("10.9.1.1"), false)),
            "A004"
        );

        w.directory
            .revoke_certificate(&issuer_id(&ok.issuer_der), &ok.serial, 1)
            .unwrap();
        assert_eq!(
            err(authorize(&w.directory, &ok, ip("10.9.1.1"), false)),
            "A008"
        );

        let mut stranger = ok.clone();
        stranger.serial = "01".into();
        assert_eq!(
            err(authorize(&w.directory, &stranger, ip("10.9.1.1"), false)),
            "A001"
        );
    }
}
