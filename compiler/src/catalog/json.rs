//! The `--catalog FILE` format: a JSON document describing a snapshot.
//!
//! ```json
//! {
//!   "generation": 7,
//!   "namespaces": ["chat"],
//!   "tables": [{
//!     "id": 1, "namespace": "chat", "name": "messages", "kind": "user",
//!     "schema_version": 1, "key": ["id"],
//!     "columns": [
//!       {"id": 1, "name": "id", "type": "int64", "nullable": false, "default": "snowflake()"},
//!       {"id": 2, "name": "content", "type": "text"}
//!     ]
//!   }]
//! }
//! ```
//!
//! `nullable` defaults to true, `key` to empty, `access` (shared and stream tables:
//! `public`, `read_only`, `private`) to `public`. System tables are built in and must
//! not be listed. Unknown fields are an error, so a typo does not go unnoticed.

use super::snapshot::{Catalog, CatalogError, Table};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    generation: u64,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    tables: Vec<Table>,
}

impl Catalog {
    /// Reads the JSON file format; errors name the line and column, or the table.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            serde_json::from_str(text).map_err(|e| CatalogError(format!("catalog file: {e}")))?;
        Catalog::new(file.generation, file.namespaces, file.tables)
    }

    /// Writes the JSON file format (system tables left out).
    pub fn to_json(&self) -> String {
        let file = CatalogFile {
            generation: self.generation(),
            namespaces: self
                .namespaces()
                .iter()
                .filter(|n| n.as_str() != super::SYSTEM_NAMESPACE)
                .cloned()
                .collect(),
            tables: self.user_defined_tables().cloned().collect(),
        };
        serde_json::to_string_pretty(&file).expect("a catalog always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: &str = r#"{
      "generation": 3,
      "namespaces": ["chat"],
      "tables": [{
        "id": 1, "namespace": "chat", "name": "messages", "kind": "user",
        "schema_version": 2, "key": ["id"],
        "columns": [
          {"id": 1, "name": "id", "type": "int64", "nullable": false, "default": "snowflake()"},
          {"id": 2, "name": "amount", "type": "decimal(10, 2)"}
        ]
      }]
    }"#;

    #[test]
    fn reads_and_writes_the_file_format() {
        let catalog = Catalog::from_json(CHAT).unwrap();
        let t = catalog.get_table("chat", "messages").unwrap();
        assert_eq!(t.schema_version, 2);
        assert_eq!(t.column("amount").unwrap().ty.to_string(), "decimal(10, 2)");
        assert!(t.column("amount").unwrap().nullable);
        assert!(catalog.get_table("system", "tables").is_some());
        let again = Catalog::from_json(&catalog.to_json()).unwrap();
        assert_eq!(again, catalog);
    }

    #[test]
    fn rejects_typos_and_clashes() {
        let typo = CHAT.replace("\"kind\"", "\"knid\"");
        assert!(Catalog::from_json(&typo).unwrap_err().0.contains("knid"));
        let badkey = CHAT.replace("\"key\": [\"id\"]", "\"key\": [\"nope\"]");
        let err = Catalog::from_json(&badkey).unwrap_err();
        assert!(err.0.contains("key column `nope`"), "{err}");
        let badtype = CHAT.replace("int64", "int65");
        assert!(
            Catalog::from_json(&badtype)
                .unwrap_err()
                .0
                .contains("int65")
        );
        let no_ns = CHAT.replace("\"namespaces\": [\"chat\"]", "\"namespaces\": []");
        assert!(
            Catalog::from_json(&no_ns)
                .unwrap_err()
                .0
                .contains("namespace `chat`")
        );
    }
}
