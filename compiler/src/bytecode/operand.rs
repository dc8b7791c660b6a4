//! Operand types of the instruction set, and how each is encoded, decoded and shown.
//!
//! Every operand type implements [`Operand`]; the instruction macro encodes an
//! instruction as its opcode byte followed by its operands in declaration order.
//! Lists are a varint count (at most [`MAX_LIST`]) followed by the elements; nothing
//! nests deeper than the types below spell out, so decoding never recurses on input.

use crate::catalog::{Access, ColumnId, TableKind};
use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};
use crate::identity::Role;
use crate::types::DataType;
use serde::Serialize;
use std::fmt;

/// Longest operand list (columns, expressions, sort keys, …) the codec accepts.
pub const MAX_LIST: usize = 4096;
/// Longest string operand (names, KQL default text, addresses) in bytes.
pub const MAX_STRING: usize = 64 * 1024;

/// How an operand is written to and read from a plan, and shown in a listing.
pub trait Operand: Sized {
    fn write(&self, w: &mut Writer);
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
    fn show(&self) -> String;
}

macro_rules! index_operand {
    ($(#[doc = $doc:literal])* $name:ident, $inner:ty, $prefix:literal, $what:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub $inner);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl Operand for $name {
            fn write(&self, w: &mut Writer) {
                w.uvar(self.0 as u64);
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name(r.bounded(<$inner>::MAX as u64, $what)? as $inner))
            }
            fn show(&self) -> String {
                format!(concat!($prefix, "{}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

index_operand!(
    /// A register: holds one Arrow record batch.
    Reg, u16, "r", "register");
index_operand!(
    /// A cursor: a scan, a sorter, an aggregation, a join table, a limit or distinct state.
    Cur, u16, "c", "cursor");
index_operand!(
    /// An instruction address (index into the instruction list).
    Addr, u32, "@", "address");
index_operand!(
    /// An expression in the program's expression list.
    ExprId, u32, "e", "expression");
index_operand!(
    /// A table in the program's table list (id and schema version).
    TableRef, u16, "t", "table");

impl Operand for bool {
    fn write(&self, w: &mut Writer) {
        w.bool(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.bool("flag operand")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Operand for u32 {
    fn write(&self, w: &mut Writer) {
        w.uvar(*self as u64);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u32v("integer operand")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Operand for String {
    fn write(&self, w: &mut Writer) {
        w.str(self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.str(MAX_STRING, "string operand")
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl<T: Operand> Operand for Option<T> {
    fn write(&self, w: &mut Writer) {
        match self {
            None => w.u8(0),
            Some(v) => {
                w.u8(1);
                v.write(w);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if r.bool("option tag")? {
            Ok(Some(T::read(r)?))
        } else {
            Ok(None)
        }
    }
    fn show(&self) -> String {
        match self {
            None => "-".into(),
            Some(v) => v.show(),
        }
    }
}

/// A boxed operand encodes as the operand itself: the box only keeps the rare large
/// operands (a table definition, an alter action, a scan's key range) from making
/// every [`Insn`](super::Insn) as large as they are.
impl<T: Operand> Operand for Box<T> {
    fn write(&self, w: &mut Writer) {
        (**self).write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        T::read(r).map(Box::new)
    }
    fn show(&self) -> String {
        (**self).show()
    }
}

impl<T: Operand> Operand for Vec<T> {
    fn write(&self, w: &mut Writer) {
        w.len(self.len());
        for v in self {
            v.write(w);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.count(MAX_LIST, 1, "operand list length")?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::read(r)?);
        }
        Ok(out)
    }
    fn show(&self) -> String {
        let items: Vec<String> = self.iter().map(Operand::show).collect();
        format!("[{}]", items.join(","))
    }
}

/// Most cells of one `Values` instruction (rows × columns), the verifier's default
/// budget of value cells for a whole plan.
pub const MAX_CELLS: usize = 1 << 20;

/// The cells of a `Values` instruction: a list of expressions like the others, but
/// as long as [`MAX_CELLS`] rather than [`MAX_LIST`], so an `insert` of thousands of
/// literal rows is one instruction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Cells(pub Vec<ExprId>);

impl std::ops::Deref for Cells {
    type Target = Vec<ExprId>;
    fn deref(&self) -> &Vec<ExprId> {
        &self.0
    }
}

impl std::ops::DerefMut for Cells {
    fn deref_mut(&mut self) -> &mut Vec<ExprId> {
        &mut self.0
    }
}

impl FromIterator<ExprId> for Cells {
    fn from_iter<I: IntoIterator<Item = ExprId>>(iter: I) -> Self {
        Cells(iter.into_iter().collect())
    }
}

impl Operand for Cells {
    fn write(&self, w: &mut Writer) {
        self.0.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.count(MAX_CELLS, 1, "cell count")?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(ExprId::read(r)?);
        }
        Ok(Cells(out))
    }
    fn show(&self) -> String {
        self.0.show()
    }
}

/// A column of a table, by its stable id (`#k` in listings is the row-key pseudo-column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Col(pub ColumnId);

impl Operand for Col {
    fn write(&self, w: &mut Writer) {
        w.uvar(self.0 as u64);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Col(r.u32v("column id")?))
    }
    fn show(&self) -> String {
        if self.0 == crate::catalog::KEY_COLUMN_ID {
            "#key".into()
        } else {
            format!("#{}", self.0)
        }
    }
}

fn bad_tag(r: &Reader<'_>, what: &str, tag: u8) -> DecodeError {
    r.error(
        DecodeErrorCode::BadTag,
        format!("{what}: unknown tag {tag}"),
    )
}

/// Writes a type: its tag byte, then precision and scale for decimals.
pub fn write_type(w: &mut Writer, ty: DataType) {
    w.u8(ty.tag());
    if let DataType::Decimal { precision, scale } = ty {
        w.u8(precision);
        w.u8(scale);
    }
}

/// Reads what [`write_type`] wrote.
pub fn read_type(r: &mut Reader<'_>) -> Result<DataType, DecodeError> {
    let tag = r.u8("type tag")?;
    if let Some(ty) = DataType::SIMPLE.get(tag as usize) {
        return Ok(*ty);
    }
    if tag == 15 {
        let p = r.u8("decimal precision")?;
        let s = r.u8("decimal scale")?;
        return DataType::decimal(p, s).ok_or_else(|| {
            r.error(
                DecodeErrorCode::BadValue,
                format!("decimal({p}, {s}) is not a valid type"),
            )
        });
    }
    Err(bad_tag(r, "type", tag))
}

impl Operand for DataType {
    fn write(&self, w: &mut Writer) {
        write_type(w, *self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        read_type(r)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

macro_rules! enum_operand {
    ($ty:ty, $what:literal, [$($variant:path => $tag:literal, $text:literal),* $(,)?]) => {
        impl Operand for $ty {
            fn write(&self, w: &mut Writer) {
                w.u8(match self { $($variant => $tag),* });
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let tag = r.u8($what)?;
                match tag {
                    $($tag => Ok($variant),)*
                    _ => Err(bad_tag(r, $what, tag)),
                }
            }
            fn show(&self) -> String {
                match self { $($variant => $text.into()),* }
            }
        }
    };
}

/// Which rows a hash join keeps (the probe side is the left input, the build side the
/// right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

enum_operand!(JoinKind, "join kind", [
    JoinKind::Inner => 0, "inner",
    JoinKind::Left => 1, "left",
    JoinKind::Right => 2, "right",
    JoinKind::Full => 3, "full",
]);

enum_operand!(Role, "role", [
    Role::User => 0, "user",
    Role::Service => 1, "service",
    Role::Dba => 2, "dba",
    Role::Root => 3, "root",
]);

enum_operand!(TableKind, "table kind", [
    TableKind::User => 0, "user",
    TableKind::Shared => 1, "shared",
    TableKind::Stream => 2, "stream",
    TableKind::System => 3, "system",
]);

enum_operand!(Access, "access level", [
    Access::Public => 0, "public",
    Access::ReadOnly => 1, "read_only",
    Access::Private => 2, "private",
]);

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    /// `count()`: rows in the group; takes no argument. Result `int64`, never null.
    CountRows,
    /// `count(x)`: non-null values of x. Result `int64`, never null.
    Count,
    /// `count_distinct(x)`: distinct non-null values. Result `int64`, never null.
    CountDistinct,
    /// `sum(x)`: integer → `int64`, float → `float64`, decimal → `decimal(38, s)`;
    /// null for a group with no non-null value.
    Sum,
    /// `avg(x)`: numeric → `float64` (decimal → `decimal(38, s)`); null when empty.
    Avg,
    /// `min(x)`: same type as x (any ordered type); null when empty.
    Min,
    /// `max(x)`: same type as x; null when empty.
    Max,
}

enum_operand!(AggFunc, "aggregate function", [
    AggFunc::CountRows => 0, "count",
    AggFunc::Count => 1, "count",
    AggFunc::CountDistinct => 2, "count_distinct",
    AggFunc::Sum => 3, "sum",
    AggFunc::Avg => 4, "avg",
    AggFunc::Min => 5, "min",
    AggFunc::Max => 6, "max",
]);

impl AggFunc {
    pub fn name(self) -> String {
        self.show()
    }

    /// The result type for an argument type, or why the argument does not fit.
    pub fn result_type(self, arg: Option<DataType>) -> Result<DataType, String> {
        use DataType::*;
        match (self, arg) {
            (AggFunc::CountRows, None) => Ok(Int64),
            (AggFunc::CountRows, Some(_)) => Err("count() takes no argument here".into()),
            (_, None) => Err(format!("{}(x) needs an argument", self.name())),
            (AggFunc::Count, Some(_)) => Ok(Int64),
            (AggFunc::CountDistinct, Some(t)) if t.is_hashable() => Ok(Int64),
            (AggFunc::Sum, Some(t)) if t.is_integer() => Ok(Int64),
            (AggFunc::Sum | AggFunc::Avg, Some(t)) if t.is_float() => Ok(Float64),
            (AggFunc::Avg, Some(t)) if t.is_integer() => Ok(Float64),
            (AggFunc::Sum | AggFunc::Avg, Some(Decimal { scale, .. })) => Ok(Decimal {
                precision: 38,
                scale,
            }),
            (AggFunc::Sum | AggFunc::Avg, Some(Duration)) => Ok(Duration),
            (AggFunc::Min | AggFunc::Max, Some(t)) if t.is_ordered() => Ok(t),
            (_, Some(t)) => Err(format!("{}() does not take {t}", self.name())),
        }
    }
}

/// One aggregate of an `OpenAggregate`: the function and its argument, an expression
/// over the aggregated input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AggSpec {
    pub func: AggFunc,
    pub arg: Option<ExprId>,
}

impl Operand for AggSpec {
    fn write(&self, w: &mut Writer) {
        self.func.write(w);
        self.arg.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AggSpec {
            func: AggFunc::read(r)?,
            arg: Option::read(r)?,
        })
    }
    fn show(&self) -> String {
        format!(
            "{}({})",
            self.func.show(),
            self.arg.map(|e| e.show()).unwrap_or_default()
        )
    }
}

/// One sort key: an expression over the sorted input, the direction, and where nulls
/// go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SortKey {
    pub expr: ExprId,
    pub descending: bool,
    pub nulls_first: bool,
}

impl Operand for SortKey {
    fn write(&self, w: &mut Writer) {
        self.expr.write(w);
        w.u8(self.descending as u8 | (self.nulls_first as u8) << 1);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let expr = ExprId::read(r)?;
        let bits = r.u8("sort flags")?;
        if bits > 3 {
            return Err(bad_tag(r, "sort flags", bits));
        }
        Ok(SortKey {
            expr,
            descending: bits & 1 != 0,
            nulls_first: bits & 2 != 0,
        })
    }
    fn show(&self) -> String {
        format!(
            "{}{}{}",
            self.expr.show(),
            if self.descending { " desc" } else { "" },
            if self.nulls_first { " nulls first" } else { "" }
        )
    }
}

/// One end of a key range: a constant expression and whether the end is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Bound {
    pub expr: ExprId,
    pub inclusive: bool,
}

impl Operand for Bound {
    fn write(&self, w: &mut Writer) {
        self.expr.write(w);
        w.bool(self.inclusive);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Bound {
            expr: ExprId::read(r)?,
            inclusive: r.bool("bound inclusive")?,
        })
    }
    fn show(&self) -> String {
        format!(
            "{}{}",
            self.expr.show(),
            if self.inclusive { "=" } else { "" }
        )
    }
}

/// Which primary keys a scan visits: the first `eq.len()` key columns equal the given
/// constant expressions, and the next key column lies between `lower` and `upper`.
/// The empty range (no `eq`, no bounds) is the whole table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct KeyRange {
    pub eq: Vec<ExprId>,
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
}

impl KeyRange {
    pub fn is_full(&self) -> bool {
        self.eq.is_empty() && self.lower.is_none() && self.upper.is_none()
    }

    pub fn exprs(&self) -> impl Iterator<Item = ExprId> + '_ {
        self.eq
            .iter()
            .copied()
            .chain(self.lower.map(|b| b.expr))
            .chain(self.upper.map(|b| b.expr))
    }
}

impl Operand for KeyRange {
    fn write(&self, w: &mut Writer) {
        self.eq.write(w);
        self.lower.write(w);
        self.upper.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(KeyRange {
            eq: Vec::read(r)?,
            lower: Option::read(r)?,
            upper: Option::read(r)?,
        })
    }
    fn show(&self) -> String {
        if self.is_full() {
            return "all".into();
        }
        let mut parts = Vec::new();
        if !self.eq.is_empty() {
            parts.push(format!("eq{}", self.eq.show()));
        }
        if let Some(b) = self.lower {
            parts.push(format!(">{}", b.show()));
        }
        if let Some(b) = self.upper {
            parts.push(format!("<{}", b.show()));
        }
        parts.join(" ")
    }
}

/// A column of a table being created or added.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ColumnDef {
    pub name: String,
    pub ty: DataType,
    pub nullable: bool,
    /// The default as canonical KQL text, checked by the compiler.
    pub default: Option<String>,
}

impl Operand for ColumnDef {
    fn write(&self, w: &mut Writer) {
        self.name.write(w);
        self.ty.write(w);
        self.nullable.write(w);
        self.default.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ColumnDef {
            name: String::read(r)?,
            ty: DataType::read(r)?,
            nullable: bool::read(r)?,
            default: Option::read(r)?,
        })
    }
    fn show(&self) -> String {
        let mut s = format!("{} {}", self.name, self.ty);
        if !self.nullable {
            s.push_str(" not null");
        }
        if let Some(d) = &self.default {
            s.push_str(&format!(" default {d}"));
        }
        s
    }
}

/// Table options from `with (…)` / `set (…)`, each `None` when not given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct TableOptions {
    pub access: Option<Access>,
    /// Seconds a stream row lives.
    pub ttl: Option<u32>,
    /// Flush after this many hot rows.
    pub flush_rows: Option<u32>,
    /// Flush at least this often, in seconds.
    pub flush_every: Option<u32>,
}

impl Operand for TableOptions {
    fn write(&self, w: &mut Writer) {
        self.access.write(w);
        self.ttl.write(w);
        self.flush_rows.write(w);
        self.flush_every.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TableOptions {
            access: Option::read(r)?,
            ttl: Option::read(r)?,
            flush_rows: Option::read(r)?,
            flush_every: Option::read(r)?,
        })
    }
    fn show(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.access {
            parts.push(format!("access={}", a.show()));
        }
        if let Some(t) = self.ttl {
            parts.push(format!("ttl={t}s"));
        }
        if let Some(n) = self.flush_rows {
            parts.push(format!("flush_rows={n}"));
        }
        if let Some(s) = self.flush_every {
            parts.push(format!("flush_every={s}s"));
        }
        format!("({})", parts.join(","))
    }
}

/// A table to create.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TableDef {
    pub namespace: String,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<ColumnDef>,
    /// Key column names in key order.
    pub key: Vec<String>,
    pub options: TableOptions,
}

impl Operand for TableDef {
    fn write(&self, w: &mut Writer) {
        self.namespace.write(w);
        self.name.write(w);
        self.kind.write(w);
        self.columns.write(w);
        self.key.write(w);
        self.options.write(w);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TableDef {
            namespace: String::read(r)?,
            name: String::read(r)?,
            kind: TableKind::read(r)?,
            columns: Vec::read(r)?,
            key: Vec::read(r)?,
            options: TableOptions::read(r)?,
        })
    }
    fn show(&self) -> String {
        let cols: Vec<String> = self.columns.iter().map(Operand::show).collect();
        format!(
            "{} table {}.{} ({}) key({}) {}",
            self.kind.show(),
            self.namespace,
            self.name,
            cols.join(", "),
            self.key.join(","),
            self.options.show()
        )
    }
}

/// What `alter table` changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterAction {
    AddColumn(ColumnDef),
    DropColumn(Col),
    RenameColumn(Col, String),
    SetOptions(TableOptions),
}

