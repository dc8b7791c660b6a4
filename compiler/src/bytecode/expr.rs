//! Flat expressions: a list of nodes where node *i* refers only to nodes *j < i*;
//! the last node is the result.
//!
//! The VM evaluates an expression column-at-a-time over an input batch: it walks the
//! nodes in order, computing one Arrow array per node (a column of the input, a
//! constant or parameter broadcast to the batch length, or an arrow kernel applied to
//! earlier arrays). Decoding, verifying and evaluating are loops, never recursion.
//!
//! Typing is exact: operands of a binary operator have the same type (the binder
//! inserts the implicit widening casts), so the VM never guesses a conversion. The
//! rules are [`Node::result_type`]; the verifier applies them to every expression at
//! every use.

use super::Value;
use super::operand::Operand;
use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};
use crate::types::DataType;
use serde::Serialize;

/// Most nodes in one expression.
pub const MAX_NODES: usize = 4096;
/// Most arguments of one call or items of one `in` list.
pub const MAX_ARGS: usize = 4096;

/// A node's index within its expression.
pub type NodeId = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    /// Boolean not (three-valued: not null is null).
    Not,
    /// Arithmetic negation of a number or duration; overflow is an error.
    Neg,
    /// True when the operand is null; never null.
    IsNull,
    /// True when the operand is not null; never null.
    IsNotNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    /// Three-valued and: false if either side is false, else null if either is null.
    And,
    /// Three-valued or: true if either side is true, else null if either is null.
    Or,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// Case-insensitive text equality (Unicode simple case folding).
    EqCi,
    NotEqCi,
    Add,
    Sub,
    Mul,
    /// Integer division truncates toward zero; division by zero is an error.
    Div,
    /// Remainder with the sign of the dividend; by zero is an error.
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::EqCi => "=~",
            BinaryOp::NotEqCi => "!~",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    const ALL: [BinaryOp; 15] = [
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Eq,
        BinaryOp::NotEq,
        BinaryOp::Lt,
        BinaryOp::LtEq,
        BinaryOp::Gt,
        BinaryOp::GtEq,
        BinaryOp::EqCi,
        BinaryOp::NotEqCi,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
    ];

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// The type of `decimal(p1, s1) op decimal(p2, s2)` for `+ - * / %`, as in SQL:
    /// `+ -` scale `max(s1, s2)` with one more integer digit than the wider side; `*`
    /// scale `s1 + s2`, precision `p1 + p2`; `/` scale `max(s1, s2, 16)` (PostgreSQL's
    /// 16 significant digits for a quotient under 10,000) with `(p1 - s1) + s2` integer
    /// digits; `%` scale `max(s1, s2)`. Past 38 digits the scale shrinks (never below
    /// `max(s1, s2)`) and then the integer digits, so a result that does not fit is an
    /// overflow when computed.
    pub fn decimal_type(self, (p1, s1): (u8, u8), (p2, s2): (u8, u8)) -> DataType {
        let (i1, i2) = (p1.saturating_sub(s1), p2.saturating_sub(s2));
        let keep = s1.max(s2);
        let (int, scale) = match self {
            BinaryOp::Mul => (i1 + i2, s1 + s2),
            BinaryOp::Div => (i1 + s2, keep.max(16)),
            BinaryOp::Rem => (i1.min(i2), keep),
            _ => (i1.max(i2) + 1, keep),
        };
        let scale = scale.min(keep.max(38u8.saturating_sub(int))).min(38);
        let precision = (int + scale).clamp(1, 38);
        DataType::Decimal { precision, scale }
    }

    /// The result type of `lhs op rhs`, or why it does not type.
    pub fn result_type(self, lhs: DataType, rhs: DataType) -> Result<DataType, String> {
        use DataType::*;
        let bad = || {
            Err(format!(
                "`{}` does not apply to {lhs} and {rhs}",
                self.symbol()
            ))
        };
        if let (
            Decimal {
                precision: p1,
                scale: s1,
            },
            Decimal {
                precision: p2,
                scale: s2,
            },
        ) = (lhs, rhs)
            && matches!(
                self,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem
            )
        {
            return Ok(self.decimal_type((p1, s1), (p2, s2)));
        }
        match self {
            BinaryOp::And | BinaryOp::Or => {
                if lhs == Bool && rhs == Bool {
                    Ok(Bool)
                } else {
                    bad()
                }
            }
            BinaryOp::Eq | BinaryOp::NotEq => {
                if lhs == rhs && lhs.is_hashable() && lhs != Null {
                    Ok(Bool)
                } else {
                    bad()
                }
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                if lhs == rhs && lhs.is_ordered() && lhs != Bool {
                    Ok(Bool)
                } else {
                    bad()
                }
            }
            BinaryOp::EqCi | BinaryOp::NotEqCi => {
                if lhs == Text && rhs == Text {
                    Ok(Bool)
                } else {
                    bad()
                }
            }
            BinaryOp::Add | BinaryOp::Sub => match (lhs, rhs) {
                (a, b) if a == b && a.is_numeric() => Ok(a),
                (Duration, Duration) => Ok(Duration),
                (Timestamp, Duration) => Ok(Timestamp),
                (Duration, Timestamp) if self == BinaryOp::Add => Ok(Timestamp),
                (Timestamp, Timestamp) if self == BinaryOp::Sub => Ok(Duration),
                _ => bad(),
            },
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => match (lhs, rhs) {
                (a, b) if a == b && a.is_numeric() => Ok(a),
                (Duration, Int64) if self != BinaryOp::Rem => Ok(Duration),
                _ => bad(),
            },
        }
    }
}

