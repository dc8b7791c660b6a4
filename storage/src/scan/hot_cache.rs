//! The hot scan cache: the decoded columns of large direct hot scans (see
//! [`super::direct`]), with the keys of their rows, kept for later scans of the same
//! range and columns, and patched by the writes that come after.
//!
//! An entry was read at one RocksDB sequence number `S` (a snapshot whose sequence
//! number was known exactly). It answers a scan at snapshot `T ≥ S` as long as every
//! write in `(S, T]` that touched its partition is known to it:
//! - a commit or a plain load (both go through `Inner::write_commit`) records its
//!   writes — key and new row, or delete — into every entry of the partition whose
//!   range holds the key (the entry's *delta*), stamped with the RocksDB sequence
//!   numbers around the write (`lower` = the latest before + 1, `upper` = the latest
//!   after; RocksDB makes a batch visible at once, so a snapshot `T` sees it when
//!   `T ≥ upper`, not when `T < lower`; a snapshot in between, possible only if an
//!   unrelated write raced, makes the lookup a miss). A scan merges the cached
//!   columns with the changes it may see, in key order. Past [`MAX_DELTA_CHANGES`]
//!   changes or [`MAX_DELTA_BYTES`] bytes the entry is dropped;
//! - every other write to hot rows (an ingested load, a flush removing hot versions,
//!   a TTL eviction, an erasure) *drops* the entries of its partitions (an erasure:
//!   every entry). An ingested table file may take no sequence number at all, so
//!   these are ordered by a stamp, not a sequence number.
//!
//! Races: a writer registers its partitions as busy before it writes and records its
//! writes (or drops entries) and unregisters after, all under the cache's lock. Every
//! scan reads a *token* (the cache's change counter) before taking its snapshot. A
//! lookup is a miss while a write to the partition is in flight (it may or may not be
//! in the snapshot), or if the partition had entries dropped after the token. The
//! cache keeps a log of the last [`MAX_LOG_WRITES`] recorded writes: a scan's rows
//! are stored with every logged write that ended after its token in the new entry's
//! delta (the rows may or may not hold it; its sequence numbers decide for each later
//! scan, and a change applied again changes nothing), and a write still in flight
//! records itself into the entry when it ends. Storing is refused if the log no
//! longer reaches back to the token, or the partition's entries were dropped after
//! it. A write whose sequence number is at most `T` was written before the
//! snapshot, so it was registered before the scan looked, and is either still busy
//! (a miss) or recorded. Entries are keyed by the table's schema version, so a
//! catalog change never lets rows decoded under one schema answer for another.
//! Which rows a scan may see does not depend on who runs it beyond the partition
//! (part of the key), and a transaction with pending writes in the range never takes
//! the direct path, so it never reads an entry either.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow_array::{Array, ArrayRef};

use crate::catalog::{ColumnId, TableDef};
use crate::cold::PartitionId;
use crate::encoding::column::ColumnBuilder;
use crate::encoding::row::RowDecoder;
use crate::error::{Result, StorageError};

use super::iter::Chunk;

/// Most changes an entry's delta holds before the entry is dropped.
pub(crate) const MAX_DELTA_CHANGES: usize = 4096;
/// Most bytes (keys and rows) an entry's delta holds before the entry is dropped.
pub(crate) const MAX_DELTA_BYTES: usize = 4 << 20;
/// Most recorded writes (and their bytes) the log of recent writes holds.
const MAX_LOG_WRITES: usize = 4096;
const MAX_LOG_BYTES: usize = 4 << 20;
/// Partitions whose write stamps are remembered before the idle ones are forgotten.
const MAX_TRACKED_PARTITIONS: usize = 4096;

/// What a cached scan read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct CacheKey {
    pub part: PartitionId,
    pub lo: Vec<u8>,
    pub hi: Vec<u8>,
    pub cols: Vec<ColumnId>,
    pub batch_size: usize,
    pub schema_version: u64,
}

/// One write to a hot row, as a commit records it.
pub(crate) struct HotWrite<'a> {
    pub part: PartitionId,
    pub key: &'a [u8],
    /// The new encoded row; `None` for a delete.
    pub row: Option<&'a [u8]>,
}

