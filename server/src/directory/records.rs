//! The records and the interface: a user (stable id, name, role, enabled, optional
//! allow-list) and a certificate record (issuer and serial, the user, validity,
//! addresses, when it was revoked, and its DER).

use kalavar_protocol::{CertInfo, IpNet, Role, UserInfo};

/// A user of the database.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserRecord {
    pub id: u64,
    pub name: String,
    #[serde(with = "role_text")]
    pub role: Role,
    pub enabled: bool,
    /// Empty: no allow-list beyond the certificate's addresses.
    #[serde(with = "nets_text")]
    pub allow: Vec<IpNet>,
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CertRecord {
    /// The issuer name (DER, hex in the file).
    #[serde(with = "hex_bytes")]
    pub issuer: Vec<u8>,
    /// Canonical hex serial.
    pub serial: String,
    pub user: String,
    pub not_before: i64,
    pub not_after: i64,
    #[serde(with = "nets_text")]
    pub addresses: Vec<IpNet>,
    pub revoked_at: Option<i64>,
    #[serde(with = "hex_bytes")]
    pub der: Vec<u8>,
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
    /// Removes the user; its certificate records stay (revoked by the caller first).
    fn drop_user(&self, name: &str) -> Result<UserRecord, DirectoryError>;
    fn certificate(
        &self,
        issuer: &[u8],
        serial: &str,
    ) -> Result<Option<CertRecord>, DirectoryError>;
    /// All certificates, or those of one user.
    fn certificates(&self, user: Option<&str>) -> Result<Vec<CertRecord>, DirectoryError>;
    fn add_certificate(&self, record: &CertRecord) -> Result<(), DirectoryError>;
    /// Marks a certificate revoked at `at` (seconds); revoking twice keeps the first
    /// time. Returns the record after the change.
    fn revoke_certificate(
        &self,
        issuer: &[u8],
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

mod role_text {
    use kalavar_protocol::Role;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(r: &Role, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

mod nets_text {
    use kalavar_protocol::IpNet;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[IpNet], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(ToString::to_string))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