impl UnaryOp {
    const ALL: [UnaryOp; 4] = [
        UnaryOp::Not,
        UnaryOp::Neg,
        UnaryOp::IsNull,
        UnaryOp::IsNotNull,
    ];

    pub fn result_type(self, arg: DataType) -> Result<DataType, String> {
        match self {
            UnaryOp::Not if arg == DataType::Bool => Ok(DataType::Bool),
            UnaryOp::Neg if arg.is_numeric() || arg == DataType::Duration => Ok(arg),
            UnaryOp::IsNull | UnaryOp::IsNotNull => Ok(DataType::Bool),
            _ => Err(format!("`{}` does not apply to {arg}", self.name())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Not => "not",
            UnaryOp::Neg => "-",
            UnaryOp::IsNull => "is_null",
            UnaryOp::IsNotNull => "is_not_null",
        }
    }
}

macro_rules! functions {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal, $text:literal, $volatile:literal; )*) => {
        /// A scalar function. Codes are part of the opcode-set version.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Func {
            $( $(#[doc = $doc])+ $name = $code, )*
        }

        impl Func {
            pub const ALL: &'static [Func] = &[$(Func::$name),*];

            pub fn from_byte(b: u8) -> Option<Func> {
                match b { $( $code => Some(Func::$name), )* _ => None }
            }

            /// The KQL name.
            pub fn name(self) -> &'static str {
                match self { $( Func::$name => $text, )* }
            }

            /// Whether two calls with the same arguments may differ (so the optimizer
            /// never folds them).
            pub fn is_volatile(self) -> bool {
                match self { $( Func::$name => $volatile, )* }
            }

            pub fn doc(self) -> &'static str {
                match self { $( Func::$name => concat!($($doc),+), )* }
            }

            pub fn by_name(name: &str) -> Option<Func> {
                match name { $( $text => Some(Func::$name), )* _ => None }
            }
        }
    };
}

