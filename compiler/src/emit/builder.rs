//! Builds a [`Program`]: interns schemas, tables and constants, allocates registers
//! and cursors, flattens expressions, and patches forward jumps through labels.

use crate::bytecode::{
    Addr, Cur, CursorDecl, CursorKind, Expr, ExprId, Field, Insn, Node, NodeId, Program, Reg,
    Schema, SchemaId, TableRef, TableUse, Value,
};
use crate::codec::Writer;
use crate::plan::{PlanField, Scalar, ScalarKind, TableInfo};
use std::cell::Cell;
use std::collections::HashMap;

/// A jump target not placed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Label(usize);

pub(crate) struct Builder {
    pub p: Program,
    labels: Vec<Option<u32>>,
    /// (instruction, label) pairs whose jump operand waits for the label.
    fixups: Vec<(usize, Label)>,
    /// Encoded constant → its index in the pool, and encoded expression → its
    /// index, so interning stays O(1) when a statement holds thousands of literals
    /// (a 1,000-row insert); comparing encodings also keeps `0.0` and `-0.0` apart.
    constant_index: Interner,
    expr_index: Interner,
}

/// Encodings and their pool indexes: a list scanned in order while short (most
/// statements have a handful of constants and expressions), a hash map once it
/// grows past [`Interner::SCAN`] entries. A key is encoded straight into the
/// interner ([`Interner::start`], then [`Interner::index`]); while the list is
/// short the encodings sit one after another in one buffer, so interning
/// allocates nothing per key.
#[derive(Default)]
struct Interner {
    /// The short list's encodings, one after another, then the key being
    /// interned.
    keys: Writer,
    /// Where each of the short list's encodings ends in `keys` (the first `len`
    /// entries; held inline, so a short list allocates no list of ends).
    ends: [usize; Interner::SCAN],
    len: usize,
    map: Option<HashMap<Vec<u8>, u32>>,
}

impl Interner {
    const SCAN: usize = 16;

    /// Where the next key's encoding goes (room for a typical statement's keys
    /// is made on the first one).
    fn start(&mut self) -> &mut Writer {
        if self.map.is_none() && self.len == 0 && self.keys.capacity() == 0 {
            self.keys = Writer::new();
        }
        &mut self.keys
    }

    /// The index of the key written since `start` (`keys.pos()` before
    /// [`Interner::start`]), or `next` after recording it under `next`.
    fn index(&mut self, start: usize, next: u32) -> u32 {
        if let Some(map) = &mut self.map {
            let key = self.keys.written_since(start);
            let index = match map.get(key) {
                Some(&i) => i,
                None => {
                    map.insert(key.to_vec(), next);
                    next
                }
            };
            self.keys.truncate(start);
            return index;
        }
        let key = self.keys.written_since(start);
        let mut from = 0;
        for (i, &end) in self.ends[..self.len].iter().enumerate() {
            if self.keys.written_since(from)[..end - from] == *key {
                self.keys.truncate(start);
                return i as u32;
            }
            from = end;
        }
        debug_assert_eq!(self.len, next as usize);
        if self.len < Self::SCAN {
            self.ends[self.len] = self.keys.pos();
            self.len += 1;
            return next;
        }
        // Past the short list: every key so far and this one go to a map.
        let mut map = HashMap::with_capacity(2 * Self::SCAN + 2);
        let mut from = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            map.insert(
                self.keys.written_since(from)[..end - from].to_vec(),
                i as u32,
            );
            from = end;
        }
        map.insert(self.keys.written_since(start).to_vec(), next);
        self.map = Some(map);
        self.len = 0;
        self.keys = Writer::default();
        next
    }
}

const UNPLACED: Addr = Addr(u32::MAX);

/// A builder's working lists (labels, fixups, the interners' key buffers), kept
/// per thread from one statement to the next so that emitting a statement does
/// not allocate them again. Only modest ones are kept.
#[derive(Default)]
struct Scratch {
    labels: Vec<Option<u32>>,
    fixups: Vec<(usize, Label)>,
    constant_keys: Writer,
    expr_keys: Writer,
}

impl Scratch {
    /// The most room (in entries or bytes) a kept list may have.
    const KEPT: usize = 4096;

    fn take() -> Scratch {
        SCRATCH.take().unwrap_or_default()
    }

    /// Keeps the lists (emptied) for the next builder on this thread.
    fn give_back(mut self) {
        let small = self.labels.capacity() <= Self::KEPT
            && self.fixups.capacity() <= Self::KEPT
            && self.constant_keys.capacity() <= Self::KEPT
            && self.expr_keys.capacity() <= Self::KEPT;
        if small {
            self.labels.clear();
            self.fixups.clear();
            self.constant_keys.truncate(0);
            self.expr_keys.truncate(0);
            SCRATCH.set(Some(self));
        }
    }
}

thread_local! {
    static SCRATCH: Cell<Option<Scratch>> = const { Cell::new(None) };
}

