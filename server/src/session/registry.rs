//! The registry of open sessions, keyed by session id and searchable by user and
//! certificate serial, so that revoking a certificate, dropping or disabling a user,
//! or narrowing a user's allow-list closes the sessions it concerns at once. Each
//! session watches its own channel; closing one is a send, and the session says
//! Goodbye with the reason and hangs up.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// Why a session is being closed from outside.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    pub code: &'static str,
    pub message: String,
}

/// The longest `current_statement` shown, in characters.
pub const SHOWN_CHARS: usize = 1000;

/// What a session is doing, for `system.sessions`.
#[derive(Debug)]
pub struct Activity {
    pub connected_at_us: i64,
    pub last_active_us: AtomicI64,
    pub statements: AtomicU64,
    pub current: Mutex<Option<String>>,
}

fn now_us() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

impl Activity {
    fn new() -> Self {
        Activity {
            connected_at_us: now_us(),
            last_active_us: AtomicI64::new(0),
            statements: AtomicU64::new(0),
            current: Mutex::new(None),
        }
    }

    /// A statement starts (`text`: what it runs, for `current_statement`).
    pub fn start(&self, text: Option<String>) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.last_active_us.store(now_us(), Ordering::Relaxed);
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = text;
    }

    /// What the running statement is, once known: a plan's source text, which the
    /// client compiled from (up to [`SHOWN_CHARS`] characters).
    pub fn describe(&self, text: &str) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(text.chars().take(SHOWN_CHARS).collect());
    }

    /// The statement ended.
    pub fn end(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[derive(Debug)]
struct Entry {
    user: String,
    serial: String,
    peer: IpAddr,
    close: watch::Sender<Option<Closing>>,
    activity: Arc<Activity>,
}

#[derive(Debug, Default)]
pub struct Registry {
    sessions: Mutex<HashMap<u64, Entry>>,
}

/// Removes its session from the registry when dropped.
#[derive(Debug)]
pub struct SessionGuard {
    id: u64,
    registry: Arc<Registry>,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.registry
            .sessions
            .lock()
            .expect("registry lock")
            .remove(&self.id);
    }
}

impl Registry {
    /// Adds a session; the receiver fires when someone closes it.
    pub fn register(
        self: &Arc<Self>,
        id: u64,
        user: &str,
        serial: &str,
        peer: IpAddr,
    ) -> (SessionGuard, watch::Receiver<Option<Closing>>) {
        let (tx, rx) = watch::channel(None);
        self.sessions.lock().expect("registry lock").insert(
            id,
            Entry {
                user: user.to_owned(),
                serial: serial.to_owned(),
                peer,
                close: tx,
                activity: Arc::new(Activity::new()),
            },
        );
        (
            SessionGuard {
                id,
                registry: self.clone(),
            },
            rx,
        )
    }

    fn close_where(&self, closing: &Closing, pred: impl Fn(&Entry) -> bool) -> usize {
        let sessions = self.sessions.lock().expect("registry lock");
        let mut n = 0;
        for entry in sessions.values().filter(|e| pred(e)) {
            entry.close.send_replace(Some(closing.clone()));
            n += 1;
        }
        n
    }

    /// Closes every session opened with the certificate `serial`.
    pub fn close_serial(&self, serial: &str, closing: &Closing) -> usize {
        self.close_where(closing, |e| e.serial == serial)
    }

    /// Closes every session of `user`.
    pub fn close_user(&self, user: &str, closing: &Closing) -> usize {
        self.close_where(closing, |e| e.user == user)
    }

    /// Closes the sessions of `user` whose peer fails `allowed`.
    pub fn close_user_where(
        &self,
        user: &str,
        closing: &Closing,
        allowed: impl Fn(IpAddr) -> bool,
    ) -> usize {
        self.close_where(closing, |e| e.user == user && !allowed(e.peer))
    }

    /// Closes everything (shutdown).
    pub fn close_all(&self, closing: &Closing) -> usize {
        self.close_where(closing, |_| true)
    }

    /// The activity record of session `id`.
    pub fn activity(&self, id: u64) -> Option<Arc<Activity>> {
        self.sessions
            .lock()
            .expect("registry lock")
            .get(&id)
            .map(|e| e.activity.clone())
    }

    /// Every open session, for `system.sessions`.
    pub fn rows(&self) -> Vec<crate::vm::SessionRow> {
        let sessions = self.sessions.lock().expect("registry lock");
        sessions
            .iter()
            .map(|(id, e)| {
                let last = e.activity.last_active_us.load(Ordering::Relaxed);
                crate::vm::SessionRow {
                    id: *id,
                    user: e.user.clone(),
                    peer: e.peer.to_string(),
                    connected_at_us: e.activity.connected_at_us,
                    last_active_us: (last > 0).then_some(last),
                    statements: e.activity.statements.load(Ordering::Relaxed),
                    current: e
                        .activity
                        .current
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone(),
                }
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.sessions.lock().expect("registry lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_reaches_exactly_the_matching_sessions() {
        let reg = Arc::new(Registry::default());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (g1, rx1) = reg.register(1, "alice", "aa", ip);
        let (_g2, rx2) = reg.register(2, "alice", "bb", ip);
        let (_g3, rx3) = reg.register(3, "bob", "cc", ip);
        let closing = Closing {
            code: "A008",
            message: "revoked".into(),
        };
        assert_eq!(reg.close_serial("aa", &closing), 1);
        assert_eq!(*rx1.borrow(), Some(closing.clone()));
        assert_eq!(*rx2.borrow(), None);
        assert_eq!(reg.close_user("alice", &closing), 2);
        assert!(rx2.borrow().is_some() && rx3.borrow().is_none());
        assert_eq!(reg.close_user_where("bob", &closing, |p| p == ip), 0);
        drop(g1);
        assert_eq!(reg.len(), 2);
    }
}
