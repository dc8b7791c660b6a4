//! Small helpers shared by the modules: the clock and durable file-system steps.

use std::fs::File;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Result, StorageError};

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// fsyncs a directory so that a rename or create inside it is durable. With
/// `sync = false` (`Durability::NoSync`) it does nothing: a process crash loses nothing
/// the OS already has.
pub(crate) fn sync_dir(dir: &Path, sync: bool) -> Result<()> {
    if !sync {
        return Ok(());
    }
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| StorageError::io(dir, e))
}

/// Writes `bytes` to `path` durably: temp file, fsync, rename, fsync the directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_steps(path, bytes, true, |_| {})
}

/// [`write_atomic`], calling `step` after each of its four steps (`tmp_written`,
/// `tmp_synced`, `renamed`, `dir_synced`) so that tests can crash the process there.
/// With `sync = false` the fsyncs are skipped (the rename still makes the swap atomic
/// for a process crash).
pub(crate) fn write_atomic_steps(
    path: &Path,
    bytes: &[u8],
    sync: bool,
    step: impl Fn(&str),
) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().expect("file paths have a parent");
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(|e| StorageError::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| StorageError::io(&tmp, e))?;
    step("tmp_written");
    if sync {
        f.sync_all().map_err(|e| StorageError::io(&tmp, e))?;
    }
    step("tmp_synced");
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| StorageError::io(path, e))?;
    step("renamed");
    sync_dir(dir, sync)?;
    step("dir_synced");
    Ok(())
}

/// Serde helper: bytes as a lower-case hex string.
pub(crate) mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}
