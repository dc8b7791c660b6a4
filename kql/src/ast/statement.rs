//! Statements: queries and writes, transactions, DDL, identity and administration.

use super::{Expr, Ident, Pipeline, QualifiedName, RecordField, Span, TypeName};

/// A parsed script: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// A query, or a write when the pipeline ends in a sink.
    Pipeline(Pipeline),
    /// `let name = pipeline`.
    Let {
        name: Ident,
        pipeline: Pipeline,
    },
    /// `insert into T {…}, …` / `insert into T (a, b) values (…), …`.
    Insert(InsertValues),
    /// `upsert into T {…}, …` / `upsert into T (a, b) values (…), …`.
    Upsert(InsertValues),
    Begin,
    Commit,
    Rollback,
    CreateNamespace {
        name: Ident,
        if_not_exists: bool,
    },
    CreateTable(CreateTable),
    AlterTable {
        table: QualifiedName,
        action: AlterTableAction,
    },
    DropTable {
        table: QualifiedName,
        if_exists: bool,
    },
    DropNamespace {
        name: Ident,
        if_exists: bool,
    },
    CreateUser {
        name: Ident,
        options: Vec<UserOption>,
    },
    AlterUser {
        name: Ident,
        options: Vec<UserOption>,
    },
    DropUser {
        name: Ident,
        if_exists: bool,
    },
    /// `issue certificate for alice csr $csr ip 10.0.0.5, 10.0.1.0/24 valid 90d`.
    IssueCertificate(IssueCertificate),
    /// `revoke certificate "3F2A…"`.
    RevokeCertificate {
        serial: Expr,
    },
    /// `revoke certificates for alice`.
    RevokeCertificates {
        user: Ident,
    },
    /// `execute as alice { … }`: one transaction on behalf of `user`.
    ExecuteAs {
        user: Ident,
        body: Vec<Statement>,
    },
    /// `subscribe pipeline [with (last = 20)]`.
    Subscribe {
        pipeline: Pipeline,
        options: Vec<OptionSetting>,
    },
    Flush {
        table: QualifiedName,
    },
    Compact {
        table: QualifiedName,
    },
    /// `show tables`, `show users`, … (`what` is the word after `show`).
    Show {
        what: Ident,
    },
    Describe {
        table: QualifiedName,
    },
    Explain {
        analyze: bool,
        statement: Box<Statement>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct InsertValues {
    pub table: QualifiedName,
    pub rows: InsertRows,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InsertRows {
    /// `{a: 1, b: 2}, {a: 3}`.
    Records(Vec<Vec<RecordField>>),
    /// `(a, b) values (1, 2), (3, 4)`.
    Values {
        columns: Vec<Ident>,
        rows: Vec<Vec<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// Every user has an isolated partition.
    User,
    /// One partition; the access level decides who reads and writes.
    Shared,
    /// Ephemeral events with a TTL, never flushed to the cold tier.
    Stream,
}

/// `create [user|shared|stream] table [if not exists] T (…) [with (…)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// `None` when not written; the binder applies the documented default.
    pub kind: Option<TableKind>,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub columns: Vec<ColumnDef>,
    /// `key (a, b)` written as a table element; `key` on a column is in
    /// [`ColumnDef::key`].
    pub key: Option<Vec<Ident>>,
    pub options: Vec<OptionSetting>,
    pub span: Span,
}

/// `name type [key] [not null] [default expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: Ident,
    pub ty: TypeName,
    pub key: bool,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `name = value` inside `with (…)`; the value is an expression the binder
/// interprets per option (`flush = [rows(1000), every(60s)]`, `ttl = 30s`,
/// `access = public`).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionSetting {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlterTableAction {
    AddColumn(ColumnDef),
    DropColumn(Ident),
    RenameColumn {
        from: Ident,
        to: Ident,
    },
    /// `set (ttl = 60s, …)`.
    SetOptions(Vec<OptionSetting>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    User,
    Service,
    Dba,
    Root,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserOption {
    /// `role service`.
    Role(Role),
    /// `ip 10.0.0.0/24, "::1"`: the user's own address allow-list; empty clears it
    /// (`ip none`).
    Ip(Vec<IpSpec>),
    /// `enable` / `disable`.
    Enabled(bool),
}

/// An address or CIDR range as written (`10.0.0.5`, `10.0.1.0/24`, `"::1"`), already
/// checked to be valid by the parser.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpSpec {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueCertificate {
    pub user: Ident,
    /// The PEM certificate request: a string or a parameter.
    pub csr: Expr,
    pub ips: Vec<IpSpec>,
    /// Validity as a duration expression (`90d`); `None` takes the server default.
    pub valid: Option<Expr>,
    pub span: Span,
}
