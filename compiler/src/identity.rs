//! Roles and the permission rules the binder and the verifier both apply.
//!
//! | what | `user` | `service` | `dba` | `root` |
//! |---|---|---|---|---|
//! | read/write `user` tables (own partition) | yes | yes | yes | yes |
//! | read `shared`/`stream` `public` | yes | yes | yes | yes |
//! | write `shared`/`stream` `public` | yes | yes | yes | yes |
//! | read `read_only` | yes | yes | yes | yes |
//! | write `read_only` | no | yes | yes | yes |
//! | read or write `private` | no | yes | yes | yes |
//! | read `system.*` (rows filtered by the server) | yes | yes | yes | yes |
//! | write `system.*` | no | no | no | no |
//! | DDL, `flush`, `compact` | no | no | yes | yes |
//! | users, `revoke` certificates | no | no | yes | yes |
//! | `issue certificate for X` | X is self | X is self | yes | yes |
//! | `execute as X` | X is self | yes | yes | yes |
//!
//! The verifier checks the caller's role; the VM checks that the target of
//! `execute as` exists and is not more privileged than the caller allows.

use crate::catalog::{Access, Table, TableKind};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Service,
    Dba,
    Root,
}

impl Role {
    pub fn from_byte(b: u8) -> Option<Role> {
        [Role::User, Role::Service, Role::Dba, Role::Root]
            .get(b as usize)
            .copied()
    }

    pub fn to_byte(self) -> u8 {
        self as u8
    }

    fn is_privileged(self) -> bool {
        self >= Role::Service
    }

    fn is_admin(self) -> bool {
        self >= Role::Dba
    }
}

impl From<kql::ast::Role> for Role {
    fn from(r: kql::ast::Role) -> Role {
        match r {
            kql::ast::Role::User => Role::User,
            kql::ast::Role::Service => Role::Service,
            kql::ast::Role::Dba => Role::Dba,
            kql::ast::Role::Root => Role::Root,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::User => "user",
            Role::Service => "service",
            Role::Dba => "dba",
            Role::Root => "root",
        })
    }
}

/// Who runs a plan: the user named by the verified certificate, and their role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    pub user: String,
    pub role: Role,
}

impl Caller {
    pub fn new(user: impl Into<String>, role: Role) -> Caller {
        Caller {
            user: user.into(),
            role,
        }
    }

    pub fn can_read(&self, table: &Table) -> bool {
        match (table.kind, table.access) {
            (TableKind::User | TableKind::System, _) => true,
            (_, Access::Public | Access::ReadOnly) => true,
            (_, Access::Private) => self.role.is_privileged(),
        }
    }

    pub fn can_write(&self, table: &Table) -> bool {
        match (table.kind, table.access) {
            (TableKind::System, _) => false,
            (TableKind::User, _) | (_, Access::Public) => true,
            (_, Access::ReadOnly | Access::Private) => self.role.is_privileged(),
        }
    }

    /// DDL, `flush`, `compact`.
    pub fn can_change_schema(&self) -> bool {
        self.role.is_admin()
    }

    /// `create/alter/drop user`, `revoke certificate(s)`.
    pub fn can_manage_users(&self) -> bool {
        self.role.is_admin()
    }

    pub fn can_issue_certificate_for(&self, user: &str) -> bool {
        self.role.is_admin() || self.user == user
    }

    pub fn can_act_as(&self, user: &str) -> bool {
        self.role.is_privileged() || self.user == user
    }
}
