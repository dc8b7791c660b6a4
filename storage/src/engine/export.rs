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
    /// user has rows; returns the files written. `dir` is created if needed.
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
                    let path = dir.join(format!("{}.{}.parquet", def.namespace, def.name));
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
