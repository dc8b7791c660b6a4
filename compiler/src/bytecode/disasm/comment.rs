//! The comment column of a listing: what an instruction does, in words, with its
//! expressions rendered over the names of the columns they read.

use crate::bytecode::{AlterAction, Cur, ExprId, Insn, Program, Reg};

struct Names<'a> {
    p: &'a Program,
}

impl Names<'_> {
    fn reg_cols(&self, r: Reg) -> Option<Vec<String>> {
        self.p.register_schema(r).map(|s| s.names())
    }

    fn cursor_input(&self, c: Cur) -> Option<Vec<String>> {
        let d = self.p.cursors.get(c.index())?;
        self.p.schemas.get(d.input as usize).map(|s| s.names())
    }

    fn cursor_output(&self, c: Cur) -> Option<Vec<String>> {
        let d = self.p.cursors.get(c.index())?;
        self.p.schemas.get(d.output as usize).map(|s| s.names())
    }

    fn expr(&self, e: ExprId, cols: Option<&[String]>) -> String {
        match self.p.exprs.get(e.index()) {
            Some(x) => x.render(cols, &self.p.constants, &self.p.param_names()),
            None => format!("{e}?"),
        }
    }

    fn exprs(&self, es: &[ExprId], cols: Option<&[String]>) -> String {
        es.iter()
            .map(|e| self.expr(*e, cols))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn table(&self, t: crate::bytecode::TableRef) -> String {
        self.p
            .tables
            .get(t.index())
            .map(|t| t.name.to_string())
            .unwrap_or_else(|| format!("{t}?"))
    }

    fn reg(&self, r: Reg) -> String {
        match self.reg_cols(r) {
            Some(cols) => format!("{r}({})", cols.join(", ")),
            None => format!("{r}?"),
        }
    }
}

