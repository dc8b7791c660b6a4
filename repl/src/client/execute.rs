//! Running statements: KQL text is compiled here against the catalog the server
//! sent ([`Client::query`]), plans travel in `Execute` with typed parameters, and the
//! answer's `Batch`es are decoded from Arrow IPC until `Complete` or `Error`.
//!
//! 1. [`Client::catalog`] fetches the snapshot once (`CatalogFetch`), and again after
//!    a statement that changes the schema;
//! 2. [`ParsedScript::compile`] binds one statement (with the `let`s before it);
//! 3. [`bind_params`] fills its parameter slots;
//! 4. [`Client::execute_plan`] sends the plan and reads the answer, polling the
//!    cancel flag while it waits;
//! 5. on `V013` (a stale plan) or `V012` (a table dropped since) the catalog is refetched, the statement recompiled and
//!    sent once more, so a caller never sees it. A bind error is retried the same way
//!    when the catalog turns out to have changed (another session made the table).

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use kalavar_protocol::{ClientMessage, Param, ServerMessage, ipc};
use kql_compiler::Compiled;

use super::cancel::CancelHandle;
use super::compile::ParsedScript;
use super::connection::Client;
use super::error::ClientError;
use super::params::bind_params;
use super::results::{QueryResult, completion_tag};
use super::row::RowShape;

impl Client {
    /// A handle that cancels the request this client is waiting on, from any thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// How many statements this connection compiled (prepared statements compile
    /// once; a stale plan compiles again).
    pub fn compile_count(&self) -> u64 {
        self.compiles
    }

    /// Compiles and runs every statement of `text`, returning one result per
    /// statement (`let`s return none). Stops at the first error.
    pub fn query(&mut self, text: &str, params: &[Param]) -> Result<Vec<QueryResult>, ClientError> {
        let mut results = Vec::new();
        self.query_each(text, params, |r| {
            results.push(r);
            Ok(())
        })?;
        Ok(results)
    }

    /// Runs the one statement of `text` (after any `let`s) and returns its result.
    pub fn query_one(&mut self, text: &str, params: &[Param]) -> Result<QueryResult, ClientError> {
        let mut results = self.query(text, params)?;
        match results.len() {
            1 => Ok(results.pop().expect("one")),
            n => Err(ClientError::Params(format!(
                "query_one runs one statement; the text holds {n}"
            ))),
        }
    }

    /// Like [`Client::query`], handing each statement's result to `each` as soon as it
    /// is complete (the REPL prints it before the next statement runs).
    pub fn query_each(
        &mut self,
        text: &str,
        params: &[Param],
        mut each: impl FnMut(QueryResult) -> Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        let script = ParsedScript::parse(text).map_err(|error| ClientError::Compile {
            text: text.to_owned(),
            error,
        })?;
        let runnable: Vec<usize> = script.runnable().collect();
        for index in runnable {
            let result = self.run_statement(&script, index, params)?;
            if script.changes_schema(index) {
                self.refresh_catalog()?;
            }
            each(result)?;
        }
        Ok(())
    }

    /// Compiles statement `index` of `script`, retrying once after a catalog refresh
    /// when binding fails and the catalog has moved on.
    pub(super) fn compile_statement(
        &mut self,
        script: &ParsedScript,
        index: usize,
    ) -> Result<Compiled, ClientError> {
        let caller = self.caller();
        let catalog = self.catalog()?;
        self.compiles += 1;
        match script.compile(index, &catalog, &caller) {
            Ok(c) => Ok(c),
            Err(error @ kql_compiler::CompileError::Parse(_)) => Err(ClientError::Compile {
                text: script.text.clone(),
                error,
            }),
            Err(error) => if self.refresh_catalog()? {
                let catalog = self.catalog()?;
                self.compiles += 1;
                script.compile(index, &catalog, &caller)
            } else {
                Err(error)
            }
            .map_err(|error| ClientError::Compile {
                text: script.text.clone(),
                error,
            }),
        }
    }

