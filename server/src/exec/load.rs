//! Bulk load (`Load`): the rows of one Arrow IPC stream written into one table in one
//! storage transaction (`Engine::load`: durable at the server's durability before the
//! answer; with `fsync = "always"` a request of 10,000 rows or more is written as one
//! ingested RocksDB table file, a smaller one as one write batch and one sync) without
//! compiling or running a plan.
//!
//! The batch is hostile until checked: it must decode as one IPC stream whose
//! schema is the table's columns, by name, in table order, with the table's Arrow
//! types; at most `MAX_LOAD_ROWS` rows; no null in a column that takes none; JSON
//! columns holding JSON. Any failure is an error naming the column (and row, counted
//! from 1 within the request) and nothing of the batch is written. The caller's role
//! must allow writing the table (as for `insert`); rows of a `user` table go into the
//! caller's own partition, decided from the session's identity — nothing in the batch
//! names an owner. Storage (`Engine::load`) checks primary keys with one multi-get per
//! request under its commit lock, so a load never conflicts: a key that exists (hot or
//! cold) or repeats inside the request is `S111` unless the mode is upsert. A load runs
//! outside `begin … commit` only: it is its own transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_ipc::reader::StreamReader;
use kalavar_protocol::limits::MAX_LOAD_ROWS;
use kalavar_protocol::{LoadMode, codes};
use kalavar_storage::{DataType, TableDef, TableId, TableKind, UserId};
use kql_compiler::identity::Caller;

use super::session::Executor;
use crate::db::Counters;
use crate::live::RowChange;
use crate::vm::error::{ExecError, Result};

/// One `Load` in flight: the session counts them (at most `MAX_LOADS_IN_FLIGHT`
/// queued or running); the count drops when the ticket does, after the answer.
#[derive(Debug)]
pub struct LoadTicket(Arc<AtomicUsize>);

impl LoadTicket {
    /// A ticket, or `None` when `limit` loads are already in flight.
    pub fn take(count: &Arc<AtomicUsize>, limit: usize) -> Option<LoadTicket> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| LoadTicket(count.clone()))
    }
}

impl Drop for LoadTicket {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn refused(message: impl Into<String>) -> ExecError {
    ExecError::with_code(codes::LOAD_REFUSED, message)
}

impl Executor {
    /// Writes the rows of `arrow_ipc` into `table` (`namespace.name`) in one
    /// transaction; returns how many rows were written.
    pub fn load(
        &mut self,
        table: &str,
        mode: LoadMode,
        arrow_ipc: &[u8],
        cancel: Arc<AtomicBool>,
    ) -> Result<u64> {
        let db = self.db.clone();
        Counters::add(&db.counters.statements, 1);
        let r = self.load_inner(table, mode, arrow_ipc, cancel);
        if r.is_err() {
            Counters::add(&db.counters.statements_failed, 1);
        }
        r
    }

