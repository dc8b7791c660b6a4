//! Loading a client profile directory (layout in [`kalavar_protocol::profile`]) and
//! turning it into a rustls client configuration: TLS 1.3 only, ring, the profile's
//! CA as the only trust anchor, the profile's certificate and key as the client
//! identity. Like the server, the client refuses a key file readable by others.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kalavar_protocol::profile::{CA_FILE, CERT_FILE, KEY_FILE, SETTINGS_FILE};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::error::ClientError;

/// A loaded profile.
#[derive(Debug)]
pub struct Profile {
    pub dir: PathBuf,
    /// `HOST:PORT` to dial.
    pub server: String,
    /// The name to verify the server certificate against; defaults to the host of
    /// `server`.
    pub server_name: Option<String>,
    pub cert_chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub ca: CertificateDer<'static>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    server: String,
    server_name: Option<String>,
}

fn err(path: &Path, message: impl std::fmt::Display) -> ClientError {
    ClientError::Profile {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|e| err(path, format!("cannot read: {e}")))
}

impl Profile {
    /// Loads the profile in `dir`.
    pub fn load(dir: &Path) -> Result<Self, ClientError> {
        let settings_path = dir.join(SETTINGS_FILE);
        let text = String::from_utf8(read(&settings_path)?)
            .map_err(|_| err(&settings_path, "not UTF-8"))?;
        let settings: Settings =
            toml::from_str(&text).map_err(|e| err(&settings_path, e.to_string().trim_end()))?;
        let key_path = dir.join(KEY_FILE);
        let mode = std::fs::metadata(&key_path)
            .map_err(|e| err(&key_path, format!("cannot read: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(err(
                &key_path,
                format!(
                    "readable by group or others (mode {:04o}); run `chmod 600 {}`",
                    mode & 0o777,
                    key_path.display()
                ),
            ));
        }
        let key =
            PrivateKeyDer::from_pem_slice(&read(&key_path)?).map_err(|e| err(&key_path, e))?;
        let cert_path = dir.join(CERT_FILE);
        let cert_chain = CertificateDer::pem_slice_iter(&read(&cert_path)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(&cert_path, e))?;
        if cert_chain.is_empty() {
            return Err(err(&cert_path, "no certificate"));
        }
        let ca_path = dir.join(CA_FILE);
        let ca = CertificateDer::from_pem_slice(&read(&ca_path)?).map_err(|e| err(&ca_path, e))?;
        Ok(Self {
            dir: dir.to_owned(),
            server: settings.server,
            server_name: settings.server_name,
            cert_chain,
            key,
            ca,
        })
    }

    /// The name the server certificate must carry.
    pub fn server_name(&self) -> Result<ServerName<'static>, ClientError> {
        let host = match &self.server_name {
            Some(n) => n.clone(),
            None => host_of(&self.server).to_owned(),
        };
        ServerName::try_from(host.clone())
            .map_err(|_| err(&self.dir, format!("`{host}` is not a server name")))
    }

    /// The TLS configuration for this profile.
    pub fn tls_config(&self) -> Result<Arc<ClientConfig>, ClientError> {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca.clone())
            .map_err(|e| err(&self.dir.join(CA_FILE), e))?;
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(&[&rustls::version::TLS13])
                .map_err(ClientError::Tls)?
                .with_root_certificates(roots)
                .with_client_auth_cert(self.cert_chain.clone(), self.key.clone_key())
                .map_err(|e| err(&self.dir, format!("certificate and key do not match: {e}")))?;
        Ok(Arc::new(config))
    }
}

/// The host part of `HOST:PORT`, `[V6]:PORT`.
pub fn host_of(server: &str) -> &str {
    let host = match server.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => server,
    };
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_split_from_ports() {
        assert_eq!(host_of("127.0.0.1:7171"), "127.0.0.1");
        assert_eq!(host_of("[::1]:7171"), "::1");
        assert_eq!(host_of("db.example:1"), "db.example");
    }

    #[test]
    fn a_missing_profile_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = Profile::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("profile.toml"), "{e}");
    }
}
