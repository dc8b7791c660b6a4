//! Scans: a [`ScanSpec`] (projection, predicates, key range, limit, order) becomes a
//! [`ScanIter`] of Arrow record batches that merges the hot tier over the cold one.
//! [`spec`] is the request, [`predicate`] binds and evaluates predicates, [`hot`] reads
//! the hot side, [`cluster`] decides versions among overlapping segments, and [`iter`]
//! plans and streams.

mod cluster;
mod hot;
mod iter;
mod predicate;
mod spec;

pub use iter::ScanIter;
pub use spec::{KeyRange, Predicate, PredicateOp, ScanSpec};
