//! The shell's loop. Lines are gathered until they form complete statements (the
//! last token is `;` and nothing is left open: `kql::lexer::is_incomplete`); a line
//! starting with `\` is a backslash command. The same feeder
//! serves the terminal (rustyline, with history in `$KALAVAR_HISTORY` or
//! `~/.kalavar_history`), `-c`, `-f FILE` and piped standard input; only the terminal
//! carries on after an error.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use kalavar::client::{CancelHandle, Client, ClientError, ParsedScript, QueryResult};
use kql::lexer::{Token, is_incomplete, tokens};
use rustyline::error::ReadlineError;

use kalavar::display::{Format, render, render_error};

use super::args::{Args, OutputFormat};
use super::meta::Next;
use super::sql::is_complete_sql;

/// The connected shell and its settings.
pub struct Shell {
    pub client: Client,
    pub format: OutputFormat,
    pub timing: bool,
    pub color: bool,
    /// Input is SQL (`\sql`) rather than KQL (`\kql`).
    pub sql: bool,
    /// The SQL translator, kept between inputs (its schema is renewed from the
    /// catalog for each input; its token buffer is reused).
    pub translator: kql_compiler::sql::Translator,
}

/// Where the SIGINT handler finds the client to cancel.
static CANCEL: OnceLock<CancelHandle> = OnceLock::new();

extern "C" fn on_sigint(_: libc::c_int) {
    if let Some(handle) = CANCEL.get() {
        handle.cancel();
    }
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
    let profile = match crate::cli::profile::load(profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kalavar: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client = match Client::connect(&profile) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kalavar: cannot connect to {}: {e}", profile.server);
            return ExitCode::FAILURE;
        }
    };
    let interactive = args.command.is_none() && args.file.is_none() && is_tty();
    let mut shell = Shell {
        client,
        format: args.format,
        timing: args.timing,
        color: interactive,
        sql: args.sql,
        translator: kql_compiler::sql::Translator::new(),
    };
    // A script's lines: `-c` text, a file, or standard input, read as they come
    // (a statement runs once its `;` is read, as `psql` does with a pipe).
    type Lines<'a> = Box<dyn Iterator<Item = std::io::Result<String>> + 'a>;
    let lines: Option<Lines> = match (&args.command, &args.file) {
        (Some(text), _) => Some(Box::new(text.lines().map(|l| Ok(l.to_owned())))),
        (None, Some(path)) if path == Path::new("-") => Some(Box::new(std::io::stdin().lines())),
        (None, Some(path)) => match std::fs::File::open(path) {
            Ok(file) => Some(Box::new(std::io::BufReader::new(file).lines())),
            Err(e) => {
                eprintln!("kalavar: cannot read {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        (None, None) if !interactive => Some(Box::new(std::io::stdin().lines())),
        (None, None) => None,
    };
    let code = match lines {
        Some(lines) => shell.script(lines),
        None => shell.interactive(&profile.server),
    };
    let _ = shell.client.close();
    code
}

fn is_tty() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Whether `buffer` holds complete statements: nothing open and a `;` last.
pub fn is_complete(buffer: &str) -> bool {
    if is_incomplete(buffer) {
        return false;
    }
    matches!(tokens(buffer).last(), Some((Ok(Token::Semi), _)))
}

impl Shell {
    /// Runs a script line by line, each statement as soon as its `;` is read;
    /// stops at the first error (or at a line that cannot be read).
    fn script(&mut self, lines: impl Iterator<Item = std::io::Result<String>>) -> ExitCode {
        let mut buffer = String::new();
        for line in lines {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    eprintln!("kalavar: cannot read the script: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match self.feed(&mut buffer, &line) {
                Next::Continue => {}
                Next::Quit => return ExitCode::SUCCESS,
                Next::Failed => return ExitCode::FAILURE,
            }
        }
        // A last statement without its `;` still runs.
        let outcome = if buffer.trim().is_empty() {
            Next::Continue
        } else if self.sql {
            self.execute_sql(&buffer)
        } else if tokens(&buffer).next().is_some() {
            self.execute(&buffer)
        } else {
            Next::Continue
        };
        if outcome == Next::Failed {
            return ExitCode::FAILURE;
        }
        ExitCode::SUCCESS
    }

    /// Adds a line; runs the buffer when it is complete. A line starting with `\`
    /// is a backslash command, run at once (a statement being typed stays).
    fn feed(&mut self, buffer: &mut String, line: &str) -> Next {
        if line.trim_start().starts_with('\\') {
            return self.meta(line);
        }
        buffer.push_str(line);
        buffer.push('\n');
        if self.sql {
            if !is_complete_sql(buffer) {
                return Next::Continue;
            }
            let text = std::mem::take(buffer);
            return self.execute_sql(&text);
        }
        if !is_complete(buffer) {
            return Next::Continue;
        }
        let text = std::mem::take(buffer);
        self.execute(&text)
    }

    fn interactive(&mut self, server: &str) -> ExitCode {
        let w = self.client.welcome().clone();
        println!(
            "kalavar {} connected to {} at {} as {} (role {}). \\help for help, \\q to quit.",
            env!("CARGO_PKG_VERSION"),
            w.server,
            server,
            w.user,
            w.role
        );
        let _ = CANCEL.set(self.client.cancel_handle());
        // SAFETY: the handler only stores to an atomic flag.
        unsafe {
            libc::signal(
                libc::SIGINT,
                on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
        let mut editor = match rustyline::DefaultEditor::new() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("kalavar: cannot start line editing: {e}");
                return ExitCode::FAILURE;
            }
        };
        let history = history_path();
        if let Some(path) = &history {
            let _ = editor.load_history(path);
        }
        let mut buffer = String::new();
        loop {
            let prompt = match (buffer.is_empty(), self.sql) {
                (true, false) => "kalavar> ",
                (true, true) => "kalavar(sql)> ",
                (false, false) => "       > ",
                (false, true) => "            > ",
            };
            match editor.readline(prompt) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    if self.feed(&mut buffer, &line) == Next::Quit {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => buffer.clear(),
                Err(ReadlineError::Eof) => break,
                Err(e) => {
                    eprintln!("kalavar: {e}");
                    break;
                }
            }
        }
        if let Some(path) = &history {
            let _ = editor.save_history(path);
        }
        ExitCode::SUCCESS
    }

    /// Runs a `subscribe` statement: prints each change as it arrives until Ctrl-C.
    fn watch(&mut self, text: &str) -> Next {
        let stop = self.client.cancel_handle();
        stop.take();
        let format = self.format;
        let color = self.color;
        let mut sub = match self.client.subscribe(text, &[]) {
            Ok(s) => s,
            Err(e) => {
                eprint!("{}", render_error(&e, Some(text), color));
                return Next::Failed;
            }
        };
        eprintln!("watching; Ctrl-C stops");
        while !stop.take() {
            match sub.next_within(std::time::Duration::from_millis(200)) {
                Ok(None) => {}
                Ok(Some(change)) => {
                    println!("-- {:?}", change.kind);
                    let result = kalavar::client::QueryResult::new(
                        change.batches.first().map(|b| b.schema()),
                        change.batches,
                    );
                    print!("{}", render(format.into(), &result));
                }
                Err(e) => {
                    eprint!("{}", render_error(&e, Some(text), color));
                    return Next::Failed;
                }
            }
        }
        match sub.unsubscribe() {
            Ok(()) => Next::Continue,
            Err(e) => {
                eprint!("{}", render_error(&e, None, color));
                Next::Failed
            }
        }
    }

    /// Runs the statements of `text`, printing each result as it arrives.
    pub fn execute(&mut self, text: &str) -> Next {
        let parsed = ParsedScript::parse(text).ok();
        if let Some(p) = &parsed {
            let runnable: Vec<usize> = p.runnable().collect();
            if let [only] = runnable[..]
                && p.is_subscribe(only)
            {
                return self.watch(text);
            }
        }
        let mut shown = Shown::new(self);
        let outcome = self
            .client
            .query_each(text, &[], |result| shown.result(&result));
        match outcome {
            Ok(()) => Next::Continue,
            Err(e) => {
                // The failing statement is the one after those that completed.
                let statement = parsed.as_ref().and_then(|p| {
                    p.runnable()
                        .nth(shown.done)
                        .map(|i| p.statement_text(i).to_owned())
                });
                self.failed(&e, statement.as_deref())
            }
        }
    }

    /// Shows why a statement failed; the shell quits when the connection is gone.
    pub(super) fn failed(&self, e: &ClientError, statement: Option<&str>) -> Next {
        eprint!("{}", render_error(e, statement, self.color));
        if matches!(e, ClientError::Closed | ClientError::Goodbye { .. }) {
            Next::Quit
        } else {
            Next::Failed
        }
    }

    /// Prints a result in the shell's format.
    pub fn print(&self, result: &kalavar::client::QueryResult) {
        print!("{}", render(self.format.into(), result));
    }
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Table => Format::Table,
            OutputFormat::Csv => Format::Csv,
            OutputFormat::Json => Format::Json,
        }
    }
}

