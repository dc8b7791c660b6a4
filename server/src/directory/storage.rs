//! [`StorageDirectory`]: the [`Directory`] over the storage engine's catalog. Users
//! and certificate records are catalog entries there (every change one fsynced
//! RocksDB batch); this adapter translates names to ids, CIDR text to [`IpNet`],
//! microseconds to seconds, and serials between the catalog's upper-case form and the
//! protocol's lowercase one.

use kalavar_protocol::{IpNet, Role};
use kalavar_storage::{self as storage, CertificateRecord, Engine, UserId, UserSpec};

use super::records::{CertRecord, Directory, DirectoryError, UserChange, UserRecord};

/// The directory over an open engine.
#[derive(Clone)]
pub struct StorageDirectory {
    engine: Engine,
}

impl std::fmt::Debug for StorageDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageDirectory")
            .field("dir", &self.engine.dir())
            .finish()
    }
}

fn failed(e: storage::StorageError) -> DirectoryError {
    DirectoryError::Storage(e.to_string())
}

fn to_storage_role(role: Role) -> storage::Role {
    match role {
        Role::User => storage::Role::User,
        Role::Service => storage::Role::Service,
        Role::Dba => storage::Role::Dba,
        Role::Root => storage::Role::Root,
    }
}

fn from_storage_role(role: storage::Role) -> Role {
    match role {
        storage::Role::User => Role::User,
        storage::Role::Service => Role::Service,
        storage::Role::Dba => Role::Dba,
        storage::Role::Root => Role::Root,
    }
}

fn nets_to_text(nets: &[IpNet]) -> Vec<String> {
    nets.iter()
        .map(|n| format!("{}/{}", n.addr(), n.prefix()))
        .collect()
}

fn nets_from_text(texts: &[String]) -> Result<Vec<IpNet>, DirectoryError> {
    texts
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|e: String| DirectoryError::Storage(format!("catalog address: {e}")))
        })
        .collect()
}

fn user_record(u: &storage::UserRecord) -> Result<UserRecord, DirectoryError> {
    Ok(UserRecord {
        id: u.id.0,
        name: u.name.clone(),
        role: from_storage_role(u.role),
        enabled: u.enabled,
        allow: nets_from_text(&u.allowed_ips)?,
    })
}

impl StorageDirectory {
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn id_of(&self, name: &str) -> Result<UserId, DirectoryError> {
        self.engine
            .catalog()
            .user_by_name(name)
            .map(|u| u.id)
            .ok_or_else(|| DirectoryError::NoSuchUser(name.to_owned()))
    }

    fn cert_record(&self, c: &CertificateRecord) -> Result<CertRecord, DirectoryError> {
        let catalog = self.engine.catalog();
        let user = catalog
            .user(c.user)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        Ok(CertRecord {
            issuer: c.issuer_key_id.clone(),
            serial: c.serial.to_ascii_lowercase(),
            user,
            not_before: c.not_before_us.div_euclid(1_000_000),
            not_after: c.not_after_us.div_euclid(1_000_000),
            addresses: nets_from_text(&c.addresses)?,
            revoked_at: c.revoked_at_us.map(|t| t.div_euclid(1_000_000)),
            der: c.der.clone(),
        })
    }
}

impl Directory for StorageDirectory {
    fn generation(&self) -> u64 {
        self.engine.catalog().generation()
    }

    fn user(&self, name: &str) -> Result<Option<UserRecord>, DirectoryError> {
        self.engine
            .catalog()
            .user_by_name(name)
            .map(user_record)
            .transpose()
    }

    fn users(&self) -> Result<Vec<UserRecord>, DirectoryError> {
        self.engine.catalog().users().map(user_record).collect()
    }

    fn create_user(
        &self,
        name: &str,
        role: Role,
        allow: &[IpNet],
    ) -> Result<UserRecord, DirectoryError> {
        if self.engine.catalog().user_by_name(name).is_some() {
            return Err(DirectoryError::UserExists(name.to_owned()));
        }
        let spec = UserSpec {
            name: name.to_owned(),
            role: to_storage_role(role),
            enabled: true,
            allowed_ips: nets_to_text(allow),
        };
        user_record(&self.engine.create_user(&spec).map_err(failed)?)
    }

    fn alter_user(&self, name: &str, change: &UserChange) -> Result<UserRecord, DirectoryError> {
        let id = self.id_of(name)?;
        let change = storage::UserChange {
            role: change.role.map(to_storage_role),
            enabled: change.enabled,
            allowed_ips: change.allow.as_deref().map(nets_to_text),
        };
        user_record(&self.engine.alter_user(id, &change).map_err(failed)?)
    }

    fn drop_user(&self, name: &str) -> Result<UserRecord, DirectoryError> {
        let id = self.id_of(name)?;
        let record = self
            .user(name)?
            .ok_or_else(|| DirectoryError::NoSuchUser(name.to_owned()))?;
        self.engine.drop_user(id).map_err(failed)?;
        Ok(record)
    }

