//! Relational operators.

use super::Scalar;
use crate::bytecode::{AggFunc, JoinKind};
use crate::catalog::{ColumnId, TableId, TableKind};
use crate::types::DataType;
use std::sync::Arc;

/// A column of an operator's output.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanField {
    /// Shared, not copied: a scan's names come from the catalog's and every
    /// operator above passes them on, so copying a schema copies no text.
    pub name: Arc<str>,
    /// The table name or alias that qualifies it (`m.id`), if any.
    pub qualifier: Option<Arc<str>>,
    pub ty: DataType,
    pub nullable: bool,
    /// Not visible to names in the query (the row key a write sink reads).
    pub hidden: bool,
}

impl PlanField {
    pub fn new(name: impl Into<Arc<str>>, ty: DataType, nullable: bool) -> PlanField {
        PlanField {
            name: name.into(),
            qualifier: None,
            ty,
            nullable,
            hidden: false,
        }
    }

    /// This field under another name (its qualifier, type and flags kept), without
    /// copying the old name.
    pub fn renamed(&self, name: impl Into<Arc<str>>) -> PlanField {
        PlanField {
            name: name.into(),
            qualifier: self.qualifier.clone(),
            ty: self.ty,
            nullable: self.nullable,
            hidden: self.hidden,
        }
    }
}

pub type PlanSchema = Vec<PlanField>;

/// A table as the plan names it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInfo {
    pub id: TableId,
    /// `namespace.name`, shared with the catalog snapshot.
    pub name: Arc<str>,
    pub schema_version: u32,
    pub kind: TableKind,
}

/// The primary-key range of a scan: equal prefix, then bounds on the next key column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanRange {
    pub eq: Vec<Scalar>,
    pub lower: Option<(Scalar, bool)>,
    pub upper: Option<(Scalar, bool)>,
}

