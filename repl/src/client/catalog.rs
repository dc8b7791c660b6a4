//! The catalog snapshot a client compiles against: fetched from the server with
//! `CatalogFetch` (only what the session's user may see) on first use, and fetched
//! again, cheaply, after a schema change or a stale plan: the client sends the
//! generation it holds and the server answers "unchanged" with an empty body.
//!
//! The body is the compiler's compact snapshot encoding (`KQLC…`,
//! [`Catalog::decode`]) or, from a server that sends it, the JSON file format
//! ([`Catalog::from_json`]); both are decoded with bounded reads.

use std::sync::Arc;

use kalavar_protocol::{ClientMessage, ServerMessage};
use kql_compiler::catalog::Catalog;
use kql_compiler::identity::{Caller, Role};

use super::connection::{Client, unexpected};
use super::error::ClientError;

/// Decodes a catalog body in either form.
pub fn decode_catalog(body: &[u8]) -> Result<Catalog, ClientError> {
    if body.starts_with(b"KQLC") {
        return Catalog::decode(body).map_err(|e| ClientError::Catalog(e.to_string()));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ClientError::Catalog("neither the KQLC encoding nor UTF-8 JSON".into()))?;
    Catalog::from_json(text).map_err(|e| ClientError::Catalog(e.0))
}

impl Client {
    /// The session's identity as the compiler checks permissions with it.
    pub fn caller(&self) -> Caller {
        let role = match self.welcome().role {
            kalavar_protocol::Role::User => Role::User,
            kalavar_protocol::Role::Service => Role::Service,
            kalavar_protocol::Role::Dba => Role::Dba,
            kalavar_protocol::Role::Root => Role::Root,
        };
        Caller::new(self.welcome().user.clone(), role)
    }

    /// The catalog snapshot, fetched on first use.
    pub fn catalog(&mut self) -> Result<Arc<Catalog>, ClientError> {
        if self.catalog.is_none() {
            self.refresh_catalog()?;
        }
        Ok(self.catalog.clone().expect("fetched"))
    }

    /// Asks the server for its catalog; returns whether it changed since the
    /// snapshot held.
    pub fn refresh_catalog(&mut self) -> Result<bool, ClientError> {
        let known_generation = self.catalog.as_ref().map_or(u64::MAX, |c| c.generation());
        let request = self.next_request();
        let answer = self.request(&ClientMessage::CatalogFetch {
            request,
            known_generation,
        })?;
        let ServerMessage::Catalog {
            generation, body, ..
        } = answer
        else {
            return Err(unexpected(answer));
        };
        if body.is_empty() {
            if self.catalog.is_none() {
                return Err(ClientError::Catalog(format!(
                    "the server sent no catalog (generation {generation})"
                )));
            }
            return Ok(false);
        }
        let catalog = decode_catalog(&body)?;
        self.catalog = Some(Arc::new(catalog));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_decode_and_garbage_is_refused() {
        let json = r#"{"generation": 4, "namespaces": ["chat"], "tables": [{
            "id": 1, "namespace": "chat", "name": "messages", "kind": "user",
            "schema_version": 1, "key": ["id"],
            "columns": [{"id": 1, "name": "id", "type": "int64", "nullable": false}]}]}"#;
        let catalog = decode_catalog(json.as_bytes()).unwrap();
        assert_eq!(catalog.generation(), 4);
        let again = decode_catalog(&catalog.encode()).unwrap();
        assert_eq!(again, catalog);
        assert!(decode_catalog(b"KQLC\xff").is_err());
        assert!(decode_catalog(&[0xff, 0xfe]).is_err());
    }
}
