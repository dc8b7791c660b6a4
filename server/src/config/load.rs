//! Where configuration comes from, in order of precedence (later wins): the
//! reference file compiled into the binary (the one source of defaults, printed by
//! `kalavard config --print-default`), the operator's file, `KALAVARD_<SECTION>_<KEY>`
//! environment variables, and command-line flags (applied by the caller).
//!
//! Every key of the file and of the environment is checked against the reference
//! before anything is deserialised: an unknown section or key, or a value of the wrong
//! type, is an error that names the key and where it came from.

use std::path::Path;

use toml::{Table, Value};

use super::model::Config;
use crate::error::ServerError;

/// The reference configuration with comments: every key and its default.
pub const REFERENCE: &str = include_str!("reference.toml");

/// Prefix of environment variables that override keys.
pub const ENV_PREFIX: &str = "KALAVARD_";

fn reference() -> Table {
    REFERENCE
        .parse()
        .expect("the reference configuration parses")
}

impl Default for Config {
    fn default() -> Self {
        Value::Table(reference())
            .try_into()
            .expect("the reference configuration is a valid Config")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// Sets `section.key` in `table` after checking that the reference has that key and
/// that the value has the reference value's type.
fn set(
    table: &mut Table,
    section: &str,
    key: &str,
    value: Value,
    origin: &str,
) -> Result<(), ServerError> {
    let Some(Value::Table(sec)) = table.get_mut(section) else {
        return Err(ServerError::Config(format!(
            "{origin}: unknown section [{section}]"
        )));
    };
    let Some(default) = sec.get(key) else {
        return Err(ServerError::Config(format!(
            "{origin}: unknown key `{section}.{key}`"
        )));
    };
    if type_name(default) != type_name(&value) {
        return Err(ServerError::Config(format!(
            "{origin}: `{section}.{key}` must be {}, found {}",
            type_name(default),
            type_name(&value)
        )));
    }
    sec.insert(key.to_owned(), value);
    Ok(())
}

/// Merges a configuration file's text over `table`.
fn merge_file(table: &mut Table, text: &str, origin: &str) -> Result<(), ServerError> {
    let file: Table = text.parse().map_err(|e: toml::de::Error| {
        ServerError::Config(format!("{origin}: {}", e.to_string().trim_end()))
    })?;
    for (section, body) in file {
        let Value::Table(body) = body else {
            return Err(ServerError::Config(format!(
                "{origin}: `{section}` must be a section ([{section}]), found {}",
                type_name(&body)
            )));
        };
        for (key, value) in body {
            set(table, &section, &key, value, origin)?;
        }
    }
    Ok(())
}

/// Reads an environment value as TOML, or as a plain string when it is not TOML.
fn env_value(text: &str) -> Value {
    match format!("v = {text}").parse::<Table>() {
        Ok(mut t) => t.remove("v").expect("parsed key"),
        Err(_) => Value::String(text.to_owned()),
    }
}

fn merge_env(
    table: &mut Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ServerError> {
    for (name, text) in vars {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let origin = format!("environment variable {name}");
        let rest = rest.to_ascii_lowercase();
        let Some((section, key)) = rest.split_once('_') else {
            return Err(ServerError::Config(format!(
                "{origin}: expected {ENV_PREFIX}<SECTION>_<KEY>"
            )));
        };
        let mut value = env_value(&text);
        // A string key keeps the text as written, even when it looks like TOML.
        if let Some(Value::Table(sec)) = table.get(section)
            && let Some(Value::String(_)) = sec.get(key)
        {
            value = Value::String(text.clone());
        }
        set(table, section, key, value, &origin)?;
    }
    Ok(())
}

/// Loads the configuration: reference defaults, then `file` if given, then the
/// `KALAVARD_*` variables among `vars`; then validates it.
pub fn load(
    file: Option<&Path>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ServerError> {
    let mut table = reference();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServerError::file(path, format!("cannot read: {e}")))?;
        merge_file(&mut table, &text, &path.display().to_string())?;
    }
    finish(table, vars)
}

/// Loads from text instead of a file (tests).
pub fn load_str(
    text: &str,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ServerError> {
    let mut table = reference();
    merge_file(&mut table, text, "configuration")?;
    finish(table, vars)
}

/// Applies the environment, deserialises and validates.
fn finish(
    mut table: Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ServerError> {
    merge_env(&mut table, vars)?;
    let config: Config = Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ServerError::Config(e.to_string().trim_end().to_owned()))?;
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Fsync;

    fn no_env() -> Vec<(String, String)> {
        Vec::new()
    }

    #[test]
    fn the_reference_is_the_default_and_validates() {
        let c = Config::default();
        c.validate().unwrap();
        assert_eq!(c.server.listen, vec!["127.0.0.1:7171".parse().unwrap()]);
        assert_eq!(
            c.limits.max_frame_bytes,
            kalavar_protocol::frame::DEFAULT_MAX_FRAME_BYTES
        );
        assert!(!c.auth.allow_unbound_certificates);
        assert_eq!(c.storage.fsync, Fsync::Always);
        assert_eq!(load_str("", no_env()).unwrap(), c);
    }

    #[test]
    fn files_override_and_unknown_keys_are_named() {
        let c = load_str("[limits]\nmax_connections = 7\n", no_env()).unwrap();
        assert_eq!(c.limits.max_connections, 7);
        let err = load_str("[limits]\nmax_conections = 7\n", no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `limits.max_conections`"), "{err}");
        let err = load_str("[limit]\nx = 1\n", no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown section [limit]"), "{err}");
        let err = load_str("[limits]\nmax_connections = \"many\"\n", no_env())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`limits.max_connections` must be an integer, found a string"),
            "{err}"
        );
        let err = load_str("top = 1\n", no_env()).unwrap_err().to_string();
        assert!(err.contains("`top` must be a section"), "{err}");
    }

    #[test]
    fn environment_variables_override_files() {
        let env = vec![
            ("KALAVARD_LIMITS_MAX_CONNECTIONS".to_owned(), "9".to_owned()),
            (
                "KALAVARD_SERVER_LISTEN".to_owned(),
                r#"["[::1]:1", "127.0.0.2:2"]"#.to_owned(),
            ),
            ("KALAVARD_SERVER_NAME".to_owned(), "true".to_owned()),
            ("KALAVARD_STORAGE_FSYNC".to_owned(), "never".to_owned()),
            ("HOME".to_owned(), "/ignored".to_owned()),
        ];
        let c = load_str("[limits]\nmax_connections = 7\n", env).unwrap();
        assert_eq!(c.limits.max_connections, 9);
        assert_eq!(c.server.listen.len(), 2);
        assert_eq!(c.server.name, "true");
        assert_eq!(c.storage.fsync, Fsync::Never);
        let err = load_str(
            "",
            vec![("KALAVARD_LIMITS_NOPE".to_owned(), "1".to_owned())],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("KALAVARD_LIMITS_NOPE") && err.contains("limits.nope"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[limits]\nmax_frame_bytes = 10\n", "limits.max_frame_bytes"),
            ("[server]\nlisten = []\n", "server.listen"),
            (
                "[auth]\ndefault_valid_days = 900\n",
                "auth.default_valid_days",
            ),
            ("[storage]\nfsync = \"sometimes\"\n", "sometimes"),
            ("[auth]\nroot_addresses = [\"10.0.0.0/40\"]\n", "/40"),
            ("[server]\nlisten = [\"nowhere\"]\n", "nowhere"),
            ("[storage]\nscan_threads = 65\n", "storage.scan_threads"),
        ] {
            let err = load_str(text, no_env()).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn storage_keys_reach_the_engine_options() {
        let defaults = kalavar_storage::EngineOptions::default();
        let c = Config::default().engine_options();
        assert_eq!(c.hot_scan_cache_bytes, 64 << 20);
        assert_eq!(c.scan_threads, defaults.scan_threads);
        assert_eq!(c.wal_prefill_bytes, 64 << 20);
        let c = load_str(
            "[storage]\nhot_scan_cache_mb = 0\nscan_threads = 3\nfsync = \"never\"\n\
             wal_prefill_mb = 0\n",
            no_env(),
        )
        .unwrap()
        .engine_options();
        assert_eq!(c.hot_scan_cache_bytes, 0);
        assert_eq!(c.scan_threads, 3);
        assert_eq!(c.durability, kalavar_storage::Durability::NoSync);
        assert_eq!(c.wal_prefill_bytes, 0);
    }

    #[test]
    fn the_docs_reproduce_the_reference() {
        let docs = include_str!("../../../docs/config.md");
        assert!(
            docs.contains(REFERENCE.trim()),
            "docs/config.md must contain config/reference.toml verbatim"
        );
    }
}
