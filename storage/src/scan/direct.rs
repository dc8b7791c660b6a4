//! Direct hot scans: a plain scan of a range only the hot tier holds decodes its rows
//! straight from RocksDB iterators into the projected columns, without copying keys or
//! rows first. A large range is split across threads: one thread reads the first
//! [`SPLIT_AFTER`] entries (a small range ends there, so it never pays for a thread);
//! if the range goes on, the rest is cut into `threads` key ranges by interpolating
//! between the next key and the last one, each read by its own iterator on the same
//! RocksDB snapshot (so every part sees the same versions), and the parts' chunks are
//! returned in key order.

use std::collections::VecDeque;

use crate::catalog::{ColumnId, TableDef};
use crate::encoding::column::ColumnBuilder;
use crate::encoding::row::RowDecoder;
use crate::engine::Inner;
use crate::error::{Result, StorageError};

use super::hot::hot_iter;
use super::hot_cache::{CacheKey, Keys};
use super::iter::Chunk;
use crate::encoding::key::partition_prefix;

/// Entries one thread reads before the rest of a range is split across threads.
pub(crate) const SPLIT_AFTER: usize = 32 * 1024;

type Snapshot<'a> = rocksdb::SnapshotWithThreadMode<'a, rocksdb::DB>;

/// The live hot rows of `key`'s range and columns at `snapshot`: from the hot scan
/// cache when it can tell them for the snapshot's sequence number `seq` (known
/// exactly; `token` read before the snapshot was taken), else decoded (and, for
/// ranges of at least [`SPLIT_AFTER`] rows, cached).
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_direct(
    inner: &Inner,
    snapshot: &Snapshot<'_>,
    token: u64,
    seq: Option<u64>,
    key: CacheKey,
    fill_cache: bool,
    def: &TableDef,
) -> Result<VecDeque<Chunk>> {
    if let Some(s) = seq
        && let Some(hit) = inner.hot_scan_cache.get(token, s, &key, def)?
    {
        return Ok(hit);
    }
    // Keys are kept (without the partition prefix) only when the rows may be cached.
    let prefix_len = partition_prefix(key.part.table, key.part.owner).len();
    let (chunks, keys) = decode_hot(
        inner,
        snapshot,
        &key.lo,
        &key.hi,
        fill_cache,
        def,
        &key.cols,
        key.batch_size,
        inner.options.scan_threads,
        seq.map(|_| prefix_len),
    )?;
    if let (Some(seq), Some(keys)) = (seq, keys)
        && keys.len() >= SPLIT_AFTER
    {
        inner
            .hot_scan_cache
            .put(token, seq, key, &chunks, keys, prefix_len);
    }
    Ok(chunks)
}