impl Builder {
    pub fn new() -> Builder {
        // Sized for a typical statement (a scan or two, a few steps and
        // expressions), so that the lists are not grown one push at a time.
        let scratch = Scratch::take();
        Builder {
            p: Program {
                tables: Vec::with_capacity(2),
                schemas: Vec::with_capacity(4),
                registers: Vec::with_capacity(4),
                cursors: Vec::with_capacity(2),
                constants: Vec::with_capacity(4),
                exprs: Vec::with_capacity(8),
                insns: Vec::with_capacity(16),
                ..Program::default()
            },
            labels: scratch.labels,
            fixups: scratch.fixups,
            constant_index: Interner {
                keys: scratch.constant_keys,
                ..Interner::default()
            },
            expr_index: Interner {
                keys: scratch.expr_keys,
                ..Interner::default()
            },
        }
    }

    pub fn schema(&mut self, fields: &[PlanField]) -> SchemaId {
        let same = |s: &Schema| {
            s.fields.len() == fields.len()
                && s.fields
                    .iter()
                    .zip(fields)
                    .all(|(a, b)| a.ty == b.ty && a.nullable == b.nullable && *a.name == *b.name)
        };
        if let Some(i) = self.p.schemas.iter().position(same) {
            return i as SchemaId;
        }
        let schema = Schema {
            fields: fields
                .iter()
                .map(|f| Field {
                    name: f.name.clone(),
                    ty: f.ty,
                    nullable: f.nullable,
                })
                .collect(),
        };
        self.p.schemas.push(schema);
        (self.p.schemas.len() - 1) as SchemaId
    }

    pub fn reg(&mut self, fields: &[PlanField]) -> Reg {
        let s = self.schema(fields);
        self.p.registers.push(s);
        Reg((self.p.registers.len() - 1) as u16)
    }

    pub fn cursor(&mut self, kind: CursorKind, input: &[PlanField], output: &[PlanField]) -> Cur {
        let input = self.schema(input);
        let output = self.schema(output);
        self.p.cursors.push(CursorDecl {
            kind,
            input,
            output,
        });
        Cur((self.p.cursors.len() - 1) as u16)
    }

    pub fn table(&mut self, t: &TableInfo) -> TableRef {
        if let Some(i) = self.p.tables.iter().position(|u| u.id == t.id) {
            return TableRef(i as u16);
        }
        self.p.tables.push(TableUse {
            id: t.id,
            schema_version: t.schema_version,
            name: t.name.clone(),
        });
        TableRef((self.p.tables.len() - 1) as u16)
    }

    fn constant(&mut self, v: &Value) -> u32 {
        let start = self.constant_index.keys.pos();
        v.write(self.constant_index.start());
        let next = self.p.constants.len() as u32;
        let index = self.constant_index.index(start, next);
        if index == next {
            self.p.constants.push(v.clone());
        }
        index
    }

    /// The index of `e` in the expression pool, adding it when new.
    fn intern_expr(&mut self, e: Expr) -> ExprId {
        let start = self.expr_index.keys.pos();
        e.write(self.expr_index.start());
        let next = self.p.exprs.len() as u32;
        let index = self.expr_index.index(start, next);
        if index == next {
            self.p.exprs.push(e);
        }
        ExprId(index)
    }

    /// Flattens an expression tree into nodes (children before parents), iteratively.
    pub fn expr(&mut self, s: &Scalar) -> ExprId {
        // Leaves (most expressions: a column, a constant, a parameter) skip the walk.
        let leaf = match &s.kind {
            ScalarKind::Column(i) => Some(Node::Column { index: *i as u16 }),
            ScalarKind::Literal(v) => Some(Node::Const {
                index: self.constant(v),
            }),
            ScalarKind::Param(i) => Some(Node::Param { index: *i as u16 }),
            // `now()`, `snowflake()`: no arguments, no walk (column defaults).
            ScalarKind::Call(f, args) if args.is_empty() => Some(Node::Call {
                func: *f,
                args: Vec::new(),
            }),
            _ => None,
        };
        if let Some(node) = leaf {
            return self.intern_expr(Expr { nodes: vec![node] });
        }
        let mut nodes: Vec<Node> = Vec::with_capacity(8);
        // (node, children done?) post-order with an explicit stack; the ids of
        // finished children sit on `ids` until their parent takes them.
        let mut stack: Vec<(&Scalar, bool)> = Vec::with_capacity(8);
        stack.push((s, false));
        let mut ids: Vec<NodeId> = Vec::with_capacity(8);
        while let Some((node, done)) = stack.pop() {
            let n = children_count(node);
            if !done && n > 0 {
                stack.push((node, true));
                stack.extend(node.each_child().rev().map(|c| (c, false)));
                continue;
            }
            let first = ids.len() - n;
            let args = &ids[first..];
            let built = match &node.kind {
                ScalarKind::Column(i) => Node::Column { index: *i as u16 },
                ScalarKind::Literal(v) => Node::Const {
                    index: self.constant(v),
                },
                ScalarKind::Param(i) => Node::Param { index: *i as u16 },
                ScalarKind::Unary(op, _) => Node::Unary {
                    op: *op,
                    arg: args[0],
                },
                ScalarKind::Binary(op, _, _) => Node::Binary {
                    op: *op,
                    lhs: args[0],
                    rhs: args[1],
                },
                ScalarKind::Call(f, _) => Node::Call {
                    func: *f,
                    args: args.to_vec(),
                },
                ScalarKind::Cast(_) => Node::Cast {
                    arg: args[0],
                    to: node.ty,
                },
                ScalarKind::InList(_, _, negated) => Node::InList {
                    arg: args[0],
                    list: args[1..].to_vec(),
                    negated: *negated,
                },
            };
            ids.truncate(first);
            nodes.push(built);
            ids.push((nodes.len() - 1) as NodeId);
        }
        self.intern_expr(Expr { nodes })
    }

