//! Results and errors as people read them: aligned tables, CSV and JSON
//! ([`render`]), and errors with the source line and a caret
//! ([`render_error`]). The shell prints with these, and the end-to-end golden
//! scenarios compare against what they print.

mod errors;
mod results;

pub use errors::{render as render_error, render_at as render_error_at};
pub use results::{Format, render, render_csv, render_json, render_table};
