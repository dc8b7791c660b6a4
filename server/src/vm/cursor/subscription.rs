//! A live subscription: first the snapshot (the newest `last` rows passing the
//! filter, oldest first, by primary key — or by row id, i.e. insertion order, for a
//! table without a key), then each committed change of the partition that passes the
//! filter. Batches carry the subscribed columns plus `_change` (`snapshot`, `insert`,
//! `update`, `delete`). The subscription registers with the hub before it reads the
//! snapshot, so no change is missed; a row committed while the snapshot is read may
//! show up in both.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use kalavar_protocol::ChangeKind;
use kalavar_storage::ColumnId;
use kql_compiler::bytecode::Expr;

use super::Read;
use crate::live::{LiveHub, Subscriber};
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::expr::{EvalCtx, eval};
use crate::vm::types::{batch, batch_bytes};

/// The text of a change kind in `_change`.
pub fn kind_text(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Snapshot => "snapshot",
        ChangeKind::Insert => "insert",
        ChangeKind::Update => "update",
        ChangeKind::Delete => "delete",
    }
}

/// An open subscription.
pub struct SubscriptionCursor {
    hub: Arc<LiveHub>,
    sub: Arc<Subscriber>,
    /// The subscribed columns, by id.
    columns: Vec<ColumnId>,
    filter: Option<Expr>,
    /// Batches of the subscribed columns (the filter's input).
    input: SchemaRef,
    /// `input` plus `_change`.
    out: SchemaRef,
    snapshot: VecDeque<RecordBatch>,
    held: usize,
    /// The kind of the batch `next` returned last.
    pub last_kind: Option<ChangeKind>,
}

impl Drop for SubscriptionCursor {
    fn drop(&mut self) {
        self.hub.unsubscribe(&self.sub);
    }
}

impl SubscriptionCursor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hub: Arc<LiveHub>,
        sub: Arc<Subscriber>,
        columns: Vec<ColumnId>,
        filter: Option<Expr>,
        input: SchemaRef,
        out: SchemaRef,
    ) -> SubscriptionCursor {
        SubscriptionCursor {
            hub,
            sub,
            columns,
            filter,
            input,
            out,
            snapshot: VecDeque::new(),
            held: 0,
            last_kind: None,
        }
    }

    /// The subscriber (the driver waits on its `notify`).
    pub fn subscriber(&self) -> &Arc<Subscriber> {
        &self.sub
    }

    /// Sets the snapshot: batches of the subscribed columns, already filtered, oldest
    /// first.
    pub fn set_snapshot(&mut self, batches: Vec<RecordBatch>) -> Result<()> {
        for b in batches {
            let b = self.with_change(&b, ChangeKind::Snapshot)?;
            self.held += batch_bytes(&b);
            self.snapshot.push_back(b);
        }
        Ok(())
    }

    pub fn held(&self) -> usize {
        self.held
    }

    fn with_change(&self, b: &RecordBatch, kind: ChangeKind) -> Result<RecordBatch> {
        let mut cols = b.columns().to_vec();
        cols.push(std::sync::Arc::new(StringArray::from(vec![
            kind_text(kind);
            b.num_rows()
        ])));
        batch(&self.out, cols, b.num_rows())
    }

    fn filtered(&self, b: RecordBatch, ev: &EvalCtx<'_>) -> Result<RecordBatch> {
        match &self.filter {
            None => Ok(b),
            Some(f) => {
                let mask = eval(f, Some(&b), b.num_rows(), ev)?;
                let mask = mask
                    .as_boolean_opt()
                    .ok_or_else(|| ExecError::internal("a subscription filter that is not bool"))?;
                Ok(arrow_select::filter::filter_record_batch(&b, mask)?)
            }
        }
    }

    /// The next snapshot batch or change, or `Wait` when none is queued.
    pub fn next(&mut self, ev: &EvalCtx<'_>) -> Result<Read> {
        if let Some(b) = self.snapshot.pop_front() {
            self.held = self.held.saturating_sub(batch_bytes(&b));
            self.last_kind = Some(ChangeKind::Snapshot);
            return Ok(Read::Batch(b));
        }
        loop {
            if let Some(why) = self.sub.ended() {
                return Err(ExecError::new(
                    XCode::Unsupported,
                    format!("{why}; subscribe again"),
                ));
            }
            if self.sub.lagged() {
                return Err(ExecError::new(
                    XCode::SubscriptionLagged,
                    format!(
                        "the subscription fell more than {} changes or {} MiB behind its table and was ended; subscribe again",
                        crate::live::MAX_QUEUED,
                        crate::live::MAX_QUEUED_BYTES >> 20
                    ),
                ));
            }
            let Some(change) = self.sub.pop() else {
                return Ok(Read::Wait);
            };
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
            for id in &self.columns {
                let at = change.columns.iter().position(|c| c == id).ok_or_else(|| {
                    ExecError::new(
                        XCode::Unsupported,
                        "a subscribed column was dropped from the table; subscribe again",
                    )
                })?;
                cols.push(change.rows.column(at).clone());
            }
            let rows = change.rows.num_rows();
            let cols = cols
                .into_iter()
                .zip(self.input.fields())
                .map(|(c, f)| {
                    if c.data_type().equals_datatype(f.data_type()) {
                        Ok(c)
                    } else {
                        Err(ExecError::new(
                            XCode::Unsupported,
                            "the table changed under the subscription; subscribe again",
                        ))
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let b = batch(&self.input, cols, rows)?;
            let b = self.filtered(b, ev)?;
            if b.num_rows() == 0 {
                continue;
            }
            self.last_kind = Some(change.kind);
            return Ok(Read::Batch(self.with_change(&b, change.kind)?));
        }
    }
}