/// The keys of a scan's live rows in key order, each without the partition prefix.
#[derive(Default)]
pub(crate) struct Keys {
    data: Vec<u8>,
    ends: Vec<u32>,
}

impl Keys {
    pub(crate) fn push(&mut self, suffix: &[u8]) {
        self.data.extend_from_slice(suffix);
        self.ends.push(self.data.len() as u32);
    }

    /// Appends `other`'s keys after these.
    pub(crate) fn append(&mut self, other: Keys) {
        let base = self.data.len() as u32;
        self.data.extend_from_slice(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.data[start..self.ends[i] as usize]
    }

    /// The first row in `[a, b)` whose key is not below `k`.
    fn lower_bound(&self, a: usize, b: usize, k: &[u8]) -> usize {
        let (mut lo, mut hi) = (a, b);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid) < k {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn bytes(&self) -> usize {
        self.data.capacity() + self.ends.capacity() * 4
    }
}

/// One recorded write of a key.
struct Change {
    lower: u64,
    upper: u64,
    row: Option<Arc<[u8]>>,
}

struct Entry {
    seq: u64,
    key: CacheKey,
    prefix_len: usize,
    chunks: Arc<Vec<Chunk>>,
    keys: Arc<Keys>,
    /// Writes since `seq` to keys in range, by full key, in commit order.
    delta: BTreeMap<Vec<u8>, Vec<Change>>,
    delta_changes: usize,
    delta_bytes: usize,
    bytes: usize,
}

struct PartState {
    /// Writes in flight.
    busy: u32,
    /// Stamp of the last time its entries were dropped.
    dropped: u64,
}

/// A recorded write, kept a while for scans that read before it ended.
struct Logged {
    stamp: u64,
    part: PartitionId,
    key: Vec<u8>,
    change: Change,
}

#[derive(Default)]
struct State {
    /// Least recently used first.
    entries: VecDeque<Entry>,
    /// The last recorded writes, oldest first.
    log: VecDeque<Logged>,
    log_bytes: usize,
    /// Writes that ended at or before this stamp may be missing from the log.
    log_floor: u64,
    parts: HashMap<PartitionId, PartState>,
    busy_all: u32,
    dropped_all: u64,
    /// The highest stamp of a forgotten partition (stands for every untracked one).
    forgotten: u64,
}

impl Entry {
    /// Adds a change of `key` to the delta (counted even past the bounds, so that the
    /// entry is then dropped).
    fn add(&mut self, key: &[u8], lower: u64, upper: u64, row: Option<Arc<[u8]>>) {
        if self.delta_changes > MAX_DELTA_CHANGES {
            return;
        }
        self.delta_changes += 1;
        self.delta_bytes += key.len() + row.as_ref().map_or(0, |r| r.len()) + 32;
        self.delta
            .entry(key.to_vec())
            .or_default()
            .push(Change { lower, upper, row });
    }
}

impl State {
    /// Keeps a recorded write in the log of recent writes, dropping the oldest past
    /// the log's bounds.
    fn log_write(
        &mut self,
        stamp: u64,
        w: &HotWrite<'_>,
        lower: u64,
        upper: u64,
        row: Option<Arc<[u8]>>,
    ) {
        let size = w.key.len() + row.as_ref().map_or(0, |r| r.len()) + 32;
        if size > MAX_LOG_BYTES {
            self.log_floor = stamp;
            return;
        }
        while self.log.len() >= MAX_LOG_WRITES || self.log_bytes + size > MAX_LOG_BYTES {
            let Some(old) = self.log.pop_front() else {
                break;
            };
            self.log_floor = self.log_floor.max(old.stamp);
            self.log_bytes -= old.key.len() + old.change.row.as_ref().map_or(0, |r| r.len()) + 32;
        }
        self.log_bytes += size;
        self.log.push_back(Logged {
            stamp,
            part: w.part,
            key: w.key.to_vec(),
            change: Change { lower, upper, row },
        });
    }

    /// A partition's state; one no longer tracked starts from the forgotten stamp.
    fn part_mut(&mut self, part: PartitionId) -> &mut PartState {
        let floor = self.forgotten;
        self.parts.entry(part).or_insert(PartState {
            busy: 0,
            dropped: floor,
        })
    }

    /// Writes in flight to `part`, and the stamp its entries were last dropped at.
    fn part_stamps(&self, part: &PartitionId) -> (u32, u64) {
        match self.parts.get(part) {
            Some(p) => (p.busy, p.dropped.max(self.dropped_all)),
            None => (0, self.forgotten.max(self.dropped_all)),
        }
    }
}

/// Which partitions a write touches.
pub(crate) enum Scope {
    Parts(Vec<PartitionId>),
    All,
}

/// Decoded large hot scans, patched by later commits; least recently used first.
pub(crate) struct HotScanCache {
    cap: usize,
    state: Mutex<State>,
    /// Bumped (under the state's lock) by every write that ends.
    tick: AtomicU64,
    hits: AtomicU64,
}

/// A visible change: the full key and the new row (`None`: deleted).
type Visible = (Vec<u8>, Option<Arc<[u8]>>);

/// What a lookup found, to be merged outside the lock.
pub(crate) struct Hit {
    prefix_len: usize,
    chunks: Arc<Vec<Chunk>>,
    keys: Arc<Keys>,
    visible: Vec<Visible>,
}

impl HotScanCache {
    pub(crate) fn new(cap: usize) -> HotScanCache {
        HotScanCache {
            cap,
            state: Mutex::new(State::default()),
            tick: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("hot scan cache")
    }

    /// The scan's token: read before it takes its snapshot.
    pub(crate) fn token(&self) -> u64 {
        self.tick.load(Ordering::SeqCst)
    }

    /// Registers a write to `scope` about to happen; the guard records it when told
    /// how ([`WriteGuard::recorded`]), and otherwise (dropped: an ingestion, a flush,
    /// an eviction, an erasure, or a failed commit) drops the scope's entries.
    pub(crate) fn begin(&self, scope: Scope) -> WriteGuard<'_> {
        let mut st = self.lock();
        match &scope {
            Scope::All => st.busy_all += 1,
            Scope::Parts(parts) => {
                for p in parts {
                    st.part_mut(*p).busy += 1;
                }
            }
        }
        WriteGuard {
            cache: self,
            scope: Some(scope),
        }
    }

    /// Ends a write: unregisters it, stamps its partitions, and either records
    /// `writes` (visible from `upper`, invisible below `lower`) into the entries they
    /// fall in, or drops the scope's entries.
    fn end(
        &self,
        scope: Scope,
        record: Option<(u64, u64, &mut dyn Iterator<Item = HotWrite<'_>>)>,
    ) {
        let mut st = self.lock();
        let stamp = self.tick.fetch_add(1, Ordering::SeqCst) + 1;
        let parts = match scope {
            Scope::All => {
                st.busy_all -= 1;
                st.dropped_all = stamp;
                st.entries.clear();
                return;
            }
            Scope::Parts(parts) => parts,
        };
        for p in &parts {
            let s = st.part_mut(*p);
            s.busy -= 1;
            if record.is_none() {
                s.dropped = stamp;
            }
        }
        let affected = st.entries.iter().any(|e| parts.contains(&e.key.part));
        match record {
            None => st.entries.retain(|e| !parts.contains(&e.key.part)),
            Some((lower, upper, writes)) => {
                let mut logging = true;
                for (n, w) in writes.enumerate() {
                    if n == MAX_LOG_WRITES {
                        // This write alone overflows the log: scans that read before
                        // it ended cannot be stored.
                        st.log.clear();
                        st.log_bytes = 0;
                        st.log_floor = stamp;
                        logging = false;
                        if !affected {
                            break;
                        }
                    }
                    let row: Option<Arc<[u8]>> = w.row.map(Arc::from);
                    if logging {
                        st.log_write(stamp, &w, lower, upper, row.clone());
                    }
                    if !affected {
                        continue;
                    }
                    for e in st.entries.iter_mut() {
                        if e.key.part == w.part
                            && w.key >= e.key.lo.as_slice()
                            && w.key < e.key.hi.as_slice()
                        {
                            e.add(w.key, lower, upper, row.clone());
                        }
                    }
                }
                st.entries.retain(|e| {
                    e.delta_changes <= MAX_DELTA_CHANGES && e.delta_bytes <= MAX_DELTA_BYTES
                });
            }
        }
        if st.parts.len() > MAX_TRACKED_PARTITIONS {
            let State {
                entries,
                parts,
                forgotten,
                ..
            } = &mut *st;
            parts.retain(|id, s| {
                let keep = s.busy > 0 || entries.iter().any(|e| e.key.part == *id);
                if !keep {
                    *forgotten = (*forgotten).max(s.dropped);
                }
                keep
            });
        }
    }

    /// The rows of `key` at snapshot `seq` (its token read before it was taken), if
    /// an entry and its delta can tell them; `def` decodes the changed rows.
    pub(crate) fn get(
        &self,
        token: u64,
        seq: u64,
        key: &CacheKey,
        def: &TableDef,
    ) -> Result<Option<VecDeque<Chunk>>> {
        match self.lookup(token, seq, key) {
            Some(hit) => hit.merge(def, &key.cols, key.batch_size).map(Some),
            None => Ok(None),
        }
    }

    fn lookup(&self, token: u64, seq: u64, key: &CacheKey) -> Option<Hit> {
        if self.cap == 0 {
            return None;
        }
        let mut st = self.lock();
        let (busy, dropped) = st.part_stamps(&key.part);
        if st.busy_all > 0 || busy > 0 || dropped > token {
            return None;
        }
        let i = st
            .entries
            .iter()
            .position(|e| e.key == *key && e.seq <= seq)?;
        let e = &st.entries[i];
        let mut visible = Vec::new();
        for (k, changes) in &e.delta {
            let mut seen: Option<&Change> = None;
            for c in changes {
                if c.upper <= seq {
                    seen = Some(c);
                } else if c.lower > seq {
                    break;
                } else {
                    // A write raced the scan's snapshot: which side it is on is unknown.
                    return None;
                }
            }
            if let Some(c) = seen {
                visible.push((k.clone(), c.row.clone()));
            }
        }
        let hit = Hit {
            prefix_len: e.prefix_len,
            chunks: e.chunks.clone(),
            keys: e.keys.clone(),
            visible,
        };
        let e = st.entries.remove(i).expect("found");
        st.entries.push_back(e);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(hit)
    }

    /// Keeps the chunks (and their rows' keys, without the first `prefix_len` bytes)
    /// read for `key` at snapshot `seq` by a scan that read `token` before taking it,
    /// when they fit and no write to the partition ended since or is in flight.
    pub(crate) fn put(
        &self,
        token: u64,
        seq: u64,
        key: CacheKey,
        chunks: &VecDeque<Chunk>,
        keys: Keys,
        prefix_len: usize,
    ) {
        let rows: usize = chunks.iter().map(|c| c.rows).sum();
        if self.cap == 0 || rows != keys.len() {
            return;
        }
        let bytes: usize = chunks
            .iter()
            .flat_map(|c| c.arrays.iter())
            .map(|a| a.get_array_memory_size())
            .sum::<usize>()
            + keys.bytes()
            + key.lo.len()
            + key.hi.len();
        if bytes > self.cap / 2 {
            return;
        }
        let mut st = self.lock();
        // Entries dropped since the token, or writes since it the log no longer
        // holds: the rows read may miss what the entry could not learn.
        let (_, dropped) = st.part_stamps(&key.part);
        if st.busy_all > 0 || dropped > token || st.log_floor > token {
            return;
        }
        if let Some(i) = st.entries.iter().position(|e| e.key == key) {
            if st.entries[i].seq > seq {
                return;
            }
            st.entries.remove(i);
        }
        let mut used: usize = st.entries.iter().map(|e| e.bytes).sum();
        while used + bytes > self.cap {
            let Some(old) = st.entries.pop_front() else {
                break;
            };
            used -= old.bytes;
        }
        let mut entry = Entry {
            seq,
            key,
            prefix_len,
            chunks: Arc::new(chunks.iter().cloned().collect()),
            keys: Arc::new(keys),
            delta: BTreeMap::new(),
            delta_changes: 0,
            delta_bytes: 0,
            bytes,
        };
        // Writes that ended after the token may or may not be in the rows read: they
        // go into the delta, where a scan applies each by its sequence numbers (one
        // already in the rows, applied again, changes nothing). A write still in
        // flight records itself into the entry when it ends.
        for l in st.log.iter().filter(|l| l.stamp > token) {
            if l.part == entry.key.part
                && l.key.as_slice() >= entry.key.lo.as_slice()
                && l.key.as_slice() < entry.key.hi.as_slice()
            {
                entry.add(&l.key, l.change.lower, l.change.upper, l.change.row.clone());
            }
        }
        if entry.delta_changes > MAX_DELTA_CHANGES || entry.delta_bytes > MAX_DELTA_BYTES {
            return;
        }
        st.entries.push_back(entry);
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        let st = self.lock();
        st.entries.iter().map(|e| e.bytes + e.delta_bytes).sum()
    }

    /// Scans answered from the cache so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

/// A write in flight (see [`HotScanCache::begin`]).
pub(crate) struct WriteGuard<'a> {
    cache: &'a HotScanCache,
    scope: Option<Scope>,
}

impl WriteGuard<'_> {
    /// The write landed, visible to snapshots from `upper`, invisible to those before
    /// `lower`: records `writes` into the entries they fall in.
    pub(crate) fn recorded<'w>(
        mut self,
        lower: u64,
        upper: u64,
        writes: &mut dyn Iterator<Item = HotWrite<'w>>,
    ) {
        let scope = self.scope.take().expect("once");
        self.cache.end(scope, Some((lower, upper, writes)));
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        if let Some(scope) = self.scope.take() {
            self.cache.end(scope, None);
        }
    }
}

impl Hit {
    /// The cached chunks with the visible changes applied, in key order; chunks that
    /// grow past `batch_size` rows are cut.
    fn merge(
        self,
        def: &TableDef,
        cols: &[ColumnId],
        batch_size: usize,
    ) -> Result<VecDeque<Chunk>> {
        let Hit {
            prefix_len,
            chunks,
            keys,
            visible,
        } = self;
        if visible.is_empty() {
            return Ok(chunks.iter().cloned().collect());
        }
        let types: Vec<_> = cols
            .iter()
            .map(|id| def.column(*id).map(|c| c.data_type))
            .collect::<Option<_>>()
            .ok_or_else(|| StorageError::corrupt("hot scan cache: column of another schema"))?;
        let mut dec = RowDecoder::new(def, cols);
        let mut out = VecDeque::with_capacity(chunks.len() + 1);
        let mut j = 0;
        let mut start = 0;
        let n = chunks.len();
        for (ci, chunk) in chunks.iter().enumerate() {
            let end = start + chunk.rows;
            // Changes whose key sorts before this chunk's next chunk's first key.
            let from = j;
            while j < visible.len() && (ci + 1 == n || visible[j].0[prefix_len..] < *keys.get(end))
            {
                j += 1;
            }
            if from == j {
                out.push_back(chunk.clone());
                start = end;
                continue;
            }
            let mut builders: Vec<ColumnBuilder> = types
                .iter()
                .map(|t| ColumnBuilder::new(t, j - from))
                .collect();
            let mut idx: Vec<(usize, usize)> = Vec::with_capacity(chunk.rows + j - from);
            let mut r = start;
            let mut added = 0;
            for (k, row) in &visible[from..j] {
                let k = &k[prefix_len..];
                let pos = keys.lower_bound(r, end, k);
                idx.extend((r..pos).map(|i| (0, i - start)));
                r = pos;
                if r < end && keys.get(r) == k {
                    r += 1;
                }
                if let Some(row) = row {
                    dec.decode(row, &mut builders)?;
                    idx.push((1, added));
                    added += 1;
                }
            }
            idx.extend((r..end).map(|i| (0, i - start)));
            start = end;
            if idx.is_empty() {
                continue;
            }
            let fresh: Vec<ArrayRef> = builders.into_iter().map(|b| b.finish()).collect();
            let arrays = chunk
                .arrays
                .iter()
                .zip(&fresh)
                .map(|(a, f)| arrow_select::interleave::interleave(&[a.as_ref(), f.as_ref()], &idx))
                .collect::<std::result::Result<Vec<ArrayRef>, _>>()
                .map_err(|e| StorageError::corrupt(format!("hot scan cache merge: {e}")))?;
            let rows = idx.len();
            let mut at = 0;
            while at < rows {
                let len = batch_size.min(rows - at);
                out.push_back(Chunk {
                    rows: len,
                    arrays: arrays.iter().map(|a| a.slice(at, len)).collect(),
                    keys: None,
                });
                at += len;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::Int64Array;

    use super::*;
    use crate::catalog::TableId;

    fn part(t: u64) -> PartitionId {
        PartitionId {
            table: TableId(t),
            owner: None,
        }
    }

    fn key(lo: u8) -> CacheKey {
        CacheKey {
            part: part(1),
            lo: vec![lo],
            hi: vec![9],
            cols: vec![ColumnId(1)],
            batch_size: 8192,
            schema_version: 1,
        }
    }

    fn chunks(n: i64) -> (VecDeque<Chunk>, Keys) {
        let mut keys = Keys::default();
        for i in 0..n {
            keys.push(&(i as u64).to_be_bytes());
        }
        (
            VecDeque::from([Chunk {
                rows: n as usize,
                arrays: vec![Arc::new(Int64Array::from_iter_values(0..n))],
                keys: None,
            }]),
            keys,
        )
    }

    fn put(c: &HotScanCache, token: u64, seq: u64, k: CacheKey, n: i64) {
        let (ch, keys) = chunks(n);
        c.put(token, seq, k, &ch, keys, 0);
    }

    fn rows_of(c: &HotScanCache, token: u64, seq: u64, k: &CacheKey) -> Option<usize> {
        c.lookup(token, seq, k)
            .map(|h| h.chunks.iter().map(|c| c.rows).sum())
    }

    #[test]
    fn entries_answer_later_snapshots_until_their_partition_is_dropped() {
        let c = HotScanCache::new(1 << 20);
        let t = c.token();
        put(&c, t, 10, key(1), 100);
        assert_eq!(rows_of(&c, t, 10, &key(1)), Some(100));
        assert_eq!(rows_of(&c, t, 15, &key(1)), Some(100), "no write since");
        assert!(rows_of(&c, t, 9, &key(1)).is_none(), "an older snapshot");
        assert!(rows_of(&c, t, 10, &key(2)).is_none(), "another range");
        // A write to another partition keeps the entry.
        let g = c.begin(Scope::Parts(vec![part(2)]));
        assert_eq!(rows_of(&c, t, 10, &key(1)), Some(100));
        drop(g);
        assert_eq!(rows_of(&c, c.token(), 10, &key(1)), Some(100));
        // A write in flight to the partition makes lookups miss and puts fail.
        let g = c.begin(Scope::Parts(vec![part(1)]));
        assert!(rows_of(&c, c.token(), 10, &key(1)).is_none());
        put(&c, c.token(), 11, key(3), 5);
        assert!(rows_of(&c, c.token(), 11, &key(3)).is_none());
        // Dropped: entries of the partition go.
        drop(g);
        assert!(rows_of(&c, c.token(), 12, &key(1)).is_none());
        assert_eq!(c.bytes(), 0);
        // A scan whose token predates a write neither fills nor reads.
        let old = c.token();
        drop(c.begin(Scope::Parts(vec![part(1)])));
        put(&c, old, 20, key(1), 5);
        assert_eq!(c.bytes(), 0);
        put(&c, c.token(), 20, key(1), 5);
        assert!(rows_of(&c, old, 20, &key(1)).is_none());
        assert!(rows_of(&c, c.token(), 20, &key(1)).is_some());
        // A write to another partition after the token does not stop a put.
        let t = c.token();
        drop(c.begin(Scope::Parts(vec![part(2)])));
        put(&c, t, 21, key(4), 5);
        assert!(rows_of(&c, t, 21, &key(4)).is_some());
        // An erasure drops everything.
        drop(c.begin(Scope::All));
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn commits_patch_entries_and_readers_see_only_their_snapshot() {
        let c = HotScanCache::new(1 << 20);
        let k = CacheKey {
            lo: vec![0],
            ..key(0)
        };
        put(&c, c.token(), 10, k.clone(), 100);
        let key5 = 5u64.to_be_bytes();
        let key500 = 500u64.to_be_bytes();
        let g = c.begin(Scope::Parts(vec![part(1)]));
        g.recorded(
            11,
            12,
            &mut [
                HotWrite {
                    part: part(1),
                    key: &key5,
                    row: None,
                },
                HotWrite {
                    part: part(1),
                    key: &key500,
                    row: Some(b"x"),
                },
                // Out of the entry's range: not recorded.
                HotWrite {
                    part: part(1),
                    key: &[9, 9],
                    row: None,
                },
            ]
            .into_iter(),
        );
        let t = c.token();
        assert_eq!(c.lookup(t, 10, &k).map(|h| h.visible.len()), Some(0));
        assert!(c.lookup(t, 11, &k).is_none(), "between lower and upper");
        let h = c.lookup(t, 12, &k).unwrap();
        assert_eq!(h.visible.len(), 2);
        assert!(h.visible[0].1.is_none() && h.visible[1].1.is_some());
        // Past the bound, the entry goes.
        for i in 0..=MAX_DELTA_CHANGES as u64 {
            let kk = (1000 + i).to_be_bytes();
            c.begin(Scope::Parts(vec![part(1)])).recorded(
                20 + i,
                20 + i,
                &mut std::iter::once(HotWrite {
                    part: part(1),
                    key: &kk,
                    row: None,
                }),
            );
        }
        assert!(c.lookup(c.token(), 10_000, &k).is_none());
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn a_scan_that_raced_commits_is_stored_with_them_in_its_delta() {
        let c = HotScanCache::new(1 << 20);
        let k = CacheKey {
            lo: vec![0],
            ..key(0)
        };
        let commit = |c: &HotScanCache, seq: u64, id: u64| {
            let kk = id.to_be_bytes();
            c.begin(Scope::Parts(vec![part(1)])).recorded(
                seq,
                seq,
                &mut std::iter::once(HotWrite {
                    part: part(1),
                    key: &kk,
                    row: None,
                }),
            );
        };
        // The scan read its token, then a commit ended (in its snapshot or not): the
        // entry is stored with the commit in its delta.
        let t = c.token();
        commit(&c, 11, 7);
        put(&c, t, 10, k.clone(), 100);
        let h = c.lookup(c.token(), 11, &k).unwrap();
        assert_eq!(h.visible.len(), 1);
        assert_eq!(c.lookup(c.token(), 10, &k).unwrap().visible.len(), 0);
        // More commits since the token than the log holds: not stored.
        drop(c.begin(Scope::All));
        let t = c.token();
        for i in 0..=MAX_LOG_WRITES as u64 {
            commit(&c, 20 + i, 1_000_000 + i);
        }
        put(&c, t, 19, k.clone(), 100);
        assert!(c.lookup(c.token(), 100_000, &k).is_none());
        // A commit in flight while the entry is stored records itself into it.
        let g = c.begin(Scope::Parts(vec![part(1)]));
        put(&c, c.token(), 30_000, k.clone(), 100);
        let kk = 3u64.to_be_bytes();
        g.recorded(
            30_001,
            30_001,
            &mut std::iter::once(HotWrite {
                part: part(1),
                key: &kk,
                row: None,
            }),
        );
        assert_eq!(c.lookup(c.token(), 30_001, &k).unwrap().visible.len(), 1);
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let one = {
            let c = HotScanCache::new(usize::MAX);
            put(&c, 0, 1, key(1), 10_000);
            c.bytes()
        };
        let c = HotScanCache::new(one * 2 + one / 2);
        for lo in 1..=4 {
            put(&c, 0, 1, key(lo), 10_000);
            assert!(c.bytes() <= one * 2 + one / 2);
        }
        // The least recently used went first.
        assert!(rows_of(&c, 0, 1, &key(1)).is_none());
        assert!(rows_of(&c, 0, 1, &key(4)).is_some());
        // An entry over half the cache is not kept; off keeps nothing.
        let small = HotScanCache::new(one);
        put(&small, 0, 1, key(1), 10_000);
        assert_eq!(small.bytes(), 0);
        let off = HotScanCache::new(0);
        put(&off, 0, 1, key(1), 1);
        assert!(rows_of(&off, 0, 1, &key(1)).is_none());
    }
}
