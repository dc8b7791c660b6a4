//! Prepared statements: compile once, run many times with new parameter values.
//!
//! [`Client::prepare`] compiles one statement and keeps its encoded plan and the
//! plan's hash (SHA-256 of the bytes, the key of the server's plan cache). The first
//! [`Client::execute_prepared`] sends the plan (`Execute`); later ones send only the
//! hash with the new values (`ExecuteCached`, when the server offers
//! `FEATURE_PLAN_CACHE`), so the server runs the plan it verified without decoding or
//! verifying it again, and the client does no compiling at all. A server that no
//! longer holds the plan answers `P011`, and the plan is sent again in full. When the schema moved on (`V013`) the statement is
//! recompiled from its text, the prepared plan replaced, and the run retried once.

use kalavar_protocol::Param;
use kalavar_protocol::version::FEATURE_PLAN_CACHE;
use kql_compiler::Compiled;
use kql_compiler::bytecode::{ParamDecl, Program};

use super::compile::ParsedScript;
use super::connection::Client;
use super::error::{ClientError, codes};
use super::params::bind_params_into;
use super::results::{QueryResult, completion_tag};

/// A compiled statement ready to run again.
#[derive(Debug, Clone)]
pub struct Prepared {
    script: ParsedScript,
    index: usize,
    plan: Vec<u8>,
    hash: [u8; 32],
    params: Vec<ParamDecl>,
    read_only: bool,
    tag: String,
    /// The values of the last run, in slot order (their names kept between runs).
    bound: Vec<Param>,
    /// Whether the plan went to the server in full once, so that later runs may
    /// name it by hash (`ExecuteCached`).
    sent: bool,
}

impl Prepared {
    /// The statement's text.
    pub fn text(&self) -> &str {
        self.script.statement_text(self.index)
    }

    /// The parameter slots, in the order values are sent.
    pub fn params(&self) -> &[ParamDecl] {
        &self.params
    }

    /// The hash the server caches the plan under.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The encoded plan.
    pub fn plan(&self) -> &[u8] {
        &self.plan
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }
}

impl Client {
    /// Compiles the one statement of `text` (after any `let`s) for repeated runs.
    pub fn prepare(&mut self, text: &str) -> Result<Prepared, ClientError> {
        let script = ParsedScript::parse(text).map_err(|error| ClientError::Compile {
            text: text.to_owned(),
            error,
        })?;
        let runnable: Vec<usize> = script.runnable().collect();
        let [index] = runnable[..] else {
            return Err(ClientError::Params(format!(
                "prepare takes one statement; the text holds {}",
                runnable.len()
            )));
        };
        let compiled = self.compile_statement(&script, index)?;
        Ok(prepared(script, index, &compiled))
    }

    /// Runs a prepared statement with `params`. After a stale-plan answer the
    /// statement is recompiled (updating `prepared`) and run once more.
    pub fn execute_prepared(
        &mut self,
        prepared: &mut Prepared,
        params: &[Param],
    ) -> Result<QueryResult, ClientError> {
        let mut retried = false;
        let cache = self.welcome().features & FEATURE_PLAN_CACHE != 0;
        loop {
            bind_params_into(&prepared.params, params, &mut prepared.bound)?;
            let answer = if cache && prepared.sent {
                match self.execute_cached_with(&prepared.hash, &prepared.bound) {
                    // Evicted, or never cached: send the plan itself.
                    Err(e) if e.code() == Some(codes::PLAN_NOT_CACHED) => {
                        self.execute_plan(&prepared.plan, prepared.bound.clone())
                    }
                    other => other,
                }
            } else {
                self.execute_plan(&prepared.plan, prepared.bound.clone())
            };
            // The server has seen the plan (and cached it once verified).
            prepared.sent = true;
            match answer {
                Err(e) if e.is_stale_plan() && !retried => {
                    retried = true;
                    self.refresh_catalog()?;
                    let compiled = self.compile_statement(&prepared.script, prepared.index)?;
                    *prepared = self::prepared(prepared.script.clone(), prepared.index, &compiled);
                }
                Ok(mut result) => {
                    result.statement = prepared.text().to_owned();
                    result.tag = prepared.tag.clone();
                    return Ok(result);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn prepared(script: ParsedScript, index: usize, compiled: &Compiled) -> Prepared {
    let program = &compiled.program;
    let plan = program.encode();
    Prepared {
        hash: Program::hash(&plan),
        plan,
        params: program.params.clone(),
        read_only: program.flags.read_only(),
        tag: completion_tag(&compiled.optimized),
        bound: Vec::new(),
        sent: false,
        script,
        index,
    }
}