    fn run_statement(
        &mut self,
        script: &ParsedScript,
        index: usize,
        params: &[Param],
    ) -> Result<QueryResult, ClientError> {
        let mut retried = false;
        loop {
            let compiled = self.compile_statement(script, index)?;
            let values = bind_params(&compiled.program.params, params)?;
            let plan = compiled.program.encode();
            match self.execute_plan(&plan, values) {
                Err(e) if e.is_stale_plan() && !retried => {
                    retried = true;
                    self.refresh_catalog()?;
                }
                Ok(mut result) => {
                    result.tag = completion_tag(&compiled.optimized);
                    result.statement = compiled.text.to_string();
                    return Ok(result);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends an encoded plan with parameter values (already in slot order) and reads
    /// its answer. Nothing is checked on this side: tests send hostile plans this way.
    pub fn execute_plan(
        &mut self,
        plan: &[u8],
        params: Vec<Param>,
    ) -> Result<QueryResult, ClientError> {
        let request = self.next_request();
        self.cancel.clear();
        self.send(&ClientMessage::Execute {
            request,
            plan: plan.to_vec(),
            params,
        })?;
        self.read_result(request)
    }

    /// Runs the plan the server cached under `hash` (SHA-256 of its bytes) with new
    /// parameter values; a plan the server does not hold is `P011`.
    pub fn execute_cached(
        &mut self,
        hash: [u8; 32],
        params: Vec<Param>,
    ) -> Result<QueryResult, ClientError> {
        self.execute_cached_with(&hash, &params)
    }

    /// [`Client::execute_cached`] with borrowed values, encoded into the
    /// connection's send buffer (nothing allocated per request).
    pub(super) fn execute_cached_with(
        &mut self,
        hash: &[u8; 32],
        params: &[Param],
    ) -> Result<QueryResult, ClientError> {
        let request = self.next_request();
        self.cancel.clear();
        let mut buf = std::mem::take(&mut self.send_buf);
        buf.clear();
        ClientMessage::encode_execute_cached_into(&mut buf, request, hash, params);
        let sent = self.send_raw(&buf);
        self.send_buf = buf;
        sent?;
        self.read_result(request)
    }

    /// Reads `Batch`es until the `Complete` or `Error` that ends `request` (or the
    /// one `Row` that is the whole answer).
    pub(super) fn read_result(&mut self, request: u32) -> Result<QueryResult, ClientError> {
        let mut result = QueryResult::default();
        let mut cancelled = false;
        loop {
            // No deadline of its own (the server limits how long a query runs);
            // the cancel flag is looked at whenever a read waits a tick.
            let body = self.read_body(None, |client| {
                if !cancelled && client.cancel.take() {
                    cancelled = true;
                    client.send(&ClientMessage::Cancel { request })?;
                }
                Ok(())
            })?;
            // A one-row answer is read with its column names borrowed: they are
            // compared with the last answer's, not copied.
            if let Some(row) = ServerMessage::decode_row(&body)
                .map_err(|e| ClientError::Protocol(e.to_string()))?
            {
                if row.request != request {
                    continue;
                }
                // A whole one-row answer; no Complete follows. The columns are
                // parsed once per shape, not once per answer.
                let shape = match self.row_shape.take() {
                    Some(shape) if shape.fits(&row.columns) => shape,
                    _ => Arc::new(RowShape::new(&row.columns)?),
                };
                self.row_shape = Some(shape.clone());
                // Kept as values: the batch is built if the caller reads the rows.
                result.set_row(shape, row.values)?;
                return Ok(result);
            }
            match Self::message(&body)? {
                ServerMessage::Batch {
                    request: r,
                    arrow_ipc,
                } if r == request => {
                    let (schema, batches) = ipc::decode_stream(&arrow_ipc)
                        .map_err(|e| ClientError::Protocol(format!("result rows: {e}")))?;
                    // An empty stream still names the columns of a result with no rows.
                    result.extend(schema, batches);
                }
                ServerMessage::Complete {
                    request: r,
                    rows_affected,
                } if r == request => {
                    result.rows_affected = rows_affected;
                    return Ok(result);
                }
                ServerMessage::Error {
                    request: r,
                    code,
                    message,
                    span,
                } if r == request => {
                    return Err(ClientError::Server {
                        code,
                        message,
                        span,
                    });
                }
                // Late answers to earlier requests (a cancelled subscription's
                // changes) are not this request's.
                _ => continue,
            }
        }
    }

    /// Whether a message (or the end of the connection) can be read within `wait`.
    pub(super) fn readable(&mut self, wait: Duration) -> Result<bool, ClientError> {
        let state = self
            .stream
            .conn
            .process_new_packets()
            .map_err(ClientError::Tls)?;
        if state.plaintext_bytes_to_read() > 0 || state.peer_has_closed() {
            return Ok(true);
        }
        let mut fd = libc::pollfd {
            fd: self.stream.sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd for a socket this client owns, for the call only.
        let n = unsafe { libc::poll(&mut fd, 1, millis) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(e.into());
        }
        Ok(n > 0)
    }
}