    pub fn here(&self) -> Addr {
        Addr(self.p.insns.len() as u32)
    }

    pub fn push(&mut self, insn: Insn) -> usize {
        self.p.insns.push(insn);
        self.p.insns.len() - 1
    }

    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    pub fn place(&mut self, l: Label) {
        self.labels[l.0] = Some(self.p.insns.len() as u32);
    }

    /// An instruction whose jump goes to `l` (placed now or later).
    pub fn push_jump(&mut self, insn: Insn, l: Label) -> usize {
        let at = self.push(insn);
        self.fixups.push((at, l));
        at
    }

    pub fn unplaced() -> Addr {
        UNPLACED
    }

    /// Patches jumps and returns the program.
    pub fn finish(mut self) -> Program {
        for &(at, l) in &self.fixups {
            let target = Addr(self.labels[l.0].expect("every label is placed"));
            match &mut self.p.insns[at] {
                Insn::Goto { target: t } => *t = target,
                Insn::Next { done, .. } | Insn::Limit { done, .. } => *done = target,
                other => unreachable!("{other:?} has no jump"),
            }
        }
        Scratch {
            labels: self.labels,
            fixups: self.fixups,
            constant_keys: self.constant_index.keys,
            expr_keys: self.expr_index.keys,
        }
        .give_back();
        self.p
    }
}

/// How many children `s` has, without collecting them.
fn children_count(s: &Scalar) -> usize {
    match &s.kind {
        ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_) => 0,
        ScalarKind::Unary(_, _) | ScalarKind::Cast(_) => 1,
        ScalarKind::Binary(_, _, _) => 2,
        ScalarKind::Call(_, args) => args.len(),
        ScalarKind::InList(_, list, _) => 1 + list.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_interned_once_and_compared_exactly() {
        let mut b = Builder::new();
        let a = b.constant(&Value::Int64(1));
        let t = b.constant(&Value::Text("x".into()));
        assert_eq!(b.constant(&Value::Int64(1)), a);
        assert_eq!(b.constant(&Value::Text("x".into())), t);
        // Equal under `==` but not the same constant: the pool keeps both.
        let zero = b.constant(&Value::Float64(0.0));
        let minus_zero = b.constant(&Value::Float64(-0.0));
        assert_ne!(zero, minus_zero);
        assert_eq!(b.p.constants.len(), 4);
        for i in 0..3000 {
            b.constant(&Value::Int64(i));
        }
        assert_eq!(b.p.constants.len(), 4 + 2999, "1 was there already");
        // Past the short list, keys from before and after the switch to the map
        // keep their indexes.
        assert_eq!(b.constant(&Value::Int64(1)), a);
        assert_eq!(b.constant(&Value::Text("x".into())), t);
        assert_eq!(b.constant(&Value::Float64(-0.0)), minus_zero);
        let last_short = b.constant(&Value::Int64(11));
        assert_eq!(b.p.constants[last_short as usize], Value::Int64(11));
        let from_map = b.constant(&Value::Int64(2500));
        assert_eq!(b.p.constants[from_map as usize], Value::Int64(2500));
        assert_eq!(b.p.constants.len(), 4 + 2999);
    }

    /// A builder after another on the same thread reuses its working lists but
    /// starts empty: nothing interned or labelled before leaks into it.
    #[test]
    fn a_builder_starts_empty_after_another() {
        let mut first = Builder::new();
        first.constant(&Value::Int64(7));
        first.constant(&Value::Text("seven".into()));
        let _ = first.label();
        first.finish();
        let mut second = Builder::new();
        assert_eq!(second.constant(&Value::Text("seven".into())), 0);
        assert_eq!(second.constant(&Value::Int64(7)), 1);
        assert_eq!(second.constant(&Value::Text("seven".into())), 0);
        assert_eq!(second.label(), Label(0));
        assert_eq!(second.p.constants.len(), 2);
    }
}
