//! What every connection shares: the configuration, the catalog's directory, the CA,
//! the revocable TLS verifier and the session registry. [`Shared::revoke`] is the one
//! path by which certificates stop working: catalog first, then a new CRL on disk and
//! in the verifier (new handshakes fail from here on), then the open sessions close.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::db::Database;
use crate::directory::{CertRecord, Directory, issuer_id};
use crate::error::ServerError;
use crate::paths::DataDir;
use crate::pki::files::write_public;
use crate::pki::{Authority, RevokedEntry};
use crate::session::{Closing, Registry};
use crate::tls::RevocableVerifier;

pub struct Shared {
    pub config: Config,
    pub data: DataDir,
    pub directory: Arc<dyn Directory>,
    pub authority: Authority,
    pub verifier: Arc<RevocableVerifier>,
    pub sessions: Arc<Registry>,
    /// The database statements run against.
    pub db: Arc<Database>,
    /// Serialises revocations so CRLs are written in order.
    crl_lock: Mutex<()>,
    next_session: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

/// Signs a CRL of every revoked certificate in the directory.
pub fn build_crl(
    directory: &dyn Directory,
    authority: &Authority,
) -> Result<(Vec<u8>, String), ServerError> {
    let ours = issuer_id(authority.subject_der());
    let revoked: Vec<RevokedEntry> = directory
        .certificates(None)
        .map_err(|e| ServerError::Catalog(e.to_string()))?
        .into_iter()
        .filter(|r| r.issuer == ours)
        .filter_map(|r| {
            r.revoked_at.map(|at| RevokedEntry {
                serial: r.serial,
                revoked_at: at,
            })
        })
        .collect();
    authority.crl(&revoked)
}

impl Shared {
    pub fn new(
        config: Config,
        data: DataDir,
        directory: Arc<dyn Directory>,
        db: Arc<Database>,
        authority: Authority,
        verifier: Arc<RevocableVerifier>,
    ) -> Self {
        Self {
            config,
            data,
            directory,
            authority,
            verifier,
            sessions: Arc::new(Registry::default()),
            db,
            crl_lock: Mutex::new(()),
            next_session: AtomicU64::new(1),
        }
    }

    pub fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// Rebuilds the CRL from the catalog, writes it and hands it to the verifier.
    pub fn refresh_crl(&self) -> Result<(), ServerError> {
        let _order = self.crl_lock.lock().expect("CRL lock");
        let (der, pem) = build_crl(self.directory.as_ref(), &self.authority)?;
        write_public(&self.data.crl(), pem.as_bytes())?;
        self.verifier.set_crl(&der)
    }

    /// Revokes `records`, refreshes the CRL and closes their sessions with `closing`.
    /// Returns the serials revoked.
    pub fn revoke(
        &self,
        records: &[CertRecord],
        closing: &Closing,
    ) -> Result<Vec<String>, ServerError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for r in records {
            self.directory
                .revoke_certificate(&r.issuer, &r.serial, now)
                .map_err(|e| ServerError::Catalog(e.to_string()))?;
        }
        self.refresh_crl()?;
        for r in records {
            self.sessions.close_serial(&r.serial, closing);
        }
        Ok(records.iter().map(|r| r.serial.clone()).collect())
    }
}