    fn load_inner(
        &mut self,
        table: &str,
        mode: LoadMode,
        arrow_ipc: &[u8],
        cancel: Arc<AtomicBool>,
    ) -> Result<u64> {
        if self.in_transaction() {
            return Err(refused(
                "a load is a transaction of its own and cannot run inside begin … commit; commit or roll back first",
            ));
        }
        let who = self.who()?;
        let db = self.db.clone();
        let _ddl = db.ddl.read().unwrap_or_else(|e| e.into_inner());
        let views = db.views()?;
        if !table.contains('.') {
            return Err(refused(format!(
                "load names its table as namespace.table, got `{table}`"
            )));
        }
        // Namespace and table names may themselves hold a `.`: try every split.
        let visible = views.for_role(who.role);
        let t = table
            .match_indices('.')
            .find_map(|(i, _)| visible.get_table(&table[..i], &table[i + 1..]))
            .ok_or_else(|| refused(format!("unknown table {table}")))?;
        if !Caller::new(&who.user, who.role).can_write(t) {
            return Err(ExecError::with_code(
                codes::PERMISSION_DENIED,
                format!("{} (role {}) may not write {table}", who.user, who.role),
            ));
        }
        let def = views
            .storage
            .table(TableId(t.id))
            .cloned()
            .ok_or_else(|| refused(format!("unknown table {table}")))?;
        let batches = decode(&def, arrow_ipc)?;
        let owner = (def.kind == TableKind::User).then_some(UserId(who.user_id));
        self.budget(cancel, true).check()?;
        let written = db
            .engine
            .load(def.id, owner, &batches, mode == LoadMode::Upsert)?;
        if db.live.watching(def.id) {
            let columns: Vec<_> = def.columns.iter().map(|c| c.id).collect();
            db.live.publish(
                batches
                    .into_iter()
                    .map(|rows| RowChange {
                        table: def.id,
                        owner,
                        kind: kalavar_protocol::ChangeKind::Insert,
                        columns: columns.clone(),
                        rows,
                    })
                    .collect(),
            );
        }
        Counters::add(&db.counters.rows_written, written as u64);
        Ok(written as u64)
    }
}

/// The batches of `bytes`, checked against `def`: schema, row count, nulls, JSON.
fn decode(def: &TableDef, bytes: &[u8]) -> Result<Vec<RecordBatch>> {
    let reader = StreamReader::try_new(bytes, None)
        .map_err(|e| refused(format!("the load batch is not an Arrow IPC stream: {e}")))?;
    check_schema(def, reader.schema().fields())?;
    let mut batches = Vec::new();
    let mut rows = 0usize;
    for b in reader {
        let b = b.map_err(|e| refused(format!("the load batch does not decode: {e}")))?;
        rows += b.num_rows();
        if rows > MAX_LOAD_ROWS {
            return Err(refused(format!(
                "a load request holds at most {MAX_LOAD_ROWS} rows; this one holds more: send smaller batches"
            )));
        }
        check_values(def, &b, rows - b.num_rows())?;
        if b.num_rows() > 0 {
            batches.push(b);
        }
    }
    Ok(batches)
}

fn check_schema(def: &TableDef, fields: &arrow_schema::Fields) -> Result<()> {
    let table = def.qualified_name();
    let expected = || {
        def.columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.data_type.name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if fields.len() != def.columns.len() {
        return Err(refused(format!(
            "{table} has {} column(s) ({}), the load batch has {} ({})",
            def.columns.len(),
            expected(),
            fields.len(),
            fields
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for (i, (c, f)) in def.columns.iter().zip(fields.iter()).enumerate() {
        if f.name() != &c.name {
            return Err(refused(format!(
                "column {} of the load batch is `{}`; column {} of {table} is `{}` (a batch carries every column, in table order: {})",
                i + 1,
                f.name(),
                i + 1,
                c.name,
                expected()
            )));
        }
        if !c.data_type.matches_arrow(f.data_type()) {
            return Err(refused(format!(
                "column `{}` of the load batch is Arrow {}; {table}.{} is {} (Arrow {})",
                c.name,
                f.data_type(),
                c.name,
                c.data_type.name(),
                c.data_type.to_arrow()
            )));
        }
    }
    Ok(())
}

/// Nulls where the table takes none, and JSON columns that do not hold JSON, named by
/// column and row (counted from 1 within the request; `first` rows came before `b`).
fn check_values(def: &TableDef, b: &RecordBatch, first: usize) -> Result<()> {
    let table = def.qualified_name();
    for (c, a) in def.columns.iter().zip(b.columns()) {
        if !c.nullable && a.null_count() > 0 {
            let row = (0..a.len()).find(|r| a.is_null(*r)).unwrap_or(0);
            return Err(ExecError::with_code(
                "S121",
                format!(
                    "null value in non-nullable column `{}` of table {table} (row {} of the load)",
                    c.name,
                    first + row + 1
                ),
            ));
        }
        if c.data_type == DataType::Json {
            let s = a.as_string::<i32>();
            for r in 0..s.len() {
                if s.is_valid(r) && serde_json::from_str::<serde_json::Value>(s.value(r)).is_err() {
                    return Err(refused(format!(
                        "column `{}` (json) of {table}, row {} of the load: not JSON",
                        c.name,
                        first + r + 1
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_stop_at_the_limit_and_come_back_when_dropped() {
        let count = Arc::new(AtomicUsize::new(0));
        let held: Vec<LoadTicket> = (0..3)
            .map(|_| LoadTicket::take(&count, 3).expect("under the limit"))
            .collect();
        assert!(LoadTicket::take(&count, 3).is_none(), "a fourth is refused");
        drop(held);
        assert_eq!(count.load(Ordering::Acquire), 0);
        assert!(LoadTicket::take(&count, 3).is_some());
    }
}
