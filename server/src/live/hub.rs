//! [`LiveHub`]: subscriptions by table, and the queue of changes each one has yet to
//! read.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use kalavar_protocol::ChangeKind;
use kalavar_storage::{ColumnId, TableId, UserId};
use tokio::sync::Notify;

/// Changes a subscription may have queued before it is ended as lagging (`X018`).
pub const MAX_QUEUED: usize = 10_000;

/// Rows one committed statement changed in one partition: full rows in the table's
/// column order (`columns` names them), after the change (before it, for deletes).
#[derive(Debug, Clone)]
pub struct RowChange {
    pub table: TableId,
    pub owner: Option<UserId>,
    pub kind: ChangeKind,
    pub columns: Vec<ColumnId>,
    pub rows: RecordBatch,
}

/// One subscription's end of the hub.
#[derive(Debug)]
pub struct Subscriber {
    pub id: u64,
    pub table: TableId,
    pub owner: Option<UserId>,
    queue: Mutex<VecDeque<Arc<RowChange>>>,
    /// Woken when a change is queued (or the subscription is ended).
    pub notify: Notify,
    lagged: AtomicBool,
}

impl Subscriber {
    /// The next queued change, if any.
    pub fn pop(&self) -> Option<Arc<RowChange>> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    /// Whether changes were dropped because the queue was full.
    pub fn lagged(&self) -> bool {
        self.lagged.load(Ordering::Relaxed)
    }
}

/// Every live subscription, by table.
#[derive(Debug, Default)]
pub struct LiveHub {
    subs: Mutex<HashMap<TableId, Vec<Arc<Subscriber>>>>,
    count: AtomicUsize,
    next: AtomicU64,
}

impl LiveHub {
    /// Whether anything watches `table` (writers then record their changes).
    pub fn watching(&self, table: TableId) -> bool {
        if self.count.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&table)
            .is_some_and(|v| !v.is_empty())
    }

    /// Subscriptions open now.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts watching a partition (`owner`: the user of a `user` table).
    pub fn subscribe(&self, table: TableId, owner: Option<UserId>) -> Arc<Subscriber> {
        let sub = Arc::new(Subscriber {
            id: self.next.fetch_add(1, Ordering::Relaxed) + 1,
            table,
            owner,
            queue: Mutex::new(VecDeque::new()),
            notify: Notify::new(),
            lagged: AtomicBool::new(false),
        });
        self.subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(table)
            .or_default()
            .push(sub.clone());
        self.count.fetch_add(1, Ordering::Relaxed);
        sub
    }

    /// Stops a subscription.
    pub fn unsubscribe(&self, sub: &Subscriber) {
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = subs.get_mut(&sub.table) {
            let before = v.len();
            v.retain(|s| s.id != sub.id);
            if v.len() < before {
                self.count.fetch_sub(1, Ordering::Relaxed);
            }
            if v.is_empty() {
                subs.remove(&sub.table);
            }
        }
    }

    /// Queues committed changes for the subscriptions to their partitions.
    pub fn publish(&self, changes: Vec<RowChange>) {
        if changes.is_empty() || self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        for change in changes {
            let Some(list) = subs.get(&change.table) else {
                continue;
            };
            let change = Arc::new(change);
            for s in list.iter().filter(|s| s.owner == change.owner) {
                {
                    let mut q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
                    if q.len() >= MAX_QUEUED {
                        s.lagged.store(true, Ordering::Relaxed);
                    } else {
                        q.push_back(change.clone());
                    }
                }
                s.notify.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(table: u64, owner: Option<u64>) -> RowChange {
        RowChange {
            table: TableId(table),
            owner: owner.map(UserId),
            kind: ChangeKind::Insert,
            columns: vec![],
            rows: RecordBatch::new_empty(Arc::new(arrow_schema::Schema::empty())),
        }
    }

    #[test]
    fn changes_reach_only_their_partition() {
        let hub = LiveHub::default();
        assert!(!hub.watching(TableId(1)));
        let alice = hub.subscribe(TableId(1), Some(UserId(10)));
        let bob = hub.subscribe(TableId(1), Some(UserId(11)));
        assert!(hub.watching(TableId(1)) && !hub.watching(TableId(2)));
        hub.publish(vec![change(1, Some(10)), change(2, Some(10))]);
        assert!(alice.pop().is_some() && alice.pop().is_none());
        assert!(bob.pop().is_none());
        hub.unsubscribe(&alice);
        hub.unsubscribe(&alice);
        assert_eq!(hub.len(), 1);
        hub.unsubscribe(&bob);
        assert!(hub.is_empty() && !hub.watching(TableId(1)));
    }

    #[test]
    fn a_full_queue_marks_the_subscriber_lagged() {
        let hub = LiveHub::default();
        let s = hub.subscribe(TableId(1), None);
        hub.publish((0..=MAX_QUEUED).map(|_| change(1, None)).collect());
        assert!(s.lagged());
    }
}
