//! The instruction set: one enum with named operands.
//!
//! Each variant's doc comment is the one description of that opcode: the
//! disassembler's help, `docs/bytecode.md`'s opcode table and the VM's contract are
//! all taken from it (a test keeps the doc in sync). The `instructions!` macro turns
//! the list below into the [`Insn`] enum, the [`Opcode`] enum with each opcode's byte,
//! name, class, operand names and documentation, and the codec for every instruction.
//!
//! Vocabulary used below: a *register* `rN` holds one Arrow record batch whose schema
//! is declared in the program header; a *cursor* `cN` is a stateful object opened by
//! one `Open*` instruction — a table scan, a sorter, an aggregation, a join hash
//! table, a limit counter, a distinct set or a subscription; an *expression* `eN` is a
//! flat expression evaluated column-at-a-time against the batch the instruction names
//! (its *input*), or against no columns at all when it must be *constant* (constants,
//! parameters and functions of them). A *filling* cursor accepts `Feed`; `Seal` turns
//! it *readable*, and `Next` reads it.

use super::operand::{
    Addr, AggSpec, AlterAction, Cells, Col, Cur, ExprId, JoinKind, KeyRange, Operand, Reg, SortKey,
    TableDef, TableRef,
};
use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};
use crate::identity::Role;
use serde::Serialize;

/// What an opcode does, for the read-only rule and the permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpClass {
    /// Jumps and the end of the program.
    Control,
    /// Reads tables (permission: read the table).
    Read,
    /// Computes on registers and cursors; touches no table.
    Compute,
    /// Sends rows to the client.
    Output,
    /// Writes rows (permission: write the table). Not allowed in a read-only plan.
    Write,
    /// Changes the schema. Not allowed in a read-only plan.
    Ddl,
    /// Users, certificates, storage jobs. Not allowed in a read-only plan.
    Admin,
    /// Transaction control. Not allowed in a read-only plan.
    Transaction,
}

impl OpClass {
    /// Whether a plan flagged read-only may contain this class.
    pub fn allowed_read_only(self) -> bool {
        matches!(
            self,
            OpClass::Control | OpClass::Read | OpClass::Compute | OpClass::Output
        )
    }
}

macro_rules! instructions {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $code:literal, $class:ident { $($field:ident : $fty:ty),* $(,)? }
    )*) => {
        /// One instruction of a plan. See the module docs for the vocabulary.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "op")]
        pub enum Insn {
            $( $(#[doc = $doc])+ $name { $($field: $fty),* }, )*
        }

        /// The opcode of an instruction: its byte in the codec, its name and its doc.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[repr(u8)]
        pub enum Opcode {
            $( $name = $code, )*
        }

        impl Opcode {
            /// Every opcode in byte order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name),*];

            pub fn from_byte(b: u8) -> Option<Opcode> {
                match b {
                    $( $code => Some(Opcode::$name), )*
                    _ => None,
                }
            }

            pub fn byte(self) -> u8 {
                self as u8
            }

            pub fn name(self) -> &'static str {
                match self { $( Opcode::$name => stringify!($name), )* }
            }

            pub fn class(self) -> OpClass {
                match self { $( Opcode::$name => OpClass::$class, )* }
            }

            /// Operand names in encoding order.
            pub fn operands(self) -> &'static [&'static str] {
                match self { $( Opcode::$name => &[$(stringify!($field)),*], )* }
            }

            /// The doc comment of the opcode, one line per source line.
            pub fn doc(self) -> &'static str {
                match self { $( Opcode::$name => concat!($($doc, "\n"),+), )* }
            }
        }

        impl Insn {
            pub fn opcode(&self) -> Opcode {
                match self { $( Insn::$name { .. } => Opcode::$name, )* }
            }

            /// `(operand name, shown value)` pairs for listings.
            pub fn operands(&self) -> Vec<(&'static str, String)> {
                match self {
                    $( Insn::$name { $($field),* } => vec![$((stringify!($field), $field.show())),*], )*
                }
            }

            pub fn write(&self, w: &mut Writer) {
                w.u8(self.opcode().byte());
                match self {
                    $( Insn::$name { $($field),* } => { $( $field.write(w); )* } )*
                }
            }

            pub fn read(r: &mut Reader<'_>) -> Result<Insn, DecodeError> {
                let at = r.offset();
                let byte = r.u8("opcode")?;
                let Some(op) = Opcode::from_byte(byte) else {
                    return Err(DecodeError {
                        code: DecodeErrorCode::UnknownOpcode,
                        offset: at,
                        message: format!("unknown opcode 0x{byte:02x}"),
                    });
                };
                Ok(match op {
                    $( Opcode::$name => Insn::$name { $($field: <$fty>::read(r)?),* }, )*
                })
            }
        }
    };
}

