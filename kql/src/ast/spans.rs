//! Zeroing spans, so trees can be compared by structure alone: round-trip tests
//! check `parse(print(ast)).without_spans() == ast.without_spans()`.

use super::*;

/// Sets every span in a tree to `0..0`.
pub trait ClearSpans {
    fn clear_spans(&mut self);
}

impl Script {
    /// A copy with every span zeroed.
    pub fn without_spans(&self) -> Script {
        let mut s = self.clone();
        s.clear_spans();
        s
    }
}

impl Statement {
    /// A copy with every span zeroed.
    pub fn without_spans(&self) -> Statement {
        let mut s = self.clone();
        s.clear_spans();
        s
    }
}

impl Expr {
    /// A copy with every span zeroed.
    pub fn without_spans(&self) -> Expr {
        let mut e = self.clone();
        e.clear_spans();
        e
    }
}

impl<T: ClearSpans> ClearSpans for Vec<T> {
    fn clear_spans(&mut self) {
        self.iter_mut().for_each(ClearSpans::clear_spans);
    }
}

impl<T: ClearSpans> ClearSpans for Option<T> {
    fn clear_spans(&mut self) {
        if let Some(v) = self {
            v.clear_spans();
        }
    }
}

impl<T: ClearSpans> ClearSpans for Box<T> {
    fn clear_spans(&mut self) {
        (**self).clear_spans();
    }
}

impl ClearSpans for Span {
    fn clear_spans(&mut self) {
        *self = Span::default();
    }
}

impl ClearSpans for Ident {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
    }
}

impl ClearSpans for QualifiedName {
    fn clear_spans(&mut self) {
        self.namespace.clear_spans();
        self.name.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for TypeName {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
    }
}

impl ClearSpans for IpSpec {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
    }
}

impl ClearSpans for RecordField {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.value.clear_spans();
    }
}

impl ClearSpans for Expr {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
        match &mut self.kind {
            ExprKind::Literal(_) | ExprKind::Param(_) => {}
            ExprKind::Column(c) => {
                c.qualifier.clear_spans();
                c.name.clear_spans();
                c.span.clear_spans();
            }
            ExprKind::Unary { operand, .. } => operand.clear_spans(),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.clear_spans();
                rhs.clear_spans();
            }
            ExprKind::Call { name, args } => {
                name.clear_spans();
                args.clear_spans();
            }
            ExprKind::InList { expr, list, .. } => {
                expr.clear_spans();
                list.clear_spans();
            }
            ExprKind::Between {
                expr, low, high, ..
            } => {
                expr.clear_spans();
                low.clear_spans();
                high.clear_spans();
            }
            ExprKind::Cast { expr, ty } => {
                expr.clear_spans();
                ty.clear_spans();
            }
            ExprKind::List(items) => items.clear_spans(),
            ExprKind::Record(fields) => fields.clear_spans(),
        }
    }
}

