//! What a scan asks for: [`ScanSpec`] with its [`Predicate`]s and [`KeyRange`].

use std::ops::Bound;

use crate::catalog::{ColumnId, TableId, UserId};
use crate::types::ScalarValue;

/// A comparison of one column with constants. Predicates prune segments, row groups
/// and pages by statistics, and are then applied exactly to the merged rows (SQL
/// semantics: a comparison with a null value is not true).
#[derive(Debug, Clone, PartialEq)]
pub enum PredicateOp {
    Eq(ScalarValue),
    Ne(ScalarValue),
    Lt(ScalarValue),
    Le(ScalarValue),
    Gt(ScalarValue),
    Ge(ScalarValue),
    /// Inclusive on both ends.
    Between(ScalarValue, ScalarValue),
    In(Vec<ScalarValue>),
    IsNull,
    IsNotNull,
}

/// `column op constant`; all predicates of a scan must hold (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub column: ColumnId,
    pub op: PredicateOp,
}

impl Predicate {
    pub fn new(column: ColumnId, op: PredicateOp) -> Predicate {
        Predicate { column, op }
    }
}

/// A range of primary keys. Each bound is a prefix of the key columns' values (all of
/// them, or the first few): `Included([5])` on a `(a, b)` key starts at the first key
/// with `a = 5`; `Excluded([5])` after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRange {
    pub start: Bound<Vec<ScalarValue>>,
    pub end: Bound<Vec<ScalarValue>>,
}

impl KeyRange {
    /// Every key.
    pub fn all() -> KeyRange {
        KeyRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }

    /// Keys starting with these values.
    pub fn prefix(values: Vec<ScalarValue>) -> KeyRange {
        KeyRange {
            start: Bound::Included(values.clone()),
            end: Bound::Included(values),
        }
    }
}

/// A scan of one partition.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSpec {
    pub table: TableId,
    /// `Some(user)` for user tables, `None` otherwise.
    pub owner: Option<UserId>,
    /// Columns to return, in this order; `None` for all current columns.
    pub projection: Option<Vec<ColumnId>>,
    pub predicates: Vec<Predicate>,
    pub key_range: KeyRange,
    /// Stop after this many rows.
    pub limit: Option<usize>,
    /// Rows per returned batch (at most `Limits::max_scan_batch_rows`). Default 8,192.
    pub batch_size: usize,
    /// Return rows in primary-key order. Unordered scans (the default) stream segment
    /// by segment; ordered scans sort the matching rows, holding them in memory.
    pub ordered: bool,
    /// Tables without a primary key: append the hidden `__rowid` int64 column (what
    /// `delete` and `update` take to name rows).
    pub with_row_id: bool,
}

impl ScanSpec {
    /// Every row and column of a partition.
    pub fn new(table: TableId, owner: Option<UserId>) -> ScanSpec {
        ScanSpec {
            table,
            owner,
            projection: None,
            predicates: Vec::new(),
            key_range: KeyRange::all(),
            limit: None,
            batch_size: 8192,
            ordered: false,
            with_row_id: false,
        }
    }

    pub fn project(mut self, columns: Vec<ColumnId>) -> ScanSpec {
        self.projection = Some(columns);
        self
    }

    pub fn filter(mut self, column: ColumnId, op: PredicateOp) -> ScanSpec {
        self.predicates.push(Predicate::new(column, op));
        self
    }

    pub fn range(mut self, range: KeyRange) -> ScanSpec {
        self.key_range = range;
        self
    }

    pub fn limit(mut self, n: usize) -> ScanSpec {
        self.limit = Some(n);
        self
    }

    pub fn batch_size(mut self, n: usize) -> ScanSpec {
        self.batch_size = n;
        self
    }

    pub fn ordered(mut self) -> ScanSpec {
        self.ordered = true;
        self
    }

    pub fn with_row_id(mut self) -> ScanSpec {
        self.with_row_id = true;
        self
    }
}
