//! Transactions on a session: `begin`, then statements, then `commit` or
//! `rollback`. They are the KQL statements of the same names, compiled and sent like
//! any other; the server holds the transaction on the session. A conflicting
//! concurrent write makes `commit` (or the write) fail with `S001`
//! ([`ClientError::is_retryable`]), and the caller runs the transaction again.

use super::connection::Client;
use super::error::ClientError;

impl Client {
    pub fn begin(&mut self) -> Result<(), ClientError> {
        self.query("begin", &[]).map(drop)
    }

    pub fn commit(&mut self) -> Result<(), ClientError> {
        self.query("commit", &[]).map(drop)
    }

    pub fn rollback(&mut self) -> Result<(), ClientError> {
        self.query("rollback", &[]).map(drop)
    }

    /// Runs `work` between `begin` and `commit`; rolls back if `work` fails (the
    /// commit's own failure is returned as it is).
    pub fn transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Client) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        self.begin()?;
        match work(self) {
            Ok(value) => {
                self.commit()?;
                Ok(value)
            }
            Err(e) => {
                // The transaction may already be gone on the server (a failed
                // statement ends it); the first error is the one worth reporting.
                let _ = self.rollback();
                Err(e)
            }
        }
    }
}
