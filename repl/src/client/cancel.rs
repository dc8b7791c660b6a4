//! Cancelling the request under way from another thread (or a signal handler): a
//! shared flag the client polls while it waits for an answer. When it sees the flag
//! it sends `Cancel` once and keeps reading; the request then ends with `P009`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A handle that cancels whatever request its client is waiting on.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// Asks for the current request to be cancelled. Only sets a flag, so it is safe
    /// to call from a signal handler.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was asked for, clearing the request (a caller that
    /// waits on something of its own, like a subscription, polls this).
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }

    pub(super) fn clear(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
