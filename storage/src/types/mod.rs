//! Column types and constant values: [`DataType`] (with its Arrow mapping) and
//! [`ScalarValue`] (keys, predicate constants, column defaults, statistics).

mod data_type;
mod scalar;

pub use data_type::{DataType, JSON_EXTENSION_NAME};
pub use scalar::ScalarValue;