impl Operand for AlterAction {
    fn write(&self, w: &mut Writer) {
        match self {
            AlterAction::AddColumn(c) => {
                w.u8(0);
                c.write(w);
            }
            AlterAction::DropColumn(c) => {
                w.u8(1);
                c.write(w);
            }
            AlterAction::RenameColumn(c, to) => {
                w.u8(2);
                c.write(w);
                to.write(w);
            }
            AlterAction::SetOptions(o) => {
                w.u8(3);
                o.write(w);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tag = r.u8("alter action")?;
        Ok(match tag {
            0 => AlterAction::AddColumn(ColumnDef::read(r)?),
            1 => AlterAction::DropColumn(Col::read(r)?),
            2 => AlterAction::RenameColumn(Col::read(r)?, String::read(r)?),
            3 => AlterAction::SetOptions(TableOptions::read(r)?),
            _ => return Err(bad_tag(r, "alter action", tag)),
        })
    }
    fn show(&self) -> String {
        match self {
            AlterAction::AddColumn(c) => format!("add column {}", c.show()),
            AlterAction::DropColumn(c) => format!("drop column {}", c.show()),
            AlterAction::RenameColumn(c, to) => format!("rename column {} to {to}", c.show()),
            AlterAction::SetOptions(o) => format!("set {}", o.show()),
        }
    }
}
