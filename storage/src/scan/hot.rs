//! The hot side of a scan: the partition's hot versions in the key range, read at one
//! RocksDB snapshot taken together with the cold view, overlaid with the scanning
//! transaction's own pending writes. Hot versions are never filtered before the merge:
//! every hot key (tombstones included) shadows the cold tier.

use std::collections::BTreeMap;

use rocksdb::ReadOptions;

use crate::cold::PartitionId;
use crate::encoding::value;
use crate::engine::{HOT_CF, Inner, Pending};
use crate::error::Result;

/// Readahead of a hot scan's iterator (hot data read from disk is read in big steps).
const HOT_READAHEAD: usize = 2 << 20;

/// One hot version.
pub(crate) struct HotEntry {
    pub key: Vec<u8>,
    pub tombstone: bool,
    pub row: Vec<u8>,
}

/// A raw iterator over the hot versions with keys in `[lo, hi)` of an open snapshot,
/// positioned at the first. It lends each key and value (no copy). Blocks it reads
/// go to the block cache only when `cache` (a bounded range, likely read again; a
/// scan of a whole partition would only evict what others need).
pub(crate) fn hot_iter<'a>(
    inner: &'a Inner,
    snapshot: &'a rocksdb::SnapshotWithThreadMode<'_, rocksdb::DB>,
    lo: &[u8],
    hi: &[u8],
    cache: bool,
) -> rocksdb::DBRawIteratorWithThreadMode<'a, rocksdb::DB> {
    let cf = inner.db.cf_handle(HOT_CF).expect("hot cf");
    let mut ro = ReadOptions::default();
    ro.set_iterate_upper_bound(hi.to_vec());
    ro.fill_cache(cache);
    ro.set_readahead_size(HOT_READAHEAD);
    let mut it = snapshot.raw_iterator_cf_opt(cf, ro);
    it.seek(lo);
    it
}

/// Reads hot versions of `part` with keys in `[lo, hi)` from an open snapshot.
pub(crate) fn read_hot(
    inner: &Inner,
    snapshot: &rocksdb::SnapshotWithThreadMode<'_, rocksdb::DB>,
    lo: &[u8],
    hi: &[u8],
    cache: bool,
) -> Result<Vec<HotEntry>> {
    let mut out = Vec::new();
    let mut it = hot_iter(inner, snapshot, lo, hi, cache);
    while let (Some(k), Some(v)) = (it.key(), it.value()) {
        let hv = value::decode(v)?;
        out.push(HotEntry {
            key: k.to_vec(),
            tombstone: hv.tombstone,
            row: hv.row.to_vec(),
        });
        it.next();
    }
    it.status()?;
    Ok(out)
}

/// Replaces or adds the pending writes of `part` in `[lo, hi)` (newest of all).
pub(crate) fn overlay(
    committed: Vec<HotEntry>,
    pending: &BTreeMap<Vec<u8>, Pending>,
    part: PartitionId,
    lo: &[u8],
    hi: &[u8],
) -> Vec<HotEntry> {
    let mine: Vec<(&Vec<u8>, &Pending)> = pending
        .range(lo.to_vec()..hi.to_vec())
        .filter(|(_, p)| p.part == part)
        .collect();
    if mine.is_empty() {
        return committed;
    }
    let mut merged: BTreeMap<Vec<u8>, HotEntry> =
        committed.into_iter().map(|e| (e.key.clone(), e)).collect();
    for (k, p) in mine {
        merged.insert(
            k.clone(),
            HotEntry {
                key: k.clone(),
                tombstone: p.tombstone,
                row: p.row.clone(),
            },
        );
    }
    merged.into_values().collect()
}
