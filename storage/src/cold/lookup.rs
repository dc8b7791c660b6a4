//! Point lookups in one segment, reading as little as possible:
//!
//! 1. the manifest's key range, then the row groups whose `__key` statistics admit
//!    the key, then each one's bloom filter (all from the segment cache);
//! 2. the page index of `__key` names the page that can hold the key (key pages are
//!    small, `SegmentOptions::key_page_rows`); its bytes are a slice of the segment's
//!    memory map ([`super::mmap`]: no system call, no copy) and a search of its PLAIN
//!    values gives the row, or proves the key absent;
//! 3. for `__deleted` (only when the segment has tombstones) and each wanted column,
//!    the offset index names the page holding that row: its slice of the map, decompression up to
//!    that row's value (LZ4, [`super::lz4`]), one value decoded ([`super::page`]).
//!
//! Pages this reader does not decode (dictionary pages, other encodings or codecs,
//! files without a page index) fall back to parquet-rs's reader restricted to the one
//! `__key` page's rows, which gives the same answer more slowly.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
use parquet::basic::Type as PhysicalType;
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::page_index::offset_index::PageLocation;

use super::page::{Page, Plain, append_plain, decode_page};
use super::segment::{Loaded, Segment};
use crate::encoding::column::ColumnBuilder;
use crate::error::{Result, StorageError};
use crate::types::DataType;

/// What a point lookup found in a segment.
pub(crate) struct Found {
    pub deleted: bool,
    /// One value (an array of length 1) per wanted column, in the order asked; `None`
    /// for a column the segment predates. Empty for a tombstone.
    pub values: Vec<Option<ArrayRef>>,
}

/// A column a lookup wants: its id and type.
pub(crate) type Wanted = (u32, DataType);

enum Located {
    Row(usize),
    Absent,
    /// The fast path cannot answer: use parquet-rs.
    Fallback,
}

