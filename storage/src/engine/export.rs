//! [`Engine::export_user`]: one Parquet file per user table holding that user's rows
//! (current columns, plain schema, no hidden columns), for data portability requests.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;

use super::handle::Engine;
use crate::catalog::{TableKind, UserId};
use crate::error::{Result, StorageError};
use crate::scan::ScanSpec;

impl Engine {
    /// Writes `<dir>/<namespace>.<table>.parquet` for every user table in which the
    /// user has rows; returns the files written. `dir` is created if needed. Names
    /// are escaped for the file name ([`file_name_part`]).
    pub fn export_user(&self, user: UserId, dir: &Path) -> Result<Vec<PathBuf>> {
        let cat = self.catalog();
        if cat.user(user).is_none() {
            return Err(StorageError::UnknownUser(user.to_string()));
        }
        std::fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
        let mut out = Vec::new();
        for def in cat.tables().filter(|t| t.kind == TableKind::User) {
            let scan = self.scan(ScanSpec::new(def.id, Some(user)).ordered())?;
            let schema = scan.schema();
            let mut writer: Option<(ArrowWriter<File>, PathBuf)> = None;
            for batch in scan {
                let batch = batch?;
                if writer.is_none() {
                    let path = dir.join(format!(
                        "{}.{}.parquet",
                        file_name_part(&def.namespace),
                        file_name_part(&def.name)
                    ));
                    let file = File::create(&path).map_err(|e| StorageError::io(&path, e))?;
                    writer = Some((ArrowWriter::try_new(file, schema.clone(), None)?, path));
                }
                writer.as_mut().expect("set").0.write(&batch)?;
            }
            if let Some((w, path)) = writer {
                let file = w.into_inner()?;
                file.sync_all().map_err(|e| StorageError::io(&path, e))?;
                out.push(path);
            }
        }
        Ok(out)
    }
}

/// A name as part of a file name: ASCII letters, digits and `_` as they are, every
/// other byte as `%XX`, so no name can reach outside the directory (`/`, `..`), and
/// `a.b` + `c` and `a` + `b.c` stay two files.
fn file_name_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_name_part;

    #[test]
    fn names_are_escaped_for_file_names() {
        assert_eq!(file_name_part("messages_2"), "messages_2");
        assert_eq!(file_name_part("../x"), "%2E%2E%2Fx");
        assert_eq!(file_name_part("a.b"), "a%2Eb");
        assert_eq!(file_name_part("café"), "caf%C3%A9");
    }
}