    fn certificate(
        &self,
        issuer: &str,
        serial: &str,
    ) -> Result<Option<CertRecord>, DirectoryError> {
        match self.engine.get_certificate(issuer, serial) {
            Some(c) => self.cert_record(&c).map(Some),
            None => Ok(None),
        }
    }

    fn certificates(&self, user: Option<&str>) -> Result<Vec<CertRecord>, DirectoryError> {
        let records: Vec<CertificateRecord> = match user {
            Some(name) => match self.engine.catalog().user_by_name(name) {
                Some(u) => self.engine.certificates_of(u.id),
                None => Vec::new(),
            },
            None => self.engine.catalog().certificates().cloned().collect(),
        };
        records.iter().map(|c| self.cert_record(c)).collect()
    }

    fn add_certificate(&self, record: &CertRecord) -> Result<(), DirectoryError> {
        if self
            .engine
            .get_certificate(&record.issuer, &record.serial)
            .is_some()
        {
            return Err(DirectoryError::CertExists(record.serial.clone()));
        }
        let user = self.id_of(&record.user)?;
        self.engine
            .put_certificate(CertificateRecord {
                issuer_key_id: record.issuer.clone(),
                serial: record.serial.to_ascii_uppercase(),
                user,
                not_before_us: record.not_before.saturating_mul(1_000_000),
                not_after_us: record.not_after.saturating_mul(1_000_000),
                addresses: nets_to_text(&record.addresses),
                revoked_at_us: record.revoked_at.map(|t| t.saturating_mul(1_000_000)),
                der: record.der.clone(),
            })
            .map_err(failed)?;
        Ok(())
    }

    fn revoke_certificate(
        &self,
        issuer: &str,
        serial: &str,
        at: i64,
    ) -> Result<CertRecord, DirectoryError> {
        if self.engine.get_certificate(issuer, serial).is_none() {
            return Err(DirectoryError::NoSuchCertificate(serial.to_owned()));
        }
        let c = self
            .engine
            .revoke_certificate(issuer, serial, at.saturating_mul(1_000_000))
            .map_err(failed)?;
        self.cert_record(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kalavar_storage::EngineOptions;

    fn cert(serial: &str, user: &str) -> CertRecord {
        CertRecord {
            issuer: "00ff".into(),
            serial: serial.into(),
            user: user.into(),
            not_before: 0,
            not_after: 10,
            addresses: vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()],
            revoked_at: None,
            der: vec![0x30],
        }
    }

    #[test]
    fn users_and_certificates_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storage");
        let generation;
        {
            let d = StorageDirectory::new(Engine::open(&path, EngineOptions::default()).unwrap());
            let alice = d.create_user("alice", Role::User, &[]).unwrap();
            let bob = d
                .create_user("bob", Role::Dba, &["10.0.0.0/8".parse().unwrap()])
                .unwrap();
            assert_ne!(alice.id, bob.id);
            assert_eq!(
                d.create_user("alice", Role::User, &[]),
                Err(DirectoryError::UserExists("alice".into()))
            );
            d.add_certificate(&cert("4a0b", "alice")).unwrap();
            assert!(d.add_certificate(&cert("4a0b", "alice")).is_err());
            assert_eq!(
                d.revoke_certificate("00ff", "4a0b", 5).unwrap().revoked_at,
                Some(5)
            );
            assert_eq!(
                d.revoke_certificate("00ff", "4a0b", 9).unwrap().revoked_at,
                Some(5)
            );
            assert!(d.revoke_certificate("00ff", "77", 9).is_err());
            d.alter_user(
                "alice",
                &UserChange {
                    enabled: Some(false),
                    ..UserChange::default()
                },
            )
            .unwrap();
            d.drop_user("bob").unwrap();
            generation = d.generation();
        }
        let d = StorageDirectory::new(Engine::open(&path, EngineOptions::default()).unwrap());
        assert_eq!(d.generation(), generation);
        assert!(!d.user("alice").unwrap().unwrap().enabled);
        assert_eq!(d.user("bob").unwrap(), None);
        let c = d.certificate("00ff", "4a0b").unwrap().unwrap();
        assert_eq!(
            (c.user.as_str(), c.serial.as_str(), c.revoked_at),
            ("alice", "4a0b", Some(5))
        );
        assert_eq!(c.addresses, cert("4a0b", "alice").addresses);
        assert_eq!(d.certificates(Some("alice")).unwrap().len(), 1);
        assert_eq!(d.certificates(Some("nobody")).unwrap(), vec![]);
        let carol = d.create_user("carol", Role::User, &[]).unwrap();
        assert!(d.users().unwrap().iter().any(|u| u.id == carol.id));
    }
}
