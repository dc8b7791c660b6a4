//! Per-instruction checks: operand ranges and kinds, expression types, schemas of what
//! each instruction reads and writes, tables and columns, permissions, jump targets.

use super::VerifyContext;
use super::error::{VerifyCode, VerifyError};
use crate::bytecode::{
    AggSpec, AlterAction, Col, ColumnDef, Cur, CursorDecl, CursorKind, ExprId, Insn, OpClass,
    Program, Reg, Schema, SortKey, TableDef, TableRef, TableUse,
};
use crate::catalog::{KEY_COLUMN_ID, SYSTEM_NAMESPACE, Table};
use crate::types::DataType;

pub(super) struct InsnChecker<'a> {
    p: &'a Program,
    ctx: &'a VerifyContext<'a>,
    at: usize,
    op: &'static str,
    /// The instruction that opens each cursor.
    pub(super) openers: Vec<Option<usize>>,
    value_cells: usize,
}

type R<T> = Result<T, VerifyError>;

impl<'a> InsnChecker<'a> {
    pub(super) fn new(p: &'a Program, ctx: &'a VerifyContext<'a>) -> Self {
        InsnChecker {
            p,
            ctx,
            at: 0,
            op: "",
            openers: vec![None; p.cursors.len()],
            value_cells: 0,
        }
    }

    fn err(&self, code: VerifyCode, message: impl Into<String>) -> VerifyError {
        VerifyError {
            code,
            at: Some(self.at),
            opcode: Some(self.op),
            message: message.into(),
        }
    }

    pub(super) fn check_all(&mut self) -> R<()> {
        let p = self.p;
        if p.insns.is_empty() {
            return Err(super::header::fail(
                VerifyCode::FallsOffEnd,
                "the program has no instructions",
            ));
        }
        let has_txn = p
            .insns
            .iter()
            .any(|i| i.opcode().class() == OpClass::Transaction);
        for (at, insn) in p.insns.iter().enumerate() {
            self.at = at;
            self.op = insn.opcode().name();
            let class = insn.opcode().class();
            if p.flags.read_only() && !class.allowed_read_only() {
                return Err(self.err(
                    VerifyCode::ReadOnlyViolation,
                    format!(
                        "the plan is flagged read-only but holds a {:?} opcode",
                        class
                    ),
                ));
            }
            if p.act_as.is_some()
                && matches!(class, OpClass::Ddl | OpClass::Admin | OpClass::Transaction)
            {
                return Err(self.err(
                    VerifyCode::ActAsDenied,
                    "an `execute as` plan may only read and write rows",
                ));
            }
            if has_txn && !matches!(insn, Insn::Halt {}) && class != OpClass::Transaction {
                return Err(self.err(
                    VerifyCode::TransactionMix,
                    "a plan with a transaction opcode holds nothing else but Halt",
                ));
            }
            if class == OpClass::Transaction
                && p.insns
                    .iter()
                    .filter(|i| i.opcode().class() == OpClass::Transaction)
                    .count()
                    > 1
            {
                return Err(self.err(
                    VerifyCode::TransactionMix,
                    "more than one transaction opcode",
                ));
            }
            self.check(insn)?;
        }
        let last = p.insns.len() - 1;
        if !matches!(p.insns[last], Insn::Halt {} | Insn::Goto { .. }) {
            self.at = last;
            self.op = p.insns[last].opcode().name();
            return Err(self.err(
                VerifyCode::FallsOffEnd,
                "the last instruction must be Halt or Goto",
            ));
        }
        for (c, opener) in self.openers.iter().enumerate() {
            if opener.is_none() && p.insns.iter().any(|i| uses_cursor(i, Cur(c as u16))) {
                return Err(super::header::fail(
                    VerifyCode::CursorState,
                    format!("cursor c{c} is used but no instruction opens it"),
                ));
            }
        }
        Ok(())
    }