instructions! {
    /// Ends the program. Every path through the program must reach a `Halt`; the
    /// VM then closes every cursor and completes the statement, reporting the rows
    /// the write sinks touched.
    Halt = 0x00, Control {}

    /// Jumps to `target`. A jump backwards is the end of a loop body and must land on
    /// a `Next` (so every loop consumes a cursor); a forward jump may land anywhere.
    Goto = 0x01, Control { target: Addr }

    /// Reads the next batch of readable cursor `cursor` into `dest` and continues; when
    /// the cursor is exhausted, leaves `dest` as it was and jumps forward to `done`.
    /// A batch is never empty. For a scan the batch has the scan's columns; for a
    /// sorter or top-k the rows in order; for an aggregation one row per group; for a
    /// hash join, after all probes, the build rows no probe matched (right and full
    /// joins; nothing for inner and left) padded with nulls on the probe side; for a
    /// subscription the next change (never exhausted: it ends when the client cancels).
    Next = 0x02, Control { cursor: Cur, dest: Reg, done: Addr }

    /// Opens `cursor` as a scan of table `table` and makes it readable: batches with
    /// `columns` (stable column ids; `#key` is the row's storage key as `bytes`) of
    /// the rows whose primary key lies in `range` (constant expressions; `all` for the
    /// whole table) and for which `filter` (an expression over those columns, if
    /// given) is true. Storage merges hot and cold versions first, then filters; it
    /// may skip data by statistics but the VM re-checks `filter`, so every row
    /// returned satisfies it. User tables are scanned in the caller's partition (or
    /// the `execute as` user's), never another's.
    OpenScan = 0x10, Read { cursor: Cur, table: TableRef, columns: Vec<Col>, filter: Option<ExprId>, range: Box<KeyRange> }

    /// Point lookup: evaluates the constant expressions `key` (one per primary-key
    /// column, in key order) and writes to `dest` a batch with `columns` of the one
    /// row with that key, or an empty batch when there is none. A null key part finds
    /// nothing.
    SeekKey = 0x11, Read { table: TableRef, key: Vec<ExprId>, columns: Vec<Col>, dest: Reg }

    /// Writes to `dest` a batch of `rows` rows built from constant expressions:
    /// `cells` holds rows × columns expressions, row by row; each is evaluated once per
    /// cell, so `snowflake()` differs between rows.
    Values = 0x12, Compute { dest: Reg, rows: u32, cells: Cells }

    /// Opens `cursor` as a live subscription to `table`: first the newest `last` rows
    /// that pass `filter` (oldest first), then every inserted, updated or deleted row
    /// that passes it as it commits. Batches carry `columns` plus a trailing `text`
    /// column `_change` (`insert`, `update`, `delete`).
    OpenSubscription = 0x13, Read { cursor: Cur, table: TableRef, columns: Vec<Col>, filter: Option<ExprId>, last: u32 }

    /// Writes to `dest` the rows of `src` for which `predicate` (a `bool` expression
    /// over `src`) is true; null counts as false. May write an empty batch.
    Filter = 0x20, Compute { src: Reg, predicate: ExprId, dest: Reg }

    /// Writes to `dest` one column per expression of `exprs`, each evaluated over
    /// `src`; the row count is `src`'s.
    Project = 0x21, Compute { src: Reg, exprs: Vec<ExprId>, dest: Reg }

    /// Opens `cursor` as a limit counter: skip the first `offset` rows, then pass at
    /// most `limit` rows (constant `int64` expressions; absent means 0 and unlimited;
    /// negative values are an error when evaluated).
    OpenLimit = 0x22, Compute { cursor: Cur, limit: Option<ExprId>, offset: Option<ExprId> }

    /// Passes the rows of `src` through limit cursor `cursor` into `dest` (skipping and
    /// counting as `OpenLimit` says). When the limit was already reached before this
    /// batch, jumps forward to `done` instead and leaves `dest` unwritten: the loop
    /// feeding it ends early.
    Limit = 0x23, Compute { cursor: Cur, src: Reg, dest: Reg, done: Addr }

    /// Opens `cursor` as an empty set of rows (all columns are the key).
    OpenDistinct = 0x24, Compute { cursor: Cur }

    /// Writes to `dest` the rows of `src` not yet in distinct set `cursor` (nor earlier
    /// in `src`), adding them to the set. Nulls compare equal here.
    Distinct = 0x25, Compute { cursor: Cur, src: Reg, dest: Reg }

    /// Opens `cursor` as a sorter, filling: rows fed to it come out of `Next`, after
    /// `Seal`, ordered by `keys` (expressions over the fed rows; ascending unless
    /// `desc`; nulls last unless `nulls first`). The sort is stable.
    OpenSort = 0x30, Compute { cursor: Cur, keys: Vec<SortKey> }

    /// Opens `cursor` as a top-k sorter: like `OpenSort` but keeps only the rows from
    /// `offset` to `offset + limit` of the order (constant `int64` expressions), in
    /// memory bounded by `offset + limit` rows.
    OpenTopK = 0x31, Compute { cursor: Cur, keys: Vec<SortKey>, limit: ExprId, offset: Option<ExprId> }

    /// Opens `cursor` as a hash aggregation, filling: rows fed to it are grouped by
    /// `keys` (expressions over the fed rows; nulls form one group) and each group
    /// accumulates `aggs`. After `Seal`, `Next` yields one row per group: the key
    /// columns, then one column per aggregate. Without keys there is exactly one group,
    /// even when nothing was fed.
    OpenAggregate = 0x32, Compute { cursor: Cur, keys: Vec<ExprId>, aggs: Vec<AggSpec> }

    /// Opens `cursor` as the build side of a hash join, filling: rows fed to it are
    /// hashed by `keys` (expressions over the fed rows). After `Seal`, `Probe` joins
    /// batches against it; keys with a null never match.
    OpenHashJoin = 0x33, Compute { cursor: Cur, kind: JoinKind, keys: Vec<ExprId> }

    /// Adds the rows of `src` to filling cursor `cursor` (a sorter, top-k, aggregation
    /// or hash-join build side).
    Feed = 0x34, Compute { cursor: Cur, src: Reg }

    /// Ends the filling of `cursor`: sorts, finishes aggregates or builds the hash
    /// table. The cursor becomes readable and accepts no more `Feed`.
    Seal = 0x35, Compute { cursor: Cur }

    /// Joins the rows of `src` (the probe side) with sealed hash-join cursor `cursor`
    /// on `keys` (expressions over `src`, equal to the build keys): writes to `dest`
    /// the probe columns followed by the build columns of every matching pair, plus,
    /// for left and full joins, each unmatched probe row with nulls for the build
    /// columns. Marks matched build rows for a later `Next`.
    Probe = 0x36, Compute { cursor: Cur, src: Reg, keys: Vec<ExprId>, dest: Reg }

    /// Sends the rows of `src` to the client as the statement's result (an Arrow IPC
    /// batch with `src`'s schema); empty batches are skipped.
    Emit = 0x40, Output { src: Reg }

    /// Inserts the rows of `src` into `table`: column *i* of `src` goes to table column
    /// `columns[i]`; `columns` names every table column once (the compiler fills
    /// defaults). A key that already exists is an error and nothing of the statement
    /// is applied.
    Insert = 0x50, Write { table: TableRef, src: Reg, columns: Vec<Col> }

    /// Like `Insert`, but a row whose key exists replaces the stored row. The table
    /// must have a primary key.
    Upsert = 0x51, Write { table: TableRef, src: Reg, columns: Vec<Col> }

    /// Updates rows of `table`: column 0 of `src` is a row key read by a scan of the
    /// same table (`#key`); column *i* ≥ 1 is the new value of table column `set[i-1]`.
    /// A key that no longer exists is skipped. Key columns cannot be set.
    Update = 0x52, Write { table: TableRef, src: Reg, set: Vec<Col> }

    /// Deletes the rows of `table` whose keys are column 0 of `src` (`#key` from a
    /// scan of the same table). Keys that do not exist are skipped.
    Delete = 0x53, Write { table: TableRef, src: Reg }

    /// Creates namespace `name` (nothing when it exists and `if_not_exists`).
    CreateNamespace = 0x60, Ddl { name: String, if_not_exists: bool }

    /// Drops namespace `name`, which must hold no tables (nothing when it does not
    /// exist and `if_exists`).
    DropNamespace = 0x61, Ddl { name: String, if_exists: bool }

    /// Creates the table `def` (nothing when it exists and `if_not_exists`).
    CreateTable = 0x62, Ddl { def: Box<TableDef>, if_not_exists: bool }

    /// Changes table `table` as `action` says and bumps its schema version.
    AlterTable = 0x63, Ddl { table: TableRef, action: Box<AlterAction> }

    /// Drops table `table` and all its data, hot and cold, in every partition.
    DropTable = 0x64, Ddl { table: TableRef }

    /// Creates user `name` with `role`, address allow-list `ips` (empty: only the
    /// certificate's addresses) and `enabled`.
    CreateUser = 0x70, Admin { name: String, role: Role, ips: Vec<String>, enabled: bool }

    /// Changes user `name`: each given field replaces the stored one.
    AlterUser = 0x71, Admin { name: String, role: Option<Role>, ips: Option<Vec<String>>, enabled: Option<bool> }

    /// Drops user `name`, erasing every partition it owns, hot and cold, revoking its
    /// certificates and closing its sessions (nothing when absent and `if_exists`).
    DropUser = 0x72, Admin { name: String, if_exists: bool }

    /// Signs the certificate request `csr` (a constant `text` expression, PEM) for
    /// `user`, allowing addresses `ips`, valid for `valid` (a constant `duration`;
    /// absent: the server default). Writes to `dest` one row: `serial` text, `user`
    /// text, `not_after` timestamp, `certificate` text (PEM).
    IssueCertificate = 0x73, Admin { user: String, csr: ExprId, ips: Vec<String>, valid: Option<ExprId>, dest: Reg }

    /// Revokes the certificate whose serial is the constant `text` expression
    /// `serial`, and closes the sessions that use it.
    RevokeCertificate = 0x74, Admin { serial: ExprId }

    /// Revokes every certificate of `user` and closes their sessions.
    RevokeCertificates = 0x75, Admin { user: String }

    /// Moves the hot rows of `table` to a new cold segment now (a job in
    /// `system.jobs`).
    Flush = 0x76, Admin { table: TableRef }

    /// Rewrites the cold segments of `table`, dropping deleted and replaced versions
    /// (a job in `system.jobs`).
    Compact = 0x77, Admin { table: TableRef }

    /// Starts a transaction on the session: later statements apply atomically at
    /// `Commit`. A plan holding it holds nothing else but `Halt`.
    Begin = 0x80, Transaction {}

    /// Commits the session's transaction; a conflicting concurrent write makes it fail
    /// with a retryable error and applies nothing.
    Commit = 0x81, Transaction {}

    /// Discards the session's transaction.
    Rollback = 0x82, Transaction {}
}

#[cfg(test)]
mod tests {
    use super::Insn;

    /// A program's first 16 instructions (the emitter's initial capacity) fit in an
    /// allocation glibc serves from its per-thread cache (≤ 1,032 bytes) only while
    /// an instruction is at most 64 bytes: large, rare operands are boxed.
    #[test]
    fn an_instruction_is_at_most_64_bytes() {
        assert!(
            std::mem::size_of::<Insn>() <= 64,
            "Insn is {} bytes",
            std::mem::size_of::<Insn>()
        );
    }
}
