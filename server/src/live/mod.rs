//! Live queries. A statement that writes records what it changed ([`RowChange`]: the
//! full rows, inserted, updated or deleted, of one partition); after its commit the
//! session publishes them to the [`LiveHub`], which queues each change for the
//! subscriptions to that table and partition. A subscription's VM reads its queue
//! through its `OpenSubscription` cursor; the [`driver`] resumes that VM whenever a
//! change arrives and stops it on `Unsubscribe`, disconnect or error.

pub mod driver;
mod hub;

pub use hub::{LiveHub, MAX_QUEUED, MAX_QUEUED_BYTES, RowChange, Subscriber};
