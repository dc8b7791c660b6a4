//! Running SQL translated on the client ([`kql_compiler::sql`]) without printing
//! and parsing its KQL again: the translated tree is compiled directly
//! ([`compile_translated`], the same plan byte for byte as compiling its canonical
//! text) and the plans are sent as [`Client::query`] sends them. The canonical KQL
//! is still what the caller shows, and what errors are rendered against.
//!
//! As in [`Client::query`]: a statement that does not bind is compiled once more
//! after a catalog refresh when the catalog has moved on, a stale plan (`V013`) is
//! recompiled and sent once more, and the catalog is refetched after a definition.

use kalavar_protocol::Param;
use kql::ast::{Script, StatementKind};
use kql_compiler::sql::compile_translated;
use kql_compiler::{CompileError, CompileOptions, Compiled};

use super::connection::Client;
use super::error::ClientError;
use super::params::bind_params;
use super::results::{QueryResult, completion_tag};

impl Client {
    /// Compiles and runs the statements of `script`, one SQL statement's
    /// translation whose canonical text is `kql` (`kql::format_script(script)`),
    /// handing each statement's result to `each`. Stops at the first error.
    pub fn query_translated(
        &mut self,
        script: &Script,
        kql: &str,
        params: &[Param],
        mut each: impl FnMut(QueryResult) -> Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        let runnable: Vec<&StatementKind> = script
            .statements
            .iter()
            .map(|s| &s.kind)
            .filter(|k| !matches!(k, StatementKind::Let { .. }))
            .collect();
        let mut compiled = self.compile_translated(script, kql)?;
        let mut index = 0;
        let mut retried = false;
        while index < compiled.len() {
            let c = &compiled[index];
            let values = bind_params(&c.program.params, params)?;
            match self.execute_plan(&c.program.encode(), values) {
                Err(e) if e.is_stale_plan() && !retried => {
                    retried = true;
                    self.refresh_catalog()?;
                    compiled = self.compile_translated(script, kql)?;
                    continue;
                }
                Err(e) => return Err(e),
                Ok(mut result) => {
                    result.tag = completion_tag(&c.optimized);
                    result.statement = c.text.to_string();
                    if runnable.get(index).is_some_and(|k| changes_schema(k)) {
                        self.refresh_catalog()?;
                    }
                    each(result)?;
                }
            }
            index += 1;
            retried = false;
        }
        Ok(())
    }

    /// Compiles the translation against the current snapshot, once more after a
    /// refresh when it does not bind and the catalog has changed.
    fn compile_translated(
        &mut self,
        script: &Script,
        kql: &str,
    ) -> Result<Vec<Compiled>, ClientError> {
        let caller = self.caller();
        let compile =
            |client: &mut Client| -> Result<Result<Vec<Compiled>, CompileError>, ClientError> {
                let catalog = client.catalog()?;
                client.compiles += 1;
                let opts = CompileOptions {
                    caller: Some(&caller),
                    ..CompileOptions::new(&catalog)
                };
                Ok(compile_translated(script, kql, opts))
            };
        let error = match compile(self)? {
            Ok(c) => return Ok(c),
            Err(error @ CompileError::Parse(_)) => error,
            Err(_) if self.refresh_catalog()? => match compile(self)? {
                Ok(c) => return Ok(c),
                Err(error) => error,
            },
            Err(error) => error,
        };
        Err(ClientError::Compile {
            text: kql.to_owned(),
            error,
        })
    }
}

/// Whether a statement of this kind changes the schema (the catalog is refetched
/// after it runs).
fn changes_schema(kind: &StatementKind) -> bool {
    matches!(
        kind,
        StatementKind::CreateNamespace { .. }
            | StatementKind::CreateTable(_)
            | StatementKind::AlterTable { .. }
            | StatementKind::DropTable { .. }
            | StatementKind::DropNamespace { .. }
    )
}