impl ScanRange {
    pub fn is_full(&self) -> bool {
        self.eq.is_empty() && self.lower.is_none() && self.upper.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortSpec {
    pub expr: Scalar,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Equality keys of a join: `left[i] == right[i]`, each over its own side.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinKeys {
    pub left: Vec<Scalar>,
    pub right: Vec<Scalar>,
}

/// A logical operator.
#[allow(clippy::large_enum_variant)] // plans are small trees built once per statement
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Rows of a table: `columns` (ids; [`crate::catalog::KEY_COLUMN_ID`] for the row
    /// key), those in `range`, passing `filter` (over the scanned columns).
    Scan {
        table: TableInfo,
        columns: Vec<ColumnId>,
        schema: PlanSchema,
        filter: Option<Scalar>,
        /// `None`: the whole table (most scans, so no range is allocated).
        range: Option<Box<ScanRange>>,
        /// The table's primary-key column names, in key order.
        key_names: Arc<[String]>,
    },
    /// The one row with this primary key.
    Seek {
        table: TableInfo,
        columns: Vec<ColumnId>,
        schema: PlanSchema,
        key: Vec<Scalar>,
    },
    /// Rows of constants.
    Values {
        schema: PlanSchema,
        rows: Vec<Vec<Scalar>>,
    },
    /// A live subscription to a table.
    Subscribe {
        table: TableInfo,
        columns: Vec<ColumnId>,
        schema: PlanSchema,
        filter: Option<Scalar>,
        last: u32,
    },
    Filter {
        input: Box<Plan>,
        predicate: Scalar,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Scalar>,
        schema: PlanSchema,
    },
    /// Output: the keys, then one column per aggregate.
    Aggregate {
        input: Box<Plan>,
        keys: Vec<Scalar>,
        aggs: Vec<(AggFunc, Option<Scalar>)>,
        schema: PlanSchema,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortSpec>,
    },
    TopK {
        input: Box<Plan>,
        keys: Vec<SortSpec>,
        limit: Scalar,
        offset: Option<Scalar>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Scalar>,
        offset: Option<Scalar>,
    },
    Distinct {
        input: Box<Plan>,
    },
    /// Output: left columns, then right columns.
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        keys: JoinKeys,
        schema: PlanSchema,
    },
    /// Both inputs have the same column types; names are the left's.
    Union {
        left: Box<Plan>,
        right: Box<Plan>,
    },
}

impl Plan {
    pub fn schema(&self) -> &PlanSchema {
        match self {
            Plan::Scan { schema, .. }
            | Plan::Seek { schema, .. }
            | Plan::Values { schema, .. }
            | Plan::Subscribe { schema, .. }
            | Plan::Project { schema, .. }
            | Plan::Aggregate { schema, .. }
            | Plan::Join { schema, .. } => schema,
            Plan::Filter { input, .. }
            | Plan::Sort { input, .. }
            | Plan::TopK { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input } => input.schema(),
            Plan::Union { left, .. } => left.schema(),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.schema().iter().map(|f| f.name.to_string()).collect()
    }

    pub fn inputs(&self) -> Vec<&Plan> {
        match self {
            Plan::Scan { .. }
            | Plan::Seek { .. }
            | Plan::Values { .. }
            | Plan::Subscribe { .. } => Vec::new(),
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::TopK { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input } => vec![input],
            Plan::Join { left, right, .. } | Plan::Union { left, right } => vec![left, right],
        }
    }

    /// Replaces each input by `f(input)`.
    pub fn map_inputs(mut self, f: &mut dyn FnMut(Plan) -> Plan) -> Plan {
        self.for_each_input_mut(&mut |input| {
            let taken = input.take();
            *input = f(taken);
        });
        self
    }

    /// Moves the plan out, leaving an empty `Values` (no allocation) in its place:
    /// for rewrites in place that need the node by value.
    pub fn take(&mut self) -> Plan {
        std::mem::replace(
            self,
            Plan::Values {
                schema: Vec::new(),
                rows: Vec::new(),
            },
        )
    }

    /// Calls `f` on each input, mutably (no allocation).
    pub fn for_each_input_mut(&mut self, f: &mut dyn FnMut(&mut Plan)) {
        match self {
            Plan::Scan { .. }
            | Plan::Seek { .. }
            | Plan::Values { .. }
            | Plan::Subscribe { .. } => {}
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::TopK { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input } => f(input),
            Plan::Join { left, right, .. } | Plan::Union { left, right } => {
                f(left);
                f(right);
            }
        }
    }

    /// Calls `f` on every scalar held by this node (not its inputs).
    pub fn for_each_scalar_mut(&mut self, f: &mut dyn FnMut(&mut Scalar)) {
        match self {
            Plan::Scan { filter, range, .. } => {
                filter.iter_mut().for_each(&mut *f);
                if let Some(range) = range {
                    range.eq.iter_mut().for_each(&mut *f);
                    range.lower.iter_mut().for_each(|b| f(&mut b.0));
                    range.upper.iter_mut().for_each(|b| f(&mut b.0));
                }
            }
            Plan::Seek { key, .. } => key.iter_mut().for_each(f),
            Plan::Values { rows, .. } => rows.iter_mut().flatten().for_each(f),
            Plan::Subscribe { filter, .. } => filter.iter_mut().for_each(f),
            Plan::Filter { predicate, .. } => f(predicate),
            Plan::Project { exprs, .. } => exprs.iter_mut().for_each(f),
            Plan::Aggregate { keys, aggs, .. } => {
                keys.iter_mut().for_each(&mut *f);
                aggs.iter_mut().filter_map(|a| a.1.as_mut()).for_each(f);
            }
            Plan::Sort { keys, .. } => keys.iter_mut().for_each(|k| f(&mut k.expr)),
            Plan::TopK {
                keys,
                limit,
                offset,
                ..
            } => {
                keys.iter_mut().for_each(|k| f(&mut k.expr));
                f(limit);
                offset.iter_mut().for_each(f);
            }
            Plan::Limit { limit, offset, .. } => {
                limit.iter_mut().for_each(&mut *f);
                offset.iter_mut().for_each(f);
            }
            Plan::Join { keys, .. } => {
                keys.left.iter_mut().for_each(&mut *f);
                keys.right.iter_mut().for_each(f);
            }
            Plan::Distinct { .. } | Plan::Union { .. } => {}
        }
    }

    /// A copy of `schema` with every field requalified (for `as alias`).
    pub fn requalify(schema: &PlanSchema, qualifier: &str) -> PlanSchema {
        let q: Arc<str> = Arc::from(qualifier);
        schema
            .iter()
            .map(|f| PlanField {
                qualifier: Some(q.clone()),
                ..f.clone()
            })
            .collect()
    }
}