/// The comment for the instruction at `at`.
pub fn comment(p: &Program, at: usize) -> String {
    let n = Names { p };
    let Some(insn) = p.insns.get(at) else {
        return String::new();
    };
    match insn {
        Insn::Halt {} => "end of program".into(),
        Insn::Goto { target } => {
            if target.index() <= at {
                format!("loop back to {target}")
            } else {
                format!("go to {target}")
            }
        }
        Insn::Next { cursor, dest, done } => {
            format!(
                "{} := next batch of {cursor}; when exhausted go to {done}",
                n.reg(*dest)
            )
        }
        Insn::OpenScan {
            cursor,
            table,
            filter,
            range,
            ..
        } => {
            let cols = n.cursor_output(*cursor);
            let mut s = format!(
                "{cursor} := scan {} ({})",
                n.table(*table),
                cols.clone().unwrap_or_default().join(", ")
            );
            if !range.is_full() {
                let mut parts: Vec<String> = range
                    .eq
                    .iter()
                    .map(|e| format!("= {}", n.expr(*e, None)))
                    .collect();
                if let Some(b) = range.lower {
                    parts.push(format!(
                        "{} {}",
                        if b.inclusive { ">=" } else { ">" },
                        n.expr(b.expr, None)
                    ));
                }
                if let Some(b) = range.upper {
                    parts.push(format!(
                        "{} {}",
                        if b.inclusive { "<=" } else { "<" },
                        n.expr(b.expr, None)
                    ));
                }
                s.push_str(&format!(" key {}", parts.join(", ")));
            }
            if let Some(f) = filter {
                s.push_str(&format!(" where {}", n.expr(*f, cols.as_deref())));
            }
            s
        }
        Insn::SeekKey {
            table, key, dest, ..
        } => {
            format!(
                "{} := row of {} with key ({})",
                n.reg(*dest),
                n.table(*table),
                n.exprs(key, None)
            )
        }
        Insn::Values { dest, rows, .. } => format!("{} := {rows} literal row(s)", n.reg(*dest)),
        Insn::OpenSubscription {
            cursor,
            table,
            filter,
            last,
            ..
        } => {
            let cols = n.cursor_input(*cursor);
            let mut s = format!("{cursor} := subscribe to {} (last {last})", n.table(*table));
            if let Some(f) = filter {
                s.push_str(&format!(" where {}", n.expr(*f, cols.as_deref())));
            }
            s
        }
        Insn::Filter {
            src,
            predicate,
            dest,
        } => {
            let cols = n.reg_cols(*src);
            format!(
                "{dest} := rows of {src} where {}",
                n.expr(*predicate, cols.as_deref())
            )
        }
        Insn::Project { src, exprs, dest } => {
            let cols = n.reg_cols(*src);
            let names = n.reg_cols(*dest).unwrap_or_default();
            let parts: Vec<String> = exprs
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let text = n.expr(*e, cols.as_deref());
                    match names.get(i) {
                        Some(name) if *name != text => format!("{name} = {text}"),
                        _ => text,
                    }
                })
                .collect();
            format!("{dest} := {} from {src}", parts.join(", "))
        }
        Insn::OpenLimit {
            cursor,
            limit,
            offset,
        } => {
            let mut s = format!("{cursor} := limit");
            if let Some(o) = offset {
                s.push_str(&format!(" skip {}", n.expr(*o, None)));
            }
            if let Some(l) = limit {
                s.push_str(&format!(" take {}", n.expr(*l, None)));
            }
            s
        }
        Insn::Limit {
            cursor,
            src,
            dest,
            done,
        } => {
            format!("{dest} := rows of {src} within limit {cursor}; once reached go to {done}")
        }
        Insn::OpenDistinct { cursor } => format!("{cursor} := empty distinct set"),
        Insn::Distinct { cursor, src, dest } => {
            format!("{dest} := rows of {src} not yet in {cursor}")
        }
        Insn::OpenSort { cursor, keys } => {
            let cols = n.cursor_input(*cursor);
            format!(
                "{cursor} := sorter by {}",
                sort_keys(&n, keys, cols.as_deref())
            )
        }
        Insn::OpenTopK {
            cursor,
            keys,
            limit,
            offset,
        } => {
            let cols = n.cursor_input(*cursor);
            let mut s = format!(
                "{cursor} := top {} by {}",
                n.expr(*limit, None),
                sort_keys(&n, keys, cols.as_deref())
            );
            if let Some(o) = offset {
                s.push_str(&format!(" after skipping {}", n.expr(*o, None)));
            }
            s
        }
        Insn::OpenAggregate { cursor, keys, aggs } => {
            let cols = n.cursor_input(*cursor);
            let a: Vec<String> = aggs
                .iter()
                .map(|a| {
                    format!(
                        "{}({})",
                        a.func.name(),
                        a.arg
                            .map(|e| n.expr(e, cols.as_deref()))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let mut s = format!("{cursor} := aggregate {}", a.join(", "));
            if !keys.is_empty() {
                s.push_str(&format!(" by {}", n.exprs(keys, cols.as_deref())));
            }
            s
        }
        Insn::OpenHashJoin { cursor, kind, keys } => {
            let cols = n.cursor_input(*cursor);
            format!(
                "{cursor} := {} hash join table keyed by {}",
                crate::bytecode::Operand::show(kind),
                n.exprs(keys, cols.as_deref())
            )
        }
        Insn::Feed { cursor, src } => format!("add rows of {src} to {cursor}"),
        Insn::Seal { cursor } => format!("finish filling {cursor}; it becomes readable"),
        Insn::Probe {
            cursor,
            src,
            keys,
            dest,
        } => {
            let cols = n.reg_cols(*src);
            format!(
                "{dest} := rows of {src} joined with {cursor} on {}",
                n.exprs(keys, cols.as_deref())
            )
        }
        Insn::Emit { src } => format!("send {} to the client", n.reg(*src)),
        Insn::Insert { table, src, .. } => format!("insert rows of {src} into {}", n.table(*table)),
        Insn::Upsert { table, src, .. } => format!("upsert rows of {src} into {}", n.table(*table)),
        Insn::Update { table, src, .. } => {
            format!("update rows of {} keyed by {src}", n.table(*table))
        }
        Insn::Delete { table, src } => format!("delete rows of {} keyed by {src}", n.table(*table)),
        Insn::CreateNamespace { name, .. } => format!("create namespace {name}"),
        Insn::DropNamespace { name, .. } => format!("drop namespace {name}"),
        Insn::CreateTable { def, .. } => format!("create table {}.{}", def.namespace, def.name),
        Insn::AlterTable { table, action } => {
            let what = match &**action {
                AlterAction::AddColumn(c) => format!("add column {}", c.name),
                AlterAction::DropColumn(c) => format!("drop column #{}", c.0),
                AlterAction::RenameColumn(c, to) => format!("rename column #{} to {to}", c.0),
                AlterAction::SetOptions(_) => "set options".into(),
            };
            format!("alter table {}: {what}", n.table(*table))
        }
        Insn::DropTable { table } => format!("drop table {}", n.table(*table)),
        Insn::CreateUser { name, role, .. } => format!(
            "create user {name} with role {}",
            crate::bytecode::Operand::show(role)
        ),
        Insn::AlterUser { name, .. } => format!("alter user {name}"),
        Insn::DropUser { name, .. } => format!("drop user {name} and erase their data"),
        Insn::IssueCertificate { user, dest, .. } => {
            format!("{} := certificate issued for {user}", n.reg(*dest))
        }
        Insn::RevokeCertificate { serial } => {
            format!("revoke certificate {}", n.expr(*serial, None))
        }
        Insn::RevokeCertificates { user } => format!("revoke every certificate of {user}"),
        Insn::Flush { table } => format!("flush {} to a cold segment", n.table(*table)),
        Insn::Compact { table } => format!("compact the cold segments of {}", n.table(*table)),
        Insn::Begin {} => "begin a transaction".into(),
        Insn::Commit {} => "commit the transaction".into(),
        Insn::Rollback {} => "roll the transaction back".into(),
    }
}

fn sort_keys(n: &Names<'_>, keys: &[crate::bytecode::SortKey], cols: Option<&[String]>) -> String {
    keys.iter()
        .map(|k| {
            let mut s = n.expr(k.expr, cols);
            if k.descending {
                s.push_str(" desc");
            }
            if k.nulls_first {
                s.push_str(" nulls first");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}
