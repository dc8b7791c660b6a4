//! The configuration as typed values. Every struct refuses unknown keys, and the
//! values a key may take are checked in [`Config::validate`] so a bad file fails at
//! start-up with the key's name.

use std::net::SocketAddr;
use std::path::PathBuf;

use kalavar_protocol::frame::MIN_MAX_FRAME_BYTES;
use kalavar_protocol::limits::MAX_VALID_DAYS;
use kalavar_protocol::net::IpNet;
use serde::Deserialize;

use crate::error::ServerError;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerSection,
    pub limits: LimitsSection,
    pub auth: AuthSection,
    pub storage: StorageSection,
    pub log: LogSection,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    #[serde(deserialize_with = "addrs")]
    pub listen: Vec<SocketAddr>,
    pub host_names: Vec<String>,
    pub data_dir: PathBuf,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub max_connections: usize,
    pub max_handshakes: usize,
    pub handshake_timeout_ms: u64,
    pub idle_timeout_s: u64,
    pub max_frame_bytes: usize,
    pub query_memory_mb: u64,
    pub query_max_rows: u64,
    pub query_timeout_s: u64,
    pub plan_cache_entries: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    pub allow_unbound_certificates: bool,
    pub default_valid_days: u32,
    pub max_valid_days: u32,
    #[serde(deserialize_with = "nets")]
    pub root_addresses: Vec<IpNet>,
    pub root_valid_days: u32,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Fsync {
    /// The WAL is fsynced before a write is acknowledged.
    Always,
    /// The WAL reaches the OS before a write is acknowledged, without fsync.
    Never,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    pub memory_budget_mb: u64,
    pub flush_rows: u64,
    pub flush_interval_s: u64,
    pub fsync: Fsync,
    pub wal_prefill_mb: u64,
    pub jobs_interval_ms: u64,
    pub hot_scan_cache_mb: u64,
    pub scan_threads: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub level: String,
    pub ansi: bool,
}

fn nets<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts
        .iter()
        .map(|t| t.parse::<IpNet>().map_err(serde::de::Error::custom))
        .collect()
}

fn addrs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SocketAddr>, D::Error> {
    let texts = Vec::<String>::deserialize(d)?;
    texts
        .iter()
        .map(|t| {
            t.parse::<SocketAddr>().map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{t}` is not an address and port (`127.0.0.1:7171`, `[::]:7171`)"
                ))
            })
        })
        .collect()
}

fn check(ok: bool, key: &str, what: &str) -> Result<(), ServerError> {
    if ok {
        Ok(())
    } else {
        Err(ServerError::Config(format!("{key}: {what}")))
    }
}

impl Config {
    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ServerError> {
        check(
            !self.server.listen.is_empty(),
            "server.listen",
            "needs at least one address",
        )?;
        check(
            !self.server.name.is_empty(),
            "server.name",
            "must not be empty",
        )?;
        check(
            self.limits.max_connections > 0,
            "limits.max_connections",
            "must be at least 1",
        )?;
        check(
            self.limits.max_handshakes > 0,
            "limits.max_handshakes",
            "must be at least 1",
        )?;
        check(
            self.limits.handshake_timeout_ms > 0,
            "limits.handshake_timeout_ms",
            "must be at least 1",
        )?;
        check(
            self.limits.idle_timeout_s > 0,
            "limits.idle_timeout_s",
            "must be at least 1",
        )?;
        check(
            (MIN_MAX_FRAME_BYTES..=1 << 30).contains(&self.limits.max_frame_bytes),
            "limits.max_frame_bytes",
            "must be between 65536 and 1073741824",
        )?;
        let days = 1..=MAX_VALID_DAYS;
        check(
            days.contains(&self.auth.max_valid_days),
            "auth.max_valid_days",
            "must be between 1 and 3650",
        )?;
        check(
            (1..=self.auth.max_valid_days).contains(&self.auth.default_valid_days),
            "auth.default_valid_days",
            "must be between 1 and auth.max_valid_days",
        )?;
        check(
            days.contains(&self.auth.root_valid_days),
            "auth.root_valid_days",
            "must be between 1 and 3650",
        )?;
        check(
            !self.auth.root_addresses.is_empty() || self.auth.allow_unbound_certificates,
            "auth.root_addresses",
            "must not be empty unless auth.allow_unbound_certificates is true",
        )?;
        check(
            self.storage.memory_budget_mb > 0,
            "storage.memory_budget_mb",
            "must be at least 1",
        )?;
        check(
            self.storage.flush_rows > 0,
            "storage.flush_rows",
            "must be at least 1",
        )?;
        check(
            self.storage.scan_threads <= 64,
            "storage.scan_threads",
            "must be between 0 (the number of CPUs, at most 4) and 64",
        )?;
        check(
            self.storage.jobs_interval_ms > 0,
            "storage.jobs_interval_ms",
            "must be at least 1",
        )?;
        check(
            self.limits.query_memory_mb > 0,
            "limits.query_memory_mb",
            "must be at least 1",
        )?;
        check(
            self.limits.query_max_rows > 0,
            "limits.query_max_rows",
            "must be at least 1",
        )?;
        check(
            self.limits.query_timeout_s > 0,
            "limits.query_timeout_s",
            "must be at least 1",
        )?;
        check(
            tracing_subscriber::EnvFilter::try_new(&self.log.level).is_ok(),
            "log.level",
            "is not a log filter (try `info` or `warn,kalavar_server=debug`)",
        )
    }

    /// The storage engine's options from `[storage]`.
    pub fn engine_options(&self) -> kalavar_storage::EngineOptions {
        let defaults = kalavar_storage::EngineOptions::default();
        kalavar_storage::EngineOptions {
            hot_scan_cache_bytes: usize::try_from(
                self.storage.hot_scan_cache_mb.saturating_mul(1 << 20),
            )
            .unwrap_or(usize::MAX),
            scan_threads: match self.storage.scan_threads {
                0 => defaults.scan_threads,
                n => usize::try_from(n).unwrap_or(usize::MAX),
            },
            durability: match self.storage.fsync {
                Fsync::Always => kalavar_storage::Durability::Sync,
                Fsync::Never => kalavar_storage::Durability::NoSync,
            },
            memory_budget_bytes: self.storage.memory_budget_mb.saturating_mul(1 << 20),
            wal_prefill_bytes: usize::try_from(self.storage.wal_prefill_mb.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
            flush_defaults: kalavar_storage::FlushPolicy {
                max_hot_rows: self.storage.flush_rows,
                interval_secs: self.storage.flush_interval_s,
                ..kalavar_storage::FlushPolicy::default()
            },
            ..defaults
        }
    }

    /// The per-statement limits from `[limits]`.
    pub fn exec_limits(&self) -> crate::db::ExecLimits {
        crate::db::ExecLimits {
            memory_bytes: usize::try_from(self.limits.query_memory_mb.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
            max_rows: self.limits.query_max_rows,
            timeout: std::time::Duration::from_secs(self.limits.query_timeout_s),
        }
    }

    /// The data directory with a leading `~` expanded.
    pub fn data_dir(&self) -> PathBuf {
        expand_home(&self.server.data_dir)
    }
}

/// Expands a leading `~/` to `$HOME`.
pub fn expand_home(path: &std::path::Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => path.to_owned(),
        },
        Err(_) => path.to_owned(),
    }
}