functions! {
    /// `len(text|bytes) → int64`: characters of a text, bytes of a bytes value.
    Len = 0, "len", false;
    /// `lower(text) → text`: each character by its simple Unicode lowercase (one
    /// character to one, as PostgreSQL under a UTF-8 locale: `İ` → `i`).
    Lower = 1, "lower", false;
    /// `upper(text) → text`: each character by its simple Unicode uppercase; one whose
    /// uppercase is several characters stays (`upper("straße")` is `STRAßE`).
    Upper = 2, "upper", false;
    /// `trim(text) → text`: without leading and trailing white space.
    Trim = 3, "trim", false;
    /// `contains(text, text) → bool`: the second is a substring of the first.
    Contains = 4, "contains", false;
    /// `starts_with(text, text) → bool`.
    StartsWith = 5, "starts_with", false;
    /// `ends_with(text, text) → bool`.
    EndsWith = 6, "ends_with", false;
    /// `matches(text, pattern text) → bool`: a regular expression (Rust `regex`
    /// syntax) matches somewhere in the text; a bad pattern is an error.
    Matches = 7, "matches", false;
    /// `substring(text, start int64, length int64) → text`: characters from `start`
    /// (0-based), at most `length` of them.
    Substring = 8, "substring", false;
    /// `concat(text, …) → text`: the arguments joined; null if any is null.
    Concat = 9, "concat", false;
    /// `coalesce(T, …) → T`: the first non-null argument.
    Coalesce = 10, "coalesce", false;
    /// `abs(T) → T` for a number type.
    Abs = 11, "abs", false;
    /// `round(T) → T` for float and decimal types: to the nearest integer; a float's
    /// halves go to the even neighbour (`round(2.5)` is `2.0`), a decimal's away from
    /// zero (`round(2.5::decimal(2, 1))` is `3.0`), as in PostgreSQL.
    Round = 12, "round", false;
    /// `floor(T) → T` for float and decimal types.
    Floor = 13, "floor", false;
    /// `ceil(T) → T` for float and decimal types.
    Ceil = 14, "ceil", false;
    /// `now() → timestamp`: the statement's start time, the same in every row.
    Now = 15, "now", true;
    /// `ago(duration) → timestamp`: `now()` minus the duration.
    Ago = 16, "ago", true;
    /// `snowflake() → int64`: a new unique, time-ordered id per row.
    Snowflake = 17, "snowflake", true;
    /// `uuid() → uuid`: a new random (v4) UUID per row.
    Uuid = 18, "uuid", true;
    /// `current_user() → text`: the user the statement runs as.
    CurrentUser = 19, "current_user", true;
    /// `if(bool, T, T) → T`: the second argument where the condition is true, else the
    /// third (a null condition counts as false). Both values are computed for every
    /// row, so an error in either (division by zero) fails the statement.
    If = 20, "if", false;
    /// `case(bool, T, bool, T, …, T) → T`: the value after the first true condition,
    /// else the last argument (null conditions count as false). Every argument is
    /// computed for every row, as with `if`.
    Case = 21, "case", false;
}

