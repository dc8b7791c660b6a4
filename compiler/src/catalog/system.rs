//! The built-in system tables: their schemas are defined here, once; the server fills
//! their rows (and shows a non-admin user only the rows that are theirs).

use super::snapshot::{Access, Column, Table, TableId, TableKind};
use crate::types::DataType::{self, *};

/// The namespace of the built-in tables.
pub const SYSTEM_NAMESPACE: &str = "system";

/// System table ids are `SYSTEM_TABLE_ID_BASE + n`; storage never hands out ids this
/// high.
pub const SYSTEM_TABLE_ID_BASE: TableId = 1 << 48;

/// Schema version of every system table; bumped when a schema below changes.
const SYSTEM_SCHEMA_VERSION: u32 = 1;

type Spec = (
    &'static str,
    &'static str,
    &'static [(&'static str, DataType, bool)],
);

/// `(name, what it holds, [(column, type, nullable)])`, in id order.
const SYSTEM_TABLES: &[Spec] = &[
    (
        "tables",
        "one row per table the caller may see",
        &[
            ("table_id", Int64, false),
            ("namespace", Text, false),
            ("name", Text, false),
            ("kind", Text, false),
            ("schema_version", Int32, false),
            ("key", Text, false),
            ("access", Text, true),
            ("rows_hot", Int64, true),
            ("rows_cold", Int64, true),
            ("bytes_cold", Int64, true),
            ("segments", Int32, true),
            ("created_at", Timestamp, true),
        ],
    ),
    (
        "columns",
        "one row per column of the tables the caller may see",
        &[
            ("table_id", Int64, false),
            ("namespace", Text, false),
            ("table", Text, false),
            ("column_id", Int32, false),
            ("ordinal", Int32, false),
            ("name", Text, false),
            ("type", Text, false),
            ("nullable", Bool, false),
            ("default", Text, true),
            ("key_position", Int32, true),
        ],
    ),
    (
        "users",
        "users; a `user` role sees only itself",
        &[
            ("name", Text, false),
            ("role", Text, false),
            ("enabled", Bool, false),
            ("ips", Text, true),
            ("created_at", Timestamp, true),
        ],
    ),
    (
        "certificates",
        "issued certificates; a `user` role sees only its own",
        &[
            ("serial", Text, false),
            ("user", Text, false),
            ("not_before", Timestamp, false),
            ("not_after", Timestamp, false),
            ("ips", Text, true),
            ("revoked", Bool, false),
            ("revoked_at", Timestamp, true),
        ],
    ),
    (
        "sessions",
        "open sessions; a `user` role sees only its own",
        &[
            ("session_id", Int64, false),
            ("user", Text, false),
            ("peer", Text, false),
            ("connected_at", Timestamp, false),
            ("last_active", Timestamp, true),
            ("statements", Int64, false),
            ("current_statement", Text, true),
        ],
    ),
    (
        "jobs",
        "flush, compaction and TTL jobs, running and recent",
        &[
            ("job_id", Int64, false),
            ("kind", Text, false),
            ("namespace", Text, true),
            ("table", Text, true),
            ("state", Text, false),
            ("started_at", Timestamp, true),
            ("finished_at", Timestamp, true),
            ("rows", Int64, true),
            ("bytes", Int64, true),
            ("error", Text, true),
        ],
    ),
    (
        "stats",
        "server counters: memory per tier, rows and bytes hot and cold, segments, \
         flushes, loads ingested, the hot scan cache (bytes, hits), connections, \
         queries run",
        &[
            ("name", Text, false),
            ("scope", Text, true),
            ("value", Int64, false),
            ("unit", Text, true),
        ],
    ),
];

/// The system tables, built fresh: `system.tables`, `system.columns`, `system.users`,
/// `system.certificates`, `system.sessions`, `system.jobs`, `system.stats`.
pub fn system_tables() -> Vec<Table> {
    SYSTEM_TABLES
        .iter()
        .enumerate()
        .map(|(i, (name, _, columns))| Table {
            id: SYSTEM_TABLE_ID_BASE + i as TableId,
            namespace: SYSTEM_NAMESPACE.to_owned(),
            name: (*name).to_owned(),
            kind: TableKind::System,
            schema_version: SYSTEM_SCHEMA_VERSION,
            columns: columns
                .iter()
                .enumerate()
                .map(|(c, (cname, ty, nullable))| Column {
                    id: c as u32 + 1,
                    name: (*cname).to_owned(),
                    ty: *ty,
                    nullable: *nullable,
                    default: None,
                })
                .collect(),
            key: Vec::new(),
            access: Access::Public,
        })
        .collect()
}

/// Markdown describing every system table (for docs/bytecode.md, kept in sync by a
/// test).
pub fn system_tables_markdown() -> String {
    let mut out = String::new();
    for (name, what, columns) in SYSTEM_TABLES {
        out.push_str(&format!("- `system.{name}` — {what}: "));
        let cols: Vec<String> = columns
            .iter()
            .map(|(c, ty, nullable)| format!("`{c}` {ty}{}", if *nullable { "?" } else { "" }))
            .collect();
        out.push_str(&cols.join(", "));
        out.push('\n');
    }
    out
}
