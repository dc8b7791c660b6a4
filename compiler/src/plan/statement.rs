//! Bound statements: a plan with what to do with its rows, or a command.

use super::Scalar;
use super::{Plan, TableInfo};
use crate::bytecode::{AlterAction, TableDef};
use crate::catalog::ColumnId;
use crate::identity::Role;

/// A statement after binding.
#[derive(Debug, Clone, PartialEq)]
pub enum BoundStatement {
    /// Rows sent to the client.
    Query(Plan),
    /// `insert into` / `upsert into`: the input's columns go to `columns`.
    Insert {
        table: TableInfo,
        columns: Vec<ColumnId>,
        input: Plan,
        upsert: bool,
    },
    /// The input yields the row key, then the new values of `set`.
    Update {
        table: TableInfo,
        set: Vec<ColumnId>,
        input: Plan,
    },
    /// The input yields the row key.
    Delete {
        table: TableInfo,
        input: Plan,
    },
    Command(Command),
    /// `execute as user { … }`.
    ExecuteAs {
        user: String,
        body: Vec<BoundStatement>,
    },
    Explain {
        analyze: bool,
        statement: Box<BoundStatement>,
    },
    /// Nothing to run (`let`, `drop table if exists` of a missing table).
    Nothing,
}

/// Statements that are one instruction.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Begin,
    Commit,
    Rollback,
    CreateNamespace {
        name: String,
        if_not_exists: bool,
    },
    DropNamespace {
        name: String,
        if_exists: bool,
    },
    CreateTable {
        def: TableDef,
        if_not_exists: bool,
    },
    AlterTable {
        table: TableInfo,
        action: AlterAction,
    },
    DropTable {
        table: TableInfo,
    },
    Flush {
        table: TableInfo,
    },
    Compact {
        table: TableInfo,
    },
    CreateUser {
        name: String,
        role: Role,
        ips: Vec<String>,
        enabled: bool,
    },
    AlterUser {
        name: String,
        role: Option<Role>,
        ips: Option<Vec<String>>,
        enabled: Option<bool>,
    },
    DropUser {
        name: String,
        if_exists: bool,
    },
    IssueCertificate {
        user: String,
        csr: Scalar,
        ips: Vec<String>,
        valid: Option<Scalar>,
    },
    RevokeCertificate {
        serial: Scalar,
    },
    RevokeCertificates {
        user: String,
    },
}

impl BoundStatement {
    /// Whether the statement only reads.
    pub fn is_read_only(&self) -> bool {
        match self {
            BoundStatement::Query(_) | BoundStatement::Nothing => true,
            BoundStatement::Explain { analyze, statement } => !analyze || statement.is_read_only(),
            _ => false,
        }
    }
}