impl Func {
    /// The result type for the argument types, or why they do not fit.
    pub fn result_type(self, args: &[DataType]) -> Result<DataType, String> {
        use DataType::*;
        let name = self.name();
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "{name}() takes {n} argument{}, not {}",
                    if n == 1 { "" } else { "s" },
                    args.len()
                ))
            }
        };
        let want = |i: usize, ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "argument {} of {name}() must be {what}, not {}",
                    i + 1,
                    args[i]
                ))
            }
        };
        match self {
            Func::Len => {
                arity(1)?;
                want(0, matches!(args[0], Text | Bytes), "text or bytes")?;
                Ok(Int64)
            }
            Func::Lower | Func::Upper | Func::Trim => {
                arity(1)?;
                want(0, args[0] == Text, "text")?;
                Ok(Text)
            }
            Func::Contains | Func::StartsWith | Func::EndsWith | Func::Matches => {
                arity(2)?;
                want(0, args[0] == Text, "text")?;
                want(1, args[1] == Text, "text")?;
                Ok(Bool)
            }
            Func::Substring => {
                arity(3)?;
                want(0, args[0] == Text, "text")?;
                want(1, args[1] == Int64, "int64")?;
                want(2, args[2] == Int64, "int64")?;
                Ok(Text)
            }
            Func::Concat => {
                if args.is_empty() {
                    return Err("concat() takes at least one argument".into());
                }
                for (i, a) in args.iter().enumerate() {
                    want(i, *a == Text, "text")?;
                }
                Ok(Text)
            }
            Func::Coalesce => {
                if args.is_empty() {
                    return Err("coalesce() takes at least one argument".into());
                }
                for i in 1..args.len() {
                    want(
                        i,
                        args[i] == args[0],
                        &format!("{} like the first", args[0]),
                    )?;
                }
                Ok(args[0])
            }
            Func::Abs => {
                arity(1)?;
                want(0, args[0].is_numeric(), "a number")?;
                Ok(args[0])
            }
            Func::Round | Func::Floor | Func::Ceil => {
                arity(1)?;
                want(
                    0,
                    args[0].is_float() || matches!(args[0], Decimal { .. }),
                    "a float or decimal",
                )?;
                Ok(args[0])
            }
            Func::Now => arity(0).map(|_| Timestamp),
            Func::Ago => {
                arity(1)?;
                want(0, args[0] == Duration, "a duration")?;
                Ok(Timestamp)
            }
            Func::Snowflake => arity(0).map(|_| Int64),
            Func::Uuid => arity(0).map(|_| Uuid),
            Func::CurrentUser => arity(0).map(|_| Text),
            Func::If => {
                arity(3)?;
                want(0, args[0] == Bool, "bool")?;
                want(
                    2,
                    args[2] == args[1],
                    &format!("{} like the second", args[1]),
                )?;
                Ok(args[1])
            }
            Func::Case => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(format!(
                        "case() takes condition/value pairs and a final value (an odd number, at least 3), not {}",
                        args.len()
                    ));
                }
                let ty = args[1];
                for i in 0..args.len() {
                    if i % 2 == 0 && i + 1 < args.len() {
                        want(i, args[i] == Bool, "bool")?;
                    } else {
                        want(i, args[i] == ty, &format!("{ty} like the second"))?;
                    }
                }
                Ok(ty)
            }
        }
    }
}

/// One node of a flat expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    /// Column `index` of the input batch.
    Column {
        index: u16,
    },
    /// Constant `index` of the program's pool.
    Const {
        index: u32,
    },
    /// Parameter `index` of the program's parameter list, bound by the execute
    /// message.
    Param {
        index: u16,
    },
    Unary {
        op: UnaryOp,
        arg: NodeId,
    },
    Binary {
        op: BinaryOp,
        lhs: NodeId,
        rhs: NodeId,
    },
    Call {
        func: Func,
        args: Vec<NodeId>,
    },
    /// Explicit conversion (see [`DataType::casts_to`]); a value that does not convert
    /// is an error, never a silent null.
    Cast {
        arg: NodeId,
        to: DataType,
    },
    /// `arg in (list…)`, three-valued like a chain of `==` joined by `||`.
    InList {
        arg: NodeId,
        list: Vec<NodeId>,
        negated: bool,
    },
}