/// Decodes the live hot rows of `[lo, hi)` into chunks of at most `batch_size` rows of
/// the `read_cols` of `def` (tombstones skipped), in key order, with up to `threads`
/// threads; with the live rows' keys (without their first `keep_keys` bytes) when
/// asked.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_hot(
    inner: &Inner,
    snapshot: &Snapshot<'_>,
    lo: &[u8],
    hi: &[u8],
    cache: bool,
    def: &TableDef,
    read_cols: &[ColumnId],
    batch_size: usize,
    threads: usize,
    keep_keys: Option<usize>,
) -> Result<(VecDeque<Chunk>, Option<Keys>)> {
    let mut it = hot_iter(inner, snapshot, lo, hi, cache);
    let mut sink = Sink::new(def, read_cols, batch_size, keep_keys);
    let first_stop = if threads > 1 { SPLIT_AFTER } else { usize::MAX };
    sink.drain(&mut it, None, first_stop)?;
    let Some(next) = it.key().map(<[u8]>::to_vec) else {
        return Ok(sink.finish());
    };
    let Some(last) = last_key(inner, snapshot, &next, hi)? else {
        return Ok(sink.finish());
    };
    let cuts = split_points(&next, &last, threads);
    if cuts.is_empty() {
        sink.drain(&mut it, None, usize::MAX)?;
        return Ok(sink.finish());
    }
    // Parts after the first: [cuts[i], cuts[i + 1]) and [cuts[last], hi).
    let mut bounds: Vec<(&[u8], &[u8])> = Vec::with_capacity(cuts.len());
    for (i, c) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).map(Vec::as_slice).unwrap_or(hi);
        bounds.push((c.as_slice(), end));
    }
    let parts: Vec<Result<(VecDeque<Chunk>, Option<Keys>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .iter()
            .map(|&(a, b)| {
                s.spawn(move || {
                    let mut it = hot_iter(inner, snapshot, a, b, cache);
                    let mut sink = Sink::new(def, read_cols, batch_size, keep_keys);
                    sink.drain(&mut it, None, usize::MAX)?;
                    Ok(sink.finish())
                })
            })
            .collect();
        // This thread reads the first part, up to the first cut.
        let mine = sink
            .drain(&mut it, Some(&cuts[0]), usize::MAX)
            .map(|()| sink.finish());
        let mut out = vec![mine];
        for h in handles {
            out.push(h.join().unwrap_or_else(|_| {
                Err(StorageError::RocksDb("a hot scan thread panicked".into()))
            }));
        }
        out
    });
    let mut out = VecDeque::new();
    let mut keys = keep_keys.map(|_| Keys::default());
    for p in parts {
        let (chunks, k) = p?;
        out.extend(chunks);
        if let (Some(all), Some(k)) = (keys.as_mut(), k) {
            all.append(k);
        }
    }
    Ok((out, keys))
}

/// The last hot key in `[from, hi)`, tombstones included.
fn last_key(
    inner: &Inner,
    snapshot: &Snapshot<'_>,
    from: &[u8],
    hi: &[u8],
) -> Result<Option<Vec<u8>>> {
    let mut it = hot_iter(inner, snapshot, from, hi, false);
    it.seek_to_last();
    let last = it.key().filter(|k| *k >= from).map(<[u8]>::to_vec);
    it.status()?;
    Ok(last)
}

/// Up to `parts - 1` increasing keys strictly between `a` and `b` (`a < b`) that cut
/// `[a, b]` into `parts` pieces of about equal width, reading the 8 bytes after the
/// keys' common prefix as a big-endian number (evenly spread keys get even pieces).
pub(crate) fn split_points(a: &[u8], b: &[u8], parts: usize) -> Vec<Vec<u8>> {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let word = |k: &[u8]| {
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(&k[common..]) {
            *d = *s;
        }
        u64::from_be_bytes(w)
    };
    let (x, y) = (word(a), word(b));
    let mut out: Vec<Vec<u8>> = Vec::new();
    if y <= x || parts < 2 {
        return out;
    }
    let span = (y - x) as u128;
    for i in 1..parts {
        let p = x + (span * i as u128 / parts as u128) as u64;
        if p <= x || p >= y {
            continue;
        }
        let mut k = b[..common].to_vec();
        k.extend_from_slice(&p.to_be_bytes());
        if out.last() != Some(&k) {
            out.push(k);
        }
    }
    out
}

/// Builders filling chunks of `batch_size` rows.
struct Sink {
    dec: RowDecoder,
    types: Vec<crate::types::DataType>,
    builders: Vec<ColumnBuilder>,
    rows: usize,
    batch_size: usize,
    out: VecDeque<Chunk>,
    /// The live rows' keys without their first `.0` bytes, when kept.
    keys: Option<(usize, Keys)>,
}

impl Sink {
    fn new(
        def: &TableDef,
        read_cols: &[ColumnId],
        batch_size: usize,
        keep_keys: Option<usize>,
    ) -> Sink {
        let types: Vec<_> = read_cols
            .iter()
            .map(|id| def.column(*id).expect("current").data_type)
            .collect();
        let builders = fresh(&types, batch_size);
        Sink {
            dec: RowDecoder::new(def, read_cols),
            types,
            builders,
            rows: 0,
            batch_size,
            out: VecDeque::new(),
            keys: keep_keys.map(|n| (n, Keys::default())),
        }
    }

