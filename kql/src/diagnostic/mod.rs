//! Diagnostics: every front-end error carries a stable code (`K001`…), a message in
//! user words, the span it points at, optional extra labels and a hint, and renders
//! with the source line and a caret.

pub mod codes;
#[allow(clippy::module_inception)]
mod diagnostic;
mod render;

pub use diagnostic::{Diagnostic, Diagnostics, Label};
