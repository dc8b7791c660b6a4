//! The binder: resolves the names of a statement against a catalog snapshot, types
//! every expression, and produces a [`BoundStatement`] over a logical [`Plan`].
//!
//! `expr` binds expressions (names, functions, parameters, implicit widening made
//! explicit), `pipeline` sources and stages, `statement` queries, writes and
//! inspection, `ddl` schema and administration. Errors carry a `B` code, the span to
//! blame and a hint — a did-you-mean by edit distance where a name is unknown.
//! Recursion follows the syntax tree, whose depth the parser limits; the number of
//! pipeline stages per statement is limited here ([`MAX_STAGES`]).

mod ddl;
mod error;
mod expr;
mod like;
mod literal;
mod pipeline;
mod statement;
mod suggest;

pub use ddl::{DEFAULT_TABLE_KIND, MAX_NAME_CHARS};
pub use error::{BindCode, BindError};
pub use pipeline::MAX_STAGES;
pub use suggest::{closest, edit_distance};

pub(crate) use literal::convert;

use crate::bytecode::ParamDecl;
use crate::catalog::Catalog;
use crate::identity::Caller;
use crate::plan::{BoundStatement, Plan};
use crate::types::DataType;
use kql::ast::{Span, Statement};
use std::collections::HashMap;

/// A parameter seen in the statement and the type inferred for it.
#[derive(Debug, Clone)]
pub(crate) struct ParamSlot {
    pub name: String,
    pub ty: Option<DataType>,
    pub span: Span,
}

/// Binds the statements of one script, in order (`let` names carry over).
pub struct Binder<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) caller: Option<&'a Caller>,
    /// The text the statements were parsed from (for default expressions' text).
    pub(crate) source: &'a str,
    pub(crate) lets: HashMap<String, Plan>,
    pub(crate) params: Vec<ParamSlot>,
    pub(crate) agg: Option<expr::AggCollector>,
    pub(crate) stages: usize,
}

impl<'a> Binder<'a> {
    /// A binder over `catalog`; with a `caller`, permissions are checked too.
    pub fn new(catalog: &'a Catalog, caller: Option<&'a Caller>, source: &'a str) -> Self {
        Binder {
            catalog,
            caller,
            source,
            lets: HashMap::new(),
            params: Vec::new(),
            agg: None,
            stages: 0,
        }
    }

    /// Binds one statement; returns it with its parameter slots, in first-use order.
    pub fn bind(
        &mut self,
        statement: &Statement,
    ) -> Result<(BoundStatement, Vec<ParamDecl>), BindError> {
        self.params.clear();
        self.stages = 0;
        self.agg = None;
        let bound = self.statement(statement)?;
        let mut params = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let Some(ty) = p.ty else {
                return Err(BindError::new(
                    BindCode::ParameterType,
                    p.span,
                    format!("the type of ${} cannot be inferred", p.name),
                )
                .hint(format!("give it a type: ${} :: int64", p.name)));
            };
            params.push(ParamDecl {
                name: p.name.clone(),
                ty,
            });
        }
        Ok((bound, params))
    }
}
