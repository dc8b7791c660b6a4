//! Byte encodings of the hot tier: order-preserving keys ([`key`]), the compact row
//! format ([`row`]), the hot value header ([`value`]), and typed Arrow column access
//! and building shared by them ([`column`]).

pub(crate) mod column;
pub(crate) mod key;
pub(crate) mod row;
pub(crate) mod value;