impl Node {
    /// The nodes this node reads.
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            Node::Column { .. } | Node::Const { .. } | Node::Param { .. } => Vec::new(),
            Node::Unary { arg, .. } | Node::Cast { arg, .. } => vec![*arg],
            Node::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            Node::Call { args, .. } => args.clone(),
            Node::InList { arg, list, .. } => {
                let mut v = vec![*arg];
                v.extend(list);
                v
            }
        }
    }

    /// The node's type given the types of the nodes before it.
    pub fn result_type(
        &self,
        before: &[DataType],
        column: impl Fn(u16) -> Option<DataType>,
        constant: impl Fn(u32) -> Option<DataType>,
        param: impl Fn(u16) -> Option<DataType>,
    ) -> Result<DataType, String> {
        let get = |i: NodeId| {
            before
                .get(i as usize)
                .copied()
                .ok_or_else(|| format!("node n{i} is not before this node"))
        };
        match self {
            Node::Column { index } => {
                column(*index).ok_or_else(|| format!("column {index} is not in the input"))
            }
            Node::Const { index } => {
                constant(*index).ok_or_else(|| format!("constant k{index} does not exist"))
            }
            Node::Param { index } => {
                param(*index).ok_or_else(|| format!("parameter p{index} does not exist"))
            }
            Node::Unary { op, arg } => op.result_type(get(*arg)?),
            Node::Binary { op, lhs, rhs } => op.result_type(get(*lhs)?, get(*rhs)?),
            Node::Call { func, args } => {
                let types = args
                    .iter()
                    .map(|a| get(*a))
                    .collect::<Result<Vec<_>, _>>()?;
                func.result_type(&types)
            }
            Node::Cast { arg, to } => {
                let from = get(*arg)?;
                if from.casts_to(*to) {
                    Ok(*to)
                } else {
                    Err(format!("no cast from {from} to {to}"))
                }
            }
            Node::InList { arg, list, .. } => {
                let t = get(*arg)?;
                if !t.is_hashable() || t == DataType::Null {
                    return Err(format!("`in` does not apply to {t}"));
                }
                for item in list {
                    let it = get(*item)?;
                    if it != t {
                        return Err(format!("`in` list item of type {it} where {t} is needed"));
                    }
                }
                Ok(DataType::Bool)
            }
        }
    }

    fn write(&self, w: &mut Writer) {
        match self {
            Node::Column { index } => {
                w.u8(0);
                w.uvar(*index as u64);
            }
            Node::Const { index } => {
                w.u8(1);
                w.uvar(*index as u64);
            }
            Node::Param { index } => {
                w.u8(2);
                w.uvar(*index as u64);
            }
            Node::Unary { op, arg } => {
                w.u8(3);
                w.u8(UnaryOp::ALL.iter().position(|o| o == op).unwrap_or(0) as u8);
                w.uvar(*arg as u64);
            }
            Node::Binary { op, lhs, rhs } => {
                w.u8(4);
                w.u8(BinaryOp::ALL.iter().position(|o| o == op).unwrap_or(0) as u8);
                w.uvar(*lhs as u64);
                w.uvar(*rhs as u64);
            }
            Node::Call { func, args } => {
                w.u8(5);
                w.u8(*func as u8);
                w.len(args.len());
                for a in args {
                    w.uvar(*a as u64);
                }
            }
            Node::Cast { arg, to } => {
                w.u8(6);
                w.uvar(*arg as u64);
                super::write_type(w, *to);
            }
            Node::InList { arg, list, negated } => {
                w.u8(7);
                w.uvar(*arg as u64);
                w.bool(*negated);
                w.len(list.len());
                for a in list {
                    w.uvar(*a as u64);
                }
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Node, DecodeError> {
        let at = r.offset();
        let tag = r.u8("expression node tag")?;
        let bad = |what: &str, v: u8| DecodeError {
            code: DecodeErrorCode::BadTag,
            offset: at,
            message: format!("{what}: unknown tag {v}"),
        };
        let node_ids = |r: &mut Reader<'_>| -> Result<Vec<NodeId>, DecodeError> {
            let n = r.count(MAX_ARGS, 1, "argument count")?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(r.u16v("node reference")?);
            }
            Ok(v)
        };
        Ok(match tag {
            0 => Node::Column {
                index: r.u16v("column index")?,
            },
            1 => Node::Const {
                index: r.u32v("constant index")?,
            },
            2 => Node::Param {
                index: r.u16v("parameter index")?,
            },
            3 => {
                let op = r.u8("unary operator")?;
                let op = *UnaryOp::ALL
                    .get(op as usize)
                    .ok_or_else(|| bad("unary operator", op))?;
                Node::Unary {
                    op,
                    arg: r.u16v("node reference")?,
                }
            }
            4 => {
                let op = r.u8("binary operator")?;
                let op = *BinaryOp::ALL
                    .get(op as usize)
                    .ok_or_else(|| bad("binary operator", op))?;
                Node::Binary {
                    op,
                    lhs: r.u16v("node reference")?,
                    rhs: r.u16v("node reference")?,
                }
            }
            5 => {
                let f = r.u8("function")?;
                let func = Func::from_byte(f).ok_or_else(|| bad("function", f))?;
                Node::Call {
                    func,
                    args: node_ids(r)?,
                }
            }
            6 => Node::Cast {
                arg: r.u16v("node reference")?,
                to: super::read_type(r)?,
            },
            7 => {
                let arg = r.u16v("node reference")?;
                let negated = r.bool("negated")?;
                Node::InList {
                    arg,
                    negated,
                    list: node_ids(r)?,
                }
            }
            _ => return Err(bad("expression node", tag)),
        })
    }
}

