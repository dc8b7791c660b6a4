//! Writing to standard output without `println!`'s panic. SIGPIPE stays ignored (as
//! Rust sets it), so a connection the server closed is an `EPIPE` error the shell
//! reports — `rustls` writes the socket with `writev`, which has no
//! `MSG_NOSIGNAL`. Standard output handles its own failures here: a reader that went
//! away (`kalavar … | head`) ends the program quietly by SIGPIPE, as other Unix
//! tools end; any other failure (`> /dev/full`) is one line on stderr and exit code 1.

use std::io::Write;

/// Writes `args` to standard output and flushes it; never returns on failure.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        failed(e);
    }
}

fn failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        // SAFETY: restoring SIGPIPE's default disposition and raising it ends the
        // process the way a write into a closed pipe ends other programs.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
    }
    eprintln!("kalavar: cannot write the output: {e}");
    std::process::exit(1);
}