    /// Decodes entries from `it` until it ends, reaches key `stop`, or `max` entries
    /// (tombstones included) were read.
    fn drain(
        &mut self,
        it: &mut rocksdb::DBRawIteratorWithThreadMode<'_, rocksdb::DB>,
        stop: Option<&[u8]>,
        max: usize,
    ) -> Result<()> {
        let mut n = 0;
        while n < max {
            let (Some(k), Some(v)) = (it.key(), it.value()) else {
                break;
            };
            if stop.is_some_and(|s| k >= s) {
                break;
            }
            let hv = crate::encoding::value::decode(v)?;
            if !hv.tombstone {
                self.dec.decode(hv.row, &mut self.builders)?;
                if let Some((strip, keys)) = self.keys.as_mut() {
                    keys.push(k.get(*strip..).unwrap_or_default());
                }
                self.rows += 1;
                if self.rows == self.batch_size {
                    let full =
                        std::mem::replace(&mut self.builders, fresh(&self.types, self.batch_size));
                    self.out.push_back(Chunk {
                        rows: self.rows,
                        arrays: full.into_iter().map(|b| b.finish()).collect(),
                        keys: None,
                    });
                    self.rows = 0;
                }
            }
            n += 1;
            it.next();
        }
        it.status()?;
        Ok(())
    }

    fn finish(&mut self) -> (VecDeque<Chunk>, Option<Keys>) {
        if self.rows > 0 {
            let last = std::mem::replace(&mut self.builders, fresh(&self.types, 0));
            self.out.push_back(Chunk {
                rows: self.rows,
                arrays: last.into_iter().map(|b| b.finish()).collect(),
                keys: None,
            });
            self.rows = 0;
        }
        (
            std::mem::take(&mut self.out),
            self.keys.take().map(|(_, k)| k),
        )
    }
}

fn fresh(types: &[crate::types::DataType], rows: usize) -> Vec<ColumnBuilder> {
    types.iter().map(|t| ColumnBuilder::new(t, rows)).collect()
}

#[cfg(test)]
mod tests {
    use super::split_points;

    fn int_key(v: i64) -> Vec<u8> {
        let mut k = vec![0, 0, 0, 0, 0, 0, 0, 7];
        k.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
        k
    }

    #[test]
    fn split_points_cut_evenly_and_stay_inside() {
        let (a, b) = (int_key(1000), int_key(1_000_000));
        let cuts = split_points(&a, &b, 4);
        assert_eq!(cuts.len(), 3);
        let mut prev = a.clone();
        for c in &cuts {
            assert!(c.as_slice() > prev.as_slice() && c.as_slice() < b.as_slice());
            prev = c.clone();
        }
        // The middle cut of an int64 key range falls at its middle value (a cut need
        // not be a key itself: it only bounds the parts).
        assert!(cuts[1] >= int_key(500_500) && cuts[1] < int_key(500_501));
    }

    #[test]
    fn split_points_of_close_or_equal_keys() {
        assert!(split_points(&int_key(5), &int_key(5), 2).is_empty());
        let cut = split_points(&int_key(5), &int_key(6), 2);
        assert!(cut.len() == 1 && cut[0] > int_key(5) && cut[0] < int_key(6));
        let cut = split_points(&int_key(5), &int_key(7), 2);
        assert!(cut.len() == 1 && cut[0] >= int_key(6) && cut[0] < int_key(7));
        // Long keys with a long common prefix.
        let (mut a, mut b) = (int_key(5), int_key(5));
        a.extend_from_slice(&[0; 8]);
        a.push(1);
        b.extend_from_slice(&[0; 8]);
        b.push(2);
        let cut = split_points(&a, &b, 2);
        assert!(cut.len() == 1 && cut[0] > a && cut[0] < b);
        assert!(split_points(&int_key(5), &int_key(9), 1).is_empty());
        // Keys of different lengths (a text key and its extension).
        let cuts = split_points(b"tab/a", b"tab/abc", 2);
        assert_eq!(cuts.len(), 1);
        assert!(
            cuts[0].as_slice() > b"tab/a".as_slice() && cuts[0].as_slice() < b"tab/abc".as_slice()
        );
    }
}
