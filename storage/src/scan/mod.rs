//! Scans: a [`ScanSpec`] (projection, predicates, key range, limit, order) becomes a
//! [`ScanIter`] of Arrow record batches that merges the hot tier over the cold one.
//! [`spec`] is the request, [`predicate`] binds and evaluates predicates, [`hot`] reads
//! the hot side ([`direct`] decodes a range only the hot tier holds, split across
//! threads, and [`hot_cache`] keeps large ones, patched by later commits), [`cluster`]
//! decides versions among overlapping segments, [`merge`] is the streaming k-way merge
//! by key (ordered scans, compaction) over [`sources`], and [`iter`] plans and
//! streams.

mod cluster;
mod direct;
mod hot;
pub(crate) mod hot_cache;
mod iter;
pub(crate) mod merge;
mod predicate;
pub(crate) mod sources;
mod spec;

pub use iter::ScanIter;
pub use spec::{KeyRange, Predicate, PredicateOp, ScanSpec};
