//! The optimizer: rewrites of the logical plan, each a function that can be applied
//! and tested alone, chained by [`optimize`] in this order:
//!
//! 1. [`fold_constants`] — compute constant expressions, drop `where true`;
//! 2. [`push_filters`] — move predicates down and into scans;
//! 3. [`use_keys`] — primary-key equality to a point seek, key bounds to a range scan;
//! 4. [`use_topk`] — limit pushdown, sort + take to top-k;
//! 5. [`prune_columns`] — projection pushdown: scans read only the columns used.

mod fold;
mod keys;
mod prune;
mod pushdown;
mod topk;

pub use fold::{fold, fold_constants};
pub use keys::use_keys;
pub use prune::prune_columns;
pub use pushdown::push_filters;
pub use topk::use_topk;

use crate::plan::{BoundStatement, Plan};

/// Every rule, in order.
pub fn optimize_plan(plan: Plan) -> Plan {
    let plan = fold_constants(plan);
    let plan = push_filters(plan);
    let plan = use_keys(plan);
    let plan = use_topk(plan);
    prune_columns(plan)
}

/// Optimizes the plans inside a statement.
pub fn optimize(statement: BoundStatement) -> BoundStatement {
    match statement {
        BoundStatement::Query(p) => BoundStatement::Query(optimize_plan(p)),
        BoundStatement::Insert {
            table,
            columns,
            input,
            upsert,
        } => BoundStatement::Insert {
            table,
            columns,
            input: optimize_plan(input),
            upsert,
        },
        BoundStatement::Update { table, set, input } => BoundStatement::Update {
            table,
            set,
            input: optimize_plan(input),
        },
        BoundStatement::Delete { table, input } => BoundStatement::Delete {
            table,
            input: optimize_plan(input),
        },
        BoundStatement::ExecuteAs { user, body } => BoundStatement::ExecuteAs {
            user,
            body: body.into_iter().map(optimize).collect(),
        },
        BoundStatement::Explain { analyze, statement } => BoundStatement::Explain {
            analyze,
            statement: Box::new(optimize(*statement)),
        },
        BoundStatement::Command(c) => BoundStatement::Command(fold_command(c)),
        BoundStatement::Nothing => BoundStatement::Nothing,
    }
}

fn fold_command(c: crate::plan::Command) -> crate::plan::Command {
    use crate::plan::Command;
    match c {
        Command::IssueCertificate {
            user,
            csr,
            ips,
            valid,
        } => Command::IssueCertificate {
            user,
            csr: fold(csr),
            ips,
            valid: valid.map(fold),
        },
        Command::RevokeCertificate { serial } => Command::RevokeCertificate {
            serial: fold(serial),
        },
        other => other,
    }
}
