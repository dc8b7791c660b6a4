//! CSV input to load batches: the header (or table order) maps fields to table
//! columns, [`Columns`] types each field, and a batch ends at `batch_rows` rows or
//! about a quarter of the server's frame size of field text, whichever comes first.
//! Table columns the header does not name get nulls (defaults are not evaluated: a
//! column that takes no null must be in the file).

use std::io::BufRead;

use super::columns::Columns;
use super::csv::{CsvReader, Record};
use super::send::{LoadBatch, LoadOptions, LoadReport, LoadTarget};
use crate::client::connection::Client;
use crate::client::error::ClientError;
use kalavar_protocol::limits::MAX_LOAD_ROWS;

/// Batches of a CSV input, in a table's schema.
pub struct CsvBatches<R> {
    reader: CsvReader<R>,
    /// For each table column, the field that feeds it (`None`: null).
    sources: Vec<Option<usize>>,
    fields: usize,
    columns: Columns,
    batch_rows: usize,
    batch_bytes: usize,
    record: Record,
    done: bool,
}

impl<R: BufRead> CsvBatches<R> {
    /// Reads the header (when `options.header`) and maps it onto `target`.
    pub fn new(
        target: &LoadTarget,
        input: R,
        options: &LoadOptions,
        max_frame_bytes: usize,
    ) -> Result<Self, ClientError> {
        let mut reader = CsvReader::new(input, options.delimiter);
        let names: Vec<&str> = target
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let (sources, fields) = if options.header {
            let mut header = Record::default();
            if !reader.read(&mut header).map_err(ClientError::Input)? {
                return Err(ClientError::Input(
                    "the input is empty: a CSV load starts with a header line naming the columns"
                        .into(),
                ));
            }
            let mut sources = vec![None; names.len()];
            for i in 0..header.len() {
                // A UTF-8 byte order mark before the first name (spreadsheets write
                // one) is not part of it.
                let name = header.field(i).0.trim_start_matches('\u{feff}').trim();
                let c = names.iter().position(|n| *n == name).ok_or_else(|| {
                    ClientError::Input(format!(
                        "line 1: `{name}` is not a column of {} (columns: {})",
                        target.table,
                        names.join(", ")
                    ))
                })?;
                if sources[c].is_some() {
                    return Err(ClientError::Input(format!(
                        "line 1: column `{name}` is named twice"
                    )));
                }
                sources[c] = Some(i);
            }
            for (c, s) in sources.iter().enumerate() {
                if s.is_none() && !target.nullable[c] {
                    return Err(ClientError::Input(format!(
                        "line 1: column `{}` of {} takes no null and is not in the header (a load does not evaluate defaults)",
                        names[c], target.table
                    )));
                }
            }
            (sources, header.len())
        } else {
            ((0..names.len()).map(Some).collect(), names.len())
        };
        let batch_rows = options.batch_rows.clamp(1, MAX_LOAD_ROWS);
        let columns = Columns::new(target.schema.clone(), &target.types, batch_rows.min(65_536))
            .map_err(ClientError::Input)?;
        Ok(CsvBatches {
            reader,
            sources,
            fields,
            columns,
            batch_rows,
            batch_bytes: (max_frame_bytes / 4).max(1024),
            record: Record::default(),
            done: false,
        })
    }

    fn next_batch(&mut self) -> Result<Option<LoadBatch>, ClientError> {
        let mut first = 0;
        let mut last = 0;
        let mut bytes = 0;
        while self.columns.rows() < self.batch_rows && bytes < self.batch_bytes {
            if !self
                .reader
                .read(&mut self.record)
                .map_err(ClientError::Input)?
            {
                self.done = true;
                break;
            }
            let line = self.record.line;
            if first == 0 {
                first = line;
            }
            last = line;
            if self.record.len() != self.fields {
                return Err(ClientError::Input(format!(
                    "line {line}: {} field(s), expected {}",
                    self.record.len(),
                    self.fields
                )));
            }
            for (c, s) in self.sources.iter().enumerate() {
                let field = s.map(|i| self.record.field(i));
                if let Some((t, _)) = field {
                    bytes += t.len() + 1;
                }
                self.columns
                    .push(c, field)
                    .map_err(|e| ClientError::Input(format!("line {line}, {e}")))?;
            }
            self.columns.end_row();
        }
        if self.columns.rows() == 0 {
            return Ok(None);
        }
        let batch = self
            .columns
            .finish()
            .map_err(|e| ClientError::Input(format!("lines {first}–{last}: {e}")))?;
        Ok(Some(LoadBatch {
            batch,
            label: format!("input lines {first}–{last}"),
        }))
    }
}

impl<R: BufRead> Iterator for CsvBatches<R> {
    type Item = Result<LoadBatch, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl Client {
    /// Loads CSV from `input` into `table` (`namespace.name`, or a name one namespace
    /// has): batches of `options.batch_rows` rows, each one transaction, pipelined.
    pub fn load_csv<R: BufRead>(
        &mut self,
        table: &str,
        input: R,
        options: &LoadOptions,
    ) -> Result<LoadReport, ClientError> {
        let target = self.load_target(table)?;
        let max_frame = self.welcome().max_frame_bytes as usize;
        let batches = CsvBatches::new(&target, input, options, max_frame)?;
        self.load_batches(&target, batches, options)
    }
}
