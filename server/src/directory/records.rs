//! The records and the interface: a user (stable id, name, role, enabled, optional
//! allow-list) and a certificate record (issuer and serial, the user, validity,
//! addresses, when it was revoked, and its DER).

use kalavar_protocol::{CertInfo, IpNet, Role, UserInfo};

/// A user of the database.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: u64,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    /// Empty: no allow-list beyond the certificate's addresses.
    pub allow: Vec<IpNet>,
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq)]
pub struct CertRecord {
    /// The issuing CA, as [`issuer_id`] of its name.
    pub issuer: String,
    /// Canonical hex serial (lowercase, no leading zero bytes).
    pub serial: String,
    /// The user the certificate was issued to; empty once that user has been dropped
    /// (records outlive their user, so the CRL and `system.certificates` stay whole).
    pub user: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    pub addresses: Vec<IpNet>,
    pub revoked_at: Option<i64>,
    pub der: Vec<u8>,
}

/// The catalog's key for an issuer: the first 16 bytes of the SHA-256 of the issuer
/// name's DER, in hex. Certificates name their issuer, so the server finds the record
/// of a presented certificate from the certificate alone.
pub fn issuer_id(issuer_der: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(issuer_der)[..16])
}

/// What `alter user` changes: each `Some` replaces that property.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChange {
    pub role: Option<Role>,
    pub enabled: Option<bool>,
    pub allow: Option<Vec<IpNet>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DirectoryError {
    #[error("user `{0}` already exists")]
    UserExists(String),
    #[error("user `{0}` does not exist")]
    NoSuchUser(String),
    #[error("certificate {0} already recorded")]
    CertExists(String),
    #[error("no certificate with serial {0}")]
    NoSuchCertificate(String),
    #[error("catalog storage: {0}")]
    Storage(String),
}

/// The catalog operations authentication and the admin requests need. Every change
/// is durable when the call returns.
pub trait Directory: Send + Sync + 'static {
    /// Grows with every change; sent to clients in `Welcome`.
    fn generation(&self) -> u64;
    fn user(&self, name: &str) -> Result<Option<UserRecord>, DirectoryError>;
    fn users(&self) -> Result<Vec<UserRecord>, DirectoryError>;
    fn create_user(
        &self,
        name: &str,
        role: Role,
        allow: &[IpNet],
    ) -> Result<UserRecord, DirectoryError>;
    fn alter_user(&self, name: &str, change: &UserChange) -> Result<UserRecord, DirectoryError>;
    /// Removes the user and erases its data; the caller revokes its certificates
    /// first (the catalog may drop their records with the user).
    fn drop_user(&self, name: &str) -> Result<UserRecord, DirectoryError>;
    /// The record of a certificate, by [`issuer_id`] and canonical serial.
    fn certificate(&self, issuer: &str, serial: &str)
    -> Result<Option<CertRecord>, DirectoryError>;
    /// All certificates, or those of one user.
    fn certificates(&self, user: Option<&str>) -> Result<Vec<CertRecord>, DirectoryError>;
    fn add_certificate(&self, record: &CertRecord) -> Result<(), DirectoryError>;
    /// Marks a certificate revoked at `at` (seconds); revoking twice keeps the first
    /// time. Returns the record after the change.
    fn revoke_certificate(
        &self,
        issuer: &str,
        serial: &str,
        at: i64,
    ) -> Result<CertRecord, DirectoryError>;
}

impl UserRecord {
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id,
            name: self.name.clone(),
            role: self.role,
            enabled: self.enabled,
            allow: self.allow.clone(),
        }
    }
}

impl CertRecord {
    pub fn info(&self) -> CertInfo {
        CertInfo {
            serial: self.serial.clone(),
            user: self.user.clone(),
            not_before: self.not_before,
            not_after: self.not_after,
            addresses: self.addresses.clone(),
            revoked_at: self.revoked_at,
        }
    }
}
