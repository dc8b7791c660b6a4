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
use kql::ast::StatementKind;
use kql::lexer::{Token, is_incomplete, tokens};
use kql_compiler::binder::Binder;
use rustyline::error::ReadlineError;

use kalavar::display::{Format, render, render_error, render_error_at};

use super::args::{Args, OutputFormat};
use super::meta::Next;
use super::place::{Composed, Lets, Piece};
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
    /// The `let`s made so far, put before each later statement.
    pub lets: Lets,
    /// What errors call the input: the file's path, `<stdin>`, `<command>`, or
    /// `query` in the REPL (where lines count from the statement's first line).
    pub source: String,
    /// Whether lines count through the whole input (scripts) rather than from
    /// each statement's first line (the REPL).
    pub whole_input: bool,
    /// Statement parameters from `--param`, given to every statement (each uses
    /// the ones it names).
    pub params: Vec<kalavar::client::Param>,
    /// A `begin` ran and no `commit` or `rollback` since.
    pub in_transaction: bool,
    /// Lines fed so far, and the line the statement being gathered starts on.
    line: usize,
    buffer_line: usize,
}

/// Where the SIGINT handler finds the client to cancel.
static CANCEL: OnceLock<CancelHandle> = OnceLock::new();

extern "C" fn on_sigint(_: libc::c_int) {
    if let Some(handle) = CANCEL.get() {
        handle.cancel();
    }
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
    let params = match super::args::parse_params(&args.params) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kalavar: {e}");
            return ExitCode::from(2);
        }
    };
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
            // A socket that does not connect says so, naming the address, itself.
            match e {
                ClientError::Connect { .. } => eprintln!("kalavar: {e}"),
                e => eprintln!("kalavar: cannot connect to {}: {e}", profile.server),
            }
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
        lets: Lets::default(),
        source: match (&args.command, &args.file) {
            (Some(_), _) => "<command>".to_owned(),
            (None, Some(path)) if path == Path::new("-") => "<stdin>".to_owned(),
            (None, Some(path)) => path.display().to_string(),
            (None, None) if !interactive => "<stdin>".to_owned(),
            (None, None) => REPL_SOURCE.to_owned(),
        },
        whole_input: !interactive,
        params,
        in_transaction: false,
        line: 0,
        buffer_line: 1,
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
                Next::Quit if self.left_open() => return ExitCode::FAILURE,
                Next::Quit => return ExitCode::SUCCESS,
                Next::Failed | Next::Lost => return ExitCode::FAILURE,
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
        match outcome {
            Next::Failed | Next::Lost => ExitCode::FAILURE,
            Next::Continue | Next::Quit if self.left_open() => ExitCode::FAILURE,
            Next::Continue | Next::Quit => ExitCode::SUCCESS,
        }
    }

    /// Keeps whether the statements just shown left a transaction open.
    pub(super) fn note_transaction(&mut self, shown: &Shown) {
        if let Some(open) = shown.in_transaction {
            self.in_transaction = open;
        }
    }

    /// Says so when the input ends inside a transaction: its writes were never
    /// committed, and closing the connection rolls them back.
    fn left_open(&self) -> bool {
        if self.in_transaction {
            eprintln!(
                "kalavar: the input ended inside a transaction (`begin` without `commit`): its writes are rolled back"
            );
        }
        self.in_transaction
    }

    /// Adds a line; runs the buffer when it is complete. A line starting with `\`
    /// is a backslash command, run at once (a statement being typed stays).
    fn feed(&mut self, buffer: &mut String, line: &str) -> Next {
        if buffer.is_empty() {
            if !self.whole_input {
                self.line = 0;
            }
            self.buffer_line = self.line + 1;
        }
        self.line += 1;
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
        outln!(
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
        let mut code = ExitCode::SUCCESS;
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
                    match self.feed(&mut buffer, &line) {
                        Next::Quit => break,
                        Next::Lost => {
                            code = ExitCode::FAILURE;
                            break;
                        }
                        Next::Continue | Next::Failed => {}
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
        self.left_open();
        if let Some(path) = &history {
            let _ = editor.save_history(path);
        }
        code
    }

    /// Runs a `subscribe` statement: prints each change as it arrives until Ctrl-C.
    fn watch(&mut self, composed: &Composed) -> Next {
        let text = composed.text.as_str();
        let stop = self.client.cancel_handle();
        stop.take();
        let format = self.format;
        let (source, color) = (self.source.clone(), self.color);
        let mut sub = match self.client.subscribe(text, &self.params) {
            Ok(s) => s,
            Err(e) => return report(&e, composed, &source, color),
        };
        eprintln!("watching; Ctrl-C stops");
        while !stop.take() {
            match sub.next_within(std::time::Duration::from_millis(200)) {
                Ok(None) => {}
                Ok(Some(change)) => {
                    outln!("-- {:?}", change.kind);
                    let result = kalavar::client::QueryResult::new(
                        change.batches.first().map(|b| b.schema()),
                        change.batches,
                    );
                    out!("{}", render(format.into(), &result));
                }
                Err(e) => return report(&e, composed, &source, color),
            }
        }
        match sub.unsubscribe() {
            Ok(()) => Next::Continue,
            Err(e) => report(&e, composed, &source, color),
        }
    }

    /// Runs the statements of `text` (the buffer gathered since input line
    /// `buffer_line`) one at a time, each after the `let`s made so far, printing each
    /// result as it arrives. A `let` is checked at once and kept for what follows.
    pub fn execute(&mut self, text: &str) -> Next {
        let parsed = match ParsedScript::parse(text) {
            Ok(p) => p,
            Err(error) => {
                let whole = Piece {
                    text: text.to_owned(),
                    line: self.buffer_line,
                    lead: String::new(),
                };
                let composed = Lets::default().compose(&whole);
                eprint!("{}", composed.render(&error, &self.source, self.color));
                return Next::Failed;
            }
        };
        for (index, statement) in parsed.script.statements.iter().enumerate() {
            let piece = Piece::within(
                text,
                self.buffer_line,
                statement.span.start as usize,
                parsed.statement_text(index),
            );
            let next = if matches!(statement.kind, StatementKind::Let { .. }) {
                self.bind_let(piece)
            } else if parsed.is_subscribe(index) {
                let composed = self.lets.compose(&piece);
                self.watch(&composed)
            } else {
                self.run_one(piece)
            };
            if next != Next::Continue {
                return next;
            }
        }
        Next::Continue
    }

    /// Runs one statement after the `let`s.
    fn run_one(&mut self, piece: Piece) -> Next {
        let composed = self.lets.compose(&piece);
        let mut shown = Shown::new(self);
        let outcome = self
            .client
            .query_each(&composed.text, &self.params, |result| shown.result(&result));
        self.note_transaction(&shown);
        match outcome {
            Ok(()) => Next::Continue,
            Err(e) => self.failed_in(&e, &composed),
        }
    }

    /// Checks a `let` against the catalog (after the `let`s before it; once more
    /// after refetching a catalog that changed) and keeps it.
    fn bind_let(&mut self, piece: Piece) -> Next {
        let composed = self.lets.compose(&piece);
        let script = match ParsedScript::parse(&composed.text) {
            Ok(s) => s,
            Err(error) => {
                eprint!("{}", composed.render(&error, &self.source, self.color));
                return Next::Failed;
            }
        };
        let caller = self.client.caller();
        let mut refreshed = false;
        let error = loop {
            let catalog = match self.client.catalog() {
                Ok(c) => c,
                Err(e) => return self.failed(&e, None),
            };
            let mut binder = Binder::new(&catalog, Some(&caller), &script.text);
            let bound = script
                .script
                .statements
                .iter()
                .try_for_each(|s| binder.bind(s).map(drop));
            match bound {
                Ok(()) => break None,
                // Another session may have made the table since the catalog came.
                Err(error) if !refreshed => {
                    refreshed = true;
                    match self.client.refresh_catalog() {
                        Ok(true) => {}
                        Ok(false) => break Some(error),
                        Err(e) => return self.failed(&e, None),
                    }
                }
                Err(error) => break Some(error),
            }
        };
        if let Some(error) = error {
            let error = kql_compiler::CompileError::Bind(error);
            eprint!("{}", composed.render(&error, &self.source, self.color));
            return Next::Failed;
        }
        self.lets.push(piece);
        Next::Continue
    }

    /// Shows why a statement of `composed` failed: compile errors in the piece they
    /// point into, server errors under the statement, with the input's name and
    /// line.
    fn failed_in(&self, e: &ClientError, composed: &Composed) -> Next {
        report(e, composed, &self.source, self.color)
    }

    /// Shows why a statement failed; the shell ends (exit code 1) when the
    /// connection is gone.
    pub(super) fn failed(&self, e: &ClientError, statement: Option<&str>) -> Next {
        if connection_lost(e) {
            eprintln!("kalavar: connection closed: {e}");
            return Next::Lost;
        }
        eprint!("{}", render_error(e, statement, self.color));
        Next::Failed
    }

    /// Prints a result in the shell's format.
    pub fn print(&self, result: &kalavar::client::QueryResult) {
        out!("{}", render(self.format.into(), result));
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
    /// Whether the statements shown left a transaction open (`BEGIN`) or closed it
    /// (`COMMIT`, `ROLLBACK`); `None` when none of them did either.
    pub in_transaction: Option<bool>,
}

impl Shown {
    pub fn new(shell: &Shell) -> Shown {
        Shown {
            format: shell.format,
            timing: shell.timing,
            started: Instant::now(),
            done: 0,
            in_transaction: None,
        }
    }

    pub fn result(&mut self, result: &QueryResult) -> Result<(), ClientError> {
        out!("{}", render(self.format.into(), result));
        if self.timing {
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            eprintln!("Time: {ms:.3} ms");
        }
        self.done += 1;
        self.started = Instant::now();
        match result.tag.as_str() {
            "BEGIN" => self.in_transaction = Some(true),
            "COMMIT" | "ROLLBACK" => self.in_transaction = Some(false),
            _ => {}
        }
        Ok(())
    }
}

/// Shows why a statement of `composed` failed: compile errors in the piece they
/// point into, server errors under the statement, with the input's name (`source`)
/// and line. The connection being gone is [`Next::Lost`].
fn report(e: &ClientError, composed: &Composed, source: &str, color: bool) -> Next {
    match e {
        ClientError::Compile { error, .. } => {
            eprint!("{}", composed.render(error, source, color));
            Next::Failed
        }
        ClientError::Server {
            span: Some(span), ..
        } => {
            let piece = composed.last();
            let (text, shift) = piece.padded();
            let position = piece.position(source, span.start as usize);
            eprint!("{}", render_error_at(e, &text, shift, &position));
            Next::Failed
        }
        _ if connection_lost(e) => {
            eprintln!("kalavar: connection closed: {e}");
            Next::Lost
        }
        ClientError::Server { .. } if source != REPL_SOURCE => {
            // No span: name the statement's first line, so a script's failing
            // statement can be found.
            let position = composed.last().position(source, 0);
            eprintln!("{} --> {position}", render_error(e, None, color));
            Next::Failed
        }
        _ => {
            eprint!("{}", render_error(e, None, color));
            Next::Failed
        }
    }
}

/// What errors call the input in the REPL, where lines count from the first line of
/// the statement.
const REPL_SOURCE: &str = "query";

/// Whether the error leaves the connection unusable: the server said goodbye or
/// closed it, or the socket failed (a write to a closed connection is `EPIPE`).
fn connection_lost(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Closed | ClientError::Goodbye { .. } | ClientError::Io(_)
    )
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
