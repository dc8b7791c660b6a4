//! The interactive shell on a real pseudo-terminal, as a person (or a terminal that
//! sends typed-ahead lines in one write) drives it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::World;
use super::shell::kalavar;

/// A pseudo-terminal pair: the master side the test writes and reads, the slave side
/// the shell gets as its standard input, output and error.
fn pty() -> (File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors into the given integers; the name,
    // termios and window size arguments may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// Reads from the master until `done` holds for what was read, or `limit` passes.
fn read_until(master: &mut File, limit: Duration, done: impl Fn(&str) -> bool) -> String {
    let fd = std::os::fd::AsRawFd::as_raw_fd(master);
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit && !done(&String::from_utf8_lossy(&seen)) {
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, a 100 ms timeout.
        let ready = unsafe { libc::poll(&mut poll, 1, 100) };
        if ready > 0 {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Kills the shell when the test ends early (a failed assertion), so that no shell
/// outlives its test waiting on a terminal nobody writes to.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn lines_typed_ahead_in_one_write_all_run() {
    let w = World::new();
    let (mut master, slave) = pty();
    let child = Command::new(kalavar())
        .arg("--profile")
        .arg(&w.ts.root.dir)
        .env("HOME", w.ts.dir.path())
        .env("KALAVAR_HISTORY", w.ts.dir.path().join("history"))
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("kalavar runs");
    let mut child = KillOnDrop(child);
    let banner = read_until(&mut master, Duration::from_secs(20), |s| {
        s.contains("kalavar> ")
    });
    assert!(banner.contains("connected to"), "{banner}");
    // Three statements arrive in one write, as typed-ahead input or a terminal
    // without bracketed paste sends them; each must run, in order.
    master
        .write_all(b"from [{a: 101}];\rfrom [{a: 202}];\rfrom [{a: 303}];\r")
        .unwrap();
    let out = read_until(&mut master, Duration::from_secs(20), |s| {
        s.contains("303\r\n")
    });
    let at = |n: &str| out.find(&format!(" {n}\r\n"));
    assert!(
        at("101") < at("202") && at("202") < at("303") && at("101").is_some(),
        "every statement runs, in order:\n{out}"
    );
    master.write_all(b"\\q\r").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "\\q quits");
        // Keep the master drained so the shell never blocks writing.
        let _ = read_until(&mut master, Duration::from_millis(100), |_| false);
    }
}
