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

/// Bytes of changes a subscription may have queued before it is ended as lagging
/// (`X018`): a subscriber that stops reading holds at most this much server memory.
pub const MAX_QUEUED_BYTES: usize = 64 << 20;

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

/// The changes a subscriber has yet to read, each with its size in bytes, and the
/// bytes they hold in all.
type Queue = (VecDeque<(Arc<RowChange>, usize)>, usize);

/// One subscription's end of the hub.
#[derive(Debug)]
pub struct Subscriber {
    pub id: u64,
    pub table: TableId,
    pub owner: Option<UserId>,
    queue: Mutex<Queue>,
    /// Woken when a change is queued (or the subscription is ended).
    pub notify: Notify,
    lagged: AtomicBool,
    /// Why the server ended the subscription (its table dropped or its access
    /// changed), if it did.
    ended: Mutex<Option<String>>,
}

fn change_bytes(c: &RowChange) -> usize {
    c.rows.get_array_memory_size()
}

impl Subscriber {
    /// The next queued change, if any.
    pub fn pop(&self) -> Option<Arc<RowChange>> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let (change, bytes) = q.0.pop_front()?;
        q.1 -= bytes;
        Some(change)
    }

    /// Whether changes were dropped because the queue was full.
    pub fn lagged(&self) -> bool {
        self.lagged.load(Ordering::Relaxed)
    }

    /// Why the server ended this subscription, if it did.
    pub fn ended(&self) -> Option<String> {
        self.ended.lock().unwrap_or_else(|p| p.into_inner()).clone()
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
            queue: Mutex::new((VecDeque::new(), 0)),
            notify: Notify::new(),
            lagged: AtomicBool::new(false),
            ended: Mutex::new(None),
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

    /// Ends every subscription to `table` (dropped, or its access changed: the
    /// subscriber may no longer read it); each fails with `X016` and `why`.
    pub fn end_table(&self, table: TableId, why: &str) {
        let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        for s in subs.get(&table).into_iter().flatten() {
            *s.ended.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.to_owned());
            s.notify.notify_one();
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
            let bytes = change_bytes(&change);
            for s in list.iter().filter(|s| s.owner == change.owner) {
                {
                    let mut q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
                    if q.0.len() >= MAX_QUEUED || q.1 + bytes > MAX_QUEUED_BYTES {
                        // Lagging: the subscription ends (`X018`) when it next reads;
                        // what it had queued is let go now.
                        s.lagged.store(true, Ordering::Relaxed);
                        q.0.clear();
                        q.1 = 0;
                    } else if !s.lagged() {
                        q.0.push_back((change.clone(), bytes));
                        q.1 += bytes;
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
        assert!(s.pop().is_none(), "a lagging subscriber's queue is let go");
    }

    #[test]
    fn a_subscriber_that_stops_reading_holds_a_bounded_number_of_bytes() {
        let hub = LiveHub::default();
        let s = hub.subscribe(TableId(1), None);
        let big = || {
            let values = arrow_array::Int64Array::from(vec![7i64; 1 << 20]);
            let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
                "v",
                arrow_schema::DataType::Int64,
                false,
            )]));
            RowChange {
                rows: RecordBatch::try_new(schema, vec![Arc::new(values)]).unwrap(),
                ..change(1, None)
            }
        };
        // 8 MiB each: the eighth passes 64 MiB.
        hub.publish((0..7).map(|_| big()).collect());
        assert!(!s.lagged());
        hub.publish(vec![big()]);
        assert!(s.lagged());
        assert!(s.pop().is_none(), "what it held is let go");
    }

    #[test]
    fn ending_a_table_ends_its_subscriptions_only() {
        let hub = LiveHub::default();
        let a = hub.subscribe(TableId(1), None);
        let b = hub.subscribe(TableId(2), None);
        hub.end_table(TableId(1), "the subscribed table was dropped");
        assert_eq!(
            a.ended().as_deref(),
            Some("the subscribed table was dropped")
        );
        assert_eq!(b.ended(), None);
    }
}