/// A flat expression: evaluated node by node; the last node is the value.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Expr {
    pub nodes: Vec<Node>,
}

impl Expr {
    pub fn write(&self, w: &mut Writer) {
        w.len(self.nodes.len());
        for n in &self.nodes {
            n.write(w);
        }
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Expr, DecodeError> {
        let n = r.count(MAX_NODES, 2, "expression node count")?;
        let mut nodes = Vec::with_capacity(n);
        for _ in 0..n {
            nodes.push(Node::read(r)?);
        }
        Ok(Expr { nodes })
    }

    /// Whether the expression reads no input column (so it can be evaluated once).
    pub fn is_constant(&self) -> bool {
        !self.nodes.iter().any(|n| matches!(n, Node::Column { .. }))
    }

    /// The expression as KQL-like text, with `#i` for input column *i* (or the names
    /// given), `$p` for parameters and constants inlined. Iterative: each node's text
    /// is built from earlier nodes' text.
    pub fn render(
        &self,
        columns: Option<&[String]>,
        constants: &[Value],
        params: &[String],
    ) -> String {
        let mut texts: Vec<String> = Vec::with_capacity(self.nodes.len());
        let get = |texts: &Vec<String>, i: NodeId| {
            texts
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("n{i}?"))
        };
        for node in &self.nodes {
            let t = match node {
                Node::Column { index } => match columns.and_then(|c| c.get(*index as usize)) {
                    Some(name) => name.clone(),
                    None => format!("#{index}"),
                },
                Node::Const { index } => match constants.get(*index as usize) {
                    Some(v) => v.to_string(),
                    None => format!("k{index}?"),
                },
                Node::Param { index } => match params.get(*index as usize) {
                    Some(p) => format!("${p}"),
                    None => format!("$p{index}?"),
                },
                Node::Unary {
                    op: UnaryOp::Not,
                    arg,
                } => format!("not {}", get(&texts, *arg)),
                Node::Unary {
                    op: UnaryOp::Neg,
                    arg,
                } => format!("-{}", get(&texts, *arg)),
                Node::Unary { op, arg } => format!("{}({})", op.name(), get(&texts, *arg)),
                Node::Binary { op, lhs, rhs } => {
                    format!(
                        "({} {} {})",
                        get(&texts, *lhs),
                        op.symbol(),
                        get(&texts, *rhs)
                    )
                }
                Node::Call { func, args } => {
                    let a: Vec<String> = args.iter().map(|a| get(&texts, *a)).collect();
                    format!("{}({})", func.name(), a.join(", "))
                }
                Node::Cast { arg, to } => format!("{}::{to}", get(&texts, *arg)),
                Node::InList { arg, list, negated } => {
                    let a: Vec<String> = list.iter().map(|a| get(&texts, *a)).collect();
                    format!(
                        "({}{} in [{}])",
                        get(&texts, *arg),
                        if *negated { " not" } else { "" },
                        a.join(", ")
                    )
                }
            };
            texts.push(t);
        }
        let mut out = texts.pop().unwrap_or_default();
        if out.starts_with('(') && out.ends_with(')') && balanced_inner(&out) {
            out = out[1..out.len() - 1].to_string();
        }
        out
    }
}

/// Whether the outer parentheses of `s` enclose all of it.
fn balanced_inner(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i != s.len() - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

impl Operand for Expr {
    fn write(&self, w: &mut Writer) {
        Expr::write(self, w)
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Expr::read(r)
    }
    fn show(&self) -> String {
        self.render(None, &[], &[])
    }
}