impl Segment {
    /// The version of `key` in this segment, if it holds one, with the `wanted`
    /// columns' values (none are read for a tombstone).
    pub(crate) fn lookup(self: &Arc<Self>, key: &[u8], wanted: &[Wanted]) -> Result<Option<Found>> {
        if key < self.meta.min_key.as_slice() || key > self.meta.max_key.as_slice() {
            return Ok(None);
        }
        let l = self.loaded()?;
        for rg in Segment::row_groups_with(&l, key) {
            if let Some(Some(bloom)) = self.blooms(&l)?.get(rg)
                && !bloom.check(key)
            {
                continue;
            }
            self.cache.lookups.fetch_add(1, Ordering::Relaxed);
            let fast = match self.locate(&l, rg, key)? {
                Located::Absent => Some(None),
                Located::Row(row) => self.read_row(&l, rg, row, wanted)?.map(Some),
                Located::Fallback => None,
            };
            let found = match fast {
                Some(f) => f,
                None => {
                    self.cache.slow_lookups.fetch_add(1, Ordering::Relaxed);
                    self.lookup_slow(&l, rg, key, wanted)?
                }
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The bytes of the page at `loc`, a slice of the mapped file (no read, no copy).
    fn read_page<'a>(&self, l: &'a Loaded, loc: &PageLocation) -> Result<&'a [u8]> {
        let bad = || {
            StorageError::corrupt(format!(
                "{}: page at offset {} of {} bytes lies outside the file",
                self.path.display(),
                loc.offset,
                loc.compressed_page_size
            ))
        };
        let start = usize::try_from(loc.offset).map_err(|_| bad())?;
        let len = usize::try_from(loc.compressed_page_size).map_err(|_| bad())?;
        let end = start.checked_add(len).ok_or_else(bad)?;
        l.data.get(start..end).ok_or_else(bad)
    }

    /// The row of `key` in row group `rg`, from the `__key` page the page index names.
    fn locate(&self, l: &Loaded, rg: usize, key: &[u8]) -> Result<Located> {
        let md = l.reader_meta.metadata();
        let pi = md.page_index_for_row_group(rg);
        let kc = l.cols.key;
        let (Some(ColumnIndexMetaData::BYTE_ARRAY(ci)), Some(oi), Some(leaves)) =
            (pi.column_index(kc), pi.offset_index(kc), l.leaves.as_ref())
        else {
            return Ok(Located::Fallback);
        };
        let locs = oi.page_locations();
        let n = locs.len();
        // Pages are sorted by key. Index statistics may be truncated (a lower bound for
        // min, an upper bound for max), so every page whose range admits the key is a
        // candidate; usually there is exactly one. A page without statistics (never in
        // segments this engine writes) leaves the search to parquet-rs.
        let (mut bad, mut lo, mut hi) = (false, 0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match ci.max_value(mid) {
                Some(max) if max < key => lo = mid + 1,
                Some(_) => hi = mid,
                None => {
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            return Ok(Located::Fallback);
        }
        let codec = md.row_group(rg).column(kc).compression();
        for (p, loc) in locs.iter().enumerate().skip(lo) {
            match ci.min_value(p) {
                Some(min) if min > key => break,
                Some(_) => {}
                None => return Ok(Located::Fallback),
            }
            let bytes = self.read_page(l, loc)?;
            let Some(mut page) = decode_page(bytes, codec, leaves[kc].2)? else {
                return Ok(Located::Fallback);
            };
            if let Some(slot) = page.find_sorted(key)? {
                return Ok(Located::Row(loc.first_row_index as usize + slot));
            }
        }
        Ok(Located::Absent)
    }

    /// Reads row `row` of row group `rg`; `None` when a page needs parquet-rs.
    fn read_row(
        &self,
        l: &Loaded,
        rg: usize,
        row: usize,
        wanted: &[Wanted],
    ) -> Result<Option<Found>> {
        let deleted = if self.meta.tombstones == 0 {
            false
        } else {
            match self.value_at(l, rg, l.cols.deleted, row, |p, slot, ty, len| {
                Ok(match p.value(slot, ty, len)? {
                    Some(Plain::Bool(b)) => Some(b),
                    _ => None,
                })
            })? {
                Some(Some(d)) => d,
                _ => return Ok(None),
            }
        };
        if deleted {
            return Ok(Some(Found {
                deleted,
                values: Vec::new(),
            }));
        }
        self.touch_pages(l, rg, row, wanted);
        let mut values = Vec::with_capacity(wanted.len());
        for (id, dt) in wanted {
            let Some(&field) = l.cols.by_id.get(id) else {
                values.push(None);
                continue;
            };
            let got = self.value_at(l, rg, field, row, |p, slot, ty, len| {
                let mut b = ColumnBuilder::new(dt, 1);
                Ok(append_plain(&mut b, dt, p.value(slot, ty, len)?)?.then(|| b.finish()))
            })?;
            match got {
                Some(Some(a)) => values.push(Some(a)),
                _ => return Ok(None),
            }
        }
        Ok(Some(Found { deleted, values }))
    }

    /// Reads the first byte of each wanted column's page for `row`, all before any is
    /// decoded: the pages sit at random places in the mapped file, and loads that do
    /// not depend on each other let the CPU wait for their cache and TLB misses at the
    /// same time instead of one after the other.
    fn touch_pages(&self, l: &Loaded, rg: usize, row: usize, wanted: &[Wanted]) {
        let pi = l.reader_meta.metadata().page_index_for_row_group(rg);
        let mut acc = 0u8;
        for (id, _) in wanted {
            if let Some(locs) = l.cols.by_id.get(id).and_then(|f| pi.page_locations(*f))
                && let Some(p) = page_holding(locs, row)
                && let Ok(at) = usize::try_from(locs[p].offset)
            {
                acc ^= l.data.get(at).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(acc);
    }

    /// Decodes the page of leaf `field` that holds `row` and hands it to `f` with the
    /// row's slot in the page; `None` when the page needs parquet-rs.
    fn value_at<T>(
        &self,
        l: &Loaded,
        rg: usize,
        field: usize,
        row: usize,
        f: impl FnOnce(&mut Page<'_>, usize, PhysicalType, usize) -> Result<T>,
    ) -> Result<Option<T>> {
        let md = l.reader_meta.metadata();
        let pi = md.page_index_for_row_group(rg);
        let (Some(locs), Some(leaves)) = (pi.page_locations(field), l.leaves.as_ref()) else {
            return Ok(None);
        };
        let Some(p) = page_holding(locs, row) else {
            return Ok(None);
        };
        let loc = &locs[p];
        let (ty, len, max_def) = leaves[field];
        let bytes = self.read_page(l, loc)?;
        let codec = md.row_group(rg).column(field).compression();
        let Some(mut page) = decode_page(bytes, codec, max_def)? else {
            return Ok(None);
        };
        let slot = row - loc.first_row_index as usize;
        if slot >= page.num_values() {
            return Ok(None);
        }
        f(&mut page, slot, ty, len).map(Some)
    }

    /// The same lookup through parquet-rs: the rows of the `__key` page that can hold
    /// the key (the whole row group without a page index), then a binary search.
    fn lookup_slow(
        &self,
        l: &Loaded,
        rg: usize,
        key: &[u8],
        wanted: &[Wanted],
    ) -> Result<Option<Found>> {
        let md = l.reader_meta.metadata();
        let cols = &l.cols;
        let rows = md.row_group(rg).num_rows() as usize;
        let pi = md.page_index_for_row_group(rg);
        let (mut first, mut end) = (0, rows);
        if let (Some(ColumnIndexMetaData::BYTE_ARRAY(ci)), Some(oi)) =
            (pi.column_index(cols.key), pi.offset_index(cols.key))
        {
            let locs = oi.page_locations();
            let admits = |p: usize| matches!((ci.min_value(p), ci.max_value(p)), (Some(lo), Some(hi)) if lo <= key && key <= hi);
            let pages: Vec<usize> = (0..locs.len()).filter(|p| admits(*p)).collect();
            let (Some(&a), Some(&b)) = (pages.first(), pages.last()) else {
                return Ok(None);
            };
            first = locs[a].first_row_index as usize;
            end = locs
                .get(b + 1)
                .map(|l| l.first_row_index as usize)
                .unwrap_or(rows);
        }
        let selection = RowSelection::from(vec![
            RowSelector::skip(first),
            RowSelector::select(end - first),
            RowSelector::skip(rows - end),
        ]);
        let mut fields: Vec<usize> = wanted
            .iter()
            .filter_map(|(id, _)| cols.by_id.get(id).copied())
            .chain([cols.key, cols.deleted])
            .collect();
        fields.sort_unstable();
        fields.dedup();
        let pos = |f: usize| fields.iter().position(|x| *x == f).expect("read");
        let reader = self.read(
            l,
            &fields,
            Some(vec![rg]),
            Some(selection),
            (end - first).max(1),
        )?;
        for batch in reader {
            let batch = batch?;
            let keys = batch.column(pos(cols.key)).as_binary::<i32>();
            let i = partition(keys.len(), |i| keys.value(i) < key);
            if i < keys.len() && keys.value(i) == key {
                let deleted = batch.column(pos(cols.deleted)).as_boolean().value(i);
                let values = if deleted {
                    Vec::new()
                } else {
                    wanted
                        .iter()
                        .map(|(id, _)| {
                            cols.by_id
                                .get(id)
                                .map(|f| batch.column(pos(*f)).slice(i, 1))
                        })
                        .collect()
                };
                return Ok(Some(Found { deleted, values }));
            }
        }
        Ok(None)
    }
}

/// The page (index into `locs`, sorted by first row) that holds `row`, if any. Pages of
/// a column usually hold the same number of rows, so the page is first guessed from
/// the second page's first row and checked against its neighbour; a binary search
/// (several cache misses in a large page index) is the fallback.
fn page_holding(locs: &[PageLocation], row: usize) -> Option<usize> {
    let first = |p: usize| locs[p].first_row_index as usize;
    let holds = |p: usize| {
        first(p) <= row
            && locs
                .get(p + 1)
                .is_none_or(|n| row < n.first_row_index as usize)
    };
    if locs.len() >= 2
        && first(0) == 0
        && let Some(guess) = row.checked_div(first(1))
        && holds(guess.min(locs.len() - 1))
    {
        return Some(guess.min(locs.len() - 1));
    }
    let p = partition(locs.len(), |p| first(p) <= row);
    (p > 0).then(|| p - 1)
}

/// The first index in `0..n` for which `pred` is false (`pred` true then false).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locs(firsts: &[i64]) -> Vec<PageLocation> {
        firsts
            .iter()
            .map(|f| PageLocation {
                offset: 0,
                compressed_page_size: 0,
                first_row_index: *f,
            })
            .collect()
    }

    /// The guess from a uniform stride and the binary search agree on every row, for
    /// uniform pages, uneven ones, and a first page that does not start at row 0.
    #[test]
    fn page_holding_finds_the_page_of_every_row() {
        for firsts in [
            vec![0, 512, 1024, 1536],
            vec![0, 512, 1000, 1536, 1537],
            vec![0, 3, 700, 701, 900],
            vec![0],
            vec![5, 10],
            vec![],
        ] {
            let l = locs(&firsts);
            for row in 0..2200 {
                let want = firsts.iter().rposition(|f| *f as usize <= row);
                assert_eq!(page_holding(&l, row), want, "{firsts:?} row {row}");
            }
        }
    }
}
