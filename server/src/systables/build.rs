//! Column builders for system-table rows.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray,
};

/// One column being filled.
pub enum ColBuf {
    I64(Vec<Option<i64>>),
    I32(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Ts(Vec<Option<i64>>),
}

/// A cell.
pub enum Cell {
    I64(Option<i64>),
    I32(Option<i32>),
    Text(Option<String>),
    Bool(Option<bool>),
    Ts(Option<i64>),
}

pub fn text(s: impl Into<String>) -> Cell {
    Cell::Text(Some(s.into()))
}

pub fn opt_text(s: Option<String>) -> Cell {
    Cell::Text(s)
}

pub fn int(v: i64) -> Cell {
    Cell::I64(Some(v))
}

impl ColBuf {
    fn like(c: &Cell) -> ColBuf {
        match c {
            Cell::I64(_) => ColBuf::I64(Vec::new()),
            Cell::I32(_) => ColBuf::I32(Vec::new()),
            Cell::Text(_) => ColBuf::Text(Vec::new()),
            Cell::Bool(_) => ColBuf::Bool(Vec::new()),
            Cell::Ts(_) => ColBuf::Ts(Vec::new()),
        }
    }

    fn push(&mut self, c: Cell) {
        match (self, c) {
            (ColBuf::I64(v), Cell::I64(x)) => v.push(x),
            (ColBuf::I32(v), Cell::I32(x)) => v.push(x),
            (ColBuf::Text(v), Cell::Text(x)) => v.push(x),
            (ColBuf::Bool(v), Cell::Bool(x)) => v.push(x),
            (ColBuf::Ts(v), Cell::Ts(x)) => v.push(x),
            _ => {}
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            ColBuf::I64(v) => Arc::new(Int64Array::from(v)),
            ColBuf::I32(v) => Arc::new(Int32Array::from(v)),
            ColBuf::Text(v) => Arc::new(StringArray::from(v)),
            ColBuf::Bool(v) => Arc::new(BooleanArray::from(v)),
            ColBuf::Ts(v) => Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC")),
        }
    }
}

/// Rows of cells (every row the same shape), as columns. `empty` gives the column
/// shape when there are no rows.
pub fn columns(rows: Vec<Vec<Cell>>, empty: &[Cell]) -> Vec<ArrayRef> {
    let mut bufs: Vec<ColBuf> = match rows.first() {
        Some(r) => r.iter().map(ColBuf::like).collect(),
        None => empty.iter().map(ColBuf::like).collect(),
    };
    for row in rows {
        for (b, c) in bufs.iter_mut().zip(row) {
            b.push(c);
        }
    }
    bufs.into_iter().map(ColBuf::finish).collect()
}
