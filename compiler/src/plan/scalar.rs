//! Bound scalar expressions: typed trees with column references resolved to input
//! positions. Their depth is bounded by the parser's expression-depth limit.

use crate::bytecode::{BinaryOp, Func, UnaryOp, Value};
use crate::types::DataType;

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub kind: ScalarKind,
    pub ty: DataType,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScalarKind {
    /// Input column at this position.
    Column(usize),
    Literal(Value),
    /// Parameter slot.
    Param(usize),
    Unary(UnaryOp, Box<Scalar>),
    Binary(BinaryOp, Box<Scalar>, Box<Scalar>),
    Call(Func, Vec<Scalar>),
    Cast(Box<Scalar>),
    InList(Box<Scalar>, Vec<Scalar>, bool),
}

impl Scalar {
    pub fn new(kind: ScalarKind, ty: DataType) -> Scalar {
        Scalar { kind, ty }
    }

    pub fn column(index: usize, ty: DataType) -> Scalar {
        Scalar::new(ScalarKind::Column(index), ty)
    }

    pub fn literal(v: Value) -> Scalar {
        let ty = v.ty();
        Scalar::new(ScalarKind::Literal(v), ty)
    }

    pub fn bool(b: bool) -> Scalar {
        Scalar::literal(Value::Bool(b))
    }

    pub fn binary(op: BinaryOp, lhs: Scalar, rhs: Scalar, ty: DataType) -> Scalar {
        Scalar::new(ScalarKind::Binary(op, Box::new(lhs), Box::new(rhs)), ty)
    }

    /// `self` converted to `ty` (no node when it already has that type).
    pub fn cast(self, ty: DataType) -> Scalar {
        if self.ty == ty {
            return self;
        }
        Scalar::new(ScalarKind::Cast(Box::new(self)), ty)
    }