    fn reg(&self, r: Reg) -> R<&'a Schema> {
        self.p.register_schema(r).ok_or_else(|| {
            self.err(
                VerifyCode::BadIndex,
                format!(
                    "register {r} does not exist ({} declared)",
                    self.p.registers.len()
                ),
            )
        })
    }

    fn cursor(&self, c: Cur, kinds: &[CursorKind]) -> R<&'a CursorDecl> {
        let decl = self.p.cursors.get(c.index()).ok_or_else(|| {
            self.err(
                VerifyCode::BadIndex,
                format!(
                    "cursor {c} does not exist ({} declared)",
                    self.p.cursors.len()
                ),
            )
        })?;
        if !kinds.contains(&decl.kind) {
            let want: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            return Err(self.err(
                VerifyCode::OperandKind,
                format!(
                    "cursor {c} is a {} cursor; {} needs {}",
                    decl.kind.name(),
                    self.op,
                    want.join(" or ")
                ),
            ));
        }
        Ok(decl)
    }

    fn schema(&self, id: u32) -> &'a Schema {
        &self.p.schemas[id as usize]
    }

    fn open(&mut self, c: Cur, kind: CursorKind) -> R<&'a CursorDecl> {
        let decl = self.cursor(c, &[kind])?;
        if let Some(prev) = self.openers[c.index()] {
            return Err(self.err(
                VerifyCode::CursorState,
                format!("cursor {c} is already opened at {prev}"),
            ));
        }
        self.openers[c.index()] = Some(self.at);
        Ok(decl)
    }

    fn jump(&self, target: crate::bytecode::Addr, forward_only: bool) -> R<()> {
        if target.index() >= self.p.insns.len() {
            return Err(self.err(
                VerifyCode::BadJump,
                format!(
                    "jump to {target} is outside the program (0..{})",
                    self.p.insns.len()
                ),
            ));
        }
        if target.index() <= self.at && forward_only {
            return Err(self.err(
                VerifyCode::UnboundedLoop,
                format!("`done` target {target} must be after {}", self.at),
            ));
        }
        if target.index() <= self.at && !matches!(self.p.insns[target.index()], Insn::Next { .. }) {
            return Err(self.err(
                VerifyCode::UnboundedLoop,
                format!(
                    "backward jump to {target} must land on a Next, not {}",
                    self.p.insns[target.index()].opcode().name()
                ),
            ));
        }
        Ok(())
    }

    /// The type of expression `e` over `input` (`None`: it must be constant).
    fn expr(&self, e: ExprId, input: Option<&[DataType]>) -> R<DataType> {
        let expr = self.p.exprs.get(e.index()).ok_or_else(|| {
            self.err(
                VerifyCode::BadIndex,
                format!(
                    "expression {e} does not exist ({} declared)",
                    self.p.exprs.len()
                ),
            )
        })?;
        if expr.nodes.is_empty() {
            return Err(self.err(
                VerifyCode::BadExpression,
                format!("expression {e} has no nodes"),
            ));
        }
        let mut types: Vec<DataType> = Vec::with_capacity(expr.nodes.len());
        for (i, node) in expr.nodes.iter().enumerate() {
            if input.is_none() && matches!(node, crate::bytecode::Node::Column { .. }) {
                return Err(self.err(
                    VerifyCode::BadExpression,
                    format!("expression {e} must be constant but node n{i} reads a column"),
                ));
            }
            let ty = node
                .result_type(
                    &types,
                    |c| input.and_then(|cols| cols.get(c as usize).copied()),
                    |k| self.p.constants.get(k as usize).map(|v| v.ty()),
                    |q| self.p.params.get(q as usize).map(|d| d.ty),
                )
                .map_err(|m| {
                    self.err(
                        VerifyCode::BadExpression,
                        format!("expression {e}, node n{i}: {m}"),
                    )
                })?;
            types.push(ty);
        }
        Ok(*types.last().expect("not empty"))
    }

    fn expr_is(&self, e: ExprId, input: Option<&[DataType]>, want: DataType, what: &str) -> R<()> {
        let ty = self.expr(e, input)?;
        if ty != want {
            return Err(self.err(
                VerifyCode::BadExpression,
                format!("{what} {e} has type {ty}, {want} is needed"),
            ));
        }
        Ok(())
    }

    fn same(&self, got: &[DataType], schema: &Schema, what: &str) -> R<()> {
        let want = schema.types();
        if got != want.as_slice() {
            return Err(self.err(
                VerifyCode::SchemaMismatch,
                format!(
                    "{what}: produces ({}) but the schema is ({})",
                    list(got),
                    list(&want)
                ),
            ));
        }
        Ok(())
    }

    fn table(&self, t: TableRef) -> R<(&'a TableUse, Option<&'a Table>)> {
        let used = self.p.tables.get(t.index()).ok_or_else(|| {
            self.err(
                VerifyCode::BadIndex,
                format!(
                    "table {t} does not exist ({} declared)",
                    self.p.tables.len()
                ),
            )
        })?;
        let table = self.ctx.catalog.and_then(|c| c.get_table_by_id(used.id));
        Ok((used, table))
    }

    /// The caller whose permissions apply: under `execute as`, a plain user.
    fn effective_caller(&self) -> Option<crate::identity::Caller> {
        let caller = self.ctx.caller?;
        Some(match &self.p.act_as {
            Some(user) => crate::identity::Caller::new(user.clone(), crate::identity::Role::User),
            None => caller.clone(),
        })
    }

    /// `verb` is "read" or "write"; `allowed` applies the matching permission rule.
    fn may(
        &self,
        table: Option<&Table>,
        verb: &str,
        allowed: fn(&crate::identity::Caller, &Table) -> bool,
    ) -> R<()> {
        if let (Some(caller), Some(t)) = (self.effective_caller(), table)
            && !allowed(&caller, t)
        {
            return Err(self.err(
                VerifyCode::TableDenied,
                format!(
                    "{} (role {}) may not {verb} {} ({} table, access {})",
                    caller.user,
                    caller.role,
                    t.qualified_name(),
                    t.kind,
                    t.access
                ),
            ));
        }
        Ok(())
    }

    fn may_read(&self, table: Option<&Table>) -> R<()> {
        self.may(table, "read", crate::identity::Caller::can_read)
    }

    fn may_write(&self, table: Option<&Table>) -> R<()> {
        if let Some(t) = table
            && t.kind == crate::catalog::TableKind::System
        {
            return Err(self.err(
                VerifyCode::BadWrite,
                format!(
                    "{} is a system table and cannot be written",
                    t.qualified_name()
                ),
            ));
        }
        self.may(table, "write", crate::identity::Caller::can_write)
    }

    fn may_change_schema(&self) -> R<()> {
        if let Some(caller) = self.ctx.caller
            && !caller.can_change_schema()
        {
            return Err(self.err(
                VerifyCode::StatementDenied,
                format!("role {} may not run {}", caller.role, self.op),
            ));
        }
        Ok(())
    }

    fn may_manage_users(&self) -> R<()> {
        if let Some(caller) = self.ctx.caller
            && !caller.can_manage_users()
        {
            return Err(self.err(
                VerifyCode::StatementDenied,
                format!("role {} may not run {}", caller.role, self.op),
            ));
        }
        Ok(())
    }

    /// Types of `cols` of a table (when the catalog is known).
    fn column_types(
        &self,
        table: Option<&Table>,
        cols: &[Col],
        allow_key: bool,
    ) -> R<Option<Vec<DataType>>> {
        let Some(t) = table else { return Ok(None) };
        let mut out = Vec::with_capacity(cols.len());
        for c in cols {
            if c.0 == KEY_COLUMN_ID && allow_key {
                out.push(DataType::Bytes);
                continue;
            }
            let col = t.column_by_id(c.0).ok_or_else(|| {
                self.err(
                    VerifyCode::UnknownColumn,
                    format!("column #{} is not a column of {}", c.0, t.qualified_name()),
                )
            })?;
            out.push(col.ty);
        }
        Ok(Some(out))
    }

    fn sort_keys(&self, keys: &[SortKey], input: &[DataType]) -> R<()> {
        for k in keys {
            let ty = self.expr(k.expr, Some(input))?;
            if !ty.is_ordered() {
                return Err(self.err(
                    VerifyCode::BadExpression,
                    format!("sort key {} has type {ty}, which has no order", k.expr),
                ));
            }
        }
        Ok(())
    }

    fn hash_keys(&self, keys: &[ExprId], input: &[DataType]) -> R<Vec<DataType>> {
        keys.iter()
            .map(|k| {
                let ty = self.expr(*k, Some(input))?;
                if !ty.is_hashable() {
                    return Err(self.err(
                        VerifyCode::BadExpression,
                        format!("key {k} has type {ty}, which cannot be hashed"),
                    ));
                }
                Ok(ty)
            })
            .collect()
    }

    fn opt_const_int(&self, e: Option<ExprId>, what: &str) -> R<()> {
        match e {
            Some(e) => self.expr_is(e, None, DataType::Int64, what),
            None => Ok(()),
        }
    }

    fn check(&mut self, insn: &Insn) -> R<()> {
        match insn {
            Insn::Halt {} | Insn::Begin {} | Insn::Commit {} | Insn::Rollback {} => Ok(()),
            Insn::Goto { target } => self.jump(*target, false),
            Insn::Next { cursor, dest, done } => {
                let decl = self.cursor(
                    *cursor,
                    &[
                        CursorKind::Scan,
                        CursorKind::Subscription,
                        CursorKind::Sort,
                        CursorKind::TopK,
                        CursorKind::Aggregate,
                        CursorKind::HashJoin,
                    ],
                )?;
                self.jump(*done, true)?;
                let dest = self.reg(*dest)?;
                self.same(&self.schema(decl.output).types(), dest, "Next's batch")
            }
            Insn::OpenScan {
                cursor,
                table,
                columns,
                filter,
                range,
            } => {
                let decl = self.open(*cursor, CursorKind::Scan)?;
                let (_, t) = self.table(*table)?;
                self.may_read(t)?;
                let out = self.schema(decl.output).types();
                if let Some(types) = self.column_types(t, columns, true)? {
                    self.same(&types, self.schema(decl.output), "the scanned columns")?;
                } else if columns.len() != out.len() {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        "scan columns and cursor schema differ in length",
                    ));
                }
                if let Some(f) = filter {
                    self.expr_is(*f, Some(&out), DataType::Bool, "scan filter")?;
                }
                let key_types: Option<Vec<DataType>> =
                    t.map(|t| t.key_columns().map(|c| c.ty).collect());
                let mut types = Vec::new();
                for e in range.exprs() {
                    types.push(self.expr(e, None)?);
                }
                if let Some(key) = key_types {
                    let parts = range.eq.len()
                        + usize::from(range.lower.is_some() || range.upper.is_some());
                    if parts > key.len() {
                        return Err(self.err(
                            VerifyCode::SchemaMismatch,
                            format!(
                                "key range names {parts} key columns; the key has {}",
                                key.len()
                            ),
                        ));
                    }
                    let mut want: Vec<DataType> = key[..range.eq.len()].to_vec();
                    for _ in range.lower.iter().chain(range.upper.iter()) {
                        want.push(key[range.eq.len()]);
                    }
                    if types != want {
                        return Err(self.err(
                            VerifyCode::SchemaMismatch,
                            format!(
                                "key range has types ({}) where the key needs ({})",
                                list(&types),
                                list(&want)
                            ),
                        ));
                    }
                }
                Ok(())
            }
            Insn::SeekKey {
                table,
                key,
                columns,
                dest,
            } => {
                let (_, t) = self.table(*table)?;
                self.may_read(t)?;
                let dest = self.reg(*dest)?;
                let types: Vec<DataType> =
                    key.iter().map(|e| self.expr(*e, None)).collect::<R<_>>()?;
                if let Some(t) = t {
                    let want: Vec<DataType> = t.key_columns().map(|c| c.ty).collect();
                    if want.is_empty() || types != want {
                        return Err(self.err(
                            VerifyCode::SchemaMismatch,
                            format!(
                                "seek key ({}) does not match the primary key ({}) of {}",
                                list(&types),
                                list(&want),
                                t.qualified_name()
                            ),
                        ));
                    }
                }
                if let Some(types) = self.column_types(t, columns, true)? {
                    self.same(&types, dest, "the sought columns")?;
                }
                Ok(())
            }
            Insn::Values { dest, rows, cells } => {
                let dest = self.reg(*dest)?;
                let width = dest.fields.len();
                let want = (*rows as usize).saturating_mul(width);
                if cells.len() != want {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        format!(
                            "{rows} rows × {width} columns need {want} cells, not {}",
                            cells.len()
                        ),
                    ));
                }
                self.value_cells += cells.len();
                if self.value_cells > self.ctx.limits.max_value_cells {
                    return Err(self.err(
                        VerifyCode::ResourceLimit,
                        format!(
                            "more than {} cells of values",
                            self.ctx.limits.max_value_cells
                        ),
                    ));
                }
                for (i, cell) in cells.iter().enumerate() {
                    let field = &dest.fields[i % width.max(1)];
                    self.expr_is(
                        *cell,
                        None,
                        field.ty,
                        &format!("cell for column `{}`", field.name),
                    )?;
                }
                Ok(())
            }
            Insn::OpenSubscription {
                cursor,
                table,
                columns,
                filter,
                last: _,
            } => {
                let decl = self.open(*cursor, CursorKind::Subscription)?;
                let (_, t) = self.table(*table)?;
                self.may_read(t)?;
                let mut cols = self.schema(decl.input).types();
                if let Some(f) = filter {
                    self.expr_is(*f, Some(&cols), DataType::Bool, "subscription filter")?;
                }
                if let Some(types) = self.column_types(t, columns, false)? {
                    self.same(&types, self.schema(decl.input), "the subscribed columns")?;
                }
                cols.push(DataType::Text);
                self.same(
                    &cols,
                    self.schema(decl.output),
                    "the subscription's batches",
                )
            }
            Insn::Filter {
                src,
                predicate,
                dest,
            } => {
                let src = self.reg(*src)?.types();
                self.expr_is(*predicate, Some(&src), DataType::Bool, "predicate")?;
                self.same(&src, self.reg(*dest)?, "Filter's output")
            }
            Insn::Project { src, exprs, dest } => {
                let src = self.reg(*src)?.types();
                let types: Vec<DataType> = exprs
                    .iter()
                    .map(|e| self.expr(*e, Some(&src)))
                    .collect::<R<_>>()?;
                self.same(&types, self.reg(*dest)?, "Project's output")
            }
            Insn::OpenLimit {
                cursor,
                limit,
                offset,
            } => {
                self.open(*cursor, CursorKind::Limit)?;
                self.opt_const_int(*limit, "limit")?;
                self.opt_const_int(*offset, "offset")
            }
            Insn::Limit {
                cursor,
                src,
                dest,
                done,
            } => {
                self.cursor(*cursor, &[CursorKind::Limit])?;
                self.jump(*done, true)?;
                let src = self.reg(*src)?.types();
                self.same(&src, self.reg(*dest)?, "Limit's output")
            }
            Insn::OpenDistinct { cursor } => self.open(*cursor, CursorKind::Distinct).map(|_| ()),
            Insn::Distinct { cursor, src, dest } => {
                self.cursor(*cursor, &[CursorKind::Distinct])?;
                let src = self.reg(*src)?.types();
                if let Some(t) = src.iter().find(|t| !t.is_hashable()) {
                    return Err(self.err(
                        VerifyCode::BadExpression,
                        format!("distinct over a {t} column"),
                    ));
                }
                self.same(&src, self.reg(*dest)?, "Distinct's output")
            }
            Insn::OpenSort { cursor, keys } => {
                let decl = self.open(*cursor, CursorKind::Sort)?;
                self.sort_keys(keys, &self.schema(decl.input).types())
            }
            Insn::OpenTopK {
                cursor,
                keys,
                limit,
                offset,
            } => {
                let decl = self.open(*cursor, CursorKind::TopK)?;
                self.sort_keys(keys, &self.schema(decl.input).types())?;
                self.expr_is(*limit, None, DataType::Int64, "limit")?;
                self.opt_const_int(*offset, "offset")
            }
            Insn::OpenAggregate { cursor, keys, aggs } => {
                let decl = self.open(*cursor, CursorKind::Aggregate)?;
                let input = self.schema(decl.input).types();
                let mut out = self.hash_keys(keys, &input)?;
                for AggSpec { func, arg } in aggs {
                    let arg_ty = match arg {
                        Some(a) => Some(self.expr(*a, Some(&input))?),
                        None => None,
                    };
                    out.push(
                        func.result_type(arg_ty)
                            .map_err(|m| self.err(VerifyCode::BadExpression, m))?,
                    );
                }
                self.same(&out, self.schema(decl.output), "the aggregation's rows")
            }
            Insn::OpenHashJoin {
                cursor,
                kind: _,
                keys,
            } => {
                let decl = self.open(*cursor, CursorKind::HashJoin)?;
                let input = self.schema(decl.input).types();
                self.hash_keys(keys, &input)?;
                let output = self.schema(decl.output).types();
                if output.len() < input.len() || output[output.len() - input.len()..] != input[..] {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        "a hash join's output must end with its build columns",
                    ));
                }
                Ok(())
            }
            Insn::Feed { cursor, src } => {
                let decl = self.cursor(
                    *cursor,
                    &[
                        CursorKind::Sort,
                        CursorKind::TopK,
                        CursorKind::Aggregate,
                        CursorKind::HashJoin,
                    ],
                )?;
                let src = self.reg(*src)?.types();
                self.same(&src, self.schema(decl.input), "the fed rows")
            }
            Insn::Seal { cursor } => {
                self.cursor(
                    *cursor,
                    &[
                        CursorKind::Sort,
                        CursorKind::TopK,
                        CursorKind::Aggregate,
                        CursorKind::HashJoin,
                    ],
                )?;
                Ok(())
            }
            Insn::Probe {
                cursor,
                src,
                keys,
                dest,
            } => {
                let decl = self.cursor(*cursor, &[CursorKind::HashJoin])?;
                let src_types = self.reg(*src)?.types();
                let probe = self.hash_keys(keys, &src_types)?;
                let build_keys = self.openers[cursor.index()]
                    .and_then(|at| match &self.p.insns[at] {
                        Insn::OpenHashJoin { keys, .. } => Some(keys.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        self.err(
                            VerifyCode::CursorState,
                            format!("cursor {cursor} is not opened before it is probed"),
                        )
                    })?;
                let build = self.hash_keys(&build_keys, &self.schema(decl.input).types())?;
                if probe != build {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        format!(
                            "probe keys ({}) do not match build keys ({})",
                            list(&probe),
                            list(&build)
                        ),
                    ));
                }
                let mut out = src_types;
                out.extend(self.schema(decl.input).types());
                self.same(&out, self.schema(decl.output), "the join's rows")?;
                self.same(&out, self.reg(*dest)?, "Probe's output")
            }
            Insn::Emit { src } => self.reg(*src).map(|_| ()),
            Insn::Insert {
                table,
                src,
                columns,
            }
            | Insn::Upsert {
                table,
                src,
                columns,
            } => {
                let (_, t) = self.table(*table)?;
                self.may_write(t)?;
                let src = self.reg(*src)?;
                if columns.iter().any(|c| c.0 == KEY_COLUMN_ID) {
                    return Err(
                        self.err(VerifyCode::BadWrite, "the row key is not a column to write")
                    );
                }
                for (i, c) in columns.iter().enumerate() {
                    if columns[..i].contains(c) {
                        return Err(self.err(
                            VerifyCode::BadWrite,
                            format!("column {} is written twice", c.show_name(t)),
                        ));
                    }
                }
                if let Some(t) = t {
                    if let Some(missing) = t.columns.iter().find(|c| !columns.contains(&Col(c.id)))
                    {
                        return Err(self.err(
                            VerifyCode::BadWrite,
                            format!(
                                "column `{}` of {} gets no value",
                                missing.name,
                                t.qualified_name()
                            ),
                        ));
                    }
                    if matches!(insn, Insn::Upsert { .. }) && t.key.is_empty() {
                        return Err(self.err(
                            VerifyCode::BadWrite,
                            format!("{} has no primary key to upsert by", t.qualified_name()),
                        ));
                    }
                }
                if let Some(types) = self.column_types(t, columns, false)? {
                    self.same(&types, src, "the written columns")?;
                } else if columns.len() != src.fields.len() {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        "written columns and source differ in length",
                    ));
                }
                Ok(())
            }
            Insn::Update { table, src, set } => {
                let (_, t) = self.table(*table)?;
                self.may_write(t)?;
                let src = self.reg(*src)?;
                let mut want = vec![DataType::Bytes];
                for (i, c) in set.iter().enumerate() {
                    if set[..i].contains(c) || c.0 == KEY_COLUMN_ID {
                        return Err(self.err(
                            VerifyCode::BadWrite,
                            format!("column {} cannot be set here", c.show_name(t)),
                        ));
                    }
                    if let Some(t) = t {
                        let col = t.column_by_id(c.0).ok_or_else(|| {
                            self.err(
                                VerifyCode::UnknownColumn,
                                format!(
                                    "column #{} is not a column of {}",
                                    c.0,
                                    t.qualified_name()
                                ),
                            )
                        })?;
                        if t.key.contains(&col.name) {
                            return Err(self.err(
                                VerifyCode::BadWrite,
                                format!("key column `{}` cannot be updated", col.name),
                            ));
                        }
                        want.push(col.ty);
                    }
                }
                if t.is_some() {
                    self.same(&want, src, "the update's source")
                } else if src.fields.first().map(|f| f.ty) != Some(DataType::Bytes)
                    || src.fields.len() != set.len() + 1
                {
                    Err(self.err(
                        VerifyCode::SchemaMismatch,
                        "an update's source is the row key then one column per set column",
                    ))
                } else {
                    Ok(())
                }
            }
            Insn::Delete { table, src } => {
                let (_, t) = self.table(*table)?;
                self.may_write(t)?;
                let src = self.reg(*src)?;
                if src.fields.first().map(|f| f.ty) != Some(DataType::Bytes) {
                    return Err(self.err(
                        VerifyCode::SchemaMismatch,
                        "a delete's source column 0 must be the row key (bytes)",
                    ));
                }
                Ok(())
            }
            Insn::CreateNamespace { name, .. } | Insn::DropNamespace { name, .. } => {
                self.may_change_schema()?;
                if name.is_empty() || name == SYSTEM_NAMESPACE {
                    return Err(self.err(
                        VerifyCode::BadWrite,
                        format!("`{name}` cannot be created or dropped"),
                    ));
                }
                Ok(())
            }
            Insn::CreateTable { def, .. } => {
                self.may_change_schema()?;
                self.table_def(def)
            }
            Insn::AlterTable { table, action } => {
                let action: &AlterAction = action;
                self.may_change_schema()?;
                let (_, t) = self.table(*table)?;
                self.not_system(t)?;
                if let Some(t) = t {
                    match action {
                        AlterAction::AddColumn(c) => {
                            self.column_def(c)?;
                            if t.column(&c.name).is_some() {
                                return Err(self.err(
                                    VerifyCode::BadWrite,
                                    format!(
                                        "{} already has a column `{}`",
                                        t.qualified_name(),
                                        c.name
                                    ),
                                ));
                            }
                            if !c.nullable && c.default.is_none() {
                                return Err(self.err(
                                    VerifyCode::BadWrite,
                                    format!(
                                        "new column `{}` is not null and needs a default",
                                        c.name
                                    ),
                                ));
                            }
                        }
                        AlterAction::DropColumn(c) | AlterAction::RenameColumn(c, _) => {
                            let col = t.column_by_id(c.0).ok_or_else(|| {
                                self.err(
                                    VerifyCode::UnknownColumn,
                                    format!(
                                        "column #{} is not a column of {}",
                                        c.0,
                                        t.qualified_name()
                                    ),
                                )
                            })?;
                            if matches!(action, AlterAction::DropColumn(_))
                                && t.key.contains(&col.name)
                            {
                                return Err(self.err(
                                    VerifyCode::BadWrite,
                                    format!("key column `{}` cannot be dropped", col.name),
                                ));
                            }
                            if let AlterAction::RenameColumn(_, to) = action
                                && (to.is_empty() || t.column(to).is_some())
                            {
                                return Err(self.err(
                                    VerifyCode::BadWrite,
                                    format!("cannot rename to `{to}`"),
                                ));
                            }
                        }
                        AlterAction::SetOptions(_) => {}
                    }
                }
                Ok(())
            }
            Insn::DropTable { table } | Insn::Flush { table } | Insn::Compact { table } => {
                self.may_change_schema()?;
                let (_, t) = self.table(*table)?;
                self.not_system(t)
            }
            Insn::CreateUser { name, .. }
            | Insn::AlterUser { name, .. }
            | Insn::DropUser { name, .. } => {
                self.may_manage_users()?;
                if name.is_empty() {
                    return Err(self.err(VerifyCode::BadWrite, "a user needs a name"));
                }
                if let Insn::AlterUser {
                    role: None,
                    ips: None,
                    enabled: None,
                    ..
                } = insn
                {
                    return Err(self.err(
                        VerifyCode::BadWrite,
                        "alter user changes nothing: it needs a role, ip or enable/disable",
                    ));
                }
                Ok(())
            }
            Insn::IssueCertificate {
                user,
                csr,
                ips: _,
                valid,
                dest,
            } => {
                if let Some(caller) = self.ctx.caller
                    && !caller.can_issue_certificate_for(user)
                {
                    return Err(self.err(
                        VerifyCode::StatementDenied,
                        format!(
                            "{} (role {}) may not issue a certificate for {user}",
                            caller.user, caller.role
                        ),
                    ));
                }
                self.expr_is(*csr, None, DataType::Text, "certificate request")?;
                if let Some(v) = valid {
                    self.expr_is(*v, None, DataType::Duration, "validity")?;
                }
                let want = [
                    DataType::Text,
                    DataType::Text,
                    DataType::Timestamp,
                    DataType::Text,
                ];
                self.same(&want, self.reg(*dest)?, "the issued certificate")
            }
            Insn::RevokeCertificate { serial } => {
                self.may_manage_users()?;
                self.expr_is(*serial, None, DataType::Text, "serial")
            }
            Insn::RevokeCertificates { user: _ } => self.may_manage_users(),
        }
    }

    fn not_system(&self, t: Option<&Table>) -> R<()> {
        if let Some(t) = t
            && t.kind == crate::catalog::TableKind::System
        {
            return Err(self.err(
                VerifyCode::BadWrite,
                format!("{} is a system table", t.qualified_name()),
            ));
        }
        Ok(())
    }

    fn column_def(&self, c: &ColumnDef) -> R<()> {
        if c.name.is_empty() || c.ty == DataType::Null {
            return Err(self.err(
                VerifyCode::BadWrite,
                format!("column `{}` of type {} cannot be created", c.name, c.ty),
            ));
        }
        Ok(())
    }

    fn table_def(&self, def: &TableDef) -> R<()> {
        if def.namespace == SYSTEM_NAMESPACE
            || def.name.is_empty()
            || def.namespace.is_empty()
            || def.kind == crate::catalog::TableKind::System
        {
            return Err(self.err(
                VerifyCode::BadWrite,
                format!("table {}.{} cannot be created", def.namespace, def.name),
            ));
        }
        if def.columns.is_empty() {
            return Err(self.err(VerifyCode::BadWrite, "a table needs at least one column"));
        }
        for (i, c) in def.columns.iter().enumerate() {
            self.column_def(c)?;
            if def.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(self.err(
                    VerifyCode::BadWrite,
                    format!("column `{}` appears twice", c.name),
                ));
            }
        }
        for (i, k) in def.key.iter().enumerate() {
            let Some(col) = def.columns.iter().find(|c| &c.name == k) else {
                return Err(self.err(
                    VerifyCode::BadWrite,
                    format!("key column `{k}` is not a column"),
                ));
            };
            if def.key[..i].contains(k) || !col.ty.is_ordered() || !col.ty.is_hashable() {
                return Err(self.err(
                    VerifyCode::BadWrite,
                    format!("`{k}` cannot be a key column"),
                ));
            }
        }
        Ok(())
    }
}

impl Col {
    fn show_name(&self, t: Option<&Table>) -> String {
        match t.and_then(|t| t.column_by_id(self.0)) {
            Some(c) => format!("`{}`", c.name),
            None => format!("#{}", self.0),
        }
    }
}

fn list(types: &[DataType]) -> String {
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether an instruction names cursor `c`.
pub(super) fn uses_cursor(insn: &Insn, c: Cur) -> bool {
    match insn {
        Insn::Next { cursor, .. }
        | Insn::OpenScan { cursor, .. }
        | Insn::OpenSubscription { cursor, .. }
        | Insn::OpenLimit { cursor, .. }
        | Insn::Limit { cursor, .. }
        | Insn::OpenDistinct { cursor }
        | Insn::Distinct { cursor, .. }
        | Insn::OpenSort { cursor, .. }
        | Insn::OpenTopK { cursor, .. }
        | Insn::OpenAggregate { cursor, .. }
        | Insn::OpenHashJoin { cursor, .. }
        | Insn::Feed { cursor, .. }
        | Insn::Seal { cursor }
        | Insn::Probe { cursor, .. } => *cursor == c,
        _ => false,
    }
}
