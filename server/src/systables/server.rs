//! `system.sessions`, `system.jobs`, `system.stats`: from the session registry, the
//! job log, the engine's statistics and the server's counters.

use std::sync::atomic::Ordering;

use arrow_array::ArrayRef;

use super::build::{Cell, columns, int, opt_text, text};
use super::catalog::table_figures;
use crate::vm::context::Ctx;
use crate::vm::error::Result;

pub fn sessions(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let mut list = cx.host.sessions();
    list.retain(|s| cx.who.is_admin() || s.user == cx.who.user);
    list.sort_by_key(|s| s.id);
    let rows = list
        .into_iter()
        .map(|s| {
            vec![
                int(s.id as i64),
                text(s.user),
                text(s.peer),
                Cell::Ts(Some(s.connected_at_us)),
                Cell::Ts(s.last_active_us),
                int(s.statements as i64),
                opt_text(s.current),
            ]
        })
        .collect();
    Ok(columns(
        rows,
        &[
            int(0),
            text(""),
            text(""),
            Cell::Ts(None),
            Cell::Ts(None),
            int(0),
            text(""),
        ],
    ))
}

pub fn jobs(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let rows = cx
        .db
        .jobs
        .snapshot()
        .into_iter()
        .filter(|j| cx.who.is_admin() || j.owner == Some(cx.who.owner.0))
        .map(|j| {
            vec![
                int(j.id as i64),
                text(j.kind),
                opt_text(j.namespace),
                opt_text(j.table),
                text(j.state),
                Cell::Ts(Some(j.started_us)),
                Cell::Ts(j.finished_us),
                Cell::I64(j.rows),
                Cell::I64(j.bytes),
                opt_text(j.error),
            ]
        })
        .collect();
    Ok(columns(
        rows,
        &[
            int(0),
            text(""),
            text(""),
            text(""),
            text(""),
            Cell::Ts(None),
            Cell::Ts(None),
            int(0),
            int(0),
            text(""),
        ],
    ))
}

fn stat(name: &str, scope: Option<String>, value: u64, unit: &str) -> Vec<Cell> {
    vec![
        text(name),
        opt_text(scope),
        int(i64::try_from(value).unwrap_or(i64::MAX)),
        opt_text((!unit.is_empty()).then(|| unit.to_owned())),
    ]
}

pub fn stats(cx: &Ctx<'_>) -> Result<Vec<ArrayRef>> {
    let mut rows = Vec::new();
    let db = cx.db;
    if cx.who.is_admin() {
        let s = db.engine.stats();
        let c = &db.counters;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        for (name, value, unit) in [
            ("memory_used", s.memory_used, "bytes"),
            ("memory_budget", s.memory_budget, "bytes"),
            ("memtable", s.memtable_bytes, "bytes"),
            ("block_cache", s.block_cache_bytes, "bytes"),
            ("hot_rows", s.hot_rows, "rows"),
            ("hot_bytes", s.hot_bytes, "bytes"),
            ("cold_rows", s.cold_rows, "rows"),
            ("cold_bytes", s.cold_bytes, "bytes"),
            ("segments", s.segments as u64, ""),
            ("flushes", s.flushes, ""),
            ("flushed_versions", s.flushed_versions, "rows"),
            ("compactions", s.compactions, ""),
            ("evicted_rows", s.evicted_rows, "rows"),
            ("loads_ingested", s.loads_ingested, ""),
            ("connections", cx.host.sessions().len() as u64, ""),
            ("subscriptions", db.live.len() as u64, ""),
            ("statements", load(&c.statements), ""),
            ("statements_failed", load(&c.statements_failed), ""),
            ("rows_returned", load(&c.rows_returned), "rows"),
            ("rows_written", load(&c.rows_written), "rows"),
            (
                "transactions_committed",
                load(&c.transactions_committed),
                "",
            ),
            (
                "transactions_conflicted",
                load(&c.transactions_conflicted),
                "",
            ),
            ("plan_cache_entries", db.plans.len() as u64, ""),
            ("plan_cache_hits", load(&c.plan_cache_hits), ""),
            ("plan_cache_misses", load(&c.plan_cache_misses), ""),
        ] {
            rows.push(stat(name, None, value, unit));
        }
    } else {
        let mine = cx
            .host
            .sessions()
            .iter()
            .filter(|s| s.user == cx.who.user)
            .count();
        rows.push(stat("connections", None, mine as u64, ""));
    }
    let storage = db.engine.catalog();
    let views = db.views()?;
    let visible = views.for_role(cx.who.role);
    let mut figures: Vec<_> = table_figures(cx).into_iter().collect();
    figures.sort_by_key(|(t, _)| t.0);
    for (t, (hot, cold, bytes, segments)) in figures {
        let Some(def) = storage.table(t) else {
            continue;
        };
        if visible.get_table_by_id(t.0).is_none() {
            continue;
        }
        let scope = Some(def.qualified_name());
        rows.push(stat("hot_rows", scope.clone(), hot, "rows"));
        rows.push(stat("cold_rows", scope.clone(), cold, "rows"));
        rows.push(stat("cold_bytes", scope.clone(), bytes, "bytes"));
        rows.push(stat("segments", scope, segments, ""));
    }
    Ok(columns(rows, &[text(""), text(""), int(0), text("")]))
}
