//! Live queries: [`Client::subscribe`] compiles a `subscribe …` statement, sends its
//! plan in `Subscribe`, and returns a [`Subscription`], an iterator of
//! [`ChangeEvent`]s (the snapshot rows first when `with (last = N)` asks for them,
//! then inserts, updates and deletes as they commit). The subscription borrows the
//! client: the session carries nothing else until it ends with
//! [`Subscription::unsubscribe`] (or a drop, which unsubscribes too).

use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use kalavar_protocol::{ChangeKind, ClientMessage, Param, ServerMessage, Statement, ipc};

use super::compile::ParsedScript;
use super::connection::{Client, unexpected};
use super::error::ClientError;
use super::params::bind_params;

/// One change a subscription reports.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub kind: ChangeKind,
    pub batches: Vec<RecordBatch>,
}

impl ChangeEvent {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A running live query.
#[derive(Debug)]
pub struct Subscription<'c> {
    client: &'c mut Client,
    id: u64,
    ended: bool,
}

impl Client {
    /// Starts the live query of `text` (one `subscribe` statement).
    pub fn subscribe(
        &mut self,
        text: &str,
        params: &[Param],
    ) -> Result<Subscription<'_>, ClientError> {
        let script = ParsedScript::parse(text).map_err(|error| ClientError::Compile {
            text: text.to_owned(),
            error,
        })?;
        let runnable: Vec<usize> = script.runnable().collect();
        let [index] = runnable[..] else {
            return Err(ClientError::Params(format!(
                "subscribe takes one statement; the text holds {}",
                runnable.len()
            )));
        };
        if !script.is_subscribe(index) {
            return Err(ClientError::Params(
                "subscribe takes a `subscribe …` statement".into(),
            ));
        }
        let program = self.compile_statement(&script, index)?.program;
        let values = bind_params(&program.params, params)?;
        let request = self.next_request();
        let answer = self.request(&ClientMessage::Subscribe {
            request,
            statement: Statement::Plan(program.encode()),
            params: values,
        })?;
        let ServerMessage::Subscribed { subscription, .. } = answer else {
            return Err(unexpected(answer));
        };
        Ok(Subscription {
            client: self,
            id: subscription,
            ended: false,
        })
    }
}

impl Subscription<'_> {
    /// The server's id for this subscription.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The next change, waiting at most `wait`; `None` when nothing came in time.
    pub fn next_within(&mut self, wait: Duration) -> Result<Option<ChangeEvent>, ClientError> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.client.readable(left)? {
                return Ok(None);
            }
            match self.client.recv()? {
                ServerMessage::Change {
                    subscription,
                    kind,
                    arrow_ipc,
                } if subscription == self.id => {
                    let batches = ipc::decode_batches(&arrow_ipc)
                        .map_err(|e| ClientError::Protocol(format!("change rows: {e}")))?;
                    return Ok(Some(ChangeEvent { kind, batches }));
                }
                ServerMessage::Error {
                    code,
                    message,
                    span,
                    ..
                } => {
                    self.ended = true;
                    return Err(ClientError::Server {
                        code,
                        message,
                        span,
                    });
                }
                _ => continue,
            }
        }
    }

    /// Ends the subscription and waits for the server to confirm.
    pub fn unsubscribe(mut self) -> Result<(), ClientError> {
        self.end()
    }

    fn end(&mut self) -> Result<(), ClientError> {
        if self.ended {
            return Ok(());
        }
        self.ended = true;
        let request = self.client.next_request();
        self.client.request(&ClientMessage::Unsubscribe {
            request,
            subscription: self.id,
        })?;
        Ok(())
    }
}

impl Iterator for Subscription<'_> {
    type Item = Result<ChangeEvent, ClientError>;

    /// Blocks until the next change; ends after an error.
    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        loop {
            match self.next_within(Duration::from_secs(3600)) {
                Ok(Some(event)) => return Some(Ok(event)),
                Ok(None) => continue,
                Err(e) => {
                    self.ended = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Drop for Subscription<'_> {
    fn drop(&mut self) {
        let _ = self.end();
    }
}
