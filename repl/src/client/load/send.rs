//! Sending load batches: each batch is one `Load` request (one Arrow IPC stream, one
//! transaction on the server). Up to `in_flight` requests are outstanding: the client
//! reads and encodes the next batch while the server writes the previous ones, and
//! waits for the oldest answer before sending more (the server refuses more than
//! `MAX_LOADS_IN_FLIGHT` with `P014`). Answers come in order. When a batch fails, no
//! more are sent; the answers of those already sent are read, so the report says
//! exactly how many rows were written (whole batches) before the error.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema, SchemaRef};
use kalavar_protocol::limits::{MAX_LOAD_ROWS, MAX_LOADS_IN_FLIGHT};
use kalavar_protocol::version::FEATURE_LOAD;
use kalavar_protocol::{ClientMessage, LoadMode, ServerMessage, ipc};
use kql_compiler::types::DataType;

use crate::client::arrow_type;
use crate::client::connection::Client;
use crate::client::error::ClientError;

/// How a load runs.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// What an existing primary key does: fail the batch (`Insert`) or be replaced.
    pub mode: LoadMode,
    /// Rows per batch (per `Load` request, per transaction); at most 100,000.
    pub batch_rows: usize,
    /// Requests outstanding at once (1 = no pipelining); at most 8.
    pub in_flight: usize,
    /// CSV: the field delimiter.
    pub delimiter: u8,
    /// CSV: the first line names the columns (otherwise fields are in table order).
    pub header: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            mode: LoadMode::Insert,
            // Each batch is a durable commit: with 10,000 rows its sync and the
            // server's per-request work were a third of a 1M-row load's time; from
            // 10,000 rows the server writes a batch as one ingested table file.
            batch_rows: 50_000,
            in_flight: 3,
            delimiter: b',',
            header: true,
        }
    }
}

/// What a finished load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub rows: u64,
    pub batches: u64,
}

/// A table to load into, resolved against the catalog: its qualified name, and the
/// schema and column types batches must have.
#[derive(Debug, Clone)]
pub struct LoadTarget {
    pub table: String,
    pub schema: SchemaRef,
    pub types: Vec<DataType>,
    pub nullable: Vec<bool>,
}

/// One batch to send, with a label naming where it came from (`lines 2–10001`).
pub struct LoadBatch {
    pub batch: RecordBatch,
    pub label: String,
}

struct Sent {
    request: u32,
    rows: u64,
    label: String,
}

impl Client {
    /// Resolves `table` (`namespace.name`, or a name only one namespace has) for a
    /// load, refreshing the catalog once when it is not known.
    pub fn load_target(&mut self, table: &str) -> Result<LoadTarget, ClientError> {
        for attempt in 0..2 {
            if attempt == 1 {
                self.refresh_catalog()?;
            }
            let catalog = self.catalog()?;
            // `namespace.name`, where either part may hold dots (quoted names may):
            // the one split that names a table.
            let dotted = table
                .match_indices('.')
                .find_map(|(at, _)| catalog.get_table(&table[..at], &table[at + 1..]));
            let found = match dotted {
                Some(t) => Some(t.clone()),
                None if table.contains('.') => None,
                None => {
                    let mut named = catalog.tables_named(table);
                    match (named.next(), named.next()) {
                        (Some(t), None) => Some(t.clone()),
                        (Some(_), Some(_)) => {
                            return Err(ClientError::Input(format!(
                                "table `{table}` is in several namespaces; name it as namespace.{table}"
                            )));
                        }
                        _ => None,
                    }
                }
            };
            if let Some(t) = found {
                let fields: Vec<Field> = t
                    .columns
                    .iter()
                    .map(|c| Field::new(&c.name, arrow_type(c.ty), c.nullable))
                    .collect();
                return Ok(LoadTarget {
                    table: t.qualified_name(),
                    schema: Arc::new(Schema::new(fields)),
                    types: t.columns.iter().map(|c| c.ty).collect(),
                    nullable: t.columns.iter().map(|c| c.nullable).collect(),
                });
            }
        }
        Err(ClientError::Input(format!("unknown table `{table}`")))
    }

