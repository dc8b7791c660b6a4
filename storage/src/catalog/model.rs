//! The catalog's plain record types: what the server maps to its own snapshot and to
//! system tables. All fields are public; ids are stable and never reused.

use serde::{Deserialize, Serialize};

use crate::types::{DataType, ScalarValue};

/// A table's stable id (never reused, also after a drop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableId(pub u64);

/// A column's stable id within its table (never reused: a dropped and re-added column
/// is a new column, and old data under the old id never comes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnId(pub u32);

/// A user's stable id. A user dropped and re-created under the same name gets a new id
/// and never sees the old user's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserId(pub u64);

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A namespace (`chat` in `chat.messages`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
    pub created_at_us: i64,
}

/// How a table's rows are partitioned and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TableKind {
    /// Every user's rows live in their own partition; data calls pass the owner.
    User,
    /// One partition for everybody; the access level says who reads and writes.
    Shared,
    /// Ephemeral events with a TTL, kept hot and never flushed.
    Stream,
}

/// Who may use a shared table (enforced by the server, stored here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessLevel {
    /// Every user reads and writes.
    Public,
    /// Every user reads; only DBAs write.
    Read,
    /// Only DBAs (and services granted by the server) read and write.
    Private,
}

/// When a partition's hot rows move to a Parquet segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlushPolicy {
    /// Flush once a partition holds this many hot rows.
    pub max_hot_rows: u64,
    /// Flush once the oldest unflushed write of a partition is this old (seconds)…
    pub interval_secs: u64,
    /// …but only if it holds at least this many hot rows (small partitions stay hot:
    /// per-user tables must not become millions of tiny files).
    pub min_rows_for_interval: u64,
    /// Flush whatever a partition holds once its oldest hot write is this old (seconds).
    pub max_age_secs: u64,
    /// Compact a partition once it has this many segments.
    pub compact_at_segments: u32,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy {
            max_hot_rows: 100_000,
            interval_secs: 300,
            min_rows_for_interval: 1_000,
            max_age_secs: 86_400,
            compact_at_segments: 8,
        }
    }
}

/// Per-table options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableOptions {
    pub flush: FlushPolicy,
    /// Stream tables: rows older than this many seconds are evicted.
    pub ttl_secs: Option<u64>,
    /// Shared tables: who may read and write.
    pub access: AccessLevel,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            flush: FlushPolicy::default(),
            ttl_secs: None,
            access: AccessLevel::Public,
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub id: ColumnId,
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    /// The default as KQL text (evaluated by the VM, which fills rows in before they
    /// reach the engine).
    pub default_kql: Option<String>,
    /// The value rows written before this column existed read back as.
    pub backfill: ScalarValue,
}

/// A table definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub id: TableId,
    pub namespace: String,
    pub name: String,
    pub kind: TableKind,
    /// Current columns in table order (dropped columns are gone from this list).
    pub columns: Vec<ColumnDef>,
    /// Primary-key columns in key order; empty means rows are keyed by a hidden row id.
    pub primary_key: Vec<ColumnId>,
    pub options: TableOptions,
    /// Changes with every DDL on this table.
    pub schema_version: u64,
    /// The id the next added column gets.
    pub next_column_id: u32,
    pub created_at_us: i64,
}

impl TableDef {
    /// `namespace.name`, for messages.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    /// The column with this id, if it still exists.
    pub fn column(&self, id: ColumnId) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// The column with this name, if any.
    pub fn column_by_name(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Position of a column in [`TableDef::columns`].
    pub fn column_index(&self, id: ColumnId) -> Option<usize> {
        self.columns.iter().position(|c| c.id == id)
    }

    /// True when rows are keyed by the hidden row id.
    pub fn has_hidden_key(&self) -> bool {
        self.primary_key.is_empty()
    }

    /// The Arrow schema of full rows (the schema `insert` expects).
    pub fn arrow_schema(&self) -> arrow_schema::SchemaRef {
        std::sync::Arc::new(arrow_schema::Schema::new(
            self.columns
                .iter()
                .map(|c| c.data_type.to_field(&c.name, c.nullable))
                .collect::<Vec<_>>(),
        ))
    }
}

/// What `create_table` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub namespace: String,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<ColumnSpec>,
    /// Names of the primary-key columns, in key order (may be empty).
    pub primary_key: Vec<String>,
    pub options: TableOptions,
}

/// A column as given to `create_table` or `alter_table(AddColumn)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub default_kql: Option<String>,
    /// What existing rows read for this column; must fit the type (null only when nullable).
    pub backfill: ScalarValue,
}

impl ColumnSpec {
    /// A column with no default whose old rows read null.
    pub fn new(name: &str, data_type: DataType, nullable: bool) -> ColumnSpec {
        ColumnSpec {
            name: name.to_string(),
            data_type,
            nullable,
            default_kql: None,
            backfill: ScalarValue::Null,
        }
    }
}

/// One DDL change to a table.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTable {
    AddColumn(ColumnSpec),
    /// Drops a non-key column; its data never comes back.
    DropColumn(String),
    RenameColumn {
        from: String,
        to: String,
    },
    SetOptions(TableOptions),
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    User,
    Service,
    Dba,
    Root,
}

/// A user record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    /// Addresses the user may connect from, as CIDR strings (`10.0.0.0/8`, `::1/128`);
    /// empty means no restriction beyond the certificate's own.
    pub allowed_ips: Vec<String>,
    pub created_at_us: i64,
}

/// What `create_user` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSpec {
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub allowed_ips: Vec<String>,
}

/// A change to a user; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChange {
    pub role: Option<Role>,
    pub enabled: Option<bool>,
    pub allowed_ips: Option<Vec<String>>,
}

/// A certificate the server issued, found by (issuer key id, serial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateRecord {
    /// Identifies the issuing CA (e.g. the hex of its key id or of its DER name, as the
    /// server writes it; 1–1,024 characters).
    pub issuer_key_id: String,
    /// Serial number as upper-case hex (normalised by [`crate::normalize_serial`]).
    pub serial: String,
    pub user: UserId,
    /// Validity, microseconds since the Unix epoch.
    pub not_before_us: i64,
    pub not_after_us: i64,
    /// Addresses the certificate is bound to, as CIDR strings.
    pub addresses: Vec<String>,
    /// When it was revoked (µs since the epoch), if it was.
    pub revoked_at_us: Option<i64>,
    /// The certificate itself, DER-encoded.
    #[serde(with = "crate::util::hex_bytes")]
    pub der: Vec<u8>,
}
