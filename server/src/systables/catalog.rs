//! `system.tables`, `system.columns`, `system.users`, `system.certificates`: from the
//! catalog the caller's role sees, and the storage engine's partition statistics.

use std::collections::HashMap;

use arrow_array::ArrayRef;
use kalavar_storage::{TableId, UserId};
use kql_compiler::catalog::TableKind;

use super::build::{Cell, columns as to_columns, int, opt_text, text};
use crate::vm::context::Ctx;
use crate::vm::error::Result;

/// Per table: hot rows, cold rows, cold bytes, segments — summed over the partitions
/// the caller may count (all for admins; for others their own partition of `user`
/// tables, and shared and stream tables whole).
pub(super) fn table_figures(cx: &Ctx<'_>) -> HashMap<TableId, (u64, u64, u64, u64)> {
    let storage = cx.db.engine.catalog();
    let mut out: HashMap<TableId, (u64, u64, u64, u64)> = HashMap::new();
    for p in cx.db.engine.stats().partitions {
        let mine = match p.owner {
            None => true,
            Some(owner) => cx.who.is_admin() || owner == cx.who.owner,
        };
        if !mine || storage.table(p.table).is_none() {
            continue;
        }
        let e = out.entry(p.table).or_default();
        e.0 += p.hot_rows;
        e.1 += p.cold_rows.saturating_sub(p.cold_tombstones);
        e.2 += p.cold_bytes;
        e.3 += p.segments as u64;
    }
    out
}

pub fn tables(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let views = cx.db.views()?;
    let catalog = views.for_role(cx.who.role);
    let figures = table_figures(cx);
    let mut rows = Vec::new();
    let mut list: Vec<_> = catalog.user_defined_tables().collect();
    list.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for t in list {
        let f = figures.get(&TableId(t.id)).copied().unwrap_or_default();
        let created = views.storage.table(TableId(t.id)).map(|d| d.created_at_us);
        rows.push(vec![
            int(t.id as i64),
            text(&t.namespace),
            text(&t.name),
            text(t.kind.to_string()),
            Cell::I32(Some(t.schema_version as i32)),
            text(t.key.join(", ")),
            // A user table has no access level: every user reads and writes only
            // their own partition.
            opt_text((t.kind != TableKind::User).then(|| t.access.to_string())),
            int(f.0 as i64),
            int(f.1 as i64),
            int(f.2 as i64),
            Cell::I32(Some(f.3 as i32)),
            Cell::Ts(created),
        ]);
    }
    Ok(to_columns(
        rows,
        &[
            int(0),
            text(""),
            text(""),
            text(""),
            Cell::I32(None),
            text(""),
            text(""),
            int(0),
            int(0),
            int(0),
            Cell::I32(None),
            Cell::Ts(None),
        ],
    ))
}

pub fn columns_of(cx: &Ctx<'_>) -> Result<Vec<Vec<Cell>>> {
    let views = cx.db.views()?;
    let catalog = views.for_role(cx.who.role);
    let mut rows = Vec::new();
    let mut list: Vec<_> = catalog.tables().iter().collect();
    list.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for t in list {
        for (i, c) in t.columns.iter().enumerate() {
            let key = t.key.iter().position(|k| *k == c.name);
            rows.push(vec![
                int(t.id as i64),
                text(&t.namespace),
                text(&t.name),
                Cell::I32(Some(c.id as i32)),
                Cell::I32(Some(i as i32 + 1)),
                text(&c.name),
                text(c.ty.to_string()),
                Cell::Bool(Some(c.nullable)),
                opt_text(c.default.clone()),
                Cell::I32(key.map(|k| k as i32 + 1)),
            ]);
        }
    }
    Ok(rows)
}

pub fn columns(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    Ok(super::build::columns(
        columns_of(cx)?,
        &[
            int(0),
            text(""),
            text(""),
            Cell::I32(None),
            Cell::I32(None),
            text(""),
            text(""),
            Cell::Bool(None),
            text(""),
            Cell::I32(None),
        ],
    ))
}

fn role_text(r: kalavar_storage::Role) -> &'static str {
    match r {
        kalavar_storage::Role::User => "user",
        kalavar_storage::Role::Service => "service",
        kalavar_storage::Role::Dba => "dba",
        kalavar_storage::Role::Root => "root",
    }
}

fn list(ips: &[String]) -> Option<String> {
    (!ips.is_empty()).then(|| ips.join(", "))
}

pub fn users(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let storage = cx.db.engine.catalog();
    let mut users: Vec<_> = storage
        .users()
        .filter(|u| cx.who.is_admin() || u.id == UserId(cx.who.user_id))
        .collect();
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = users
        .into_iter()
        .map(|u| {
            vec![
                text(&u.name),
                text(role_text(u.role)),
                Cell::Bool(Some(u.enabled)),
                opt_text(list(&u.allowed_ips)),
                Cell::Ts(Some(u.created_at_us)),
            ]
        })
        .collect();
    Ok(to_columns(
        rows,
        &[
            text(""),
            text(""),
            Cell::Bool(None),
            text(""),
            Cell::Ts(None),
        ],
    ))
}

pub fn certificates(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let storage = cx.db.engine.catalog();
    let mut certs: Vec<_> = storage
        .certificates()
        .filter(|c| cx.who.is_admin() || c.user == UserId(cx.who.user_id))
        .collect();
    certs.sort_by_key(|c| (c.not_before_us, c.serial.clone()));
    let rows = certs
        .into_iter()
        .map(|c| {
            let user = storage
                .user(c.user)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            vec![
                text(c.serial.to_ascii_lowercase()),
                text(user),
                Cell::Ts(Some(c.not_before_us)),
                Cell::Ts(Some(c.not_after_us)),
                opt_text(list(&c.addresses)),
                Cell::Bool(Some(c.revoked_at_us.is_some())),
                Cell::Ts(c.revoked_at_us),
            ]
        })
        .collect();
    Ok(to_columns(
        rows,
        &[
            text(""),
            text(""),
            Cell::Ts(None),
            Cell::Ts(None),
            text(""),
            Cell::Bool(None),
            Cell::Ts(None),
        ],
    ))
}