    /// Sends `batches` (each in `target`'s schema) as `Load` requests, pipelined;
    /// stops at the first error, reporting what was written before it.
    pub fn load_batches<I>(
        &mut self,
        target: &LoadTarget,
        batches: I,
        options: &LoadOptions,
    ) -> Result<LoadReport, ClientError>
    where
        I: IntoIterator<Item = Result<LoadBatch, ClientError>>,
    {
        if self.welcome().features & FEATURE_LOAD == 0 {
            return Err(ClientError::Protocol(
                "this server does not take bulk loads (no FEATURE_LOAD)".into(),
            ));
        }
        let in_flight = options.in_flight.clamp(1, MAX_LOADS_IN_FLIGHT);
        let mut report = LoadReport::default();
        let mut sent: VecDeque<Sent> = VecDeque::new();
        self.cancel.clear();
        let mut failure: Option<(String, ClientError)> = None;
        // Whether the failure is a sent batch the server refused (the batches still
        // outstanding were sent after it) rather than the input or a cancel (they
        // were sent before it).
        let mut refused_in_flight = false;
        for item in batches {
            if self.cancel.take() {
                failure = Some((
                    "stopped".into(),
                    ClientError::Server {
                        code: kalavar_protocol::codes::CANCELLED.into(),
                        message: "load cancelled".into(),
                        span: None,
                    },
                ));
                break;
            }
            let LoadBatch { batch, label } = match item {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(("reading the input".into(), e));
                    break;
                }
            };
            if batch.num_rows() == 0 {
                continue;
            }
            if batch.num_rows() > MAX_LOAD_ROWS {
                failure = Some((
                    label,
                    ClientError::Input(format!(
                        "a batch of {} rows; at most {MAX_LOAD_ROWS} per batch",
                        batch.num_rows()
                    )),
                ));
                break;
            }
            let arrow_ipc = ipc::encode_batches(&batch.schema(), std::slice::from_ref(&batch))
                .map_err(|e| ClientError::Protocol(format!("encoding a load batch: {e}")))?;
            let request = self.next_request();
            self.send(&ClientMessage::Load {
                request,
                table: target.table.clone(),
                mode: options.mode,
                arrow_ipc,
            })?;
            sent.push_back(Sent {
                request,
                rows: batch.num_rows() as u64,
                label,
            });
            while sent.len() >= in_flight {
                if let Err(f) = self.await_load(&mut sent, &mut report) {
                    failure = Some(f);
                    refused_in_flight = true;
                    break;
                }
            }
            if failure.is_some() {
                break;
            }
        }
        // Read every outstanding answer: what was written must be known, including
        // batches sent after one that failed (each is its own transaction).
        let mut also_written = Vec::new();
        while let Some(label) = sent.front().map(|s| s.label.clone()) {
            match self.await_load(&mut sent, &mut report) {
                Ok(()) if refused_in_flight => also_written.push(label),
                Ok(()) => {}
                Err(f) if failure.is_none() => {
                    failure = Some(f);
                    refused_in_flight = true;
                }
                Err(_) => {}
            }
        }
        match failure {
            None => Ok(report),
            Some((at, source)) => Err(ClientError::Load {
                rows_written: report.rows,
                at,
                also_written,
                source: Box::new(source),
            }),
        }
    }

    /// Reads the answer to the oldest outstanding load.
    fn await_load(
        &mut self,
        sent: &mut VecDeque<Sent>,
        report: &mut LoadReport,
    ) -> Result<(), (String, ClientError)> {
        let front = sent.front().expect("a load outstanding");
        let request = front.request;
        loop {
            let msg = match self.recv() {
                Ok(m) => m,
                Err(e) => {
                    let s = sent.pop_front().expect("front");
                    // The connection is gone: nothing more will be answered.
                    sent.clear();
                    return Err((s.label, e));
                }
            };
            match msg {
                ServerMessage::Complete {
                    request: r,
                    rows_affected,
                } if r == request => {
                    let s = sent.pop_front().expect("front");
                    debug_assert_eq!(rows_affected, s.rows);
                    report.rows += rows_affected;
                    report.batches += 1;
                    return Ok(());
                }
                ServerMessage::Error {
                    request: r,
                    code,
                    message,
                    span,
                } if r == request => {
                    let s = sent.pop_front().expect("front");
                    return Err((
                        s.label,
                        ClientError::Server {
                            code,
                            message,
                            span,
                        },
                    ));
                }
                _ => continue,
            }
        }
    }
}
