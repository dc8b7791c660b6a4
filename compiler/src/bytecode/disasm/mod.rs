//! The disassembler: a plan as a listing (address, opcode, operands, a comment in
//! words), as text, JSON or a Graphviz control-flow graph.

mod comment;
mod dot;
mod listing;

pub use comment::comment;
pub use dot::to_dot;
pub use listing::{Line, listing, to_json, to_text};