/// Prints results as they arrive, in the shell's format, each with its time when
/// `\timing` is on; counts them (an error belongs to the statement after them).
pub(super) struct Shown {
    format: OutputFormat,
    timing: bool,
    started: Instant,
    pub done: usize,
}

impl Shown {
    pub fn new(shell: &Shell) -> Shown {
        Shown {
            format: shell.format,
            timing: shell.timing,
            started: Instant::now(),
            done: 0,
        }
    }

    pub fn result(&mut self, result: &QueryResult) -> Result<(), ClientError> {
        print!("{}", render(self.format.into(), result));
        if self.timing {
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            println!("Time: {ms:.3} ms");
        }
        self.done += 1;
        self.started = Instant::now();
        Ok(())
    }
}

fn history_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("KALAVAR_HISTORY") {
        return Some(p.into());
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".kalavar_history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_a_semicolon_outside_brackets_and_strings() {
        assert!(is_complete("from t | take 1;\n"));
        assert!(is_complete("from t;  # trailing comment\n"));
        assert!(!is_complete("from t\n"));
        assert!(!is_complete("from t |\n"));
        assert!(!is_complete("from t | where s == \"a;\n"));
        assert!(!is_complete("execute as alice { insert into t {a: 1};\n"));
        assert!(is_complete("execute as alice { insert into t {a: 1} };\n"));
    }
}
