//! The layout of a data directory. Every path the server reads or writes there is
//! named here.
//!
//! ```text
//! DIR/                      0700
//!   pki/ca.crt ca.key       the CA (key 0600)
//!   pki/server.crt .key     the server certificate and key (key 0600)
//!   pki/crl.pem             the current CRL, rewritten on every revocation
//!   profiles/root/          the root user's client profile (see kalavar_protocol::profile)
//!   storage/                the storage engine: tables and the catalog (users,
//!                           certificate records); see docs/storage.md
//! ```

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn pki(&self) -> PathBuf {
        self.root.join("pki")
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.pki().join("ca.crt")
    }

    pub fn ca_key(&self) -> PathBuf {
        self.pki().join("ca.key")
    }

    pub fn server_cert(&self) -> PathBuf {
        self.pki().join("server.crt")
    }

    pub fn server_key(&self) -> PathBuf {
        self.pki().join("server.key")
    }

    pub fn crl(&self) -> PathBuf {
        self.pki().join("crl.pem")
    }

    pub fn profiles(&self) -> PathBuf {
        self.root.join("profiles")
    }

    pub fn storage(&self) -> PathBuf {
        self.root.join("storage")
    }

    /// Whether `kalavard init` has run here.
    pub fn is_initialised(&self) -> bool {
        self.ca_cert().exists()
    }

    /// Key files whose permissions start-up checks.
    pub fn key_files(&self) -> Vec<PathBuf> {
        let mut keys = vec![self.ca_key(), self.server_key()];
        if let Ok(entries) = std::fs::read_dir(self.profiles()) {
            for entry in entries.flatten() {
                let key = entry.path().join(kalavar_protocol::profile::KEY_FILE);
                if key.exists() {
                    keys.push(key);
                }
            }
        }
        keys
    }
}
