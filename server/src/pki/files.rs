//! Writing and checking the files that hold keys and certificates. Secrets are
//! written 0600 inside 0700 directories, through a temporary file that is fsynced and
//! renamed, so a crash never leaves half a key; public files are 0644. Start-up
//! refuses a key file readable by group or others.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::ServerError;

/// Creates `dir` (and parents) with mode 0700 for the directories it creates, and
/// tightens `dir` itself to 0700.
pub fn private_dir(dir: &Path) -> Result<(), ServerError> {
    fs::create_dir_all(dir).map_err(|e| ServerError::file(dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| ServerError::file(dir, e))
}

/// Writes a secret (a private key) with mode 0600, atomically.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    write_atomic(path, bytes, 0o600)
}

/// Writes a public file (a certificate, a CRL) with mode 0644, atomically.
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    write_atomic(path, bytes, 0o644)
}

fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ServerError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ServerError::file(path, format!("cannot write: {e}"))
    })
}

/// Reads a file as UTF-8, naming it on failure.
pub fn read_text(path: &Path) -> Result<String, ServerError> {
    fs::read_to_string(path).map_err(|e| ServerError::file(path, format!("cannot read: {e}")))
}

/// Fails when a key file is readable or writable by group or others.
pub fn check_key_permissions(path: &Path) -> Result<(), ServerError> {
    let meta =
        fs::metadata(path).map_err(|e| ServerError::file(path, format!("cannot read: {e}")))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ServerError::KeyPermissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_0600_and_loose_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        private_dir(&sub).unwrap();
        assert_eq!(
            fs::metadata(&sub).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let key = sub.join("k.pem");
        write_secret(&key, b"secret").unwrap();
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        check_key_permissions(&key).unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let err = check_key_permissions(&key).unwrap_err().to_string();
        assert!(
            err.contains("k.pem") && err.contains("0644") && err.contains("chmod 600"),
            "{err}"
        );
    }

    #[test]
    fn rewriting_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.pem");
        write_public(&p, b"first, longer").unwrap();
        write_public(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
}
