//! [`JobLog`]: the running and most recent jobs (at most [`MAX_JOBS`]), oldest first.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Jobs kept for `system.jobs`; older ones are forgotten.
pub const MAX_JOBS: usize = 1000;

/// One job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: u64,
    /// `flush`, `compact` or `ttl`.
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub table: Option<String>,
    /// The partition's owner for a `user` table.
    pub owner: Option<u64>,
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    /// Why it ran: `statement`, `rows`, `interval`, `age`, `memory`, `segments`, `ttl`.
    pub reason: &'static str,
    pub started_us: i64,
    pub finished_us: Option<i64>,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub error: Option<String>,
}

/// The log of jobs.
#[derive(Debug, Default)]
pub struct JobLog {
    jobs: Mutex<VecDeque<JobRecord>>,
    next: AtomicU64,
}

pub fn now_us() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

impl JobLog {
    /// Records a job that starts now; returns its id.
    pub fn start(
        &self,
        kind: &'static str,
        reason: &'static str,
        namespace: Option<&str>,
        table: Option<&str>,
        owner: Option<u64>,
    ) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let record = JobRecord {
            id,
            kind,
            namespace: namespace.map(str::to_owned),
            table: table.map(str::to_owned),
            owner,
            state: "running",
            reason,
            started_us: now_us(),
            finished_us: None,
            rows: None,
            bytes: None,
            error: None,
        };
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.push_back(record);
        while jobs.len() > MAX_JOBS {
            jobs.pop_front();
        }
        id
    }

    /// Marks job `id` finished (`error`: failed).
    pub fn finish(&self, id: u64, rows: Option<i64>, bytes: Option<i64>, error: Option<String>) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = jobs.iter_mut().find(|j| j.id == id) {
            j.state = if error.is_some() { "failed" } else { "done" };
            j.finished_us = Some(now_us());
            j.rows = rows;
            j.bytes = bytes;
            j.error = error;
        }
    }

    /// Every job kept, oldest first.
    pub fn snapshot(&self) -> Vec<JobRecord> {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_start_finish_and_age_out() {
        let log = JobLog::default();
        let id = log.start(
            "flush",
            "statement",
            Some("chat"),
            Some("messages"),
            Some(3),
        );
        assert_eq!(log.snapshot()[0].state, "running");
        log.finish(id, Some(10), Some(4096), None);
        let j = &log.snapshot()[0];
        assert_eq!((j.state, j.rows, j.owner), ("done", Some(10), Some(3)));
        let failed = log.start("compact", "segments", None, None, None);
        log.finish(failed, None, None, Some("disk full".into()));
        assert_eq!(log.snapshot()[1].state, "failed");
        for _ in 0..MAX_JOBS {
            log.start("ttl", "ttl", None, None, None);
        }
        let all = log.snapshot();
        assert_eq!(all.len(), MAX_JOBS);
        assert!(all.iter().all(|j| j.kind == "ttl"));
    }
}