    /// Calls `f` on each direct child (no allocation).
    pub fn for_each_child(&self, f: &mut dyn FnMut(&Scalar)) {
        match &self.kind {
            ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_) => {}
            ScalarKind::Unary(_, a) | ScalarKind::Cast(a) => f(a),
            ScalarKind::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            ScalarKind::Call(_, args) => args.iter().for_each(f),
            ScalarKind::InList(a, list, _) => {
                f(a);
                list.iter().for_each(f);
            }
        }
    }

    /// Calls `f` on each direct child, mutably (no allocation).
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Scalar)) {
        match &mut self.kind {
            ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_) => {}
            ScalarKind::Unary(_, a) | ScalarKind::Cast(a) => f(a),
            ScalarKind::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            ScalarKind::Call(_, args) => args.iter_mut().for_each(f),
            ScalarKind::InList(a, list, _) => {
                f(a);
                list.iter_mut().for_each(f);
            }
        }
    }

    pub fn children(&self) -> Vec<&Scalar> {
        self.each_child().collect()
    }

    /// The direct children in order, without collecting them.
    pub fn each_child(&self) -> impl DoubleEndedIterator<Item = &Scalar> {
        let (a, b, rest): (Option<&Scalar>, Option<&Scalar>, &[Scalar]) = match &self.kind {
            ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_) => {
                (None, None, &[])
            }
            ScalarKind::Unary(_, a) | ScalarKind::Cast(a) => (Some(a), None, &[]),
            ScalarKind::Binary(_, a, b) => (Some(a), Some(b), &[]),
            ScalarKind::Call(_, args) => (None, None, args),
            ScalarKind::InList(a, list, _) => (Some(a), None, list),
        };
        a.into_iter().chain(b).chain(rest)
    }

    pub fn children_mut(&mut self) -> Vec<&mut Scalar> {
        match &mut self.kind {
            ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_) => Vec::new(),
            ScalarKind::Unary(_, a) | ScalarKind::Cast(a) => vec![a],
            ScalarKind::Binary(_, a, b) => vec![a, b],
            ScalarKind::Call(_, args) => args.iter_mut().collect(),
            ScalarKind::InList(a, list, _) => {
                std::iter::once(&mut **a).chain(list.iter_mut()).collect()
            }
        }
    }

    /// Every input column the expression reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        if let ScalarKind::Column(i) = self.kind
            && !out.contains(&i)
        {
            out.push(i);
        }
        for c in self.each_child() {
            c.columns(out);
        }
    }

    pub fn reads_columns(&self) -> bool {
        if let ScalarKind::Column(_) = self.kind {
            return true;
        }
        let mut any = false;
        self.for_each_child(&mut |c| any = any || c.reads_columns());
        any
    }

    /// Whether the value may change between evaluations (`now()`, `snowflake()`, …).
    pub fn is_volatile(&self) -> bool {
        let mut any = matches!(&self.kind, ScalarKind::Call(f, _) if f.is_volatile());
        self.for_each_child(&mut |c| any = any || c.is_volatile());
        any
    }

    /// Rewrites column references with `f` (for moving an expression across a
    /// projection or a join).
    pub fn map_columns(&mut self, f: &mut dyn FnMut(usize) -> usize) {
        if let ScalarKind::Column(i) = &mut self.kind {
            *i = f(*i);
        }
        self.for_each_child_mut(&mut |c| c.map_columns(f));
    }

    /// Replaces each column reference *i* by `with[i]`.
    pub fn substitute(&self, with: &[Scalar]) -> Scalar {
        if let ScalarKind::Column(i) = self.kind {
            return with[i].clone();
        }
        let mut out = self.clone();
        let children: Vec<Scalar> = self
            .children()
            .into_iter()
            .map(|c| c.substitute(with))
            .collect();
        for (slot, new) in out.children_mut().into_iter().zip(children) {
            *slot = new;
        }
        out
    }

    /// Splits a conjunction into its parts.
    pub fn conjuncts(self) -> Vec<Scalar> {
        match self.kind {
            ScalarKind::Binary(BinaryOp::And, a, b) => {
                let mut v = a.conjuncts();
                v.extend(b.conjuncts());
                v
            }
            _ => vec![self],
        }
    }

    /// Joins parts with `&&` (`None` for no parts).
    pub fn conjoin(parts: Vec<Scalar>) -> Option<Scalar> {
        parts
            .into_iter()
            .reduce(|a, b| Scalar::binary(BinaryOp::And, a, b, DataType::Bool))
    }

    /// Text for plan trees, with `names` for the input columns.
    pub fn render(&self, names: &[String]) -> String {
        match &self.kind {
            ScalarKind::Column(i) => names.get(*i).cloned().unwrap_or_else(|| format!("#{i}")),
            ScalarKind::Literal(v) => v.to_string(),
            ScalarKind::Param(i) => format!("$p{i}"),
            ScalarKind::Unary(UnaryOp::Not, a) => format!("not {}", a.render_inner(names)),
            ScalarKind::Unary(UnaryOp::Neg, a) => format!("-{}", a.render_inner(names)),
            ScalarKind::Unary(op, a) => format!("{}({})", op.name(), a.render(names)),
            ScalarKind::Binary(op, a, b) => {
                format!(
                    "{} {} {}",
                    a.render_inner(names),
                    op.symbol(),
                    b.render_inner(names)
                )
            }
            ScalarKind::Call(f, args) => {
                let a: Vec<String> = args.iter().map(|x| x.render(names)).collect();
                format!("{}({})", f.name(), a.join(", "))
            }
            ScalarKind::Cast(a) => format!("{}::{}", a.render_inner(names), self.ty),
            ScalarKind::InList(a, list, neg) => {
                let l: Vec<String> = list.iter().map(|x| x.render(names)).collect();
                format!(
                    "{}{} in [{}]",
                    a.render_inner(names),
                    if *neg { " not" } else { "" },
                    l.join(", ")
                )
            }
        }
    }

    fn render_inner(&self, names: &[String]) -> String {
        match &self.kind {
            ScalarKind::Binary(..) | ScalarKind::InList(..) => format!("({})", self.render(names)),
            _ => self.render(names),
        }
    }
}
