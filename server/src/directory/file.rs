//! [`FileDirectory`]: the users and certificate records in one JSON file
//! (`DIR/catalog/directory.json`), held in memory and rewritten atomically (temporary
//! file, fsync, rename) on every change. Small and durable; the storage engine's
//! catalog replaces it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use kalavar_protocol::{IpNet, Role};

use super::records::{CertRecord, Directory, DirectoryError, UserChange, UserRecord};
use crate::pki::files::write_secret;

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Contents {
    generation: u64,
    next_user_id: u64,
    users: Vec<UserRecord>,
    certificates: Vec<CertRecord>,
}

/// The JSON-file directory.
#[derive(Debug)]
pub struct FileDirectory {
    path: PathBuf,
    contents: Mutex<Contents>,
}

impl FileDirectory {
    /// Opens the file, or starts empty when it does not exist.
    pub fn open(path: &Path) -> Result<Self, DirectoryError> {
        let contents = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| DirectoryError::Storage(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Contents {
                next_user_id: 1,
                ..Contents::default()
            },
            Err(e) => return Err(DirectoryError::Storage(format!("{}: {e}", path.display()))),
        };
        Ok(Self {
            path: path.to_owned(),
            contents: Mutex::new(contents),
        })
    }

    /// Applies `change` to a copy, writes the copy, and only then makes it current,
    /// so a failed write changes nothing.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Contents) -> Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        let mut guard = self.contents.lock().expect("directory lock");
        let mut next = Contents {
            generation: guard.generation + 1,
            next_user_id: guard.next_user_id,
            users: guard.users.clone(),
            certificates: guard.certificates.clone(),
        };
        let out = change(&mut next)?;
        let bytes =
            serde_json::to_vec_pretty(&next).map_err(|e| DirectoryError::Storage(e.to_string()))?;
        write_secret(&self.path, &bytes).map_err(|e| DirectoryError::Storage(e.to_string()))?;
        *guard = next;
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&Contents) -> T) -> T {
        f(&self.contents.lock().expect("directory lock"))
    }
}

impl Directory for FileDirectory {
    fn generation(&self) -> u64 {
        self.read(|c| c.generation)
    }

    fn user(&self, name: &str) -> Result<Option<UserRecord>, DirectoryError> {
        Ok(self.read(|c| c.users.iter().find(|u| u.name == name).cloned()))
    }

    fn users(&self) -> Result<Vec<UserRecord>, DirectoryError> {
        Ok(self.read(|c| c.users.clone()))
    }

    fn create_user(
        &self,
        name: &str,
        role: Role,
        allow: &[IpNet],
    ) -> Result<UserRecord, DirectoryError> {
        self.update(|c| {
            if c.users.iter().any(|u| u.name == name) {
                return Err(DirectoryError::UserExists(name.to_owned()));
            }
            let user = UserRecord {
                id: c.next_user_id,
                name: name.to_owned(),
                role,
                enabled: true,
                allow: allow.to_vec(),
            };
            c.next_user_id += 1;
            c.users.push(user.clone());
            Ok(user)
        })
    }

    fn alter_user(&self, name: &str, change: &UserChange) -> Result<UserRecord, DirectoryError> {
        self.update(|c| {
            let user = c
                .users
                .iter_mut()
                .find(|u| u.name == name)
                .ok_or_else(|| DirectoryError::NoSuchUser(name.to_owned()))?;
            if let Some(role) = change.role {
                user.role = role;
            }
            if let Some(enabled) = change.enabled {
                user.enabled = enabled;
            }
            if let Some(allow) = &change.allow {
                user.allow = allow.clone();
            }
            Ok(user.clone())
        })
    }

    fn drop_user(&self, name: &str) -> Result<UserRecord, DirectoryError> {
        self.update(|c| {
            let at = c
                .users
                .iter()
                .position(|u| u.name == name)
                .ok_or_else(|| DirectoryError::NoSuchUser(name.to_owned()))?;
            Ok(c.users.remove(at))
        })
    }

    fn certificate(
        &self,
        issuer: &[u8],
        serial: &str,
    ) -> Result<Option<CertRecord>, DirectoryError> {
        Ok(self.read(|c| {
            c.certificates
                .iter()
                .find(|r| r.issuer == issuer && r.serial == serial)
                .cloned()
        }))
    }

    fn certificates(&self, user: Option<&str>) -> Result<Vec<CertRecord>, DirectoryError> {
        Ok(self.read(|c| {
            c.certificates
                .iter()
                .filter(|r| user.is_none_or(|u| r.user == u))
                .cloned()
                .collect()
        }))
    }

    fn add_certificate(&self, record: &CertRecord) -> Result<(), DirectoryError> {
        self.update(|c| {
            if c.certificates
                .iter()
                .any(|r| r.issuer == record.issuer && r.serial == record.serial)
            {
                return Err(DirectoryError::CertExists(record.serial.clone()));
            }
            c.certificates.push(record.clone());
            Ok(())
        })
    }

    fn revoke_certificate(
        &self,
        issuer: &[u8],
        serial: &str,
        at: i64,
    ) -> Result<CertRecord, DirectoryError> {
        self.update(|c| {
            let r = c
                .certificates
                .iter_mut()
                .find(|r| r.issuer == issuer && r.serial == serial)
                .ok_or_else(|| DirectoryError::NoSuchCertificate(serial.to_owned()))?;
            r.revoked_at.get_or_insert(at);
            Ok(r.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(serial: &str, user: &str) -> CertRecord {
        CertRecord {
            issuer: vec![1, 2],
            serial: serial.into(),
            user: user.into(),
            not_before: 0,
            not_after: 10,
            addresses: vec!["127.0.0.1".parse().unwrap()],
            revoked_at: None,
            der: vec![0x30],
        }
    }

    #[test]
    fn changes_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        let d = FileDirectory::open(&path).unwrap();
        let alice = d.create_user("alice", Role::User, &[]).unwrap();
        let bob = d
            .create_user("bob", Role::Dba, &["10.0.0.0/8".parse().unwrap()])
            .unwrap();
        assert_ne!(alice.id, bob.id);
        assert_eq!(
            d.create_user("alice", Role::User, &[]),
            Err(DirectoryError::UserExists("alice".into()))
        );
        d.add_certificate(&cert("aa", "alice")).unwrap();
        assert!(d.add_certificate(&cert("aa", "alice")).is_err());
        d.revoke_certificate(&[1, 2], "aa", 5).unwrap();
        assert_eq!(
            d.revoke_certificate(&[1, 2], "aa", 9).unwrap().revoked_at,
            Some(5)
        );
        d.alter_user(
            "alice",
            &UserChange {
                enabled: Some(false),
                ..UserChange::default()
            },
        )
        .unwrap();
        d.drop_user("bob").unwrap();
        let generation = d.generation();

        let d = FileDirectory::open(&path).unwrap();
        assert_eq!(d.generation(), generation);
        assert!(!d.user("alice").unwrap().unwrap().enabled);
        assert_eq!(d.user("bob").unwrap(), None);
        assert_eq!(
            d.certificate(&[1, 2], "aa").unwrap().unwrap().revoked_at,
            Some(5)
        );
        assert_eq!(d.certificates(Some("bob")).unwrap(), vec![]);
        let carol = d.create_user("carol", Role::User, &[]).unwrap();
        assert!(carol.id > bob.id, "ids are never reused");
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let err = FileDirectory::open(&path).unwrap_err().to_string();
        assert!(err.contains("d.json"), "{err}");
    }
}
