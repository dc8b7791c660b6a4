//! A read-only memory map of a segment file, handed out as [`Bytes`] so that point
//! lookups slice pages out of it without a system call or a copy, and scans give it to
//! parquet-rs as their `ChunkReader` (column chunks become zero-copy slices).
//!
//! Why mapping a segment is sound: a mapping stays valid as long as the mapped file is
//! not truncated or rewritten in place. The engine never does either to a published
//! segment:
//! - a segment is written once under a fresh name (`seg-<n>`; `n` comes from the
//!   manifest's `next_segment` and never repeats within a partition, and a partition
//!   directory is never reused because table and user ids are never reused), fsynced,
//!   and only then named by a manifest and opened for reading; nothing opens it for
//!   writing again (`File::create` only ever targets a name no manifest holds yet);
//! - removing a segment (compaction's replaced segments when their last reader lets
//!   go, erasing a user, dropping a table, orphans at open) is an `unlink`, which
//!   keeps the inode — and every mapping of it — alive until the last unmap.
//!
//! A process other than the engine truncating a segment file under it (the data
//! directory is locked against a second engine, `S202`) would make readers fault;
//! that is outside the engine's contract, as it is for RocksDB's own files.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use bytes::Bytes;

use crate::error::{Result, StorageError};

/// An owned read-only mapping, unmapped on drop.
struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and never changes while it exists (see the module
// documentation), so sharing `&[u8]` views of it between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` is a live mapping of `len` readable bytes (`len > 0`, checked at
        // creation) that lives as long as `self`; its contents never change (module
        // documentation).
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what `mmap` returned; no slice of the mapping
        // outlives `self` (every `Bytes` view holds the owner).
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// Maps all of `file` (at `path`, for error messages) read-only.
pub(crate) fn map(file: &File, path: &Path) -> Result<Bytes> {
    let len = file
        .metadata()
        .map_err(|e| StorageError::io(path, e))?
        .len();
    let len = usize::try_from(len)
        .map_err(|_| StorageError::corrupt(format!("{}: file too large", path.display())))?;
    if len == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: a fresh shared read-only mapping of an open descriptor; the result is
    // checked before use. Soundness of reading it afterwards: module documentation.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(StorageError::io(path, std::io::Error::last_os_error()));
    }
    Ok(Bytes::from_owner(Mapping { ptr, len }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_the_file_and_survives_its_removal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut f = File::create(&path).unwrap();
        f.write_all(b"hello segment").unwrap();
        drop(f);
        let file = File::open(&path).unwrap();
        let bytes = map(&file, &path).unwrap();
        drop(file);
        std::fs::remove_file(&path).unwrap();
        // Unlinked and closed: the mapping still reads the file's bytes.
        assert_eq!(&bytes[..], b"hello segment");
        assert_eq!(&bytes.slice(6..13)[..], b"segment");

        let empty = dir.path().join("e");
        File::create(&empty).unwrap();
        let bytes = map(&File::open(&empty).unwrap(), &empty).unwrap();
        assert!(bytes.is_empty());
    }
}
