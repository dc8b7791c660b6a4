//! Maintenance jobs: flush, compaction and stream TTL eviction. The [`scheduler`]
//! drives the storage engine's policies from a timer (`Engine::run_due_jobs`), the
//! `flush table` and `compact table` statements run them on demand, and both record
//! what they did in the [`JobLog`] that `system.jobs` shows.

mod log;
pub mod scheduler;

pub use log::{JobLog, JobRecord, MAX_JOBS};