impl ClearSpans for Pipeline {
    fn clear_spans(&mut self) {
        self.source.clear_spans();
        self.stages.clear_spans();
        self.sink.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for Source {
    fn clear_spans(&mut self) {
        match &mut self.kind {
            SourceKind::Table(t) => t.clear_spans(),
            SourceKind::Pipeline(p) => p.clear_spans(),
            SourceKind::Rows(rows) => rows.iter_mut().for_each(|r| r.clear_spans()),
        }
        self.alias.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for Projection {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.expr.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for Assignment {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.value.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for SortKey {
    fn clear_spans(&mut self) {
        self.expr.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for Stage {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
        match &mut self.kind {
            StageKind::Where(e) | StageKind::Take(e) | StageKind::Skip(e) => e.clear_spans(),
            StageKind::Select(p) | StageKind::Distinct(p) => p.clear_spans(),
            StageKind::Extend(a) => a.clear_spans(),
            StageKind::Aggregate { aggregates, by } => {
                aggregates.clear_spans();
                by.clear_spans();
            }
            StageKind::Sort(keys) => keys.clear_spans(),
            StageKind::Join { right, on, .. } => {
                right.clear_spans();
                on.clear_spans();
            }
            StageKind::Union(s) => s.clear_spans(),
        }
    }
}

impl ClearSpans for Sink {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
        match &mut self.kind {
            SinkKind::Update(a) => a.clear_spans(),
            SinkKind::Delete => {}
            SinkKind::Insert(t) | SinkKind::Upsert(t) => t.clear_spans(),
        }
    }
}

impl ClearSpans for Script {
    fn clear_spans(&mut self) {
        self.statements.clear_spans();
    }
}

impl ClearSpans for InsertValues {
    fn clear_spans(&mut self) {
        self.table.clear_spans();
        self.span.clear_spans();
        match &mut self.rows {
            InsertRows::Records(rows) => rows.iter_mut().for_each(|r| r.clear_spans()),
            InsertRows::Values { columns, rows } => {
                columns.clear_spans();
                rows.iter_mut().for_each(|r| r.clear_spans());
            }
        }
    }
}

impl ClearSpans for ColumnDef {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.ty.clear_spans();
        self.default.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for OptionSetting {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.value.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for CreateTable {
    fn clear_spans(&mut self) {
        self.name.clear_spans();
        self.columns.clear_spans();
        self.key.clear_spans();
        self.options.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for UserOption {
    fn clear_spans(&mut self) {
        if let UserOption::Ip(ips) = self {
            ips.clear_spans();
        }
    }
}

impl ClearSpans for IssueCertificate {
    fn clear_spans(&mut self) {
        self.user.clear_spans();
        self.csr.clear_spans();
        self.ips.clear_spans();
        self.valid.clear_spans();
        self.span.clear_spans();
    }
}

impl ClearSpans for Statement {
    fn clear_spans(&mut self) {
        self.span.clear_spans();
        match &mut self.kind {
            StatementKind::Pipeline(p) => p.clear_spans(),
            StatementKind::Let { name, pipeline } => {
                name.clear_spans();
                pipeline.clear_spans();
            }
            StatementKind::Insert(v) | StatementKind::Upsert(v) => v.clear_spans(),
            StatementKind::Begin | StatementKind::Commit | StatementKind::Rollback => {}
            StatementKind::CreateNamespace { name, .. }
            | StatementKind::DropNamespace { name, .. }
            | StatementKind::DropUser { name, .. } => name.clear_spans(),
            StatementKind::CreateTable(t) => t.clear_spans(),
            StatementKind::AlterTable { table, action } => {
                table.clear_spans();
                match action {
                    AlterTableAction::AddColumn(c) => c.clear_spans(),
                    AlterTableAction::DropColumn(c) => c.clear_spans(),
                    AlterTableAction::RenameColumn { from, to } => {
                        from.clear_spans();
                        to.clear_spans();
                    }
                    AlterTableAction::SetOptions(o) => o.clear_spans(),
                }
            }
            StatementKind::DropTable { table, .. }
            | StatementKind::Flush { table }
            | StatementKind::Compact { table }
            | StatementKind::Describe { table } => table.clear_spans(),
            StatementKind::CreateUser { name, options }
            | StatementKind::AlterUser { name, options } => {
                name.clear_spans();
                options.clear_spans();
            }
            StatementKind::IssueCertificate(c) => c.clear_spans(),
            StatementKind::RevokeCertificate { serial } => serial.clear_spans(),
            StatementKind::RevokeCertificates { user } => user.clear_spans(),
            StatementKind::ExecuteAs { user, body } => {
                user.clear_spans();
                body.clear_spans();
            }
            StatementKind::Subscribe { pipeline, options } => {
                pipeline.clear_spans();
                options.clear_spans();
            }
            StatementKind::Show { what } => what.clear_spans(),
            StatementKind::Explain { statement, .. } => statement.clear_spans(),
        }
    }
}
